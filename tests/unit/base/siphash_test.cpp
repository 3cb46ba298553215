// SipHash-2-4 (server/base/siphash.h): the reference vectors of the SipHash paper, and
// the variant that hashes a number after the last whole word of the bytes.

#include "server/base/siphash.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <gtest/gtest.h>

namespace sitedns::base {
namespace {

TEST(SipHash24, ReferenceVectors) {
    // vectors.h of the reference implementation (Aumasson and Bernstein): key 00..0f,
    // message 00, 01, ... of each length; the hash as its little-endian bytes.
    const std::array<std::uint64_t, 16> want{
        0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
        0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
        0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
        0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    };
    SipKey key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
    std::array<std::uint8_t, 16> message{};
    for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i);
    for (std::size_t length = 0; length < want.size(); ++length) {
        EXPECT_EQ(siphash24(key, std::span(message).first(length)), want[length])
            << length << " bytes";
    }
}

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

}  // namespace
}  // namespace sitedns::base
