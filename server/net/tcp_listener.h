#pragma once
// Accepts DNS-over-TCP connections on one listen address and hands each to a worker,
// round robin; over the connection caps (in total, or from one client address), new
// connections are closed at once (RFC 7766 §6.2.2).
// Threads: its home worker's io_context thread; sessions go to other workers by post.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.h"
#include "server/net/tcp_connections.h"
#include "server/net/tcp_session.h"
#include "server/net/worker.h"

namespace sitedns::net {

class TcpListener {
  public:
    /// `acceptor` is listening, on `home`'s io_context; sessions go to `workers`.
    TcpListener(Worker& home, std::vector<Worker*> workers, boost::asio::ip::tcp::acceptor acceptor,
                const TcpConfig& limits, std::shared_ptr<TcpConnections> connections);

    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    /// Starts accepting.
    void start();
    /// Stops accepting; call on the home worker's thread.
    void close();

    Worker& home() const { return home_; }

  private:
    void accept();
    void on_accept(boost::system::error_code ec);
    /// Starts a session on the connection accepted, or closes it over a cap.
    void admit();

    Worker& home_;
    std::vector<Worker*> workers_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;
    std::chrono::milliseconds idle_timeout_;
    std::size_t max_connections_;
    std::size_t max_per_client_;
    std::size_t max_in_flight_;
    std::shared_ptr<TcpConnections> connections_;
    std::size_t next_ = 0;
    Worker* target_ = nullptr;                          // where peer_ lives
    std::optional<boost::asio::ip::tcp::socket> peer_;  // the connection being accepted
};

}  // namespace sitedns::net
