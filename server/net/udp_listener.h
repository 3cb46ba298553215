#pragma once
// The UDP receive loop of one worker on one listen address (Knot's udp-handler.c):
// wait until the socket is readable, then receive, answer and send datagrams
// synchronously from the worker's fixed buffers until the socket is drained. Each
// worker has its own socket bound with SO_REUSEPORT, so the kernel spreads datagrams.
// The batch loop is the place where recvmmsg/sendmmsg will go. Queries for names the
// view forwards are answered from the worker's cache or, later, from the same socket
// when the forwarder replies.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <boost/asio/ip/udp.hpp>

#include "server/net/worker.h"

namespace sitedns::net {

class UdpListener {
  public:
    /// `socket` is bound and non-blocking, on `worker`'s io_context.
    UdpListener(Worker& worker, boost::asio::ip::udp::socket socket);

    UdpListener(const UdpListener&) = delete;
    UdpListener& operator=(const UdpListener&) = delete;

    /// Starts receiving (call once, before the worker's thread runs or on it).
    void start();
    /// Closes the socket; call on the worker's thread.
    void close();

    Worker& worker() const { return worker_; }

  private:
    /// Datagrams handled before yielding to the worker's other sockets and sessions.
    static constexpr int kBatch = 64;

    void wait();
    void drain();
    void answer(std::size_t length);
    /// Answers a query the view forwards: from the cache now, else when it resolves.
    void forward(const query::Decision& decision, const Answered& note);
    void send(std::span<const std::uint8_t> answer, const boost::asio::ip::udp::endpoint& to);

    Worker& worker_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::ip::udp::endpoint sender_;
    /// Expires with the listener: forwarder replies still pending then are not sent.
    std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace sitedns::net
