// Threads: see server/runtime/metrics.h.
#include "server/runtime/metrics.h"

#include <charconv>
#include <chrono>
#include <system_error>
#include <utility>

namespace sitedns::runtime {
namespace {

double unix_seconds_now() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::uint64_t unix_ms_now() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

/// The shortest text that reads back as `value` ("0.000123", "1764079802.5").
std::string number(double value, std::chars_format format = std::chars_format::general) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, format);
    return ec == std::errc() ? std::string(buffer, end) : std::string("NaN");
}

/// A label value with `\`, `"` and newlines escaped (exposition format 0.0.4).
std::string escape(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

/// Writes the exposition text, one family after another.
class Writer {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        text_.append("# HELP ").append(name).append(" ").append(help);
        text_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
    }

    /// A family whose series differ in one label: a count for each of its values.
    void by_label(std::string_view name, std::string_view type, std::string_view help,
                  std::string_view label,
                  std::initializer_list<std::pair<std::string_view, std::uint64_t>> counts) {
        family(name, type, help);
        for (const auto& [label_value, count] : counts) {
            series(name, {{label, label_value}}, std::to_string(count));
        }
    }

    /// `labels` is a list of name, value pairs.
    void series(std::string_view name,
                std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                std::string_view value) {
        text_ += name;
        if (labels.size() > 0) {
            text_ += '{';
            bool first = true;
            for (const auto& [label, label_value] : labels) {
                if (!first) text_ += ',';
                first = false;
                text_ += label;
                text_ += "=\"";
                text_ += escape(label_value);
                text_ += '"';
            }
            text_ += '}';
        }
        text_ += ' ';
        text_ += value;
        text_ += '\n';
    }

    void value(std::string_view name, std::string_view type, std::string_view help,
               std::string_view value) {
        family(name, type, help);
        series(name, {}, value);
    }

    std::string take() { return std::move(text_); }

  private:
    std::string text_;
};

void render_queries(Writer& w, const MetricsSample& s) {
    w.family("sitedns_queries_total", "counter",
             "Answers sent, by view (empty: none), protocol and RCODE.");
    for (const auto& [labels, count] : s.queries) {
        w.series("sitedns_queries_total",
                 {{"view", labels.view}, {"protocol", labels.protocol}, {"rcode", labels.rcode}},
                 std::to_string(count));
    }
    w.family("sitedns_thread_answers_total", "counter",
             "Answers sent by each worker thread (with its UDP receive threads), by its "
             "number: how the kernel spread the clients over the threads.");
    for (std::size_t i = 0; i < s.thread_answers.size(); ++i) {
        w.series("sitedns_thread_answers_total", {{"thread", std::to_string(i)}},
                 std::to_string(s.thread_answers[i]));
    }
    w.family("sitedns_dropped_queries_total", "counter",
             "Packets dropped without an answer (QR set, shorter than a header), by protocol.");
    for (const auto& [protocol, count] : s.dropped_queries) {
        w.series("sitedns_dropped_queries_total", {{"protocol", protocol}}, std::to_string(count));
    }
    w.by_label("sitedns_rate_limited_total", "counter",
               "UDP answers over the rate limit: dropped, or sent truncated (slip).", "action",
               {{"dropped", s.rate_limited_dropped}, {"truncated", s.rate_limited_truncated}});
    w.family("sitedns_cookies_total", "counter",
             "Queries with a DNS COOKIE option (RFC 7873), by what their cookie was: a client "
             "cookie only (new), a valid or an invalid server cookie, or a malformed option.");
    for (std::size_t i = 0; i < kCookieResults.size(); ++i) {
        w.series("sitedns_cookies_total", {{"result", std::string(kCookieResults[i])}},
                 std::to_string(s.cookies[i]));
    }
}

