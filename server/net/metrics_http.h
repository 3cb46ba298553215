#pragma once
// The metrics endpoint (`metrics_listen`, SPEC §3.1): a small HTTP/1.1 server (Boost.Beast)
// answering `GET /metrics` with the Prometheus text. It runs on an io_context and a
// thread of its own, never on a worker, so a slow scraper cannot delay a query.
// Threads: start() and stop() on the main thread; the HTTP server and Render run on
// the metrics thread only.

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <functional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/address.h"

namespace sitedns::net {

class MetricsHttp {
  public:
    /// The body of a scrape: Prometheus text (called on the metrics thread).
    using Render = std::function<std::string()>;

    /// Binds and listens on `endpoint` (port 0: a free port). Throws BindError.
    MetricsHttp(const Endpoint& endpoint, Render render);
    /// stop().
    ~MetricsHttp();

    MetricsHttp(const MetricsHttp&) = delete;
    MetricsHttp& operator=(const MetricsHttp&) = delete;

    /// The address listened on, with its actual port.
    const Endpoint& bound() const { return bound_; }

    /// Starts serving on the metrics thread: `GET /metrics` (or HEAD) is 200 with the
    /// rendered text, another method on it 405, any other path 404. Connections are kept
    /// alive between scrapes and closed after 30 s without a request.
    void start();
    /// Stops serving and joins the thread; idempotent.
    void stop();

  private:
    void accept();

    boost::asio::io_context io_{1};  // first: outlives the acceptor and every session
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;  ///< a failed accept is retried after a pause
    Render render_;
    Endpoint bound_;
    std::thread thread_;
};

}  // namespace sitedns::net
