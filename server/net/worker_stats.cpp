// Threads: see server/net/worker_stats.h.
#include "server/net/worker_stats.h"

#include <algorithm>
#include <string>
#include <vector>

#include "server/net/worker.h"
#include "server/wire/header.h"

namespace sitedns::net {

WorkerStats::WorkerStats(Telemetry& telemetry) : telemetry_(telemetry) {
    ensure_block(0);  // queries without a view
}

WorkerStats::~WorkerStats() {
    for (auto& block : blocks_) delete block.load(std::memory_order_relaxed);
}

void WorkerStats::ensure_block(std::uint32_t slot) {
    std::atomic<Block*>& block = blocks_[slot / kSlotsPerBlock];
    if (block.load(std::memory_order_relaxed) == nullptr) {
        block.store(new Block(), std::memory_order_release);
    }
}

void WorkerStats::remap(const query::Snapshot& snapshot) {
    slots_.clear();
    slots_.reserve(snapshot.views.size());
    for (const query::View& view : snapshot.views) {
        const std::uint32_t slot = telemetry_.views.slot(view.name);
        ensure_block(slot);
        slots_.push_back(slot);
    }
    mapped_ = &snapshot;
    mapped_generation_ = snapshot.generation;
    log_queries_ = snapshot.config.log.queries;
}

void WorkerStats::log_answer(const Answered& query, std::span<const std::uint8_t> answer,
                             std::uint64_t ns) {
    telemetry_.query_log.write({query.client, query.port, telemetry_.views.name(query.view_slot),
                                answer, query.transport, ns / 1000});
}

void WorkerStats::collect(runtime::MetricsSample& sample) const {
    static constexpr std::array<const char*, kTransports> kProtocols{"udp", "tcp"};
    static constexpr std::array<query::Transport, kTransports> kTransportOf{query::Transport::Udp,
                                                                            query::Transport::Tcp};
    const std::size_t slots = telemetry_.views.size();
    for (std::uint32_t slot = 0; slot < slots; ++slot) {
        const Block* block = blocks_[slot / kSlotsPerBlock].load(std::memory_order_acquire);
        if (block == nullptr) continue;
        for (std::size_t t = 0; t < kTransports; ++t) {
            for (std::uint8_t rcode = 0; rcode < kRcodes; ++rcode) {
                const std::uint64_t n = block->counts[offset(slot, kTransportOf[t], rcode)].get();
                if (n == 0) continue;
                runtime::QueryLabels labels{std::string(telemetry_.views.name(slot)), kProtocols[t],
                                            std::string(runtime::rcode_label(rcode))};
                sample.queries[labels] += n;
            }
        }
    }
    for (std::size_t i = 0; i < runtime::kLatencyBuckets; ++i) {
        sample.latency_buckets[i] += latency_[i].get();
    }
    sample.latency_sum_ns += latency_sum_ns_.get();
    sample.forwarded += forwarded_.get();
    // A miss here may still be answered from the cache on the forwarder's thread, which
    // counts the final misses.
    sample.cache_hits += forwarded_hits_.get() + forward_cache_.hits.get();
    for (std::size_t t = 0; t < kTransports; ++t) {
        sample.dropped_queries[kProtocols[t]] += dropped_[t].get();
    }
    // A miss answered from a template of a name that does not exist is a hit to the
    // operator: the answer was copied, not looked up.
    const std::uint64_t templated = packet_cache_templated_.get();
    sample.packet_cache_hits += packet_cache_hits_.get() + templated;
    sample.packet_cache_templated += templated;
    sample.packet_cache_misses +=
        packet_cache_misses_.get() - std::min(templated, packet_cache_misses_.get());
    sample.rate_limited_dropped += rate_limited_dropped_.get();
    sample.rate_limited_truncated += rate_limited_truncated_.get();
    for (std::size_t i = 0; i < cookies_.size(); ++i) sample.cookies[i] += cookies_[i].get();
}

std::uint64_t WorkerStats::answers() const {
    std::uint64_t total = 0;
    for (const base::Counter& bucket : latency_) total += bucket.get();
    return total;
}

void collect_worker(const Worker& worker, runtime::MetricsSample& sample) {
    std::uint64_t answers = 0;
    worker.for_each_stats([&sample, &answers](const WorkerStats& stats) {
        stats.collect(sample);
        answers += stats.answers();
    });
    std::vector<std::uint64_t>& per_thread = sample.thread_answers;
    if (per_thread.size() <= worker.index()) per_thread.resize(worker.index() + 1);
    per_thread[worker.index()] += answers;
}

void collect_forwarder(const upstream::Forwarder& forwarder, runtime::MetricsSample& sample) {
    const upstream::ForwarderStats& stats = forwarder.stats();
    sample.cache_hits += stats.cache_hits.get();
    sample.cache_misses += stats.cache_misses.get();
    sample.dropped_replies += stats.dropped_replies.get();
    sample.stale_answers += stats.stale_answers.get();
    sample.forwarded_over_limit += stats.over_limit.get();
    sample.validated_answers += stats.validated.get();
    sample.bogus_answers += stats.bogus.get();
    for (const upstream::UpstreamStats& upstream : forwarder.upstream_stats()) {
        runtime::UpstreamSample& sum = sample.upstreams[upstream.endpoint.to_string()];
        sum.queries += upstream.queries.get();
        sum.errors += upstream.errors.get();
    }
}

}  // namespace sitedns::net
