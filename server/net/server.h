#pragma once
// The transport: worker threads, their UDP sockets and the TCP acceptors, bound to the
// configured listen addresses and answering from the published snapshot.

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
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

    /// The listen addresses with their actual ports, in configuration order.
    const std::vector<Endpoint>& bound() const { return bound_; }
    std::size_t threads() const { return pool_.size(); }

    /// Starts the worker threads. `on_stopped` runs (on a worker thread) once they all
    /// have returned.
    void start(std::function<void()> on_stopped);

    /// Graceful stop (callable from any thread): closes the listeners, lets TCP
    /// sessions write the answers they have, then the worker threads return.
    void shutdown();

    /// Stops the worker threads now, abandoning what is in flight.
    void stop_now() { pool_.stop(); }

    /// Waits for the worker threads.
    void join() { pool_.join(); }

  private:
    void bind_endpoint(const Endpoint& endpoint);
    Endpoint bind_once(const Endpoint& endpoint);

    ServerOptions options_;
    IoContextPool pool_;  // first: the io_contexts outlive every socket below
    std::shared_ptr<ConnectionCount> connections_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::unique_ptr<UdpListener>> udp_;
    std::vector<std::unique_ptr<TcpListener>> tcp_;
    std::vector<Endpoint> bound_;
};

}  // namespace sitedns::net
