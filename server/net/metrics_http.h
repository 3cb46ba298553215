#pragma once
// The metrics endpoint (`metrics_listen`, SPEC §3.1): a small HTTP/1.1 server (Boost.Beast)
// answering `GET /metrics` with the Prometheus text. It runs on an io_context and a
// thread of its own, never on a worker, so a slow scraper cannot delay a query. Its
// descriptors are bounded (`metrics`, docs/configuration.md): a client outside
// `metrics.access`, or past `metrics.max_connections`, is accepted and closed at once,
// unanswered, so neither the kernel's backlog nor the process's descriptors fill up.
// Threads: start() and stop() on the main thread; the HTTP server, Render and the count
// of open connections belong to the metrics thread only.

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/address.h"
#include "config/config.h"

namespace sitedns::net {

class MetricsHttp {
  public:
    /// The body of a scrape: Prometheus text (called on the metrics thread).
    using Render = std::function<std::string()>;

    /// Binds and listens on `endpoint` (port 0: a free port), serving as `limits` says.
    /// Throws BindError.
    MetricsHttp(const Endpoint& endpoint, const MetricsConfig& limits, Render render);
    /// stop().
    ~MetricsHttp();

    MetricsHttp(const MetricsHttp&) = delete;
    MetricsHttp& operator=(const MetricsHttp&) = delete;

    /// The address listened on, with its actual port.
    const Endpoint& bound() const { return bound_; }

    /// Starts serving on the metrics thread: `GET /metrics` (or HEAD) is 200 with the
    /// rendered text, another method on it 405, any other path 404. Connections are kept
    /// alive between scrapes and closed after `idle_timeout_ms` without a whole request.
    void start();
    /// Stops serving and joins the thread; idempotent.
    void stop();

  private:
    void accept();
    /// Whether a connection from `peer` may be served now; logs the first refusal of each
    /// kind (a flood must not flood the log).
    bool admit(const boost::asio::ip::tcp::endpoint& peer);

    /// Connections open now. Declared before io_: sessions destroyed with io_ still
    /// count themselves out.
    std::size_t open_ = 0;
    bool logged_access_ = false;
    bool logged_limit_ = false;
    boost::asio::io_context io_{1};  // outlives the acceptor and every session
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;  ///< a failed accept is retried after a pause
    Render render_;
    std::vector<Cidr> access_;
    std::size_t max_connections_;
    std::chrono::milliseconds idle_;
    Endpoint bound_;
    std::thread thread_;
};

}  // namespace sitedns::net
