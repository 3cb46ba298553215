#include "server/wire/rr_iterator.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "server/wire/limits.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;

/// An answer: one question, a compressed A record, an NS record and an OPT.
Bytes answer() {
    return Builder()
        .header(7, test::kQr, 1, 1, 1, 1)
        .question("www.example.com")
        .pointer(12)
        .rr_tail(1, 1, 300, {192, 0, 2, 1})
        .labels("example")
        .pointer(16)  // "com" of the question
        .rr_tail(2, 1, 3600, test::wire_name("ns.example.com"))
        .opt(1232);
}

/// `view`, which points into `from`, pointed at the same bytes of `to`.
std::span<const std::uint8_t> rebase(std::span<const std::uint8_t> view, const std::uint8_t* from,
                                     const Bytes& to) {
    return {to.data() + (view.data() - from), view.size()};
}

/// Walks a heap copy of exactly the message's bytes (a read past them is an ASan error);
/// the records it gives point into `message`, which outlives the copy.
std::vector<RecordView> walk(const Bytes& message, WireError& error, bool& complete) {
    auto copy = std::make_unique<std::uint8_t[]>(message.size() + (message.empty() ? 1 : 0));
    std::copy(message.begin(), message.end(), copy.get());
    RrIterator records(std::span<const std::uint8_t>(copy.get(), message.size()));
    std::vector<RecordView> out;
    RecordView rr;
    while (records.next(rr)) {
        rr.rdata = rebase(rr.rdata, copy.get(), message);
        out.push_back(rr);
    }
    error = records.error();
    complete = records.complete();
    return out;
}

TEST(RrIterator, GivesEveryRecordWithItsOffsets) {
    const Bytes m = answer();
    WireError error = WireError::Truncated;
    bool complete = false;
    const auto records = walk(m, error, complete);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(error, WireError::Ok);
    EXPECT_TRUE(complete);
    const std::size_t first = 12 + 17 + 4;  // header, www.example.com, type and class
    EXPECT_EQ(records[0].owner_at, first);
    EXPECT_EQ(records[0].type, 1);
    EXPECT_EQ(records[0].ttl, 300u);
    EXPECT_EQ(records[0].ttl_at, first + 2 + 4);
    EXPECT_EQ(records[0].rdata.size(), 4u);
    EXPECT_EQ(records[0].rdata[0], 192);
    EXPECT_EQ(records[1].owner_at, first + 2 + 10 + 4);
    EXPECT_EQ(records[1].type, 2);
    EXPECT_EQ(records[1].ttl, 3600u);
    EXPECT_EQ(records[1].ttl_at, records[1].owner_at + 8 + 2 + 4);
    EXPECT_EQ(records[2].type, 41);
    EXPECT_EQ(records[2].rrclass, 1232);
    EXPECT_EQ(records[2].owner_at, m.size() - kOptSize);
}

TEST(RrIterator, OffsetIsWhereTheRecordsEnd) {
    Bytes m = answer();
    const std::size_t end = m.size();
    m.push_back(0);  // a trailing byte, which a reader of the records drops
    RrIterator records(m);
    RecordView rr;
    while (records.next(rr)) {
    }
    EXPECT_EQ(records.error(), WireError::Ok);
    EXPECT_EQ(records.offset(), end);
}

TEST(RrIterator, AMessageWithoutRecordsIsComplete) {
    WireError error = WireError::Truncated;
    bool complete = false;
    EXPECT_TRUE(walk(Builder().header(1, 0, 1, 0, 0, 0).question("a"), error, complete).empty());
    EXPECT_TRUE(complete);
}

TEST(RrIterator, TrailingBytesLeaveItIncomplete) {
    Bytes m = answer();
    m.push_back(0);
    WireError error = WireError::Truncated;
    bool complete = true;
    EXPECT_EQ(walk(m, error, complete).size(), 3u);
    EXPECT_EQ(error, WireError::Ok);
    EXPECT_FALSE(complete);
}

TEST(RrIterator, EveryTruncationStopsInBoundsWithAnError) {
    const Bytes m = answer();
    for (std::size_t n = 0; n < m.size(); ++n) {
        WireError error = WireError::Ok;
        bool complete = true;
        const auto records =
            walk(Bytes(m.begin(), m.begin() + static_cast<long>(n)), error, complete);
        EXPECT_NE(error, WireError::Ok) << n;
        EXPECT_FALSE(complete) << n;
        EXPECT_LT(records.size(), 3u) << n;
    }
}

TEST(RrIterator, ABadNameEndsTheWalk) {
    const Bytes forward = Builder()
                              .header(1, test::kQr, 1, 1, 0, 0)
                              .question("a")
                              .pointer(200)  // a pointer forwards (past the end)
                              .rr_tail(1, 1, 60, {1, 2, 3, 4});
    WireError error = WireError::Ok;
    bool complete = true;
    EXPECT_TRUE(walk(forward, error, complete).empty());
    EXPECT_EQ(error, WireError::ForwardPointer);
    const Bytes retired = Builder()
                              .header(1, test::kQr, 1, 1, 0, 0)
                              .question("a")
                              .u8(0x41)
                              .u8('a')
                              .u8(0)
                              .rr_tail(1, 1, 60, {});
    EXPECT_TRUE(walk(retired, error, complete).empty());
    EXPECT_EQ(error, WireError::BadLabel);
}

TEST(RrIterator, RdataPastTheEndIsTruncated) {
    Bytes m = Builder()
                  .header(1, test::kQr, 1, 1, 0, 0)
                  .question("a")
                  .name("a")
                  .rr_tail(1, 1, 60, {1, 2, 3, 4});
    m[m.size() - 5] = 9;  // RDLENGTH 9 with 4 bytes left
    WireError error = WireError::Ok;
    bool complete = true;
    EXPECT_TRUE(walk(m, error, complete).empty());
    EXPECT_EQ(error, WireError::Truncated);
}

}  // namespace
}  // namespace sitedns::wire
