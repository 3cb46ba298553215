#include "server/net/tcp_listener.h"

#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace sitedns::net {

namespace asio = boost::asio;

TcpListener::TcpListener(Worker& home, std::vector<Worker*> workers,
                         asio::ip::tcp::acceptor acceptor, const TcpConfig& limits,
                         std::shared_ptr<ConnectionCount> connections)
    : home_(home),
      workers_(std::move(workers)),
      acceptor_(std::move(acceptor)),
      retry_timer_(home.context()),
      idle_timeout_(limits.idle_timeout_ms),
      max_connections_(limits.max_connections),
      connections_(std::move(connections)) {}

void TcpListener::start() {
    accept();
}

void TcpListener::close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
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
    if (connections_->fetch_add(1, std::memory_order_relaxed) >= max_connections_) {
        connections_->fetch_sub(1, std::memory_order_relaxed);
        boost::system::error_code ignored;
        peer_->close(ignored);
        spdlog::debug("tcp: connection limit ({}) reached, connection closed", max_connections_);
    } else {
        auto session =
            std::make_shared<TcpSession>(*target_, std::move(*peer_), idle_timeout_, connections_);
        asio::post(target_->context(), [session] { session->start(); });
    }
    accept();
}

}  // namespace sitedns::net
