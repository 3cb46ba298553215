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
#include "tests/unit/upstream/fake_upstream.h"

namespace {

std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
std::atomic<std::size_t> deallocations{0};

void* counted_alloc(std::size_t size) noexcept {
    if (counting.load(std::memory_order_relaxed))
        allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t align) noexcept {
    if (counting.load(std::memory_order_relaxed))
        allocations.fetch_add(1, std::memory_order_relaxed);
    const auto alignment = static_cast<std::size_t>(align);
    const std::size_t rounded = (size + alignment - 1) / alignment * alignment;
    return std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
}

void counted_free(void* p) noexcept {
    if (p == nullptr) return;
    if (counting.load(std::memory_order_relaxed))
        deallocations.fetch_add(1, std::memory_order_relaxed);
    std::free(p);
}

void* or_throw(void* p) {
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

}  // namespace

// The replaceable global allocation functions ([new.delete]): plain, array, aligned,
// nothrow, and the sized deletes.
void* operator new(std::size_t size) {
    return or_throw(counted_alloc(size));
}
void* operator new[](std::size_t size) {
    return or_throw(counted_alloc(size));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return counted_alloc(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return counted_alloc(size);
}
void* operator new(std::size_t size, std::align_val_t align) {
    return or_throw(counted_aligned_alloc(size, align));
}
void* operator new[](std::size_t size, std::align_val_t align) {
    return or_throw(counted_aligned_alloc(size, align));
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    return counted_aligned_alloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    return counted_aligned_alloc(size, align);
}
void operator delete(void* p) noexcept {
    counted_free(p);
}
void operator delete[](void* p) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    counted_free(p);
}

namespace sitedns::upstream {
namespace {

using namespace std::chrono_literals;

TEST(ForwarderAllocation, CacheHitsDoNotTouchTheHeap) {
    boost::asio::io_context io;
    test::FakeUpstream upstream(io);
    upstream.script([](const test::Received& r) {
        return std::vector<test::Send>{{test::answer_a(r, 300, 3)}};
    });
    Forwarder forwarder(io, ForwarderOptions{});
    const UpstreamSet set = UpstreamSet::make({upstream.endpoint()});

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
    allocations = 0;
    deallocations = 0;
    counting = true;
    for (std::size_t i = 0; i < kHits; ++i) {
        const std::size_t limit = i % 5 == 0 ? 40 : 1232;  // some truncated
        answered += forwarder.answer_from_cache({&queries[i], limit}, set, out) != 0 ? 1 : 0;
    }
    counting = false;
    EXPECT_EQ(answered, kHits);
    EXPECT_EQ(allocations.load(), 0u);
    EXPECT_EQ(deallocations.load(), 0u);
    EXPECT_EQ(forwarder.stats().cache_hits, kHits);
}

}  // namespace
}  // namespace sitedns::upstream
