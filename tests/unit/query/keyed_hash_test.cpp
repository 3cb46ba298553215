// The keyed hash of tables whose keys clients choose: SipHash-2-4 under a per-process
// random key.

#include "server/query/keyed_hash.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sitedns::query {
namespace {

TEST(SipHash24, ExtraWordIsHashedAfterTheLastWholeWord) {
    // siphash24(key, data, extra) is SipHash-2-4 of data's whole words, then extra's
    // eight little-endian bytes, then data's last bytes.
    SipKey key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
    const std::uint64_t extra = 0x0123456789abcdefull;
    std::array<std::uint8_t, 20> data{};
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(0xa0 + i);
    for (std::size_t length = 0; length <= data.size(); ++length) {
        const std::size_t whole = length / 8 * 8;
        std::vector<std::uint8_t> joined(data.begin(), data.begin() + whole);
        for (int i = 0; i < 8; ++i) joined.push_back(static_cast<std::uint8_t>(extra >> (8 * i)));
        joined.insert(joined.end(), data.begin() + whole, data.begin() + length);
        EXPECT_EQ(siphash24(key, std::span(data).first(length), extra), siphash24(key, joined))
            << length << " bytes";
    }
}

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

TEST(KeyedHash, AddressesOfBothFamiliesDiffer) {
    const IpAddress v4 = *IpAddress::parse("192.0.2.1");
    IpAddress v6 = v4;
    v6.family = IpAddress::Family::V6;  // the same bytes
    EXPECT_EQ(keyed_hash(v4), keyed_hash(*IpAddress::parse("192.0.2.1")));
    EXPECT_NE(keyed_hash(v4), keyed_hash(v6));
    EXPECT_NE(keyed_hash(v4), keyed_hash(*IpAddress::parse("192.0.2.2")));
    EXPECT_EQ(KeyedHash{}(v4), keyed_hash(v4));
}

}  // namespace
}  // namespace sitedns::query
