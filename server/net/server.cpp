// Threads: see server/net/server.h.
#include "server/net/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <iterator>
#include <thread>
#include <utility>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/system_error.hpp>

#include "server/upstream/asio_address.h"

namespace sitedns::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

/// How long a reload waits for the workers to close the sockets of removed addresses.
constexpr std::chrono::seconds kCloseWait{2};

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
      pool_(worker_count(options_.threads) + 1),  // the last: the forwarder's
      connections_(std::make_shared<TcpConnections>()),
      forwarding_(snapshots.load()->config.forwarding) {
    forwarder_ = std::make_unique<upstream::Forwarder>(pool_.context(pool_.size() - 1),
                                                       forwarder_options(forwarding_));
    forwarder_->set_validation(validation_options(*snapshots.load()));
    for (std::size_t i = 0; i + 1 < pool_.size(); ++i) {
        workers_.push_back(
            std::make_unique<Worker>(i, pool_.context(i), snapshots, telemetry_, *forwarder_));
    }
    // A reload's `forwarding` keys apply to the queries started after it; the cache stays.
    snapshots.on_publish([this, &snapshots] {
        // The forwarder keeps the options it has when they are the same.
        forwarder_->set_validation(validation_options(*snapshots.load()));
        const ForwardingConfig& next = snapshots.load()->config.forwarding;
        if (next == forwarding_) return;
        forwarding_ = next;
        forwarder_->set_options(forwarder_options(next));
    });
}

Server::~Server() {
    pool_.stop();
    pool_.join();
}

void Server::collect(runtime::MetricsSample& sample) const {
    for (const auto& worker : workers_) collect_worker(*worker, sample);
    collect_forwarder(*forwarder_, sample);
    sample.tcp_connections += connections_->live();
    sample.tcp_refused_total += connections_->refused_total();
    sample.tcp_refused_per_client += connections_->refused_per_client();
    sample.tcp_idle_closed += connections_->idle_closed();
}

void Server::bind() {
    std::lock_guard lock(mutex_);
    for (const auto& endpoint : options_.listen) {
        listening_.push_back(bind_endpoint(endpoint));
    }
}

std::vector<Endpoint> Server::bound() const {
    std::lock_guard lock(mutex_);
    std::vector<Endpoint> endpoints;
    for (const auto& listening : listening_) {
        endpoints.push_back(listening.actual);
    }
    return endpoints;
}

Server::Listening Server::bind_endpoint(const Endpoint& endpoint) {
    // Port 0: the free port UDP got may be taken for TCP; try another one.
    const int attempts = endpoint.port == 0 ? 10 : 1;
    for (int attempt = 1;; ++attempt) {
        try {
            return bind_once(endpoint);
        } catch (const boost::system::system_error& e) {
            if (e.code() == asio::error::address_in_use && attempt < attempts) {
                continue;
            }
            throw BindError("cannot listen on " + endpoint.to_string() + ": " + e.code().message());
        }
    }
}

Server::Listening Server::bind_once(const Endpoint& endpoint) {
    const asio::ip::address address = upstream::to_asio(endpoint.address);
    std::vector<udp::socket> sockets;
    sockets.push_back(open_udp(workers_[0]->context(), udp::endpoint(address, endpoint.port)));
    const std::uint16_t port = sockets[0].local_endpoint().port();
    tcp::acceptor acceptor = open_tcp(workers_[0]->context(), tcp::endpoint(address, port));
    for (std::size_t i = 1; i < workers_.size(); ++i) {
        sockets.push_back(open_udp(workers_[i]->context(), udp::endpoint(address, port)));
    }

    // Everything bound: hand the sockets to their listeners.
    Listening listening{endpoint, endpoint, {}, nullptr};
    listening.actual.port = port;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        listening.udp.push_back(std::make_unique<UdpListener>(*workers_[i], std::move(sockets[i])));
    }
    std::vector<Worker*> targets;
    for (auto& worker : workers_) {
        targets.push_back(worker.get());
    }
    listening.tcp = std::make_unique<TcpListener>(*workers_[0], std::move(targets),
                                                  std::move(acceptor), options_.tcp, connections_);
    return listening;
}

void Server::start(std::function<void()> on_stopped) {
    {
        std::lock_guard lock(mutex_);
        for (auto& listening : listening_) {
            for (auto& listener : listening.udp) {
                listener->start();
            }
            listening.tcp->start();
        }
    }
    pool_.start(std::move(on_stopped));
}

