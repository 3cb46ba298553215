#pragma once
// One DNS-over-TCP connection (RFC 1035 §4.2.2 framing, RFC 7766): queries are read
// continuously and each is answered as soon as it is parsed, answers are queued and
// written one async_write at a time, so a slow reader never blocks the parser and
// pipelined queries see no head-of-line blocking. An idle deadline closes connections
// that send no query (RFC 7766 §6.2.3). Forwarded queries are answered when their
// reply comes, out of order (RFC 7766 §6.2.1.1): answers from the zones or the cache
// never wait behind them. A session stops parsing and reading while too many of its
// answers are not yet written (pipelining backpressure), and resumes as they drain.
// Threads: its worker's io_context thread only (the forwarder posts its answers there).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/address.h"
#include "server/net/tcp_connections.h"
#include "server/net/worker.h"

namespace sitedns::net {

class TcpSession : public std::enable_shared_from_this<TcpSession> {
  public:
    /// Per-connection limits (docs/configuration.md "tcp").
    struct Limits {
        std::chrono::milliseconds idle_timeout;
        std::size_t max_in_flight;  ///< queries read whose answer is not yet written
    };

    /// `socket` is connected, from `client`:`client_port`, and belongs to `worker`'s
    /// io_context; `connections` admitted it. The session releases itself from
    /// `connections` when it is destroyed.
    TcpSession(Worker& worker, boost::asio::ip::tcp::socket socket, const IpAddress& client,
               std::uint16_t client_port, const Limits& limits,
               std::shared_ptr<TcpConnections> connections);
    ~TcpSession();  // not copyable or movable: it owns the socket, and handlers hold it

    /// Registers with the worker and starts reading; call on the worker's thread.
    void start();
    /// Stops reading; answers already queued are written, then the connection closes.
    void shutdown();

  private:
    /// Answers queued beyond this stop reading until the client catches up.
    static constexpr std::size_t kMaxQueued = 256 * 1024;
    static constexpr std::size_t kInitialBuffer = 4096;

    void read();
    /// Answers the queries waiting in the buffer while there is room, then reads on, or
    /// closes when everything is done.
    void resume();
    void on_read(boost::system::error_code ec, std::size_t length);
    /// Answers every whole frame in the buffer; false when the connection must close.
    bool process_frames();
    void answer(std::span<const std::uint8_t> query);
    /// Answers a query the view forwards: from the cache now, else when it resolves.
    void forward(const query::Snapshot& snapshot, const query::Decision& decision,
                 const Answered& note);
    /// The forwarder's answer, its echoed options added (on this worker's thread).
    void on_forwarded(const Answered& note, std::span<const std::uint8_t> answer);
    void queue(std::span<const std::uint8_t> answer);
    void flush();
    void on_written(boost::system::error_code ec);
    void watch_idle();
    void close();
    bool write_in_flight() const { return !writing_.empty(); }
    /// Queries read whose answer is not yet written.
    std::size_t in_flight() const { return queued_count_ + writing_count_ + forwarded_; }
    /// Too many answers waiting: neither parse nor read until some are written.
    bool saturated() const {
        return in_flight() >= max_in_flight_ || queued_.size() + writing_.size() > kMaxQueued;
    }
    /// Nothing more to read, write or wait for: the connection may close.
    bool done() const { return read_closed_ && !write_in_flight() && forwarded_ == 0; }

    Worker& worker_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer idle_timer_;
    std::chrono::milliseconds idle_timeout_;
    std::size_t max_in_flight_;
    std::chrono::steady_clock::time_point deadline_;
    std::shared_ptr<TcpConnections> connections_;
    IpAddress client_;
    std::uint16_t client_port_ = 0;

    std::vector<std::uint8_t> in_;  // received bytes; in_[0, in_used_) are valid
    std::size_t in_used_ = 0;
    std::vector<std::uint8_t> queued_;   // framed answers waiting for the next write
    std::vector<std::uint8_t> writing_;  // framed answers of the write in flight
    std::size_t queued_count_ = 0;       // answers in queued_
    std::size_t writing_count_ = 0;      // answers in writing_
    std::size_t forwarded_ = 0;          // forwarded queries whose answer has not come yet
    bool processing_ = false;            // inside process_frames()
    bool reading_ = false;
    bool eof_ = false;          // EOF or error from the client: nothing more comes
    bool read_closed_ = false;  // shutdown(), not DNS, or EOF with every query answered
    bool closed_ = false;
};

}  // namespace sitedns::net
