#pragma once
// One worker's query counters (issue 5, item 4): answers by view, protocol and RCODE,
// the answer latency histogram, forwarded and dropped queries, and a copy of its packet
// cache's hits and misses. Only the worker's thread writes them, with single-writer
// Counters (no read-modify-write, no lock, nothing shared with another worker); a scrape
// reads them from its own thread and sums the workers, keeping only their answer counts
// apart (sitedns_thread_answers_total).
// Counting is allocation-free; so is the query log's check when `log.queries` is off.
// Threads: one writer (a worker's or a UDP receive thread), read by the metrics thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "config/address.h"
#include "server/base/counter.h"
#include "server/net/query_log.h"
#include "server/query/packet_cache.h"
#include "server/query/responder.h"
#include "server/query/snapshot.h"
#include "server/runtime/metrics.h"
#include "server/upstream/forwarder.h"
#include "server/wire/header.h"

namespace sitedns::net {

class Worker;

/// What the workers share for metrics and the query log; owned by the Server.
struct Telemetry {
    runtime::ViewLabels views;
    QueryLog query_log;
};

/// One query on its way to an answer: what the counters and the query log need once
/// the answer is sent (kept by a forwarded query until its reply).
struct Answered {
    std::chrono::steady_clock::time_point received;
    std::uint32_t view_slot = 0;  ///< WorkerStats::view_slot()
    query::Transport transport = query::Transport::Udp;
    IpAddress client;
    std::uint16_t port = 0;
    /// The query log is on (`log.queries` of the snapshot the query was answered from):
    /// for an answer counted by another thread's stats (answered_elsewhere_mapped).
    bool log = false;
};

class alignas(64) WorkerStats {
  public:
    explicit WorkerStats(Telemetry& telemetry);
    ~WorkerStats();

    WorkerStats(const WorkerStats&) = delete;
    WorkerStats& operator=(const WorkerStats&) = delete;

    /// The counter slot of `view` (nullptr: answered without a view), a view of
    /// `snapshot`. The first call after a reload maps the new snapshot's views to their
    /// slots by name (the only allocation, once per reload); later calls are a compare.
    std::uint32_t view_slot(const query::Snapshot& snapshot, const query::View* view) {
        if (&snapshot != mapped_ || snapshot.generation != mapped_generation_) [[unlikely]] {
            remap(snapshot);
        }
        if (view == nullptr) return 0;
        const auto index = static_cast<std::size_t>(view - snapshot.views.data());
        return index < slots_.size() ? slots_[index] : 0;
    }

    /// `log.queries` of the snapshot last seen by view_slot().
    bool log_queries() const { return log_queries_; }

    /// Counts an answer sent now (view, protocol, its RCODE, latency) and logs it when
    /// the query log is on. Allocation-free when it is off.
    void answered(const Answered& query, std::span<const std::uint8_t> answer) {
        answered(query, answer, std::chrono::steady_clock::now());
    }
    /// The same for an answer sent at `sent` (one clock read for a batch of answers).
    /// Inline: it runs once per answer, and its call cost as much as its counting.
    void answered(const Answered& query, std::span<const std::uint8_t> answer,
                  std::chrono::steady_clock::time_point sent) {
        count(query, answer, sent);
        if (log_queries_) [[unlikely]]
            log_answer(query, answer, nanoseconds(query, sent));
    }
    /// The same for a query whose `view_slot` another WorkerStats of the same Telemetry
    /// took (a UDP receive thread's, for an answer sent later from the forwarder's
    /// thread), logged as `query.log` says.
    void answered_elsewhere_mapped(const Answered& query, std::span<const std::uint8_t> answer) {
        ensure_block(query.view_slot);
        const auto sent = std::chrono::steady_clock::now();
        count(query, answer, sent);
        if (query.log) [[unlikely]] {
            log_answer(query, answer, nanoseconds(query, sent));
        }
    }
    /// A query the view forwards (answered later, or from the cache, through answered()).
    void count_forwarded() { forwarded_.add(); }
    /// A forwarded query answered from the query core's cache of finished answers: a
    /// forwarded query and a cache hit, as if the forwarder's cache had answered it.
    void count_forwarded_hit() {
        forwarded_.add();
        forwarded_hits_.add();
    }
    /// Copies the counters of `cache`, the packet cache of the thread that writes these
    /// stats, where a scrape can read them (three relaxed stores: call once a batch).
    void note_packet_cache(const query::PacketCache& cache) {
        packet_cache_hits_.set(cache.hits());
        packet_cache_misses_.set(cache.misses());
        packet_cache_templated_.set(cache.templated());
    }
    /// This thread's lookups in the forwarder's cache (Forwarder::answer_from_cache).
    upstream::CacheCounters& forward_cache() { return forward_cache_; }
    /// A packet dropped without an answer.
    void count_dropped(query::Transport transport) { dropped_[index(transport)].add(); }
    /// An answer the rate limiter held back (UDP only): dropped, or sent truncated.
    void count_rate_limited(bool truncated) {
        (truncated ? rate_limited_truncated_ : rate_limited_dropped_).add();
    }

