// The Prometheus text of the metrics endpoint (exposition format 0.0.4), the view label
// registry and the reload counters (server/runtime/metrics).

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/runtime/metrics.h"

namespace sitedns::runtime {
namespace {

MetricsSample small_sample() {
    MetricsSample s;
    s.queries[{"london", "udp", "NOERROR"}] = 7;
    s.queries[{"", "udp", "REFUSED"}] = 1;
    s.queries[{"paris \"b\"", "tcp", "NXDOMAIN"}] = 2;
    s.dropped_queries["udp"] = 3;
    s.thread_answers = {6, 0, 4};
    s.rate_limited_dropped = 9;
    s.rate_limited_truncated = 6;
    s.cookies = {14, 15, 16, 17};
    s.tcp_connections = 11;
    s.tcp_refused_total = 12;
    s.tcp_refused_per_client = 13;
    s.tcp_idle_closed = 14;
    s.latency_buckets[0] = 1;                    // <= 10 us
    s.latency_buckets[3] = 4;                    // <= 100 us
    s.latency_buckets[kLatencyBuckets - 1] = 1;  // above 1 s
    s.latency_sum_ns = 2'000'500'000;            // 2.0005 s
    s.forwarded = 5;
    s.cache_hits = 2;
    s.cache_misses = 3;
    s.packet_cache_hits = 30;
    s.packet_cache_templated = 7;
    s.packet_cache_misses = 4;
    s.stale_answers = 0;
    s.forwarded_over_limit = 6;
    s.upstreams["192.0.2.1:53"] = {3, 1};
    s.dropped_replies = 4;
    s.reload_successes = 2;
    s.reload_failures = 1;
    s.last_reload_success_seconds = 1700000000.5;
    s.views = 3;
    s.zones = 2;
    s.records = 8;
    s.topology_serial = 3735928559;
    s.start_time_seconds = 1699999999.25;
    return s;
}

TEST(MetricsText, RendersEveryFamilyExactly) {
    const std::string expected =
        R"(# HELP sitedns_queries_total Answers sent, by view (empty: none), protocol and RCODE.
# TYPE sitedns_queries_total counter
sitedns_queries_total{view="",protocol="udp",rcode="REFUSED"} 1
sitedns_queries_total{view="london",protocol="udp",rcode="NOERROR"} 7
sitedns_queries_total{view="paris \"b\"",protocol="tcp",rcode="NXDOMAIN"} 2
# HELP sitedns_thread_answers_total Answers sent by each worker thread (with its UDP receive threads), by its number: how the kernel spread the clients over the threads.
# TYPE sitedns_thread_answers_total counter
sitedns_thread_answers_total{thread="0"} 6
sitedns_thread_answers_total{thread="1"} 0
sitedns_thread_answers_total{thread="2"} 4
# HELP sitedns_dropped_queries_total Packets dropped without an answer (QR set, shorter than a header), by protocol.
# TYPE sitedns_dropped_queries_total counter
sitedns_dropped_queries_total{protocol="udp"} 3
# HELP sitedns_rate_limited_total UDP answers over the rate limit: dropped, or sent truncated (slip).
# TYPE sitedns_rate_limited_total counter
sitedns_rate_limited_total{action="dropped"} 9
sitedns_rate_limited_total{action="truncated"} 6
# HELP sitedns_cookies_total Queries with a DNS COOKIE option (RFC 7873), by what their cookie was: a client cookie only (new), a valid or an invalid server cookie, or a malformed option.
# TYPE sitedns_cookies_total counter
sitedns_cookies_total{result="new"} 14
sitedns_cookies_total{result="valid"} 15
sitedns_cookies_total{result="invalid"} 16
sitedns_cookies_total{result="malformed"} 17
# HELP sitedns_tcp_connections DNS-over-TCP connections open.
# TYPE sitedns_tcp_connections gauge
sitedns_tcp_connections 11
# HELP sitedns_tcp_connections_refused_total TCP connections closed at accept, by the limit reached: max_connections (total) or max_connections_per_client (per_client).
# TYPE sitedns_tcp_connections_refused_total counter
sitedns_tcp_connections_refused_total{reason="total"} 12
sitedns_tcp_connections_refused_total{reason="per_client"} 13
# HELP sitedns_tcp_idle_closed_total TCP connections closed after tcp.idle_timeout_ms without a query.
# TYPE sitedns_tcp_idle_closed_total counter
sitedns_tcp_idle_closed_total 14
# HELP sitedns_answer_duration_seconds Time from receiving a query to sending its answer.
# TYPE sitedns_answer_duration_seconds histogram
sitedns_answer_duration_seconds_bucket{le="0.00001"} 1
sitedns_answer_duration_seconds_bucket{le="0.000025"} 1
sitedns_answer_duration_seconds_bucket{le="0.00005"} 1
sitedns_answer_duration_seconds_bucket{le="0.0001"} 5
sitedns_answer_duration_seconds_bucket{le="0.00025"} 5
sitedns_answer_duration_seconds_bucket{le="0.0005"} 5
sitedns_answer_duration_seconds_bucket{le="0.001"} 5
sitedns_answer_duration_seconds_bucket{le="0.0025"} 5
sitedns_answer_duration_seconds_bucket{le="0.01"} 5
sitedns_answer_duration_seconds_bucket{le="0.1"} 5
sitedns_answer_duration_seconds_bucket{le="1"} 5
sitedns_answer_duration_seconds_bucket{le="+Inf"} 6
sitedns_answer_duration_seconds_sum 2.0005
sitedns_answer_duration_seconds_count 6
# HELP sitedns_packet_cache_hits_total Plain queries answered with a copy of a finished answer (each thread's packet cache), templates of names that do not exist included.
# TYPE sitedns_packet_cache_hits_total counter
sitedns_packet_cache_hits_total 30
# HELP sitedns_packet_cache_templated_total Of those, answers made from the template of a name that does not exist.
# TYPE sitedns_packet_cache_templated_total counter
sitedns_packet_cache_templated_total 7
# HELP sitedns_packet_cache_misses_total Plain queries the packet cache could not answer (the full lookup ran).
# TYPE sitedns_packet_cache_misses_total counter
sitedns_packet_cache_misses_total 4
# HELP sitedns_forwarded_queries_total Queries the view forwards (names outside its zones, recursion on).
# TYPE sitedns_forwarded_queries_total counter
sitedns_forwarded_queries_total 5
# HELP sitedns_cache_hits_total Forwarded queries answered from the cache.
# TYPE sitedns_cache_hits_total counter
sitedns_cache_hits_total 2
# HELP sitedns_cache_misses_total Forwarded queries the cache could not answer.
# TYPE sitedns_cache_misses_total counter
sitedns_cache_misses_total 3
# HELP sitedns_stale_answers_total Stale answers given while the upstreams failed (RFC 8767).
# TYPE sitedns_stale_answers_total counter
sitedns_stale_answers_total 0
# HELP sitedns_forwarded_over_limit_total Forwarded queries answered SERVFAIL at once: forwarding.max_in_flight upstream queries were under way.
# TYPE sitedns_forwarded_over_limit_total counter
sitedns_forwarded_over_limit_total 6
# HELP sitedns_validated_answers_total Forwarded answers validated through libunbound (dnssec.validate): secure, insecure or bogus.
# TYPE sitedns_validated_answers_total counter
sitedns_validated_answers_total 0
# HELP sitedns_bogus_answers_total Of those, bogus: answered SERVFAIL with EDE 6 (DNSSEC Bogus) but to CD=1 clients.
# TYPE sitedns_bogus_answers_total counter
sitedns_bogus_answers_total 0
# HELP sitedns_upstream_queries_total Exchanges started with each upstream (UDP, then TCP on TC, counts once).
# TYPE sitedns_upstream_queries_total counter
sitedns_upstream_queries_total{upstream="192.0.2.1:53"} 3
# HELP sitedns_upstream_errors_total Failed exchanges with each upstream: timeout, network error, bad reply, SERVFAIL or REFUSED.
# TYPE sitedns_upstream_errors_total counter
sitedns_upstream_errors_total{upstream="192.0.2.1:53"} 1
# HELP sitedns_dropped_replies_total Upstream replies ignored: wrong source, ID or question (RFC 5452).
# TYPE sitedns_dropped_replies_total counter
sitedns_dropped_replies_total 4
# HELP sitedns_reloads_total Reloads (SIGHUP), by outcome.
# TYPE sitedns_reloads_total counter
sitedns_reloads_total{outcome="success"} 2
sitedns_reloads_total{outcome="failure"} 1
# HELP sitedns_last_reload_success_timestamp_seconds Unix time the configuration being served was loaded.
# TYPE sitedns_last_reload_success_timestamp_seconds gauge
sitedns_last_reload_success_timestamp_seconds 1700000000.5
# HELP sitedns_views Views being served.
# TYPE sitedns_views gauge
sitedns_views 3
# HELP sitedns_zones Distinct zones being served.
# TYPE sitedns_zones gauge
sitedns_zones 2
# HELP sitedns_records Records in the zones being served.
# TYPE sitedns_records gauge
sitedns_records 8
# HELP sitedns_topology_serial Serial of the sites topology being served (the generated zones' SOA serial, as topology.sitedns. CH TXT says; 0 without sites).
# TYPE sitedns_topology_serial gauge
sitedns_topology_serial 3735928559
# HELP sitedns_process_start_time_seconds Unix time the process started.
# TYPE sitedns_process_start_time_seconds gauge
sitedns_process_start_time_seconds 1699999999.25
)";
    EXPECT_EQ(render_prometheus(small_sample()), expected);
}

TEST(MetricsText, ThreadAnswersHaveOneSeriesPerThreadInOrder) {
    MetricsSample s;
    s.thread_answers = {0, 0, 0, 0};  // four threads, none has answered yet: each shown
    s.thread_answers[3] = 12;
    const std::string text = render_prometheus(s);
    const std::string series =
        "sitedns_thread_answers_total{thread=\"0\"} 0\n"
        "sitedns_thread_answers_total{thread=\"1\"} 0\n"
        "sitedns_thread_answers_total{thread=\"2\"} 0\n"
        "sitedns_thread_answers_total{thread=\"3\"} 12\n";
    EXPECT_NE(text.find("# TYPE sitedns_thread_answers_total counter\n" + series),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("thread=\"4\""), std::string::npos);
}

TEST(MetricsText, EscapesBackslashAndNewlineInLabels) {
    MetricsSample s;
    s.queries[{"a\\b\nc", "udp", "NOERROR"}] = 1;
    EXPECT_NE(
        render_prometheus(s).find(
            "sitedns_queries_total{view=\"a\\\\b\\nc\",protocol=\"udp\",rcode=\"NOERROR\"} 1\n"),
        std::string::npos);
}

TEST(MetricsText, LatencyBucketIsTheFirstBoundNotExceeded) {
    EXPECT_EQ(latency_bucket(0), 0u);
    EXPECT_EQ(latency_bucket(10'000), 0u);  // 10 us exactly: le="0.00001"
    EXPECT_EQ(latency_bucket(10'001), 1u);
    EXPECT_EQ(latency_bucket(999'999'999), kLatencyBoundsUs.size() - 1);
    EXPECT_EQ(latency_bucket(1'000'000'001), kLatencyBuckets - 1);  // +Inf
}

TEST(MetricsText, RcodeLabels) {
    EXPECT_EQ(rcode_label(0), "NOERROR");
    EXPECT_EQ(rcode_label(3), "NXDOMAIN");
    EXPECT_EQ(rcode_label(5), "REFUSED");
    EXPECT_EQ(rcode_label(9), "NOTAUTH");
    EXPECT_EQ(rcode_label(15), "RCODE15");
}

TEST(ViewLabels, SlotsAreStableAndZeroIsNoView) {
    ViewLabels labels;
    EXPECT_EQ(labels.size(), 1u);
    EXPECT_EQ(labels.name(0), "");
    const auto london = labels.slot("london");
    const auto paris = labels.slot("paris");
    EXPECT_NE(london, paris);
    EXPECT_NE(london, 0u);
    EXPECT_EQ(labels.slot("london"), london);
    EXPECT_EQ(labels.name(paris), "paris");
    EXPECT_EQ(labels.size(), 3u);
    EXPECT_EQ(labels.name(99), "");  // not assigned
}

TEST(ViewLabels, ConcurrentAddersAgree) {
    ViewLabels labels;
    std::vector<std::uint32_t> seen(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < seen.size(); ++t) {
        threads.emplace_back([&labels, &seen, t] {
            for (int i = 0; i < 100; ++i) (void)labels.slot("v" + std::to_string(i));
            seen[t] = labels.slot("v42");
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(labels.size(), 101u);
    for (const auto slot : seen) EXPECT_EQ(slot, seen[0]);
    EXPECT_EQ(labels.name(seen[0]), "v42");
}

TEST(Metrics, SampleRunsCollectorsAndCountsReloads) {
    Metrics metrics;
    metrics.add_collector([](MetricsSample& s) { s.forwarded += 2; });
    metrics.add_collector([](MetricsSample& s) { s.forwarded += 3; });
    const double started = metrics.sample().last_reload_success_seconds;
    EXPECT_GT(started, 1.6e9);  // start-up counts as the last good load
    metrics.reloads().record(false);
    metrics.reloads().record(true);
    metrics.reloads().record(true);
    const MetricsSample s = metrics.sample();
    EXPECT_EQ(s.forwarded, 5u);
    EXPECT_EQ(s.reload_successes, 2u);
    EXPECT_EQ(s.reload_failures, 1u);
    EXPECT_GE(s.last_reload_success_seconds, started);
    EXPECT_GT(s.start_time_seconds, 1.6e9);
    EXPECT_NE(metrics.scrape().find("sitedns_reloads_total{outcome=\"failure\"} 1\n"),
              std::string::npos);
}

}  // namespace
}  // namespace sitedns::runtime
