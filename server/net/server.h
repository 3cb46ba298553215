#pragma once
// The transport: worker threads, their UDP sockets and the TCP acceptors, bound to the
// configured listen addresses and answering from the published snapshot, and the
// process's one Forwarder on a thread of its own.
// Threads: the main thread (bind, start, shutdown, join); update_listen() from the
// reload thread; collect() from the metrics thread.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "server/net/io_context_pool.h"
#include "server/net/tcp_listener.h"
#include "server/net/udp_listener.h"
#include "server/net/worker.h"
#include "server/runtime/snapshot_holder.h"

namespace sitedns::net {

/// What the transport needs from the configuration (and the command line).
struct ServerOptions {
    std::vector<Endpoint> listen;
    unsigned threads = 0;  ///< 0: one per core
    TcpConfig tcp;
};

/// A listen address that cannot be bound. what() is
/// "cannot listen on 127.0.0.1:53: Permission denied".
class BindError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// What Server::update_listen() did.
struct ListenUpdate {
    std::vector<Endpoint> opened;     ///< newly bound, with their actual ports
    std::vector<Endpoint> closed;     ///< no longer listened on, with their actual ports
    std::vector<std::string> errors;  ///< one BindError message per address not bound
};

class Server {
  public:
    /// Creates the workers; `snapshots` must outlive the server.
    Server(const runtime::SnapshotHolder& snapshots, ServerOptions options);
    ~Server();

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Opens every socket: per listen address, one SO_REUSEPORT UDP socket per worker and
    /// one TCP acceptor. Port 0 picks a free port shared by UDP and TCP. Throws BindError.
    void bind();

    /// The listen addresses with their actual ports, in the order they were bound (a copy:
    /// a reload may change them from another thread).
    std::vector<Endpoint> bound() const;
    /// Worker threads (the forwarder's thread is not one).
    std::size_t threads() const { return workers_.size(); }
    /// The process's forwarder (thread-safe where Forwarder says so).
    upstream::Forwarder& forwarder() { return *forwarder_; }

    /// Starts the worker threads. `on_stopped` runs (on a worker thread) once they all
    /// have returned.
    void start(std::function<void()> on_stopped);

    /// Graceful stop (callable from any thread): answers the forwarded queries still
    /// waiting SERVFAIL, closes the listeners, lets TCP sessions write the answers they
    /// have, then the worker threads and the forwarder's return.
    void shutdown();

    /// Makes `wanted` (as configured, port 0 kept) the listen addresses of the running
    /// server: binds and starts the new ones (port 0: a free port), closes those no longer
    /// wanted, and leaves the sockets of the others untouched. TCP connections accepted on
    /// a closed address finish or idle out. An address that cannot be bound is left out and
    /// reported; the rest still applies. After start(), one caller at a time (the reload
    /// thread); does nothing once shutdown() has been called.
    ListenUpdate update_listen(const std::vector<Endpoint>& wanted);

    /// Stops the worker threads now, abandoning what is in flight.
    void stop_now() { pool_.stop(); }

    /// Adds every worker's counters to `sample` (the metrics scrape; any thread).
    void collect(runtime::MetricsSample& sample) const;

    /// Waits for the worker threads.
    void join() { pool_.join(); }

  private:
    /// The sockets of one listen address.
    struct Listening {
        Endpoint configured;  ///< as configured (port 0 kept): what a reload compares
        Endpoint actual;
        std::vector<std::unique_ptr<UdpListener>> udp;  ///< one per worker, in worker order
        std::unique_ptr<TcpListener> tcp;               ///< on worker 0
    };

    Listening bind_endpoint(const Endpoint& endpoint);
    Listening bind_once(const Endpoint& endpoint);
    /// Posts start() of each listener to its worker (the workers are running).
    void post_start(Listening& listening);
    /// Closes the listeners on their workers' threads and frees them there; waits (bounded)
    /// until the sockets are closed, so their addresses can be bound again.
    void close_on_workers(std::vector<Listening> removed);
    /// On the forwarder's thread: Forwarder::cancel_all, waited for (bounded), so that
    /// the SERVFAILs it posts to the workers come before their shutdown.
    void cancel_forwarding();

    ServerOptions options_;
    IoContextPool pool_;  // first: the io_contexts outlive every socket below
    std::shared_ptr<TcpConnections> connections_;
    Telemetry telemetry_;  // shared by the workers: outlives them
    /// On the pool's last io_context; before the workers, which use it: outlives them.
    std::unique_ptr<upstream::Forwarder> forwarder_;
    /// The `forwarding` keys the forwarder's options come from (the publishing thread).
    ForwardingConfig forwarding_;
    std::vector<std::unique_ptr<Worker>> workers_;
    mutable std::mutex mutex_;          // guards listening_ and stopping_ (slow paths only)
    std::vector<Listening> listening_;  // in the order bound
    bool stopping_ = false;             // shutdown() called: no listener is added any more
};

}  // namespace sitedns::net
