#include "server/wire/answer_patches.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;

TEST(AnswerPatches, RollBackForgetsNotesPastTheMark) {
    AnswerPatches p;
    p.pointers.at[0] = 40;
    p.pointers.count = 1;
    p.note_owner_pointer();
    p.pointers.at[1] = 60;
    p.pointers.count = 2;
    p.note_owner_pointer();
    EXPECT_TRUE(p.ends_owner(40));
    EXPECT_TRUE(p.ends_owner(60));
    EXPECT_FALSE(p.ends_owner(41));
    p.roll_back(56);
    EXPECT_TRUE(p.ends_owner(40));
    EXPECT_FALSE(p.ends_owner(60));
}

TEST(AnswerPatches, NoOwnerNoteWithoutALoggedPointer) {
    AnswerPatches p;
    p.note_owner_pointer();
    EXPECT_EQ(p.owner_pointers, 0u);
}

TEST(AnswerPatches, TakeIdAndNameCopiesOnlyThose) {
    Bytes answer = Builder().header(1, test::kQr, 1, 0, 0, 0).question("www.example");
    const Bytes query = Builder().header(0xBEEF, 0, 1, 0, 0, 0).question("WWW.Example", 28);
    take_id_and_name(answer, query, 13);
    const Bytes want = Builder().header(0xBEEF, test::kQr, 1, 0, 0, 0).question("WWW.Example");
    EXPECT_EQ(answer, want);
}

TEST(AnswerPatches, WritesPointersAndCountsTtlsDown) {
    Bytes m(8, 0);
    write_pointer(m, 1, 0x1234);
    EXPECT_EQ(m[1], 0xC0 | 0x12);
    EXPECT_EQ(m[2], 0x34);
    m = {0, 0, 0x01, 0x00, 0x00, 0x2C, 0};  // TTL 16,777,260 at 2
    count_down_ttl(m, 2, 300);
    EXPECT_EQ(m, (Bytes{0, 0, 0x00, 0xFF, 0xFF, 0x00, 0}));
    // A record shorter-lived than the answer's entry stops at 0, as the forwarder
    // writes it, never wrapping round.
    m = {0, 0, 0x00, 0x00, 0x00, 0x0A, 0};  // TTL 10 at 2
    count_down_ttl(m, 2, 25);
    EXPECT_EQ(m, (Bytes{0, 0, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace sitedns::wire