    /// A query with a COOKIE option (`result` other than None), by what its cookie was.
    void count_cookie(query::CookieResult result) {
        const auto i = static_cast<std::size_t>(result) - 1;
        if (i < cookies_.size()) cookies_[i].add();
    }

    /// Adds this worker's counters to `sample`; from any thread.
    void collect(runtime::MetricsSample& sample) const;
    /// Answers counted by answered(); from any thread. Read from the latency histogram,
    /// where every answer lands in exactly one bucket: no counter of its own to bump.
    std::uint64_t answers() const;

  private:
    static constexpr std::size_t kTransports = 2;
    static constexpr std::size_t kRcodes = 16;  // the header's 4-bit RCODE
    static constexpr std::size_t kSlotsPerBlock = 64;
    static constexpr std::size_t kBlocks = runtime::ViewLabels::kCapacity / kSlotsPerBlock;

    /// The query counters of kSlotsPerBlock view slots.
    struct Block {
        std::array<base::Counter, kSlotsPerBlock * kTransports * kRcodes> counts;
    };

    static std::size_t index(query::Transport t) { return t == query::Transport::Tcp ? 1 : 0; }
    static std::size_t offset(std::uint32_t slot, query::Transport t, std::uint8_t rcode) {
        return ((slot % kSlotsPerBlock) * kTransports + index(t)) * kRcodes + (rcode & 0x0f);
    }
    void remap(const query::Snapshot& snapshot);
    static std::uint64_t nanoseconds(const Answered& query,
                                     std::chrono::steady_clock::time_point sent) {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(sent - query.received).count());
    }
    /// Counts an answer (view, protocol, RCODE, latency), without logging it.
    void count(const Answered& query, std::span<const std::uint8_t> answer,
               std::chrono::steady_clock::time_point sent) {
        const std::uint64_t ns = nanoseconds(query, sent);
        // An answer always has a header; SERVFAIL stands for a stub that has not.
        const std::uint8_t rcode =
            answer.size() >= wire::kHeaderSize ? wire::Header(answer).rcode() : std::uint8_t{2};
        Block* block = blocks_[query.view_slot / kSlotsPerBlock].load(std::memory_order_relaxed);
        block->counts[offset(query.view_slot, query.transport, rcode)].add();
        latency_[runtime::latency_bucket(ns)].add();
        latency_sum_ns_.add(ns);
    }
    /// Writes the query log's line for an answer (`log.queries` on).
    void log_answer(const Answered& query, std::span<const std::uint8_t> answer, std::uint64_t ns);
    /// Makes sure `slot` has its block (on the worker's thread).
    void ensure_block(std::uint32_t slot);

    Telemetry& telemetry_;
    // Read by the scrape: a block is published (release) once allocated, freed with this.
    std::array<std::atomic<Block*>, kBlocks> blocks_{};
    std::array<base::Counter, runtime::kLatencyBuckets> latency_;
    base::Counter latency_sum_ns_;
    base::Counter forwarded_;
    base::Counter forwarded_hits_;
    base::Counter packet_cache_hits_;  // note_packet_cache()
    base::Counter packet_cache_misses_;
    base::Counter packet_cache_templated_;
    upstream::CacheCounters forward_cache_;
    std::array<base::Counter, kTransports> dropped_;
    base::Counter rate_limited_dropped_;
    base::Counter rate_limited_truncated_;
    std::array<base::Counter, runtime::kCookieResults.size()> cookies_;

    // The worker's thread only.
    const query::Snapshot* mapped_ = nullptr;
    std::uint64_t mapped_generation_ = 0;
    std::vector<std::uint32_t> slots_;  ///< snapshot view index -> slot
    bool log_queries_ = false;
};

/// Adds the counters of `worker` and of its UDP receive threads to `sample`, their answers
/// also as `sample.thread_answers[worker.index()]` (any thread).
void collect_worker(const Worker& worker, runtime::MetricsSample& sample);
/// Adds the forwarder's counters (its thread's and its upstreams') to `sample` (any thread).
void collect_forwarder(const upstream::Forwarder& forwarder, runtime::MetricsSample& sample);

}  // namespace sitedns::net
