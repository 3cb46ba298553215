#pragma once
// Forwarding for views with recursion (SPEC §5): a per-worker cache of finished answers
// and the upstream queries behind it. One Forwarder per worker thread, used only on
// that thread's io_context: no locks anywhere (STYLE rules 5 and 10).

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/address.h"
#include "server/wire/message.h"

namespace sitedns::upstream {

/// Limits and timers; every value has a safe default (README, "Forwarding").
struct ForwarderOptions {
    std::chrono::milliseconds attempt_timeout{800};  ///< one try at one upstream
    std::chrono::milliseconds query_deadline{2500};  ///< SERVFAIL before 3 s (SPEC §5)
    std::chrono::milliseconds down_time{
        5000};                          ///< a failed upstream is skipped this long, then re-probed
    std::size_t cache_entries = 20000;  ///< per worker; least recently used evicted
    std::chrono::seconds serve_stale{86400};      ///< RFC 8767 window; 0 turns it off
    std::chrono::seconds max_ttl{86400};          ///< cap on cached TTLs
    std::chrono::seconds max_negative_ttl{3600};  ///< cap on negative TTLs (RFC 2308 §5)
    std::size_t max_in_flight = 1000;  ///< distinct upstream queries at once; beyond: SERVFAIL
    /// The clock of cache ages and down marks; empty means steady_clock::now. Tests set
    /// it to move time without sleeping (timers of attempts still run on real time).
    std::function<std::chrono::steady_clock::time_point()> clock;
};

/// The upstreams of one view, in preference order. `id` identifies the list's content
/// (a hash of the endpoints), so cached answers are shared by views with the same
/// upstreams and survive a reload that keeps them.
struct UpstreamSet {
    std::vector<Endpoint> endpoints;
    std::uint64_t id = 0;
    static UpstreamSet make(std::vector<Endpoint> endpoints);
};

/// Delivers the finished answer for one client, exactly once, on the worker's thread.
using Reply = std::function<void(std::span<const std::uint8_t> answer)>;

/// What a forwarded query looks like to the client: its question (with its case), ID,
/// RD/CD bits, EDNS presence and DO bit, and the largest answer it accepts.
struct ClientQuery {
    const wire::Query* query = nullptr;
    std::size_t limit = 512;  ///< answers above it go out as TC=1 with the question only
};

/// Counters a worker keeps; summed by metrics later (never shared atomics).
struct ForwarderStats {
    std::uint64_t cache_hits = 0;
    std::uint64_t cache_misses = 0;
    std::uint64_t upstream_queries = 0;   ///< sent over UDP or TCP
    std::uint64_t upstream_failures = 0;  ///< timeouts and errors
    std::uint64_t merged = 0;             ///< clients that joined an in-flight query
    std::uint64_t dropped_replies = 0;    ///< wrong source, ID or question (RFC 5452)
    std::uint64_t stale_answers = 0;
    std::uint64_t servfails = 0;
};

class Forwarder {
  public:
    Forwarder(boost::asio::io_context& io, ForwarderOptions options);
    ~Forwarder();
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    /// A fresh cached answer for the client, written into `out` with its ID, question
    /// case, TTLs counted down and RA set; returns its length, or 0 on a miss.
    /// Allocation-free.
    std::size_t answer_from_cache(const ClientQuery& client, const UpstreamSet& upstreams,
                                  std::span<std::uint8_t> out);

    /// Resolves through the upstreams: joins an identical query in flight or sends one
    /// (random ID and source port, EDNS 1232, no client options), fails over, retries over
    /// TCP on TC, caches the reply, and calls `reply` for the client: the answer, a stale
    /// answer (RFC 8767, EDE 3), or SERVFAIL with an Extended DNS Error (RFC 8914) within
    /// the deadline.
    /// `reply` is never called inside resolve itself. Destroying the Forwarder drops the
    /// queries still under way without calling their `reply`.
    void resolve(const ClientQuery& client, const UpstreamSet& upstreams, Reply reply);

    const ForwarderStats& stats() const { return stats_; }
    /// Drops every cached answer (e.g. when the upstreams of every view changed).
    void clear_cache();
    /// Cached answers, fresh or stale.
    std::size_t cache_size() const;
    /// Distinct upstream queries under way (merged clients count once).
    std::size_t in_flight() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
    ForwarderStats stats_;
};

}  // namespace sitedns::upstream
