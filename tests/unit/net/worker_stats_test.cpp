// A worker's query counters and the query log (server/net/worker_stats, query_log):
// answers counted by view name, protocol and RCODE across reloads, the latency
// histogram, the log line's format, and no heap allocation per answer while the query
// log is off (every global operator new of this test binary is counted while
// `counting` is on).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "server/net/query_log.h"
#include "server/net/worker_stats.h"
#include "server/query/snapshot.h"
#include "server/runtime/metrics.h"
#include "tests/support/allocation_counter.h"

namespace sitedns::net {

using sitedns::test::allocations;
using sitedns::test::counting;

namespace {

using query::Transport;

std::shared_ptr<query::Snapshot> snapshot(std::uint64_t generation,
                                          const std::vector<std::string>& views,
                                          bool log_queries = false) {
    auto s = std::make_shared<query::Snapshot>();
    s->generation = generation;
    for (const auto& name : views) {
        s->views.emplace_back();
        s->views.back().name = name;
    }
    s->config.log.queries = log_queries;
    return s;
}

/// An answer: header with `rcode`, one question `www.m.test.` type `qtype`.
std::vector<std::uint8_t> answer(std::uint8_t rcode, std::uint16_t qtype = 15) {
    std::vector<std::uint8_t> a{0x12, 0x34, 0x84, rcode, 0, 1, 0, 0, 0, 0, 0, 0};
    for (const char* label : {"www", "m", "test"}) {
        a.push_back(static_cast<std::uint8_t>(std::string(label).size()));
        for (const char* c = label; *c; ++c) a.push_back(static_cast<std::uint8_t>(*c));
    }
    a.push_back(0);
    a.insert(a.end(),
             {static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype), 0, 1});
    return a;
}

Answered note(std::uint32_t slot, Transport transport) {
    return Answered{std::chrono::steady_clock::now(), slot, transport,
                    *IpAddress::parse("127.0.0.1"), 53211};
}

std::uint64_t count(const runtime::MetricsSample& s, const std::string& view,
                    const std::string& protocol, const std::string& rcode) {
    const auto it = s.queries.find({view, protocol, rcode});
    return it == s.queries.end() ? 0 : it->second;
}

TEST(WorkerStats, CountsByViewProtocolAndRcode) {
    Telemetry telemetry;
    WorkerStats stats(telemetry);
    const auto snap = snapshot(1, {"london", "paris"});
    const auto london = stats.view_slot(*snap, &snap->views[0]);
    const auto paris = stats.view_slot(*snap, &snap->views[1]);
    const auto none = stats.view_slot(*snap, nullptr);
    EXPECT_EQ(none, 0u);
    stats.answered(note(london, Transport::Udp), answer(0));
    stats.answered(note(london, Transport::Udp), answer(0));
    stats.answered(note(london, Transport::Tcp), answer(3));
    stats.answered(note(paris, Transport::Udp), answer(3));
    stats.answered(note(none, Transport::Udp), answer(5));
    stats.count_forwarded();
    stats.count_dropped(Transport::Tcp);
    stats.count_rate_limited(false);
    stats.count_rate_limited(false);
    stats.count_rate_limited(true);

    runtime::MetricsSample s;
    stats.collect(s);
    EXPECT_EQ(count(s, "london", "udp", "NOERROR"), 2u);
    EXPECT_EQ(count(s, "london", "tcp", "NXDOMAIN"), 1u);
    EXPECT_EQ(count(s, "paris", "udp", "NXDOMAIN"), 1u);
    EXPECT_EQ(count(s, "", "udp", "REFUSED"), 1u);
    EXPECT_EQ(s.queries.size(), 4u);
    EXPECT_EQ(s.forwarded, 1u);
    EXPECT_EQ(s.dropped_queries["tcp"], 1u);
    EXPECT_EQ(s.dropped_queries["udp"], 0u);
    EXPECT_EQ(s.rate_limited_dropped, 2u);
    EXPECT_EQ(s.rate_limited_truncated, 1u);
    std::uint64_t answered = 0;
    for (const auto n : s.latency_buckets) answered += n;
    EXPECT_EQ(answered, 5u);
    EXPECT_GT(s.latency_sum_ns, 0u);
}

TEST(WorkerStats, AReloadKeepsCountersByViewName) {
    Telemetry telemetry;
    WorkerStats stats(telemetry);
    const auto first = snapshot(1, {"london", "paris"});
    stats.answered(note(stats.view_slot(*first, &first->views[1]), Transport::Udp), answer(0));
    // Generation 2 reorders the views and adds one: paris is still paris.
    const auto second = snapshot(2, {"madrid", "paris", "london"});
    stats.answered(note(stats.view_slot(*second, &second->views[1]), Transport::Udp), answer(0));
    stats.answered(note(stats.view_slot(*second, &second->views[0]), Transport::Udp), answer(0));

    runtime::MetricsSample s;
    stats.collect(s);
    EXPECT_EQ(count(s, "paris", "udp", "NOERROR"), 2u);
    EXPECT_EQ(count(s, "madrid", "udp", "NOERROR"), 1u);
    EXPECT_EQ(count(s, "london", "udp", "NOERROR"), 0u);
}

TEST(WorkerStats, TwoWorkersSumIntoOneSample) {
    Telemetry telemetry;
    WorkerStats a(telemetry), b(telemetry);
    const auto snap = snapshot(1, {"london"});
    a.answered(note(a.view_slot(*snap, &snap->views[0]), Transport::Udp), answer(0));
    b.answered(note(b.view_slot(*snap, &snap->views[0]), Transport::Udp), answer(0));
    runtime::MetricsSample s;
    a.collect(s);
    b.collect(s);
    EXPECT_EQ(count(s, "london", "udp", "NOERROR"), 2u);
}

TEST(WorkerStats, AnswersCountsEachAnswerOnceWhateverItsLatency) {
    Telemetry telemetry;
    WorkerStats stats(telemetry);
    const auto snap = snapshot(1, {"london"});
    EXPECT_EQ(stats.answers(), 0u);
    const auto slot = stats.view_slot(*snap, &snap->views[0]);
    stats.answered(note(slot, Transport::Udp), answer(0));
    stats.answered(note(slot, Transport::Tcp), answer(3));
    Answered slow = note(0, Transport::Udp);
    slow.received -= std::chrono::seconds(2);  // the +Inf bucket
    stats.answered(slow, answer(5));
    // Not answers: a forwarded query (counted when its answer is sent), a drop, a query
    // the rate limiter held back.
    stats.count_forwarded();
    stats.count_dropped(Transport::Udp);
    stats.count_rate_limited(false);
    EXPECT_EQ(stats.answers(), 3u);
}

TEST(WorkerStats, NoAllocationPerAnswerWhileTheQueryLogIsOff) {
    if (!sitedns::test::counts_allocations) GTEST_SKIP() << "no allocation counter under TSan";
    Telemetry telemetry;
    WorkerStats stats(telemetry);
    const auto snap = snapshot(1, {"london", "paris"});
    const auto bytes = answer(0);
    (void)stats.view_slot(*snap, nullptr);  // the mapping after a reload may allocate
    allocations = 0;
    counting = true;
    for (int i = 0; i < 10'000; ++i) {
        const auto slot = stats.view_slot(*snap, &snap->views[i % 2]);
        stats.answered(note(slot, i % 3 == 0 ? Transport::Tcp : Transport::Udp), bytes);
        stats.count_forwarded();
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0u);
    EXPECT_FALSE(stats.log_queries());
}

TEST(QueryLog, OneLinePerAnswerWhenOn) {
    std::ostringstream out;
    {
        Telemetry telemetry{{}, QueryLog(std::make_shared<spdlog::sinks::ostream_sink_mt>(out))};
        WorkerStats stats(telemetry);
        const auto snap = snapshot(1, {"london"}, true);
        const auto slot = stats.view_slot(*snap, &snap->views[0]);
        EXPECT_TRUE(stats.log_queries());
        stats.answered(note(slot, Transport::Udp), answer(0, 15));
        stats.answered(note(0, Transport::Tcp), answer(5, 1));
    }  // the logger's thread has written every line once the log is destroyed
    const std::string text = out.str();
    EXPECT_NE(text.find(" query client=127.0.0.1#53211 view=london name=www.m.test. type=MX "
                        "rcode=NOERROR proto=udp us="),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(" query client=127.0.0.1#53211 view=- name=www.m.test. type=A "
                        "rcode=REFUSED proto=tcp us="),
              std::string::npos)
        << text;
}

TEST(QueryLog, LineFormat) {
    const auto bytes = answer(3, 28);
    QueryLogEntry entry{*IpAddress::parse("2001:db8::1"), 4242, "paris", bytes, Transport::Tcp, 17};
    EXPECT_EQ(format_query_line(entry),
              "client=2001:db8::1#4242 view=paris name=www.m.test. type=AAAA rcode=NXDOMAIN "
              "proto=tcp us=17");
    // A FORMERR answer without a question.
    std::vector<std::uint8_t> bare{0, 1, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    entry.answer = bare;
    entry.view = "";
    entry.transport = Transport::Udp;
    EXPECT_EQ(format_query_line(entry),
              "client=2001:db8::1#4242 view=- name=- type=- rcode=FORMERR proto=udp us=17");
}

}  // namespace
}  // namespace sitedns::net
