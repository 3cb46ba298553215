// Threads: see server/net/tcp_listener.h.
#include "server/net/tcp_listener.h"

#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "server/upstream/asio_address.h"

namespace sitedns::net {

namespace asio = boost::asio;

TcpListener::TcpListener(Worker& home, std::vector<Worker*> workers,
                         asio::ip::tcp::acceptor acceptor, const TcpConfig& limits,
                         std::shared_ptr<TcpConnections> connections)
    : home_(home),
      workers_(std::move(workers)),
      acceptor_(std::move(acceptor)),
      retry_timer_(home.context()),
      idle_timeout_(limits.idle_timeout_ms),
      max_connections_(limits.max_connections),
      max_per_client_(limits.max_connections_per_client),
      max_in_flight_(limits.max_queries_in_flight),
      connections_(std::move(connections)) {}

void TcpListener::start() {
    accept();
}

void TcpListener::close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
}

void TcpListener::admit() {
    boost::system::error_code ec;
    const auto peer = peer_->remote_endpoint(ec);
    if (ec) {
        return;  // reset already: the socket closes with peer_
    }
    const IpAddress client = upstream::from_asio(peer.address());
    switch (connections_->admit(client, max_connections_, max_per_client_)) {
        case TcpConnections::Admit::Yes: {
            const TcpSession::Limits limits{idle_timeout_, max_in_flight_};
            auto session = std::make_shared<TcpSession>(*target_, std::move(*peer_), client,
                                                        peer.port(), limits, connections_);
            asio::post(target_->context(), [session] { session->start(); });
            return;
        }
        case TcpConnections::Admit::OverTotal:
            spdlog::debug("tcp: connection limit ({}) reached, connection from {} closed",
                          max_connections_, client.to_string());
            break;
        case TcpConnections::Admit::OverClient:
            spdlog::debug(
                "tcp: per-client connection limit ({}) reached, connection from {} closed",
                max_per_client_, client.to_string());
            break;
    }
    peer_->close(ec);
}

void TcpListener::accept() {
    target_ = workers_[next_++ % workers_.size()];
    peer_.emplace(target_->context());
    acceptor_.async_accept(*peer_, [this](boost::system::error_code ec) { on_accept(ec); });
}

void TcpListener::on_accept(boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        // Out of descriptors or memory: retry shortly instead of spinning.
        spdlog::warn("tcp: accept: {}", ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](boost::system::error_code timer_ec) {
            if (!timer_ec && acceptor_.is_open()) {
                accept();
            }
        });
        return;
    }
    admit();
    accept();
}

}  // namespace sitedns::net
