// The one source of randomness (server/base/random.h): the kernel's CSPRNG.

#include "server/base/random.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace sitedns::base {
namespace {

TEST(Random, FillsEveryByteAndDiffersEachTime) {
    // 64 bytes all zero, or twice the same 128 bits, would take a broken source.
    std::array<std::uint8_t, 64> bytes{};
    random_bytes(bytes.data(), bytes.size());
    EXPECT_NE(bytes, (std::array<std::uint8_t, 64>{}));
    using Block = std::array<std::uint64_t, 2>;
    EXPECT_NE(random_value<Block>(), random_value<Block>());
    random_bytes(nullptr, 0);  // nothing asked, nothing done
}

TEST(Random, LargeRequestsAreFilledWhole) {
    // getrandom(2) may return short above 256 bytes: random_bytes loops until all is there.
    std::array<std::uint8_t, 4096> bytes{};
    random_bytes(bytes.data(), bytes.size());
    int zero_tail = 0;
    for (std::size_t i = bytes.size() - 64; i < bytes.size(); ++i) zero_tail += bytes[i] == 0;
    EXPECT_LT(zero_tail, 16) << "the last 64 bytes were written";
}

TEST(RandomPool, HandsOutFreshBytesAcrossRefills) {
    // 300 64-bit values take three blocks of 256 bytes: none repeats (a repeat of 64
    // random bits is as good as impossible), so no byte is handed out twice and every
    // refill brought new ones.
    RandomPool pool;
    std::vector<std::uint64_t> seen;
    for (int i = 0; i < 300; ++i) seen.push_back(pool.value<std::uint64_t>());
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
    EXPECT_NE(seen.front(), 0u);
    // Values of mixed sizes straddling a refill come whole.
    for (int i = 0; i < 100; ++i) {
        (void)pool.value<std::uint8_t>();
        EXPECT_NE((pool.value<std::array<std::uint64_t, 3>>()),
                  (std::array<std::uint64_t, 3>{}));
    }
}

}  // namespace
}  // namespace sitedns::base
