#pragma once
// Forwarding (SPEC §5): the process's one cache of finished answers and the upstream
// queries behind it. One Forwarder per process. Who touches what:
// - the forwarder's thread (the one running its io_context) owns the queries in flight,
//   the upstream sockets and timers, the down marks and ForwarderStats;
// - the cache (ForwardCache) is read by every worker and UDP receive thread, each shard
//   behind its own lock, and written by the forwarder's thread;
// - resolve() and set_options() may be called from any thread: they post to the
//   forwarder's thread, so identical questions from every thread meet in one table.
// Threads: as listed above.

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
#include "server/base/counter.h"
#include "server/query/packet_cache.h"
#include "server/query/upstream_set.h"
#include "server/upstream/message_edit.h"
#include "server/upstream/validator.h"
#include "server/wire/limits.h"
#include "server/wire/message.h"

namespace sitedns::upstream {

/// Limits and timers; every value has a safe default (docs/configuration.md "Forwarding and the
/// cache").
struct ForwarderOptions {
    std::chrono::milliseconds attempt_timeout{800};  ///< one try at one upstream
    std::chrono::milliseconds query_deadline{2500};  ///< SERVFAIL before 3 s (SPEC §5)
    std::chrono::milliseconds down_time{
        5000};                          ///< a failed upstream is skipped this long, then re-probed
    std::size_t cache_entries = 20000;  ///< for the process; least recently used evicted
    std::chrono::seconds serve_stale{86400};      ///< RFC 8767 window; 0 turns it off
    std::chrono::seconds max_ttl{86400};          ///< cap on cached TTLs
    std::chrono::seconds max_negative_ttl{3600};  ///< cap on negative TTLs (RFC 2308 §5)
    std::size_t max_in_flight = 1000;  ///< distinct upstream queries at once; beyond: SERVFAIL
    /// The clock of cache ages and down marks; empty means steady_clock::now. Tests set
    /// it to move time without sleeping (timers of attempts still run on real time).
    /// Taken when the Forwarder is made; set_options() does not change it.
    std::function<std::chrono::steady_clock::time_point()> clock;
};

/// Delivers the finished answer for one client, exactly once, on the thread of the
/// request's `home` (the forwarder's own thread when it has none). The bytes are good
/// until it returns.
using Reply = std::function<void(std::span<const std::uint8_t> answer)>;

/// What a forwarded query looks like to the client: its question (with its case), ID,
/// RD/CD bits, EDNS presence and DO bit, and the largest answer it accepts.
struct ClientQuery {
    const wire::Query* query = nullptr;
    std::size_t limit =
        wire::kClassicUdpSize;  ///< answers above it go out as TC=1 with the question only
    /// The options its answer's OPT gives back (ECS with its scope, COOKIE); nullptr: none.
    const wire::EdnsEcho* echo = nullptr;
};

/// One client's question for the forwarder, copied out of the query core's decision so
/// that it can cross to the forwarder's thread and outlive the packet and the snapshot.
struct Request {
    Question question;  ///< qname as the client wrote it, lowercased key, type, class, DO
    std::uint16_t id = 0;
    bool rd = false;
    bool cd = false;
    bool ad = false;
    bool edns = false;
    std::size_t limit = wire::kClassicUdpSize;  ///< as ClientQuery::limit
    wire::EdnsEcho echo;                        ///< as ClientQuery::echo
    query::UpstreamSet upstreams;
    /// The io_context whose thread runs the reply; nullptr: the forwarder's own.
    boost::asio::io_context* home = nullptr;

