#include "server/wire/writer.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "server/wire/reader.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;
using test::wire_name;

Bytes written(WireWriter& w) {
    return Bytes(w.written().begin(), w.written().end());
}

/// A writer over its own buffer, with a zeroed 12-byte header already written.
struct Message {
    explicit Message(std::size_t limit = 512) : buffer(4096 * 5), w(buffer, limit) {
        const std::array<std::uint8_t, 12> header{};
        EXPECT_TRUE(w.bytes(header));
    }
    std::vector<std::uint8_t> buffer;
    WireWriter w;
};

TEST(WireWriter, WritesIntegersInNetworkOrder) {
    Message m;
    ASSERT_TRUE(m.w.u8(0x01));
    ASSERT_TRUE(m.w.u16(0x0203));
    ASSERT_TRUE(m.w.u32(0x04050607));
    const Bytes tail(m.w.written().begin() + 12, m.w.written().end());
    EXPECT_EQ(tail, (Bytes{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(m.w.size(), 19u);
}

TEST(WireWriter, PutsThatPassTheLimitWriteNothing) {
    std::array<std::uint8_t, 16> buffer{};
    WireWriter w(buffer, 6);
    ASSERT_TRUE(w.u32(0xFFFFFFFF));
    EXPECT_FALSE(w.u32(1));
    EXPECT_FALSE(w.bytes(Bytes{1, 2, 3}));
    EXPECT_FALSE(w.name(wire_name("a")));  // 3 bytes
    EXPECT_EQ(w.size(), 4u);
    ASSERT_TRUE(w.u8(7));
    EXPECT_FALSE(w.u16(1));
    ASSERT_TRUE(w.u8(8));
    EXPECT_FALSE(w.u8(9));
    EXPECT_EQ(w.size(), 6u);
    EXPECT_EQ(buffer[6], 0) << "nothing written past the limit";
    ASSERT_TRUE(w.bytes(Bytes{})) << "an empty put always fits";
}

TEST(WireWriter, LimitIsClampedToTheBuffer) {
    std::array<std::uint8_t, 8> buffer{};
    WireWriter w(buffer, 100);
    EXPECT_EQ(w.limit(), 8u);
    w.set_limit(4);
    EXPECT_EQ(w.limit(), 4u);
    EXPECT_FALSE(w.u8(1) && w.u32(2));
    w.set_limit(1000);
    EXPECT_EQ(w.limit(), 8u);
    EXPECT_TRUE(w.u32(2));
}

TEST(WireWriter, PatchU16OverwritesInPlace) {
    Message m;
    ASSERT_TRUE(m.w.u16(0));
    m.w.patch_u16(12, 0xBEEF);
    m.w.patch_u16(6, 0x0102);
    m.w.patch_u16(13, 0xFFFF);  // would pass size(): ignored
    const Bytes got = written(m.w);
    EXPECT_EQ(got[12], 0xBE);
    EXPECT_EQ(got[13], 0xEF);
    EXPECT_EQ(got[6], 0x01);
    EXPECT_EQ(got[7], 0x02);
    EXPECT_EQ(m.w.size(), 14u);
}

TEST(WireWriter, NamesRoundTripThroughTheReader) {
    const std::vector<std::string> names = {
        ".",
        "example.com",
        "www.example.com",
        "WWW.Example.COM",
        "mail.paris.example.local",
        "paris.example.local",
        "other.org",
        "a.b.c.d.e.f.example.com",
        std::string(63, 'z') + ".example.com",
        "com",
    };
    for (bool compress : {true, false}) {
        Message m;
        std::vector<std::size_t> offsets;
        for (const std::string& n : names) {
            offsets.push_back(m.w.size());
            ASSERT_TRUE(m.w.name(wire_name(n), compress)) << n;
        }
        const Bytes msg = written(m.w);
        WireReader r(msg);
        std::span<const std::uint8_t> header;
        ASSERT_EQ(r.bytes(12, header), WireError::Ok);
        for (std::size_t i = 0; i < names.size(); ++i) {
            EXPECT_EQ(r.offset(), offsets[i]);
            NameBuffer got;
            ASSERT_EQ(r.name(got), WireError::Ok) << names[i];
            // A compressed suffix takes the case of the name it points to (the first
            // "example.com" here), so only an uncompressed name keeps its own case.
            const auto fold = [&](Bytes b) {
                if (compress) {
                    for (auto& c : b) c = dns::lower(c);
                }
                return b;
            };
            EXPECT_EQ(fold(Bytes(got.wire().begin(), got.wire().end())), fold(wire_name(names[i])))
                << names[i] << " compress=" << compress;
            if (!compress) {
                EXPECT_EQ(Bytes(got.wire().begin(), got.wire().end()), wire_name(names[i]));
            }
        }
        EXPECT_EQ(r.remaining(), 0u);
    }
}

TEST(WireWriter, CompressesQuestionMxAnswerAndAdditional) {
    // example.com MX -> 10 mail.example.com, mail.example.com A 192.0.2.1
    Message m;
    ASSERT_TRUE(m.w.name(wire_name("example.com")));  // 12: 13 bytes
    ASSERT_TRUE(m.w.u16(15) && m.w.u16(1));           // 25
    ASSERT_TRUE(m.w.name(wire_name("example.com")));  // 29: C0 0C
    ASSERT_TRUE(m.w.u16(15) && m.w.u16(1) && m.w.u32(3600));
    const std::size_t rdlength_at = m.w.size();  // 39
    ASSERT_TRUE(m.w.u16(0));
    ASSERT_TRUE(m.w.u16(10));                              // 41: preference
    ASSERT_TRUE(m.w.name(wire_name("mail.example.com")));  // 43: 04 mail C0 0C
    m.w.patch_u16(rdlength_at, static_cast<std::uint16_t>(m.w.size() - rdlength_at - 2));
    ASSERT_TRUE(m.w.name(wire_name("MAIL.example.com")));  // 50: C0 2B
    ASSERT_TRUE(m.w.u16(1) && m.w.u16(1) && m.w.u32(3600) && m.w.u16(4));
    ASSERT_TRUE(m.w.bytes(Bytes{192, 0, 2, 1}));

    const Bytes want = Builder()
                           .bytes(Bytes(12, 0))
                           .question("example.com", 15, 1)
                           .pointer(12)
                           .u16(15)
                           .u16(1)
                           .u32(3600)
                           .u16(9)
                           .u16(10)
                           .labels("mail")
                           .pointer(12)
                           .pointer(43)
                           .u16(1)
                           .u16(1)
                           .u32(3600)
                           .u16(4)
                           .bytes({192, 0, 2, 1});
    EXPECT_EQ(written(m.w), want);
    EXPECT_EQ(want[43], 4) << "the test's own offsets";
}

TEST(WireWriter, CompressionIgnoresCase) {
    Message m;
    ASSERT_TRUE(m.w.name(wire_name("Example.COM")));
    ASSERT_TRUE(m.w.name(wire_name("www.eXAMPLE.com")));
    const Bytes want = Builder().bytes(Bytes(12, 0)).name("Example.COM").labels("www").pointer(12);
    EXPECT_EQ(written(m.w), want);
}

TEST(WireWriter, PicksTheLongestSuffix) {
    Message m;
    ASSERT_TRUE(m.w.name(wire_name("com")));              // 12
    ASSERT_TRUE(m.w.name(wire_name("example.com")));      // 17: 07 example C0 0C
    ASSERT_TRUE(m.w.name(wire_name("a.b.example.com")));  // 27: 01 a 01 b C0 11
    ASSERT_TRUE(m.w.name(wire_name("x.b.example.com")));  // 33: 01 x C0 1D
    const Bytes want = Builder()
                           .bytes(Bytes(12, 0))
                           .name("com")
                           .labels("example")
                           .pointer(12)
                           .labels("a.b")
                           .pointer(17)
                           .labels("x")
                           .pointer(29);
    EXPECT_EQ(written(m.w), want);
}

TEST(WireWriter, UncompressedNamesAreStillRemembered) {
    Message m;
    ASSERT_TRUE(m.w.name(wire_name("example.com"), false));
    ASSERT_TRUE(m.w.name(wire_name("example.com"), false));
    ASSERT_TRUE(m.w.name(wire_name("www.example.com"), true));
    const Bytes want = Builder()
                           .bytes(Bytes(12, 0))
                           .name("example.com")
                           .name("example.com")
                           .labels("www")
                           .pointer(12);
    EXPECT_EQ(written(m.w), want);
}

TEST(WireWriter, RootIsNeverAPointer) {
    Message m;
    ASSERT_TRUE(m.w.name(wire_name(".")));
    ASSERT_TRUE(m.w.name(wire_name(".")));
    EXPECT_EQ(written(m.w), Builder().bytes(Bytes(12, 0)).u8(0).u8(0).get());
}

TEST(WireWriter, RollbackForgetsBytesAndNames) {
    Message m;
    const WireWriter::Mark mark = m.w.mark();
    ASSERT_TRUE(m.w.name(wire_name("example.com")));
    EXPECT_EQ(m.w.mark().names, mark.names + 2);
    m.w.rollback(mark);
    EXPECT_EQ(m.w.size(), 12u);
    EXPECT_EQ(m.w.mark().names, mark.names);
    // The same bytes again, but as data: no longer a compression target.
    ASSERT_TRUE(m.w.bytes(wire_name("example.com")));
    ASSERT_TRUE(m.w.name(wire_name("www.example.com")));
    const Bytes want = Builder().bytes(Bytes(12, 0)).name("example.com").name("www.example.com");
    EXPECT_EQ(written(m.w), want);
}

TEST(WireWriter, RollbackKeepsWhatCameBefore) {
    Message m;
    ASSERT_TRUE(m.w.name(wire_name("example.com")));
    const WireWriter::Mark mark = m.w.mark();
    ASSERT_TRUE(m.w.name(wire_name("other.org")));
    m.w.rollback(mark);
    ASSERT_TRUE(m.w.name(wire_name("mail.example.com")));
    ASSERT_TRUE(m.w.name(wire_name("other.org")));
    const Bytes want = Builder()
                           .bytes(Bytes(12, 0))
                           .name("example.com")
                           .labels("mail")
                           .pointer(12)
                           .name("other.org");
    EXPECT_EQ(written(m.w), want);
}

TEST(WireWriter, FullTargetTableStopsRemembering) {
    Message m(20000);
    // Each one-label name adds one target; the table holds 256.
    for (int i = 0; i < 256; ++i) {
        ASSERT_TRUE(m.w.name(wire_name("n" + std::to_string(i))));
    }
    EXPECT_EQ(m.w.mark().names, 256u);
    const std::size_t late = m.w.size();
    ASSERT_TRUE(m.w.name(wire_name("late")));
    EXPECT_EQ(m.w.mark().names, 256u);
    const std::size_t again = m.w.size();
    ASSERT_TRUE(m.w.name(wire_name("late")));
    EXPECT_EQ(m.w.size() - again, 6u) << "not remembered, written in full";
    ASSERT_TRUE(m.w.name(wire_name("n0")));
    EXPECT_EQ(m.w.size() - again, 8u) << "an early name still compresses";
    EXPECT_GT(late, 12u);
}

TEST(WireWriter, NamesBeyondPointerRangeAreNotTargets) {
    Message m(20000);
    ASSERT_TRUE(m.w.bytes(Bytes(0x4000 - 12, 0)));
    ASSERT_EQ(m.w.size(), 0x4000u);
    ASSERT_TRUE(m.w.name(wire_name("far.example")));
    const std::size_t before = m.w.size();
    ASSERT_TRUE(m.w.name(wire_name("far.example")));
    EXPECT_EQ(m.w.size() - before, wire_name("far.example").size());
}

TEST(WireWriter, CompressedNameThatDoesNotFitWritesNothing) {
    Message m(12 + 13 + 5);
    ASSERT_TRUE(m.w.name(wire_name("example.com")));
    // 04 mail + pointer = 7 bytes, only 5 left.
    EXPECT_FALSE(m.w.name(wire_name("mail.example.com")));
    EXPECT_EQ(m.w.size(), 25u);
    EXPECT_TRUE(m.w.name(wire_name("example.com")));  // a 2-byte pointer fits
    EXPECT_EQ(m.w.size(), 27u);
}

TEST(WireWriter, RejectsMalformedNames) {
    Message m;
    EXPECT_FALSE(m.w.name(Bytes{}));
    EXPECT_FALSE(m.w.name(Bytes{3, 'a', 'b'}));   // runs past its end
    EXPECT_FALSE(m.w.name(Bytes{1, 'a', 0, 0}));  // bytes after the root
    EXPECT_FALSE(m.w.name(Bytes{0xC0, 0x0C}));    // compressed input
    EXPECT_EQ(m.w.size(), 12u);
}

}  // namespace
}  // namespace sitedns::wire
