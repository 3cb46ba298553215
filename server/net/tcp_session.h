#pragma once
// One DNS-over-TCP connection (RFC 1035 §4.2.2 framing, RFC 7766): queries are read
// continuously and each is answered as soon as it is parsed, answers are queued and
// written one async_write at a time, so a slow reader never blocks the parser and
// pipelined queries see no head-of-line blocking. An idle deadline closes connections
// that send no query (RFC 7766 §6.2.3). Forwarded queries are answered when their
// reply comes, out of order (RFC 7766 §6.2.1.1): answers from the zones or the cache
// never wait behind them.

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
#include "server/net/worker.h"

namespace sitedns::net {

/// Live connections over all workers, for the connection cap.
using ConnectionCount = std::atomic<std::size_t>;

class TcpSession : public std::enable_shared_from_this<TcpSession> {
  public:
    /// `socket` is connected and belongs to `worker`'s io_context. The session counts
    /// itself out of `connections` when it is destroyed.
    TcpSession(Worker& worker, boost::asio::ip::tcp::socket socket,
               std::chrono::milliseconds idle_timeout,
               std::shared_ptr<ConnectionCount> connections);
    ~TcpSession();

    TcpSession(const TcpSession&) = delete;
    TcpSession& operator=(const TcpSession&) = delete;

    /// Registers with the worker and starts reading; call on the worker's thread.
    void start();
    /// Stops reading; answers already queued are written, then the connection closes.
    void shutdown();

  private:
    /// Answers queued beyond this stop reading until the client catches up.
    static constexpr std::size_t kMaxQueued = 256 * 1024;
    static constexpr std::size_t kInitialBuffer = 4096;

    void read();
    void on_read(boost::system::error_code ec, std::size_t length);
    /// Answers every whole frame in the buffer; false when the connection must close.
    bool process_frames();
    void answer(std::span<const std::uint8_t> query);
    /// Answers a query the view forwards: from the cache now, else when it resolves.
    void forward(const query::Decision& decision, const Answered& note);
    void on_forwarded(const std::optional<wire::ClientSubnet>& ecs, const Answered& note,
                      std::span<const std::uint8_t> answer);
    void queue(std::span<const std::uint8_t> answer);
    void flush();
    void on_written(boost::system::error_code ec);
    void watch_idle();
    void close();
    bool write_in_flight() const { return !writing_.empty(); }
    /// Nothing more to read, write or wait for: the connection may close.
    bool done() const { return read_closed_ && !write_in_flight() && forwarded_ == 0; }

    Worker& worker_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer idle_timer_;
    std::chrono::milliseconds idle_timeout_;
    std::chrono::steady_clock::time_point deadline_;
    std::shared_ptr<ConnectionCount> connections_;
    IpAddress client_;
    std::uint16_t client_port_ = 0;

    std::vector<std::uint8_t> in_;  // received bytes; in_[0, in_used_) are valid
    std::size_t in_used_ = 0;
    std::vector<std::uint8_t> queued_;   // framed answers waiting for the next write
    std::vector<std::uint8_t> writing_;  // framed answers of the write in flight
    std::size_t forwarded_ = 0;          // forwarded queries whose answer has not come yet
    bool processing_ = false;            // inside process_frames()
    bool reading_ = false;
    bool read_closed_ = false;  // EOF from the client, or shutdown()
    bool closed_ = false;
};

}  // namespace sitedns::net
