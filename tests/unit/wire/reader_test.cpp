#include "server/wire/reader.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {

/// Readable errors in failure messages.
void PrintTo(WireError e, std::ostream* os) {
    constexpr const char* kNames[] = {"Ok",          "Truncated",   "BadLabel",
                                      "NameTooLong", "PointerLoop", "ForwardPointer"};
    *os << kNames[static_cast<int>(e)];
}

namespace {

using test::Builder;
using test::Bytes;
using test::label_of;
using test::wire_name;

TEST(WireReader, ReadsIntegersInNetworkOrder) {
    const Bytes p = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    WireReader r(p);
    std::uint8_t a = 0;
    std::uint16_t b = 0;
    std::uint32_t c = 0;
    ASSERT_EQ(r.u8(a), WireError::Ok);
    ASSERT_EQ(r.u16(b), WireError::Ok);
    ASSERT_EQ(r.u32(c), WireError::Ok);
    EXPECT_EQ(a, 0x01);
    EXPECT_EQ(b, 0x0203);
    EXPECT_EQ(c, 0x04050607u);
    EXPECT_EQ(r.offset(), 7u);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(r.u8(a), WireError::Truncated);
}

TEST(WireReader, IntegersPastTheEndAreTruncatedAndDoNotMove) {
    struct Case {
        std::size_t size;  // packet size; the read starts at 0
        int width;         // 1, 2 or 4
        WireError want;
    };
    const std::vector<Case> cases = {
        {0, 1, WireError::Truncated}, {1, 1, WireError::Ok},        {1, 2, WireError::Truncated},
        {2, 2, WireError::Ok},        {3, 4, WireError::Truncated}, {4, 4, WireError::Ok},
    };
    for (const Case& c : cases) {
        const Bytes p(c.size, 0xAB);
        WireReader r(p);
        std::uint8_t v8 = 0;
        std::uint16_t v16 = 0;
        std::uint32_t v32 = 0;
        const WireError got = c.width == 1 ? r.u8(v8) : c.width == 2 ? r.u16(v16) : r.u32(v32);
        EXPECT_EQ(got, c.want) << "size " << c.size << " width " << c.width;
        EXPECT_EQ(r.offset(), got == WireError::Ok ? static_cast<std::size_t>(c.width) : 0u);
    }
}

TEST(WireReader, BytesAreAViewIntoThePacket) {
    const Bytes p = {1, 2, 3, 4, 5};
    WireReader r(p);
    std::span<const std::uint8_t> v;
    ASSERT_EQ(r.bytes(2, v), WireError::Ok);
    EXPECT_EQ(v.data(), p.data());
    EXPECT_EQ(v.size(), 2u);
    EXPECT_EQ(r.bytes(4, v), WireError::Truncated);
    EXPECT_EQ(r.offset(), 2u);
    ASSERT_EQ(r.bytes(3, v), WireError::Ok);
    EXPECT_EQ(v[0], 3);
    ASSERT_EQ(r.bytes(0, v), WireError::Ok);
    EXPECT_TRUE(v.empty());
}

TEST(WireReader, SeeksBackAndForthWithinThePacketOnly) {
    const Bytes p = {1, 2, 3, 4, 5};
    WireReader r(p);
    std::uint8_t v = 0;
    ASSERT_EQ(r.seek(3), WireError::Ok);
    ASSERT_EQ(r.u8(v), WireError::Ok);
    EXPECT_EQ(v, 4);
    ASSERT_EQ(r.seek(1), WireError::Ok);
    ASSERT_EQ(r.u8(v), WireError::Ok);
    EXPECT_EQ(v, 2);
    EXPECT_EQ(r.seek(5), WireError::Ok) << "the end itself";
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(r.seek(6), WireError::Truncated);
    EXPECT_EQ(r.offset(), 5u) << "a failed seek does not move";
}

/// A chain of `hops` pointers, each to the one before, ending at a root label at 0.
/// The name starts at the last pointer.
Bytes pointer_chain(std::size_t hops) {
    Builder b;
    b.u8(0);
    for (std::size_t i = 0; i < hops; ++i) {
        b.pointer(static_cast<std::uint16_t>(i == 0 ? 0 : 1 + 2 * (i - 1)));
    }
    return b;
}

/// A name of exactly `length` wire bytes (root included), in labels of at most 63.
std::string name_of_length(std::size_t length) {
    std::string text;
    std::size_t left = length - 1;  // the root byte
    while (left > 0) {
        const std::size_t label = std::min<std::size_t>(63, left - 1);
        text += label_of(label, 'x') + ".";
        left -= label + 1;
    }
    return text;
}

struct NameCase {
    const char* what;
    Bytes packet;
    std::size_t start;
    WireError want;
    Bytes name;       // expected uncompressed name when Ok
    std::size_t end;  // expected offset after the name when Ok
};

std::vector<NameCase> name_cases() {
    const Bytes example = wire_name("Example.COM");
    const Bytes max_name = wire_name(name_of_length(255));
    std::vector<NameCase> cases = {
        {"root", {0}, 0, WireError::Ok, {0}, 1},
        {"plain, case kept", example, 0, WireError::Ok, example, example.size()},
        {"after other data", Builder().u16(7).name("a.b"), 2, WireError::Ok, wire_name("a.b"), 7},
        {"label then pointer", Builder().name("example.com").labels("www").pointer(0), 13,
         WireError::Ok, wire_name("www.example.com"), 19},
        {"pointer only", Builder().name("example.com").pointer(0), 13, WireError::Ok,
         wire_name("example.com"), 15},
        {"pointer to a suffix", Builder().name("mail.example.com").labels("x").pointer(5), 18,
         WireError::Ok, wire_name("x.example.com"), 22},
        {"two hops", Builder().name("com").labels("example").pointer(0).labels("www").pointer(5),
         15, WireError::Ok, wire_name("www.example.com"), 21},
        {"label of 63", wire_name(label_of(63)), 0, WireError::Ok, wire_name(label_of(63)), 65},
        {"label of 64 is type 0x40",
         Builder().u8(64).bytes(Bytes(64, 'a')).u8(0),
         0,
         WireError::BadLabel,
         {},
         0},
        {"label type 0x80", {0x80, 0x00}, 0, WireError::BadLabel, {}, 0},
        {"label type 0x40 after a label",
         Builder().labels("a").u8(0x41).u8(0),
         0,
         WireError::BadLabel,
         {},
         0},
        {"name of 255", max_name, 0, WireError::Ok, max_name, 255},
        {"name of 256", wire_name(name_of_length(256)), 0, WireError::NameTooLong, {}, 0},
        {"256 through a pointer",
         Builder().name(name_of_length(200)).labels(label_of(55)).pointer(0),
         200,
         WireError::NameTooLong,
         {},
         0},
        {"pointer to itself", Builder().u16(0).pointer(2), 2, WireError::ForwardPointer, {}, 0},
        {"forward pointer", Builder().pointer(2).name("a"), 0, WireError::ForwardPointer, {}, 0},
        {"pointer into its own labels",
         Builder().u8(0).labels("ab").pointer(2),
         1,
         WireError::ForwardPointer,
         {},
         0},
        // b at 3 points back to a at 1, and a points forward to b again.
        {"loop a->b->a",
         Builder().u8(0).pointer(3).pointer(1),
         3,
         WireError::ForwardPointer,
         {},
         0},
        {"127 hops", pointer_chain(127), 1 + 2 * 126, WireError::Ok, {0}, 1 + 2 * 127},
        {"128 hops", pointer_chain(128), 1 + 2 * 127, WireError::PointerLoop, {}, 0},
        {"empty", {}, 0, WireError::Truncated, {}, 0},
        {"label cut short", {3, 'a', 'b'}, 0, WireError::Truncated, {}, 0},
        {"no root label", {1, 'a'}, 0, WireError::Truncated, {}, 0},
        {"half a pointer", Builder().u8(0).u8(0xC0), 1, WireError::Truncated, {}, 0},
        {"pointer to a bad label", Builder().u8(0x80).pointer(0), 1, WireError::BadLabel, {}, 0},
    };
    return cases;
}

TEST(WireReader, Names) {
    for (const NameCase& c : name_cases()) {
        WireReader r(c.packet);
        std::span<const std::uint8_t> skip;
        ASSERT_EQ(r.bytes(c.start, skip), WireError::Ok) << c.what;
        NameBuffer out;
        EXPECT_EQ(r.name(out), c.want) << c.what;
        if (c.want == WireError::Ok) {
            EXPECT_EQ(Bytes(out.wire().begin(), out.wire().end()), c.name) << c.what;
            EXPECT_EQ(r.offset(), c.end) << c.what;
        } else {
            EXPECT_EQ(r.offset(), c.start) << c.what << ": a failed read does not move";
        }
    }
}

TEST(WireReader, SkipNameMakesTheSameChecks) {
    for (const NameCase& c : name_cases()) {
        WireReader r(c.packet);
        std::span<const std::uint8_t> skip;
        ASSERT_EQ(r.bytes(c.start, skip), WireError::Ok) << c.what;
        EXPECT_EQ(r.skip_name(), c.want) << c.what;
        EXPECT_EQ(r.offset(), c.want == WireError::Ok ? c.end : c.start) << c.what;
    }
}

TEST(WireReader, ReadsConsecutiveNames) {
    const Bytes p = Builder().name("a.example").labels("b").pointer(2).pointer(0).u16(99);
    WireReader r(p);
    NameBuffer n;
    ASSERT_EQ(r.name(n), WireError::Ok);
    EXPECT_EQ(Bytes(n.wire().begin(), n.wire().end()), wire_name("a.example"));
    ASSERT_EQ(r.name(n), WireError::Ok);
    EXPECT_EQ(Bytes(n.wire().begin(), n.wire().end()), wire_name("b.example"));
    ASSERT_EQ(r.skip_name(), WireError::Ok);
    std::uint16_t v = 0;
    ASSERT_EQ(r.u16(v), WireError::Ok);
    EXPECT_EQ(v, 99);
}

}  // namespace
}  // namespace sitedns::wire
