// The keyed hash of tables whose keys clients choose: SipHash-2-4 under a per-process
// random key.

#include "server/base/keyed_hash.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <gtest/gtest.h>

namespace sitedns::base {
namespace {

TEST(KeyedHash, IsSipHashUnderTheProcessKey) {
    const SipKey& key = process_key();
    EXPECT_EQ(&key, &process_key()) << "drawn once";
    EXPECT_NE(key, SipKey{}) << "random, not zero";
    const std::string text = "www.example.test";
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()),
                                              text.size());
    EXPECT_EQ(keyed_hash(bytes), siphash24(key, bytes));
    EXPECT_EQ(KeyedHash{}(text), keyed_hash(bytes));
    EXPECT_EQ(keyed_hash(bytes, 7), siphash24(key, bytes, 7));
}

}  // namespace
}  // namespace sitedns::base
