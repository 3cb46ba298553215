// The truncated reply a rate limiter slips (header and question, QR and TC set): what is
// kept from the query, what is cleared, and the packets that get none.

#include "server/wire/truncated_reply.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "server/wire/header.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;

std::size_t reply_to(const Bytes& query, std::array<std::uint8_t, 512>& out) {
    return write_truncated_reply(query, out);
}

TEST(TruncatedReply, HeaderAndQuestionWithTc) {
    const Bytes query = Builder()
                            .header(0xBEEF, test::kRd | test::kCd | 0x0020 /* AD */, 1, 0, 0, 1)
                            .question("Www.Example.COM", 28)
                            .opt(4096);
    const std::size_t question_end = kHeaderSize + test::wire_name("Www.Example.COM").size() + 4;
    std::array<std::uint8_t, 512> out{};
    ASSERT_EQ(reply_to(query, out), question_end) << "the OPT is left out";
    const Header h(out);
    EXPECT_EQ(h.id(), 0xBEEF);
    EXPECT_TRUE(h.qr());
    EXPECT_TRUE(h.tc());
    EXPECT_TRUE(h.rd()) << "RD is copied (RFC 1035 §4.1.1)";
    EXPECT_TRUE(h.cd());
    EXPECT_FALSE(h.aa());
    EXPECT_FALSE(h.ra());
    EXPECT_FALSE(h.ad());
    EXPECT_EQ(h.opcode(), 0);
    EXPECT_EQ(h.rcode(), 0);
    EXPECT_EQ(h.qdcount(), 1);
    EXPECT_EQ(h.ancount(), 0);
    EXPECT_EQ(h.nscount(), 0);
    EXPECT_EQ(h.arcount(), 0);
    EXPECT_TRUE(std::equal(query.begin() + kHeaderSize, query.begin() + question_end,
                           out.begin() + kHeaderSize))
        << "the question as sent, case kept";
}

TEST(TruncatedReply, NoReplyToPacketsWithoutOneReadableQuestion) {
    struct Case {
        std::string name;
        Bytes packet;
    };
    const std::vector<Case> cases = {
        {"shorter than a header", Bytes{0, 1, 0, 0, 0, 1}},
        {"a response (QR set)", Builder().header(1, test::kQr, 1, 0, 0, 0).question("a.test")},
        {"no question", Builder().header(1, 0, 0, 0, 0, 0)},
        {"two questions", Builder().header(1, 0, 2, 0, 0, 0).question("a.test").question("b.test")},
        {"question cut short", Builder().header(1, 0, 1, 0, 0, 0).name("a.test").u16(1)},
        {"bad label type", Builder().header(1, 0, 1, 0, 0, 0).u8(0x40).u8(0).u16(1).u16(1)},
    };
    for (const Case& c : cases) {
        std::array<std::uint8_t, 512> out{};
        EXPECT_EQ(reply_to(c.packet, out), 0u) << c.name;
    }
}

TEST(TruncatedReply, NoReplyWhenTheBufferIsTooSmall) {
    const Bytes query = Builder().header(7, 0, 1, 0, 0, 0).question("a.test");
    std::array<std::uint8_t, 16> small{};
    EXPECT_EQ(write_truncated_reply(query, small), 0u);
    std::vector<std::uint8_t> exact(query.size());
    EXPECT_EQ(write_truncated_reply(query, exact), query.size());
}

}  // namespace
}  // namespace sitedns::wire
