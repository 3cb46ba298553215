#pragma once
// One question to one upstream: UDP from a fresh socket, then TCP when the reply is
// truncated. The defences of RFC 5452 live here: a random ID (CSPRNG) and a random
// source port per query, and a reply taken only from the address and port it was sent
// to, with the same ID and question.
// Threads: the forwarder's io_context thread only.

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/base/counter.h"
#include "server/upstream/message_edit.h"
#include "server/wire/limits.h"

namespace sitedns::upstream {

/// A random 16-bit query ID from the kernel's CSPRNG (base/random.h, RFC 5452 §9.2).
std::uint16_t random_id();

/// How an exchange ended.
enum class ExchangeStatus : std::uint8_t {
    Answer,        ///< a matching reply (its RCODE is the caller's business)
    Timeout,       ///< nothing acceptable before the attempt's timer
    NetworkError,  ///< socket, connect, send or read error
    BadReply,      ///< a TCP reply that does not match: the stream cannot go on
};

/// Counters an exchange bumps (the Forwarder's stats).
struct ExchangeCounters {
    base::Counter* queries_sent;
    base::Counter* dropped_replies;
};

/// One exchange; owned by a shared_ptr so that its handlers keep it alive. `done` is
/// called once, from a handler, unless cancel() came first.
class UpstreamQuery : public std::enable_shared_from_this<UpstreamQuery> {
  public:
    using Clock = std::chrono::steady_clock;
    using Done = std::function<void(ExchangeStatus, std::span<const std::uint8_t> reply)>;

    UpstreamQuery(boost::asio::io_context& io, const boost::asio::ip::udp::endpoint& upstream,
                  const Question& question, ExchangeCounters counters);
    UpstreamQuery(const UpstreamQuery&) = delete;
    UpstreamQuery& operator=(const UpstreamQuery&) = delete;

    /// Sends from `source` (UDP and TCP) instead of the address the kernel picks; call
    /// before start(). `sitedns verify --source`: a server answers by the asker's view.
    void set_source(const boost::asio::ip::address& source) { source_ = source; }
    /// Sends over UDP, or straight over TCP when `tcp_only`; each transport gets
    /// min(now + timeout, deadline).
    void start(Clock::duration timeout, Clock::time_point deadline, Done done,
               bool tcp_only = false);
    /// Stops everything; `done` is not called.
    void cancel();

  private:
    void send_udp();
    void receive_udp();
    void on_udp_reply(std::size_t size);
    void start_tcp();
    void connect_tcp();
    void read_tcp_length();
    void read_tcp_body(std::size_t size);
    void arm_timer();
    bool prepare_query();
    void finish(ExchangeStatus status, std::span<const std::uint8_t> reply = {});

    boost::asio::ip::udp::socket udp_;
    boost::asio::ip::tcp::socket tcp_;
    boost::asio::steady_timer timer_;
    boost::asio::ip::udp::endpoint upstream_;
    boost::asio::ip::udp::endpoint sender_;
    std::optional<boost::asio::ip::address> source_;  ///< set_source; else the kernel's
    Question question_;
    ExchangeCounters counters_;
    Clock::duration timeout_{};
    Clock::time_point deadline_{};
    Done done_;
    bool finished_ = false;
    unsigned timer_gen_ = 0;  // a re-armed timer's old expiry is ignored
    std::uint16_t id_ = 0;
    std::size_t query_size_ = 0;
    std::array<std::uint8_t, 2 + wire::kClassicUdpSize>
        query_{};  // TCP length prefix, then the query
    std::vector<std::uint8_t> buffer_;
};

}  // namespace sitedns::upstream
