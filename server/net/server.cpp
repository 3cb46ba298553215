#include "server/net/server.h"

#include <sys/socket.h>

#include <thread>
#include <utility>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/system_error.hpp>

#include "server/net/endpoint.h"

namespace sitedns::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::size_t worker_count(unsigned configured) {
    if (configured != 0) {
        return configured;
    }
    unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
}

/// A non-blocking UDP socket bound with SO_REUSEPORT, so every worker can bind the same
/// address and the kernel spreads datagrams over them. Throws system_error.
udp::socket open_udp(asio::io_context& context, const udp::endpoint& endpoint) {
    udp::socket socket(context);
    socket.open(endpoint.protocol());
    if (endpoint.address().is_v6()) {
        socket.set_option(asio::ip::v6_only(true));
    }
    socket.set_option(ReusePort(true));
    socket.bind(endpoint);
    socket.non_blocking(true);
    return socket;
}

/// A listening TCP acceptor. Throws system_error.
tcp::acceptor open_tcp(asio::io_context& context, const tcp::endpoint& endpoint) {
    tcp::acceptor acceptor(context);
    acceptor.open(endpoint.protocol());
    if (endpoint.address().is_v6()) {
        acceptor.set_option(asio::ip::v6_only(true));
    }
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor;
}

}  // namespace

Server::Server(const runtime::SnapshotHolder& snapshots, ServerOptions options)
    : options_(std::move(options)),
      pool_(worker_count(options_.threads)),
      connections_(std::make_shared<ConnectionCount>(0)) {
    for (std::size_t i = 0; i < pool_.size(); ++i) {
        workers_.push_back(std::make_unique<Worker>(i, pool_.context(i), snapshots));
    }
}

Server::~Server() {
    pool_.stop();
    pool_.join();
}

void Server::bind() {
    for (const auto& endpoint : options_.listen) {
        bind_endpoint(endpoint);
    }
}

void Server::bind_endpoint(const Endpoint& endpoint) {
    // Port 0: the free port UDP got may be taken for TCP; try another one.
    const int attempts = endpoint.port == 0 ? 10 : 1;
    for (int attempt = 1;; ++attempt) {
        try {
            bound_.push_back(bind_once(endpoint));
            return;
        } catch (const boost::system::system_error& e) {
            if (e.code() == asio::error::address_in_use && attempt < attempts) {
                continue;
            }
            throw BindError("cannot listen on " + endpoint.to_string() + ": " + e.code().message());
        }
    }
}

Endpoint Server::bind_once(const Endpoint& endpoint) {
    const asio::ip::address address = to_asio(endpoint.address);
    std::vector<udp::socket> sockets;
    sockets.push_back(open_udp(workers_[0]->context(), udp::endpoint(address, endpoint.port)));
    const std::uint16_t port = sockets[0].local_endpoint().port();
    tcp::acceptor acceptor = open_tcp(workers_[0]->context(), tcp::endpoint(address, port));
    for (std::size_t i = 1; i < workers_.size(); ++i) {
        sockets.push_back(open_udp(workers_[i]->context(), udp::endpoint(address, port)));
    }

    // Everything bound: hand the sockets to their listeners.
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        udp_.push_back(std::make_unique<UdpListener>(*workers_[i], std::move(sockets[i])));
    }
    std::vector<Worker*> targets;
    for (auto& worker : workers_) {
        targets.push_back(worker.get());
    }
    tcp_.push_back(std::make_unique<TcpListener>(*workers_[0], std::move(targets),
                                                 std::move(acceptor), options_.tcp, connections_));
    Endpoint actual = endpoint;
    actual.port = port;
    return actual;
}

void Server::start(std::function<void()> on_stopped) {
    for (auto& listener : udp_) {
        listener->start();
    }
    for (auto& listener : tcp_) {
        listener->start();
    }
    pool_.start(std::move(on_stopped));
}

void Server::shutdown() {
    for (auto& worker : workers_) {
        Worker* w = worker.get();
        asio::post(w->context(), [this, w] {
            for (auto& listener : udp_) {
                if (&listener->worker() == w) {
                    listener->close();
                }
            }
            for (auto& listener : tcp_) {
                if (&listener->home() == w) {
                    listener->close();
                }
            }
            w->shutdown_sessions();
        });
    }
    pool_.release();
}

}  // namespace sitedns::net
