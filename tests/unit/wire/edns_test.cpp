#include "server/wire/edns.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "server/wire/message.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;

TEST(WriteOpt, Bytes) {
    struct Case {
        std::uint16_t udp_size;
        std::uint8_t extended_rcode;
        bool dnssec_ok;
        Bytes want;
    };
    const std::vector<Case> cases = {
        {1232, 0, false, {0, 0, 41, 0x04, 0xD0, 0, 0, 0x00, 0, 0, 0}},
        {1232, 0, true, {0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0}},
        {4096, 1, false, {0, 0, 41, 0x10, 0x00, 1, 0, 0x00, 0, 0, 0}},  // BADVERS: 16 >> 4
        {65535, 0xFF, true, {0, 0, 41, 0xFF, 0xFF, 0xFF, 0, 0x80, 0, 0, 0}},
    };
    for (const Case& c : cases) {
        std::array<std::uint8_t, 64> buffer{};
        WireWriter w(buffer, buffer.size());
        ASSERT_TRUE(write_opt(w, c.udp_size, c.extended_rcode, c.dnssec_ok));
        EXPECT_EQ(w.size(), kOptSize);
        EXPECT_EQ(Bytes(w.written().begin(), w.written().end()), c.want) << c.udp_size;
    }
}

TEST(WriteOpt, DoesNotFitWritesNothing) {
    std::array<std::uint8_t, 64> buffer{};
    WireWriter w(buffer, kOptSize + 2);
    ASSERT_TRUE(w.u16(0xAAAA) && w.u8(0xBB));
    EXPECT_FALSE(write_opt(w, 1232, 0, false));
    EXPECT_EQ(w.size(), 3u);
    w.set_limit(kOptSize + 3);
    EXPECT_TRUE(write_opt(w, 1232, 0, false));
    EXPECT_EQ(w.size(), kOptSize + 3);
}

TEST(WriteOpt, ParsesBackAsTheSameEdns) {
    std::array<std::uint8_t, 128> buffer{};
    WireWriter w(buffer, buffer.size());
    const Bytes head = Builder().header(7, 0, 1, 0, 0, 1).question("example.com");
    ASSERT_TRUE(w.bytes(head));
    ASSERT_TRUE(write_opt(w, 1400, 0, true));
    Query q;
    ASSERT_EQ(parse_query(w.written(), q), ParseOutcome::Ok);
    EXPECT_TRUE(q.edns.present);
    EXPECT_EQ(q.edns.udp_size, 1400);
    EXPECT_EQ(q.edns.version, 0);
    EXPECT_TRUE(q.edns.dnssec_ok);
    EXPECT_TRUE(q.edns.options.empty());
}

}  // namespace
}  // namespace sitedns::wire
