#pragma once
// Metrics (issue 5, item 4): the numbers a scrape reports and their Prometheus text
// rendering (exposition format 0.0.4). The counters themselves live with their single
// writer (a worker's WorkerStats and Forwarder, the Reloader's ReloadStats); a scrape
// asks each collector to add what it has into one MetricsSample and renders that.
// Nothing here is on the query path.
// Threads: collectors are added on the main thread before serving; scrape() runs on
// the metrics thread; ReloadStats is written by the reload thread.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/base/counter.h"

namespace sitedns::runtime {

/// Upper bounds of the answer latency histogram, in microseconds (receive to send).
inline constexpr std::array<std::uint64_t, 11> kLatencyBoundsUs{
    10, 25, 50, 100, 250, 500, 1'000, 2'500, 10'000, 100'000, 1'000'000};
/// Histogram buckets: one per bound, then +Inf.
inline constexpr std::size_t kLatencyBuckets = kLatencyBoundsUs.size() + 1;

/// The bucket of a latency in nanoseconds: the first bound it does not exceed, else the
/// +Inf bucket.
constexpr std::size_t latency_bucket(std::uint64_t nanoseconds) {
    std::size_t i = 0;
    while (i < kLatencyBoundsUs.size() && nanoseconds > kLatencyBoundsUs[i] * 1000) ++i;
    return i;
}

/// The text of a 4-bit header RCODE (RFC 1035 §4.1.1, RFC 2136 §2.2, RFC 8490 §9):
/// "NOERROR", "NXDOMAIN", ..., "RCODE12" for unassigned values.
std::string_view rcode_label(std::uint8_t rcode);

/// View names as metric labels, each given a small stable number (its slot) the first time
/// it is seen, so per-worker counters can be plain arrays indexed by slot and still be
/// keyed by name across reloads (a view renamed or removed keeps its old counters). Slot
/// 0 is "", for queries answered without a view. Adding a name takes a lock (workers do it
/// once per new snapshot); reading one is lock-free.
class ViewLabels {
  public:
    /// Most distinct names; further names share slot 0.
    static constexpr std::size_t kCapacity = 4096;

    ViewLabels();
    ViewLabels(const ViewLabels&) = delete;
    ViewLabels& operator=(const ViewLabels&) = delete;

    /// The slot of `name`, added if new. Thread-safe; takes the lock.
    std::uint32_t slot(std::string_view name);
    /// Slots in use, [0, size()). Lock-free.
    std::size_t size() const { return size_.load(std::memory_order_acquire); }
    /// The name of a slot below size(). Lock-free.
    std::string_view name(std::uint32_t slot) const;

  private:
    std::mutex mutex_;
    std::deque<std::string> storage_;  // guarded by mutex_; a deque never moves its strings
    std::unordered_map<std::string_view, std::uint32_t> index_;  // guarded by mutex_
    std::array<std::atomic<const std::string*>, kCapacity> names_{};
    std::atomic<std::size_t> size_{0};
};

/// Reload outcomes, written by the reload thread only.
struct ReloadStats {
    base::Counter successes;
    base::Counter failures;
    /// Unix time of the last configuration that was loaded and published, in ms (start-up
    /// counts: it is the configuration being served).
    base::Counter last_success_unix_ms;

    /// Counts a reload and, when it succeeded, stamps it with the current time.
    void record(bool success);
};

/// The labels of one `queries_total` series.
struct QueryLabels {
    std::string view;
    std::string protocol;  ///< "udp" or "tcp"
    std::string rcode;     ///< rcode_label()
    auto operator<=>(const QueryLabels&) const = default;
};

/// One upstream's counters, summed over the workers.
struct UpstreamSample {
    std::uint64_t queries = 0;
    std::uint64_t errors = 0;
};

/// The `result` labels of sitedns_cookies_total, in query::CookieResult order (less None).
inline constexpr std::array<std::string_view, 4> kCookieResults{"new", "valid", "invalid",
                                                                "malformed"};

/// Everything one scrape reports; collectors add into it (sums over workers).
struct MetricsSample {
    std::map<QueryLabels, std::uint64_t> queries;
    /// Answers sent by each worker, indexed by its number (0 to `threads` - 1): its
    /// io_context thread and its UDP receive threads together.
    std::vector<std::uint64_t> thread_answers;
    std::map<std::string, std::uint64_t> dropped_queries;  ///< by protocol
    std::uint64_t rate_limited_dropped = 0;                ///< RRL: not answered
    std::uint64_t rate_limited_truncated = 0;              ///< RRL: answered TC=1
    /// Queries with a COOKIE option by result, in kCookieResults order.
    std::array<std::uint64_t, 4> cookies{};
    std::uint64_t tcp_connections = 0;         ///< open now
    std::uint64_t tcp_refused_total = 0;       ///< closed at accept: over max_connections
    std::uint64_t tcp_refused_per_client = 0;  ///< over max_connections_per_client
    std::uint64_t tcp_idle_closed = 0;         ///< closed after idle_timeout_ms
    std::array<std::uint64_t, kLatencyBuckets> latency_buckets{};  ///< not cumulative
    std::uint64_t latency_sum_ns = 0;
    std::uint64_t forwarded = 0;
    std::uint64_t cache_hits = 0;
    std::uint64_t cache_misses = 0;
    /// The threads' packet caches of finished answers (plain queries only): answered by
    /// a copy (templates included), of those from a template, and looked up in vain.
    std::uint64_t packet_cache_hits = 0;
    std::uint64_t packet_cache_templated = 0;
    std::uint64_t packet_cache_misses = 0;
    std::uint64_t dropped_replies = 0;
    std::uint64_t stale_answers = 0;
    std::uint64_t forwarded_over_limit = 0;           ///< SERVFAIL at once: max_in_flight reached
    std::uint64_t validated_answers = 0;              ///< answers libunbound validated
    std::uint64_t bogus_answers = 0;                  ///< of those, bogus
    std::map<std::string, UpstreamSample> upstreams;  ///< by "ADDR:PORT"
    std::uint64_t reload_successes = 0;
    std::uint64_t reload_failures = 0;
    double last_reload_success_seconds = 0;  ///< Unix time; 0: never
    std::uint64_t views = 0;
    std::uint64_t zones = 0;
    std::uint64_t records = 0;
    std::uint64_t topology_serial = 0;  ///< Sites::serial of the snapshot served; 0: no sites
    double start_time_seconds = 0;      ///< Unix time the process started serving
};

/// The Prometheus text exposition (format 0.0.4) of a sample: HELP and TYPE lines, series
/// in a stable order, label values escaped.
std::string render_prometheus(const MetricsSample& sample);

/// The HTTP Content-Type of render_prometheus()'s text.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

/// The registry a scrape goes through: collectors registered at start-up, each adding its
/// part to the sample. Thread-safe scrape(); add_collector() only before serving.
class Metrics {
  public:
    using Collector = std::function<void(MetricsSample&)>;

    /// Takes the process start time from the clock now.
    Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    void add_collector(Collector collector) { collectors_.push_back(std::move(collector)); }
    ReloadStats& reloads() { return reloads_; }

    /// Runs every collector and adds the reload and process figures.
    MetricsSample sample() const;
    /// render_prometheus(sample()).
    std::string scrape() const { return render_prometheus(sample()); }

  private:
    std::vector<Collector> collectors_;
    ReloadStats reloads_;
    double start_time_seconds_;
};

}  // namespace sitedns::runtime
