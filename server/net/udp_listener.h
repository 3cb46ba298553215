#pragma once
// The UDP receive loop of one worker on one listen address (Knot's udp-handler.c, the
// loop of NSD's server.c): a thread of its own that blocks in recvmmsg(), answers the
// batch from its own buffers and sends the answers with one sendmmsg(). No event loop
// sits between the kernel and the query core, so an answer costs the system calls and
// the lookup, nothing more. Each worker has its own socket bound with SO_REUSEPORT, so
// the kernel spreads datagrams over the workers.
//
// Names the views forward are answered here too when the forwarder's cache (one per
// process) has them; for the rest, what the query core decided is handed to the
// forwarder, whose thread writes the finished answer and sends it through this
// listener's socket itself: no hop through the worker, no lock around the socket.
//
// Response rate limiting (`rate_limit`, RateLimiter) is applied here, per receive thread,
// to every query the core answers or forwards, but for those whose valid server cookie
// (RFC 7873) proves their address: TCP is never limited.
// Threads: its own receive thread; answers to queries that missed the forwarder's
// cache go out on the forwarder's thread, counted in the worker's forwarder_stats().

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>

#include <boost/asio/ip/udp.hpp>

#include "server/net/worker.h"

namespace sitedns::net {

class UdpListener {
  public:
    /// `socket` is bound, on `worker`'s io_context; the listener takes its descriptor.
    UdpListener(Worker& worker, boost::asio::ip::udp::socket socket);
    ~UdpListener();

    UdpListener(const UdpListener&) = delete;
    UdpListener& operator=(const UdpListener&) = delete;

    /// Starts the receive thread (once; from any thread).
    void start();
    /// Stops the receive thread and closes the socket (from any thread but the
    /// listener's own). Forwarded answers still pending are then not sent.
    void close();

    Worker& worker() const { return worker_; }

    /// Datagrams received (and answers sent) per system call, at most.
    static constexpr std::size_t kBatch = 32;

  private:
    struct Socket;
    struct Batch;
    struct ReplyTo;

    void run();
    void answer_batch(std::size_t received);
    /// Answers datagram `slot` into answer slot `out`; true when there is an answer to send.
    bool answer(const query::Snapshot& snapshot, std::size_t slot, std::size_t out);
    /// Hands what was decided for datagram `slot` to the forwarder; its answer is sent
    /// from the forwarder's thread through the socket while the listener is open.
    void resolve(const query::Decision& decision, std::size_t slot, std::uint32_t view_slot);

    Worker& worker_;
    /// Shared with the replies of forwarded queries; released by close().
    std::shared_ptr<Socket> socket_;
    std::unique_ptr<Batch> batch_;
    WorkerStats& stats_;  ///< this thread's counters (Worker::acquire_udp_stats)
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace sitedns::net