ListenUpdate Server::update_listen(const std::vector<Endpoint>& wanted) {
    ListenUpdate update;
    const auto is_wanted = [&wanted](const Listening& listening) {
        return std::find(wanted.begin(), wanted.end(), listening.configured) != wanted.end();
    };
    std::vector<Listening> removed;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return update;
        auto gone = std::stable_partition(listening_.begin(), listening_.end(), is_wanted);
        std::move(gone, listening_.end(), std::back_inserter(removed));
        listening_.erase(gone, listening_.end());
    }
    for (const auto& listening : removed) {
        update.closed.push_back(listening.actual);
    }
    // Closed before anything is bound: an address may come back on the same port (as a
    // wildcard, say), and a listening TCP socket would still hold it.
    if (!removed.empty()) close_on_workers(std::move(removed));

    std::lock_guard lock(mutex_);
    if (stopping_) return update;
    for (const Endpoint& endpoint : wanted) {
        if (std::any_of(listening_.begin(), listening_.end(),
                        [&endpoint](const Listening& l) { return l.configured == endpoint; })) {
            continue;  // kept: its sockets stay as they are
        }
        try {
            Listening added = bind_endpoint(endpoint);
            post_start(added);
            update.opened.push_back(added.actual);
            listening_.push_back(std::move(added));
        } catch (const BindError& e) {
            update.errors.push_back(e.what());
        }
    }
    return update;
}

void Server::post_start(Listening& listening) {
    for (auto& listener : listening.udp) {
        asio::post(listener->worker().context(), [l = listener.get()] { l->start(); });
    }
    asio::post(listening.tcp->home().context(), [l = listening.tcp.get()] { l->start(); });
}

void Server::close_on_workers(std::vector<Listening> removed) {
    std::vector<std::future<void>> closed;
    for (auto& worker : workers_) {
        std::vector<std::unique_ptr<UdpListener>> udp;
        std::vector<std::unique_ptr<TcpListener>> tcp;
        for (auto& listening : removed) {
            udp.push_back(std::move(listening.udp[worker->index()]));
            if (listening.tcp && &listening.tcp->home() == worker.get()) {
                tcp.push_back(std::move(listening.tcp));
            }
        }
        std::promise<void> done;
        closed.push_back(done.get_future());
        asio::io_context& context = worker->context();
        asio::post(context, [&context, udp = std::move(udp), tcp = std::move(tcp),
                             done = std::move(done)]() mutable {
            for (auto& listener : udp) listener->close();
            for (auto& listener : tcp) listener->close();
            done.set_value();
            // Freed once the handlers the close cancelled (queued before this) have run.
            asio::post(context, [udp = std::move(udp), tcp = std::move(tcp)] {});
        });
    }
    // Bounded: a worker stopped by stop_now() never runs the close (its sockets are then
    // freed with the io_context).
    const auto deadline = std::chrono::steady_clock::now() + kCloseWait;
    for (auto& future : closed) {
        future.wait_until(deadline);
    }
}

void Server::cancel_forwarding() {
    std::promise<void> done;
    std::future<void> cancelled = done.get_future();
    asio::post(forwarder_->context(), [this, done = std::move(done)]() mutable {
        forwarder_->cancel_all();
        done.set_value();
    });
    // Bounded: a pool stopped by stop_now() never runs it.
    cancelled.wait_for(kCloseWait);
}

void Server::shutdown() {
    cancel_forwarding();
    std::lock_guard lock(mutex_);
    stopping_ = true;  // from now on listening_ does not change
    for (auto& worker : workers_) {
        Worker* w = worker.get();
        std::vector<UdpListener*> udp;
        std::vector<TcpListener*> tcp;
        for (auto& listening : listening_) {
            udp.push_back(listening.udp[w->index()].get());
            if (&listening.tcp->home() == w) {
                tcp.push_back(listening.tcp.get());
            }
        }
        asio::post(w->context(), [w, udp = std::move(udp), tcp = std::move(tcp)] {
            // After the forwarder's SERVFAILs, posted here before this: they go out
            // through the UDP sockets before those close.
            w->shutdown_sessions();
            for (auto* listener : udp) {
                listener->close();
            }
            for (auto* listener : tcp) {
                listener->close();
            }
        });
    }
    pool_.release();
}

}  // namespace sitedns::net