void render_tcp(Writer& w, const MetricsSample& s) {
    w.value("sitedns_tcp_connections", "gauge", "DNS-over-TCP connections open.",
            std::to_string(s.tcp_connections));
    w.by_label("sitedns_tcp_connections_refused_total", "counter",
               "TCP connections closed at accept, by the limit reached: max_connections (total) "
               "or max_connections_per_client (per_client).",
               "reason",
               {{"total", s.tcp_refused_total}, {"per_client", s.tcp_refused_per_client}});
    w.value("sitedns_tcp_idle_closed_total", "counter",
            "TCP connections closed after tcp.idle_timeout_ms without a query.",
            std::to_string(s.tcp_idle_closed));
}

void render_latency(Writer& w, const MetricsSample& s) {
    constexpr std::string_view name = "sitedns_answer_duration_seconds";
    w.family(name, "histogram", "Time from receiving a query to sending its answer.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBuckets; ++i) {
        cumulative += s.latency_buckets[i];
        const std::string le =
            i < kLatencyBoundsUs.size()
                ? number(static_cast<double>(kLatencyBoundsUs[i]) / 1e6, std::chars_format::fixed)
                : "+Inf";
        w.series("sitedns_answer_duration_seconds_bucket", {{"le", le}},
                 std::to_string(cumulative));
    }
    w.series("sitedns_answer_duration_seconds_sum", {},
             number(static_cast<double>(s.latency_sum_ns) / 1e9));
    w.series("sitedns_answer_duration_seconds_count", {}, std::to_string(cumulative));
}

void render_packet_cache(Writer& w, const MetricsSample& s) {
    w.value("sitedns_packet_cache_hits_total", "counter",
            "Plain queries answered with a copy of a finished answer (each thread's packet "
            "cache), templates of names that do not exist included.",
            std::to_string(s.packet_cache_hits));
    w.value("sitedns_packet_cache_templated_total", "counter",
            "Of those, answers made from the template of a name that does not exist.",
            std::to_string(s.packet_cache_templated));
    w.value("sitedns_packet_cache_misses_total", "counter",
            "Plain queries the packet cache could not answer (the full lookup ran).",
            std::to_string(s.packet_cache_misses));
}

void render_forwarding(Writer& w, const MetricsSample& s) {
    w.value("sitedns_forwarded_queries_total", "counter",
            "Queries the view forwards (names outside its zones, recursion on).",
            std::to_string(s.forwarded));
    w.value("sitedns_cache_hits_total", "counter", "Forwarded queries answered from the cache.",
            std::to_string(s.cache_hits));
    w.value("sitedns_cache_misses_total", "counter",
            "Forwarded queries the cache could not answer.", std::to_string(s.cache_misses));
    w.value("sitedns_stale_answers_total", "counter",
            "Stale answers given while the upstreams failed (RFC 8767).",
            std::to_string(s.stale_answers));
    w.value("sitedns_forwarded_over_limit_total", "counter",
            "Forwarded queries answered SERVFAIL at once: forwarding.max_in_flight upstream "
            "queries were under way.",
            std::to_string(s.forwarded_over_limit));
    w.value("sitedns_validated_answers_total", "counter",
            "Forwarded answers validated through libunbound (dnssec.validate): secure, insecure "
            "or bogus.",
            std::to_string(s.validated_answers));
    w.value("sitedns_bogus_answers_total", "counter",
            "Of those, bogus: answered SERVFAIL with EDE 6 (DNSSEC Bogus) but to CD=1 clients.",
            std::to_string(s.bogus_answers));
    w.family("sitedns_upstream_queries_total", "counter",
             "Exchanges started with each upstream (UDP, then TCP on TC, counts once).");
    for (const auto& [upstream, counts] : s.upstreams) {
        w.series("sitedns_upstream_queries_total", {{"upstream", upstream}},
                 std::to_string(counts.queries));
    }
    w.family("sitedns_upstream_errors_total", "counter",
             "Failed exchanges with each upstream: timeout, network error, bad reply, "
             "SERVFAIL or REFUSED.");
    for (const auto& [upstream, counts] : s.upstreams) {
        w.series("sitedns_upstream_errors_total", {{"upstream", upstream}},
                 std::to_string(counts.errors));
    }
    w.value("sitedns_dropped_replies_total", "counter",
            "Upstream replies ignored: wrong source, ID or question (RFC 5452).",
            std::to_string(s.dropped_replies));
}

