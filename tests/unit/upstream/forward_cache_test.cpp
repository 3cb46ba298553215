// The process's cache of forwarded answers: its shards, its bound, and many threads at
// once (the TSan build runs this too).

#include "server/upstream/forward_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/upstream/fake_upstream.h"

namespace sitedns::upstream {
namespace {

using test::Bytes;

/// A stored reply for `name`: a header and the question, as the cache requires.
struct Stored {
    Bytes name;
    Bytes message;
};

Stored reply_for(const std::string& name) {
    Stored s{wire::test::wire_name(name), {}};
    // Byte by byte: GCC 12 -O2 misreads a range insert after Bytes(12, 0) as an overread.
    s.message.assign(12, 0);
    for (std::uint8_t b : s.name) s.message.push_back(b);
    for (std::uint8_t b : {0, 1, 0, 1}) s.message.push_back(b);
    return s;
}

CacheKey key_of(const Stored& s, std::uint64_t set = 7) {
    return CacheKey{s.name, 1, 1, false, set};
}

const ForwardCache::TimePoint kNow{};

TEST(ForwardCache, SmallCachesHaveOneShardLargeOnesSeveral) {
    EXPECT_EQ(ForwardCache(3).shard_count(), 1u);
    EXPECT_EQ(ForwardCache(0).shard_count(), 1u);
    EXPECT_EQ(ForwardCache(20000).shard_count(), ForwardCache::kMaxShards);
    EXPECT_EQ(ForwardCache(10'000'000).shard_count(), ForwardCache::kMaxShards);
}

TEST(ForwardCache, TheBoundCountsForAllShards) {
    for (const std::size_t capacity : {std::size_t{5}, std::size_t{4096}, std::size_t{20000}}) {
        ForwardCache cache(capacity);
        for (std::size_t i = 0; i < 3 * capacity; ++i) {
            const Stored s = reply_for("n" + std::to_string(i) + ".test");
            cache.store(key_of(s), s.message, {}, 300, kNow);
        }
        EXPECT_EQ(cache.size(), capacity) << capacity;
        cache.set_capacity(capacity / 2);
        EXPECT_EQ(cache.size(), capacity / 2) << capacity;
    }
}

TEST(ForwardCache, AnEntryIsFoundUnderItsKeyOnly) {
    ForwardCache cache(20000);
    const Stored a = reply_for("a.test");
    cache.store(key_of(a), a.message, {}, 300, kNow);
    const auto found = [&](const CacheKey& key) {
        return cache.with_entry(key,
                                [](const ForwardCacheShard::Entry* e) { return e != nullptr; });
    };
    EXPECT_TRUE(found(key_of(a)));
    EXPECT_FALSE(found(key_of(a, 8))) << "another upstream set";
    EXPECT_FALSE(found(key_of(reply_for("b.test"))));
}

// Four threads look up and store overlapping names at once: every hit is the reply to
// the very name asked, and the bound holds.
TEST(ForwardCache, ManyThreadsAtOnce) {
    constexpr std::size_t kNames = 600;
    constexpr std::size_t kRounds = 3000;
    ForwardCache cache(512);
    std::vector<Stored> names;
    for (std::size_t i = 0; i < kNames; ++i) names.push_back(reply_for("t" + std::to_string(i)));
    std::atomic<std::size_t> wrong{0};
    std::atomic<std::size_t> hits{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (std::size_t round = 0; round < kRounds; ++round) {
                const Stored& s = names[(round * 7 + t * 131) % kNames];
                const bool hit =
                    cache.with_entry(key_of(s), [&](const ForwardCacheShard::Entry* e) {
                        if (e == nullptr) return false;
                        if (e->message != s.message) ++wrong;
                        return true;
                    });
                if (hit) {
                    ++hits;
                } else {
                    cache.store(key_of(s), s.message, {}, 300, kNow);
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong, 0u);
    EXPECT_GT(hits, 0u);
    EXPECT_LE(cache.size(), 512u);
}

}  // namespace
}  // namespace sitedns::upstream
