// The process's one fast hash (hash_bytes) and its form that ignores case (hash_lower).

#include "zones/dns/wire_hash.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

namespace sitedns::dns {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(HashBytes, EqualBytesHashEqualAndTheLengthCounts) {
    std::vector<std::uint8_t> zeros(41, 0);
    std::unordered_set<std::uint64_t> seen;
    for (std::size_t n = 0; n <= 40; ++n) {
        const std::vector<std::uint8_t> copy(zeros.begin(), zeros.begin() + n);
        EXPECT_EQ(hash_bytes(std::span(zeros).first(n)), hash_bytes(copy));
        EXPECT_TRUE(seen.insert(hash_bytes(copy)).second) << n << " zero bytes";
    }
}

TEST(HashBytes, EveryBitOfTheInputCounts) {
    // Each step is a bijection of the state for a fixed word and of the word for a fixed
    // state: inputs of one length that differ in one bit never collide.
    for (const std::size_t n : {5, 8, 21, 24}) {
        std::vector<std::uint8_t> data(n);
        for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 1);
        const std::uint64_t base = hash_bytes(data);
        for (std::size_t bit = 0; bit < n * 8; ++bit) {
            std::vector<std::uint8_t> flipped = data;
            flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            EXPECT_NE(hash_bytes(flipped), base) << n << " bytes, bit " << bit;
        }
    }
}

TEST(HashBytes, SpreadsNamesOverTheLowBits) {
    // Tables index buckets with the low bits: 4096 names over 4096 buckets fill about
    // 1 - 1/e of them when the hash is uniform (2589).
    constexpr std::size_t kBuckets = 4096;
    std::vector<bool> used(kBuckets);
    std::size_t filled = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        const std::string name = "\5host" + std::to_string(i % 10) + "\7example\4test";
        const std::string key = std::to_string(i) + name;
        const std::size_t bucket = hash_bytes(bytes_of(key)) & (kBuckets - 1);
        if (!used[bucket]) ++filled;
        used[bucket] = true;
    }
    EXPECT_GT(filled, 2450u);
}

TEST(HashLower, IsHashBytesIgnoringCase) {
    const std::string lower = "abcdefgh0123456-";  // every byte with the case bit set
    const std::string upper = "ABCDEFGH0123456-";
    EXPECT_EQ(hash_lower(bytes_of(upper).data(), upper.size()), hash_bytes(bytes_of(lower)));
    EXPECT_EQ(hash_lower(bytes_of(lower).data(), lower.size()), hash_bytes(bytes_of(lower)));
    const std::string mixed = "\3WwW\7ExAmPlE\4TeSt";
    const std::string folded = "\3www\7example\4test";
    EXPECT_EQ(hash_lower(bytes_of(mixed).data(), mixed.size()),
              hash_lower(bytes_of(folded).data(), folded.size()));
}

}  // namespace
}  // namespace sitedns::dns