    static Request of(const ClientQuery& client, const query::UpstreamSet& upstreams,
                      boost::asio::io_context* home = nullptr);
};

/// Cache lookups made by one thread (a worker's or a UDP receive thread's counters).
struct CacheCounters {
    base::Counter hits;
};

/// Counters of the forwarder's thread; the metrics scrape reads them from its own
/// (single-writer Counters: never a shared atomic read-modify-write).
struct ForwarderStats {
    base::Counter cache_hits;    ///< found cached on the forwarder's thread, after a caller's miss
    base::Counter cache_misses;  ///< not cached there either: joined or sent upstream
    base::Counter upstream_queries;   ///< sent over UDP or TCP
    base::Counter upstream_failures;  ///< timeouts and errors
    base::Counter merged;             ///< clients that joined an in-flight query
    base::Counter dropped_replies;    ///< wrong source, ID or question (RFC 5452)
    base::Counter stale_answers;
    base::Counter servfails;
    /// Answered SERVFAIL at once: max_in_flight upstream queries were under way.
    base::Counter over_limit;
    base::Counter validated;  ///< answers libunbound validated: secure, insecure or bogus
    base::Counter bogus;      ///< of those, bogus (SERVFAIL with EDE 6 but to CD=1 clients)
};

/// One upstream's counters (metrics: `upstream_queries_total{upstream}`).
struct UpstreamStats {
    Endpoint endpoint;  ///< written once, before the entry is published
    base::Counter queries;  ///< exchanges started (one attempt: UDP, then TCP on TC)
    base::Counter errors;   ///< timeouts, network errors, bad replies, SERVFAIL and REFUSED
};

/// Distinct upstreams counted one by one; more share the last entry (port 0).
inline constexpr std::size_t kMaxUpstreamStats = 64;

class Forwarder {
  public:
    /// Runs its upstream queries on `io`, whose thread is the forwarder's thread.
    Forwarder(boost::asio::io_context& io, ForwarderOptions options);
    ~Forwarder();
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    /// A fresh cached answer for the client, written into `out` with its ID, question
    /// case, TTLs counted down, RA set and the client's echoed options; returns its
    /// length, or 0 on a miss, and counts the lookup in `counters` (the calling thread's)
    /// when given. `copy`, when given, gets what a thread's packet cache needs to keep
    /// the answer as a copy of the entry (no TTLs when it must not). From any thread.
    /// Allocation-free.
    std::size_t answer_from_cache(const ClientQuery& client, const query::UpstreamSet& upstreams,
                                  std::span<std::uint8_t> out, query::ForwardedCopy* copy = nullptr,
                                  CacheCounters* counters = nullptr);

    /// Resolves through the upstreams: answers from the cache what was stored since the
    /// caller's miss, joins an identical query in flight or sends one (random ID and
    /// source port, EDNS 1232, no client options), fails over, goes around again through
    /// the upstreams that timed out while the deadline leaves room (a lost packet),
    /// retries over TCP on TC, caches the reply, and calls `reply` for the client: the
    /// answer, a stale answer (RFC 8767, EDE 3), or SERVFAIL with an Extended DNS Error
    /// (RFC 8914) within the deadline. From any thread (posted to the forwarder's thread
    /// unless called there). `reply` is never called inside resolve itself. Destroying
    /// the Forwarder drops the queries still under way without calling their `reply`.
    void resolve(Request request, Reply reply);
    /// The same for a query of the calling thread, answered on the forwarder's thread.
    void resolve(const ClientQuery& client, const query::UpstreamSet& upstreams, Reply reply);

    /// New limits and timers for the queries started from now on (a reload). The cache
    /// is kept; a smaller cache_entries evicts the least recently used entries down to it
    /// before this returns. From any thread.
    void set_options(ForwarderOptions options);

    /// DNSSEC validation of the answers of queries started from now on (a reload): off,
    /// or through libunbound with this trust anchor, names under the negative trust
    /// anchors forwarded unvalidated. Turning it on or off or a new trust anchor answers
    /// the queries being validated SERVFAIL and empties the cache; new negative trust
    /// anchors alone change neither. From any thread.
    void set_validation(ValidationOptions options);

    /// Shutting down: answers every client still waiting SERVFAIL (EDE 0, "shutting
    /// down"), closes the upstream sockets, and from now on answers resolve() so at once,
    /// so that no upstream timer keeps the io_context running. Replies without a home are
    /// called before it returns, the others are posted to their homes. On the forwarder's
    /// thread (or while its io_context is not running).
    void cancel_all();

    /// The forwarder thread's counters, from any thread.
    const ForwarderStats& stats() const { return stats_; }
    /// The counters of each upstream used so far. Safe from any thread: an entry is
    /// published (release) after its endpoint is set, and only its Counters move after.
    std::span<const UpstreamStats> upstream_stats() const;
    /// Cached answers, fresh or stale. From any thread.
    std::size_t cache_size() const;
    /// Distinct upstream queries under way (merged clients count once). On the
    /// forwarder's thread.
    std::size_t in_flight() const;
    /// The io_context the forwarder's queries run on.
    boost::asio::io_context& context() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
    ForwarderStats stats_;
};

}  // namespace sitedns::upstream
