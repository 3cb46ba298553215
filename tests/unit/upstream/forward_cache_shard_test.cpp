// The answer cache's table: lookups by key, replacement and LRU eviction.

#include "server/upstream/forward_cache_shard.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/upstream/fake_upstream.h"
#include "zones/dns/name.h"

namespace sitedns::upstream {
namespace {

using test::Builder;
using test::Bytes;

/// A stored message for `name` (header and question) and its lowercased key bytes.
struct Item {
    Bytes message;
    Bytes lower;
    CacheKey key() const { return {lower, test::kA, 1, false, 9}; }
};

Item item(const std::string& name) {
    Item it;
    it.message = Builder().header(0, 0x8180, 1, 0, 0, 0).question(name);
    std::string lowered = name;
    for (char& c : lowered) c = static_cast<char>(dns::lower(static_cast<std::uint8_t>(c)));
    it.lower = wire::test::wire_name(lowered);
    return it;
}

const ForwardCacheShard::TimePoint kT{};

/// The number in an item's name ("n4.test" -> 4), to give each entry its own TTL.
std::uint32_t i_of(const Item& it) {
    return static_cast<std::uint32_t>(it.lower[2] - '0');
}

TEST(ForwardCacheShard, FindsByKeyIgnoringCase) {
    ForwardCacheShard cache(10);
    const Item a = item("Mixed.Case.test");
    cache.store(a.key(), a.message, {}, 60, kT);
    const Item probe = item("mixed.CASE.TEST");
    const ForwardCacheShard::Entry* e = cache.find(probe.key());
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->message, a.message);
    EXPECT_EQ(e->ttl, 60u);
    CacheKey other = probe.key();
    other.qtype = test::kAaaa;
    EXPECT_EQ(cache.find(other), nullptr);
    other = probe.key();
    other.set_id = 10;
    EXPECT_EQ(cache.find(other), nullptr);
    other = probe.key();
    other.dnssec_ok = true;
    EXPECT_EQ(cache.find(other), nullptr);
}

TEST(ForwardCacheShard, ReplacesAnEntryForTheSameKey) {
    ForwardCacheShard cache(10);
    const Item a = item("a.test");
    cache.store(a.key(), a.message, {}, 60, kT);
    cache.store(a.key(), a.message, {}, 5, kT);
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.find(a.key())->ttl, 5u);
}

TEST(ForwardCacheShard, EvictsTheLeastRecentlyUsed) {
    ForwardCacheShard cache(2);
    const Item a = item("a.test"), b = item("b.test"), c = item("c.test");
    cache.store(a.key(), a.message, {}, 60, kT);
    cache.store(b.key(), b.message, {}, 60, kT);
    ASSERT_NE(cache.find(a.key()), nullptr);  // a is now the most recent
    cache.store(c.key(), c.message, {}, 60, kT);
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_NE(cache.find(a.key()), nullptr);
    EXPECT_EQ(cache.find(b.key()), nullptr);
    EXPECT_NE(cache.find(c.key()), nullptr);
}

TEST(ForwardCacheShard, StaysBoundedUnderChurn) {
    ForwardCacheShard cache(100);
    std::vector<Item> items;
    for (int i = 0; i < 1000; ++i) items.push_back(item("n" + std::to_string(i) + ".test"));
    for (const Item& it : items) cache.store(it.key(), it.message, {}, 60, kT);
    EXPECT_EQ(cache.size(), 100u);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(cache.find(items[i].key()) != nullptr, i >= 900) << i;
    }
}

TEST(ForwardCacheShard, ShrinkingKeepsTheMostRecentlyUsedInOrder) {
    ForwardCacheShard cache(10);
    std::vector<Item> items;
    for (int i = 0; i < 6; ++i) items.push_back(item("n" + std::to_string(i) + ".test"));
    for (const Item& it : items) cache.store(it.key(), it.message, {}, 60 + i_of(it), kT);
    ASSERT_NE(cache.find(items[0].key()), nullptr);  // n0 is now the most recent
    cache.set_capacity(3);
    EXPECT_EQ(cache.capacity(), 3u);
    EXPECT_EQ(cache.size(), 3u);
    // Kept: n0, n5, n4 (most recent first); evicted: n1, n2, n3.
    for (int i : {1, 2, 3}) EXPECT_EQ(cache.find(items[i].key()), nullptr) << i;
    ASSERT_NE(cache.find(items[4].key()), nullptr);
    EXPECT_EQ(cache.find(items[4].key())->message, items[4].message);
    // The LRU order survived: storing one more evicts n5, the least recently used now.
    ASSERT_NE(cache.find(items[0].key()), nullptr);
    const Item extra = item("extra.test");
    cache.store(extra.key(), extra.message, {}, 60, kT);
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_EQ(cache.find(items[5].key()), nullptr);
    EXPECT_NE(cache.find(items[0].key()), nullptr);
    EXPECT_NE(cache.find(extra.key()), nullptr);
}

TEST(ForwardCacheShard, GrowingKeepsEverythingAndTakesMore) {
    ForwardCacheShard cache(2);
    const Item a = item("a.test"), b = item("b.test"), c = item("c.test");
    cache.store(a.key(), a.message, {}, 60, kT);
    cache.store(b.key(), b.message, {}, 61, kT);
    cache.set_capacity(100);
    cache.store(c.key(), c.message, {}, 62, kT);
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_EQ(cache.find(a.key())->ttl, 60u);
    EXPECT_EQ(cache.find(b.key())->ttl, 61u);
    EXPECT_EQ(cache.find(c.key())->ttl, 62u);
    cache.set_capacity(0);
    EXPECT_EQ(cache.size(), 0u);
    cache.store(a.key(), a.message, {}, 60, kT);
    EXPECT_EQ(cache.find(a.key()), nullptr) << "0 disables it";
}

TEST(ForwardCacheShard, CapacityZeroStoresNothing) {
    ForwardCacheShard cache(0);
    const Item a = item("a.test");
    cache.store(a.key(), a.message, {}, 60, kT);
    EXPECT_EQ(cache.find(a.key()), nullptr);
}

}  // namespace
}  // namespace sitedns::upstream