void render_runtime(Writer& w, const MetricsSample& s) {
    w.by_label("sitedns_reloads_total", "counter", "Reloads (SIGHUP), by outcome.", "outcome",
               {{"success", s.reload_successes}, {"failure", s.reload_failures}});
    w.value("sitedns_last_reload_success_timestamp_seconds", "gauge",
            "Unix time the configuration being served was loaded.",
            number(s.last_reload_success_seconds, std::chars_format::fixed));
    w.value("sitedns_views", "gauge", "Views being served.", std::to_string(s.views));
    w.value("sitedns_zones", "gauge", "Distinct zones being served.", std::to_string(s.zones));
    w.value("sitedns_records", "gauge", "Records in the zones being served.",
            std::to_string(s.records));
    w.value("sitedns_topology_serial", "gauge",
            "Serial of the sites topology being served (the generated zones' SOA serial, as "
            "topology.sitedns. CH TXT says; 0 without sites).",
            std::to_string(s.topology_serial));
    w.value("sitedns_process_start_time_seconds", "gauge", "Unix time the process started.",
            number(s.start_time_seconds, std::chars_format::fixed));
}

}  // namespace

std::string_view rcode_label(std::uint8_t rcode) {
    static constexpr std::array<std::string_view, 16> kLabels{
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
        "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14",  "RCODE15"};
    return kLabels[rcode & 0x0f];
}

// --- ViewLabels -----------------------------------------------------------------------

ViewLabels::ViewLabels() {
    (void)slot("");
}

std::uint32_t ViewLabels::slot(std::string_view name) {
    std::lock_guard lock(mutex_);
    if (const auto it = index_.find(name); it != index_.end()) return it->second;
    const std::size_t n = size_.load(std::memory_order_relaxed);
    if (n == kCapacity) return 0;
    const std::string& stored = storage_.emplace_back(name);
    index_.emplace(stored, static_cast<std::uint32_t>(n));
    names_[n].store(&stored, std::memory_order_release);
    size_.store(n + 1, std::memory_order_release);
    return static_cast<std::uint32_t>(n);
}

std::string_view ViewLabels::name(std::uint32_t slot) const {
    if (slot >= size()) return {};
    const std::string* text = names_[slot].load(std::memory_order_acquire);
    return text ? std::string_view(*text) : std::string_view();
}

// --- ReloadStats and Metrics ----------------------------------------------------------

void ReloadStats::record(bool success) {
    if (success) {
        successes.add();
        last_success_unix_ms.set(unix_ms_now());
    } else {
        failures.add();
    }
}

Metrics::Metrics() : start_time_seconds_(unix_seconds_now()) {
    reloads_.last_success_unix_ms.set(unix_ms_now());
}

MetricsSample Metrics::sample() const {
    MetricsSample s;
    for (const Collector& collect : collectors_) collect(s);
    s.reload_successes = reloads_.successes.get();
    s.reload_failures = reloads_.failures.get();
    s.last_reload_success_seconds = static_cast<double>(reloads_.last_success_unix_ms.get()) / 1e3;
    s.start_time_seconds = start_time_seconds_;
    return s;
}

std::string render_prometheus(const MetricsSample& sample) {
    Writer w;
    render_queries(w, sample);
    render_tcp(w, sample);
    render_latency(w, sample);
    render_packet_cache(w, sample);
    render_forwarding(w, sample);
    render_runtime(w, sample);
    return w.take();
}

}  // namespace sitedns::runtime
