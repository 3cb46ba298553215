// Cache hits are allocation-free (STYLE rule 7): every global operator new and delete
// of this test binary counts while `counting` is on, and 10,000 answer_from_cache hits
// (other IDs, cases, EDNS or not, small limits) run with the counter on.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "server/upstream/forwarder.h"
#include "tests/support/allocation_counter.h"
#include "tests/unit/upstream/fake_upstream.h"

namespace sitedns::upstream {
namespace {

using sitedns::test::allocations;
using sitedns::test::counting;
using sitedns::test::deallocations;

using namespace std::chrono_literals;

TEST(ForwarderAllocation, CacheHitsDoNotTouchTheHeap) {
    if (!sitedns::test::counts_allocations) GTEST_SKIP() << "no allocation counter under TSan";
    boost::asio::io_context io;
    test::FakeUpstream upstream(io);
    upstream.script([](const test::Received& r) {
        return std::vector<test::Send>{{test::answer_a(r, 300, 3)}};
    });
    Forwarder forwarder(io, ForwarderOptions{});
    const query::UpstreamSet set = query::UpstreamSet::make({upstream.endpoint()});

    const auto parse = [](const test::Bytes& b) {
        wire::Query q;
        EXPECT_EQ(wire::parse_query(b, q), wire::ParseOutcome::Ok);
        return q;
    };
    const test::Bytes first =
        test::Builder().header(1, 0x0100, 1, 0, 0, 1).question("hot.test").opt(1232);
    const wire::Query q1 = parse(first);
    std::optional<test::Bytes> got;
    forwarder.resolve({&q1, 1232}, set,
                      [&](std::span<const std::uint8_t> a) { got.emplace(a.begin(), a.end()); });
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!got && std::chrono::steady_clock::now() < end) io.run_one_for(20ms);
    ASSERT_TRUE(got.has_value());

    constexpr std::size_t kHits = 10'000;
    std::vector<test::Bytes> packets;
    std::vector<wire::Query> queries(kHits);
    packets.reserve(kHits);
    for (std::size_t i = 0; i < kHits; ++i) {
        test::Builder b;
        const bool edns = i % 2 == 0;
        b.header(static_cast<std::uint16_t>(i), 0x0100, 1, 0, 0, edns ? 1 : 0);
        b.question(i % 3 == 0 ? "HOT.test" : "hot.TEST");
        if (edns) b.opt(4096);
        packets.push_back(b);
        queries[i] = parse(packets.back());
    }
    std::vector<std::uint8_t> out(65535);
    std::size_t answered = 0;
    CacheCounters counters;  // a worker thread's
    query::ForwardedCopy copy;  // what a worker keeps a copy by
    allocations = 0;
    deallocations = 0;
    counting = true;
    for (std::size_t i = 0; i < kHits; ++i) {
        const std::size_t limit = i % 5 == 0 ? 40 : 1232;  // some truncated
        answered +=
            forwarder.answer_from_cache({&queries[i], limit}, set, out, &copy, &counters) != 0 ? 1
                                                                                               : 0;
    }
    counting = false;
    EXPECT_EQ(answered, kHits);
    EXPECT_EQ(allocations.load(), 0u);
    EXPECT_EQ(deallocations.load(), 0u);
    EXPECT_EQ(counters.hits, kHits);
}

}  // namespace
}  // namespace sitedns::upstream
