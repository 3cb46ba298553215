#include "server/wire/message.h"

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {

/// Readable outcomes in failure messages.
void PrintTo(ParseOutcome o, std::ostream* os) {
    constexpr const char* kNames[] = {"Ok", "Drop", "FormErr", "NotImp"};
    *os << kNames[static_cast<int>(o)];
}

namespace {

using test::Builder;
using test::Bytes;
using test::edns_option;
using test::kCd;
using test::kQr;
using test::kRd;
using test::label_of;
using test::opcode_bits;
using test::wire_name;

constexpr std::uint16_t kId = 0xBEEF;
constexpr std::uint16_t kA = 1;
constexpr std::uint16_t kMx = 15;
constexpr std::uint16_t kTsig = 250;
constexpr std::uint16_t kIn = 1;
/// Offset just past the question "www.example.com A IN" after the header.
constexpr std::size_t kQuestionEnd = 12 + 17 + 4;

/// A header then the question "www.example.com A IN".
Builder query(std::uint16_t flags = kRd, std::uint16_t qd = 1, std::uint16_t an = 0,
              std::uint16_t ns = 0, std::uint16_t ar = 0) {
    return Builder().header(kId, flags, qd, an, ns, ar).question("www.example.com", kA, kIn);
}

/// TSIG RDATA (RFC 8945 §4.2): hmac-sha256, Time Signed 0x0001_00000002, Fudge 300, a
/// 32-byte MAC whose MAC Size field says `mac_size`, Original ID 0x4242, no error.
Bytes tsig_rdata(std::uint16_t mac_size = 32) {
    return Builder()
        .name("hmac-sha256")
        .u16(1)
        .u32(2)
        .u16(300)
        .u16(mac_size)
        .bytes(Bytes(32, 0xAB))
        .u16(0x4242)
        .u16(0)
        .u16(0);
}

/// What a case expects beyond the outcome; unset fields are not checked.
struct Expect {
    std::optional<std::size_t> question_end = std::nullopt;
    std::optional<bool> edns = std::nullopt;
    std::optional<std::uint16_t> udp_size = std::nullopt;
    std::optional<std::uint8_t> version = std::nullopt;
    std::optional<bool> dnssec_ok = std::nullopt;
    std::optional<std::size_t> options_size = std::nullopt;
    std::optional<bool> tsig = std::nullopt;
};

struct Case {
    const char* what;
    Bytes packet;
    ParseOutcome want;
    Expect expect;
};

std::vector<Case> header_and_question_cases() {
    return {
        {"empty packet", {}, ParseOutcome::Drop, {}},
        {"11 bytes", Bytes(11, 0), ParseOutcome::Drop, {}},
        {"header only, question missing",
         Builder().header(kId, 0, 1, 0, 0, 0),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"QR set", query(kQr | kRd), ParseOutcome::Drop, {}},
        {"QR set on a short garbage packet",
         Builder().header(1, kQr, 9, 9, 9, 9),
         ParseOutcome::Drop,
         {}},
        {"opcode 1 (IQUERY)",
         query(opcode_bits(1)),
         ParseOutcome::NotImp,
         {.question_end = kQuestionEnd}},
        {"opcode 2 (STATUS)",
         query(opcode_bits(2)),
         ParseOutcome::NotImp,
         {.question_end = kQuestionEnd}},
        {"opcode 4 (NOTIFY) with an answer",
         query(opcode_bits(4), 1, 1).rr("www.example.com", 6, kIn, 0, {}),
         ParseOutcome::NotImp,
         {.question_end = kQuestionEnd}},
        {"opcode 5 (UPDATE)",
         query(opcode_bits(5), 1, 0, 1).rr("x.example.com", kA, 255, 0, {}),
         ParseOutcome::NotImp,
         {.question_end = kQuestionEnd}},
        {"opcode 15, no question",
         Builder().header(kId, opcode_bits(15), 0, 0, 0, 0),
         ParseOutcome::NotImp,
         {.question_end = 0}},
        {"opcode 4, question unreadable",
         Builder().header(kId, opcode_bits(4), 1, 0, 0, 0).u8(0x80),
         ParseOutcome::NotImp,
         {.question_end = 0}},
        {"QDCOUNT 0: left to the responder (RFC 7873 §5.4)",
         Builder().header(kId, kRd, 0, 0, 0, 0),
         ParseOutcome::NoQuestion,
         {.question_end = 0}},
        {"QDCOUNT 0 with an answer record",
         Builder().header(kId, kRd, 0, 1, 0, 0).rr("example.com", kA, kIn, 60, {192, 0, 2, 1}),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"QDCOUNT 2",
         query(kRd, 2).question("example.com"),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"ANCOUNT 1",
         query(kRd, 1, 1).rr("www.example.com", kA, kIn, 60, {192, 0, 2, 1}),
         ParseOutcome::FormErr,
         {.question_end = kQuestionEnd}},
        {"NSCOUNT 1",
         query(kRd, 1, 0, 1).rr("example.com", 2, kIn, 60, wire_name("ns")),
         ParseOutcome::FormErr,
         {.question_end = kQuestionEnd}},
        {"label of 64",
         Builder().header(kId, 0, 1, 0, 0, 0).question(label_of(64) + ".com"),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"label of 63",
         Builder().header(kId, 0, 1, 0, 0, 0).question(label_of(63) + ".com"),
         ParseOutcome::Ok,
         {.question_end = 12 + 64 + 5 + 4}},
        {"name over 255",
         Builder()
             .header(kId, 0, 1, 0, 0, 0)
             .question(label_of(63) + "." + label_of(63) + "." + label_of(63) + "." + label_of(62)),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"compression loop in question",
         Builder().header(kId, 0, 1, 0, 0, 0).pointer(12).u16(1).u16(1),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"forward pointer in question",
         Builder().header(kId, 0, 1, 0, 0, 0).pointer(18).u16(1).u16(1).name("a"),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"truncated qtype",
         Builder().header(kId, 0, 1, 0, 0, 0).name("a.example").u8(0),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"truncated qclass",
         Builder().header(kId, 0, 1, 0, 0, 0).name("a.example").u16(1).u8(0),
         ParseOutcome::FormErr,
         {.question_end = 0}},
        {"root question",
         Builder().header(kId, 0, 1, 0, 0, 0).question(".", 2, kIn),
         ParseOutcome::Ok,
         {.question_end = 12 + 1 + 4, .edns = false}},
        {"trailing bytes", query().u8(0), ParseOutcome::FormErr, {.question_end = kQuestionEnd}},
    };
}

std::vector<Case> additional_cases() {
    const Bytes cookie = edns_option(10, Bytes(8, 0x11));
    const Bytes ecs = edns_option(8, {0, 1, 24, 0, 192, 0, 2});
    Bytes two_options = cookie;
    two_options.insert(two_options.end(), ecs.begin(), ecs.end());
    return {
        {"plain EDNS",
         query(kRd, 1, 0, 0, 1).opt(1232),
         ParseOutcome::Ok,
         {.question_end = kQuestionEnd,
          .edns = true,
          .udp_size = 1232,
          .version = 0,
          .dnssec_ok = false,
          .options_size = 0}},
        {"OPT with DO",
         query(kRd, 1, 0, 0, 1).opt(4096, 0x8000),
         ParseOutcome::Ok,
         {.edns = true, .udp_size = 4096, .dnssec_ok = true}},
        {"OPT with Z bits but not DO",
         query(kRd, 1, 0, 0, 1).opt(4096, 0x7FFF),
         ParseOutcome::Ok,
         {.edns = true, .dnssec_ok = false}},
        {"OPT version 1",
         query(kRd, 1, 0, 0, 1).opt(1232, 0x00010000),
         ParseOutcome::Ok,
         {.edns = true, .version = 1, .dnssec_ok = false}},
        {"OPT extended rcode bits ignored",
         query(kRd, 1, 0, 0, 1).opt(1232, 0xFF008000),
         ParseOutcome::Ok,
         {.edns = true, .version = 0, .dnssec_ok = true}},
        {"udp size 0",
         query(kRd, 1, 0, 0, 1).opt(0),
         ParseOutcome::Ok,
         {.edns = true, .udp_size = 0}},
        {"udp size 65535",
         query(kRd, 1, 0, 0, 1).opt(65535),
         ParseOutcome::Ok,
         {.edns = true, .udp_size = 65535}},
        {"OPT with two options",
         query(kRd, 1, 0, 0, 1).opt(1232, 0, two_options),
         ParseOutcome::Ok,
         {.edns = true, .options_size = two_options.size()}},
        {"OPT with an empty option",
         query(kRd, 1, 0, 0, 1).opt(1232, 0, edns_option(12, {})),
         ParseOutcome::Ok,
         {.edns = true, .options_size = 4}},
        {"OPT owner compressed to the root label",
         query(kRd, 1, 0, 0, 1).pointer(28).rr_tail(41, 1232, 0, {}),
         ParseOutcome::Ok,
         {.edns = true, .udp_size = 1232}},
        {"truncated OPT: RDLENGTH beyond the end",
         query(kRd, 1, 0, 0, 1).name(".").u16(41).u16(1232).u32(0).u16(4).u16(10),
         ParseOutcome::FormErr,
         {.question_end = kQuestionEnd, .edns = false}},
        {"OPT cut inside its TTL",
         query(kRd, 1, 0, 0, 1).name(".").u16(41).u16(1232).u16(0),
         ParseOutcome::FormErr,
         {.edns = false}},
        {"ARCOUNT 1, nothing there",
         query(kRd, 1, 0, 0, 1),
         ParseOutcome::FormErr,
         {.question_end = kQuestionEnd, .edns = false}},
        {"two OPTs",
         query(kRd, 1, 0, 0, 2).opt(1232).opt(1232),
         ParseOutcome::FormErr,
         {.edns = false}},
        {"OPT with a non-root owner",
         query(kRd, 1, 0, 0, 1).rr("example.com", 41, 1232, 0, {}),
         ParseOutcome::FormErr,
         {.edns = false}},
        {"OPT option longer than RDATA",
         query(kRd, 1, 0, 0, 1).opt(1232, 0, Builder().u16(10).u16(8).u32(0)),
         ParseOutcome::FormErr,
         {.edns = false}},
        {"OPT option header cut short",
         query(kRd, 1, 0, 0, 1).opt(1232, 0, {0, 10, 0}),
         ParseOutcome::FormErr,
         {.edns = false}},
        {"TSIG after the OPT",
         query(kRd, 1, 0, 0, 2).opt(1232, 0x8000).rr("key.example", kTsig, 255, 0, tsig_rdata()),
         ParseOutcome::Ok,
         {.question_end = kQuestionEnd, .edns = true, .dnssec_ok = true, .tsig = true}},
        {"TSIG alone",
         query(kRd, 1, 0, 0, 1).rr("key", kTsig, 255, 0, tsig_rdata()),
         ParseOutcome::Ok,
         {.edns = false, .tsig = true}},
        {"TSIG before the OPT (RFC 8945 §5.2: it must be last)",
         query(kRd, 1, 0, 0, 2).rr("key", kTsig, 255, 0, tsig_rdata()).opt(1232),
         ParseOutcome::FormErr,
         {.edns = false, .tsig = false}},
        {"two TSIGs",
         query(kRd, 1, 0, 0, 2)
             .rr("key", kTsig, 255, 0, tsig_rdata())
             .rr("key", kTsig, 255, 0, tsig_rdata()),
         ParseOutcome::FormErr,
         {.tsig = false}},
        {"TSIG whose RDATA is no TSIG's",
         query(kRd, 1, 0, 0, 2).opt(1232, 0x8000).rr("key.example", kTsig, 255, 0, Bytes(30, 7)),
         ParseOutcome::FormErr,
         {.edns = false, .tsig = false}},
        {"TSIG with bytes after its Other Data",
         query(kRd, 1, 0, 0, 1).rr("key", kTsig, 255, 0, Builder().bytes(tsig_rdata()).u8(0)),
         ParseOutcome::FormErr,
         {.tsig = false}},
        {"TSIG with a MAC longer than its RDATA",
         query(kRd, 1, 0, 0, 1).rr("key", kTsig, 255, 0, tsig_rdata(40)),
         ParseOutcome::FormErr,
         {.tsig = false}},
        {"additional record owner compressed to qname",
         query(kRd, 1, 0, 0, 1).pointer(12).rr_tail(kA, kIn, 0, {1, 2, 3, 4}),
         ParseOutcome::Ok,
         {.edns = false}},
        {"TSIG-like record with RDATA cut short",
         query(kRd, 1, 0, 0, 1).name("key").u16(kTsig).u16(255).u32(0).u16(30).u32(0),
         ParseOutcome::FormErr,
         {.edns = false}},
        {"bad owner name in additional",
         query(kRd, 1, 0, 0, 1).u8(0x40).rr_tail(kA, kIn, 0, {}),
         ParseOutcome::FormErr,
         {.edns = false}},
        {"trailing bytes after OPT",
         query(kRd, 1, 0, 0, 1).opt(1232).u16(0),
         ParseOutcome::FormErr,
         {.edns = true, .udp_size = 1232}},  // the OPT itself was sound: kept for the answer
    };
}

void check(const Case& c) {
    SCOPED_TRACE(c.what);
    Query q;
    q.question_end = 999;  // parse_query resets what it fills
    q.edns.present = true;
    EXPECT_EQ(parse_query(c.packet, q), c.want);
    const Expect& e = c.expect;
    if (e.question_end) {
        EXPECT_EQ(q.question_end, *e.question_end);
    }
    if (e.edns) {
        EXPECT_EQ(q.edns.present, *e.edns);
    }
    if (e.udp_size) {
        EXPECT_EQ(q.edns.udp_size, *e.udp_size);
    }
    if (e.version) {
        EXPECT_EQ(q.edns.version, *e.version);
    }
    if (e.dnssec_ok) {
        EXPECT_EQ(q.edns.dnssec_ok, *e.dnssec_ok);
    }
    if (e.options_size) {
        EXPECT_EQ(q.edns.options.size(), *e.options_size);
    }
    if (e.tsig) {
        EXPECT_EQ(q.tsig.present, *e.tsig);
    }
}

TEST(ParseQuery, HeaderAndQuestionTable) {
    const std::vector<Case> cases = header_and_question_cases();
    for (const Case& c : cases) {
        check(c);
    }
}

TEST(ParseQuery, AdditionalSectionTable) {
    const std::vector<Case> cases = additional_cases();
    for (const Case& c : cases) {
        check(c);
    }
}

TEST(ParseQuery, TablesCoverAtLeast25Packets) {
    EXPECT_GE(header_and_question_cases().size() + additional_cases().size(), 25u);
}

TEST(ParseQuery, ValidQueryKeepsCaseAndLowersTheKey) {
    const Bytes p =
        Builder().header(0x1234, kRd | kCd, 1, 0, 0, 0).question("WWW.Example.COM", kMx, kIn);
    Query q;
    ASSERT_EQ(parse_query(p, q), ParseOutcome::Ok);
    EXPECT_EQ(q.id, 0x1234);
    EXPECT_EQ(q.opcode, 0);
    EXPECT_TRUE(q.rd);
    EXPECT_TRUE(q.cd);
    EXPECT_EQ(Bytes(q.qname.wire().begin(), q.qname.wire().end()), wire_name("WWW.Example.COM"));
    EXPECT_EQ(Bytes(q.qname_lower.wire().begin(), q.qname_lower.wire().end()),
              wire_name("www.example.com"));
    EXPECT_EQ(q.qtype, kMx);
    EXPECT_EQ(q.qclass, kIn);
    EXPECT_EQ(q.question_end, p.size());
    EXPECT_FALSE(q.edns.present);
    EXPECT_EQ(q.edns.udp_size, 512);
}

TEST(ParseQuery, FlagsAndIdOfANotImpQuery) {
    const Bytes p = query(opcode_bits(4)).get();
    Query q;
    ASSERT_EQ(parse_query(p, q), ParseOutcome::NotImp);
    EXPECT_EQ(q.id, kId);
    EXPECT_EQ(q.opcode, 4);
    EXPECT_FALSE(q.rd);
    EXPECT_EQ(Bytes(q.qname_lower.wire().begin(), q.qname_lower.wire().end()),
              wire_name("www.example.com"));
}

TEST(ParseQuery, TsigFieldsAreReadAndItsAlgorithmNameMayBeCompressed) {
    // The key name is the question's own name, by a pointer; so is part of the algorithm.
    const Bytes rdata = Builder()
                            .labels("hmac")
                            .pointer(12 + 4)  // "example.com" of the question
                            .u16(1)
                            .u32(2)
                            .u16(300)
                            .u16(0)
                            .u16(0x4242)
                            .u16(0)
                            .u16(0);
    const Bytes p = query(kRd, 1, 0, 0, 1).pointer(12).rr_tail(kTsig, 255, 0, rdata);
    Query q;
    ASSERT_EQ(parse_query(p, q), ParseOutcome::Ok);
    ASSERT_TRUE(q.tsig.present);
    EXPECT_EQ(Bytes(q.tsig.key.wire().begin(), q.tsig.key.wire().end()),
              wire_name("www.example.com"));
    EXPECT_EQ(Bytes(q.tsig.algorithm.wire().begin(), q.tsig.algorithm.wire().end()),
              wire_name("hmac.example.com"));
    EXPECT_EQ(q.tsig.time_signed, 0x000100000002u);
    EXPECT_EQ(q.tsig.fudge, 300);
    EXPECT_EQ(q.tsig.original_id, 0x4242);
    // Parsed again without one: nothing of the first stays.
    ASSERT_EQ(parse_query(query().get(), q), ParseOutcome::Ok);
    EXPECT_FALSE(q.tsig.present);
}

TEST(ParseQuery, CompressedQuestionIsExpanded) {
    // Byte 11 (the low byte of ARCOUNT 0) reads as a root label: a legal backward target.
    const Bytes p = Builder().header(kId, 0, 1, 0, 0, 0).labels("www").pointer(11).u16(1).u16(1);
    Query q;
    ASSERT_EQ(parse_query(p, q), ParseOutcome::Ok);
    EXPECT_EQ(Bytes(q.qname.wire().begin(), q.qname.wire().end()), wire_name("www"));
    EXPECT_EQ(q.question_end, p.size());
}

TEST(ParseQuery, OptionsViewPointsIntoThePacket) {
    const Bytes cookie = edns_option(10, Bytes(8, 0x42));
    const Bytes p = query(kRd, 1, 0, 0, 1).opt(1232, 0, cookie);
    Query q;
    ASSERT_EQ(parse_query(p, q), ParseOutcome::Ok);
    ASSERT_EQ(q.edns.options.size(), cookie.size());
    EXPECT_EQ(q.edns.options.data(), p.data() + p.size() - cookie.size());
    EXPECT_EQ(Bytes(q.edns.options.begin(), q.edns.options.end()), cookie);
}

TEST(ParseQuery, MutatedPacketsStayInBounds) {
    // Deterministic random byte flips and cuts of a query with EDNS: whatever the outcome,
    // every view stays inside the packet (run under ASan to catch stray reads).
    const Bytes base = query(kRd, 1, 0, 0, 2)
                           .opt(1232, 0x8000, edns_option(10, Bytes(8, 1)))
                           .rr("k", 250, 255, 0, {1, 2});
    std::mt19937 rng(20240601);
    for (int i = 0; i < 20000; ++i) {
        Bytes p = base;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            p[rng() % p.size()] = static_cast<std::uint8_t>(rng());
        }
        p.resize(rng() % (p.size() + 1));
        Query q;
        const ParseOutcome got = parse_query(p, q);
        EXPECT_LE(q.question_end, p.size());
        EXPECT_LE(q.qname.size, dns::kMaxNameWire);
        if (got == ParseOutcome::Ok) {
            EXPECT_NE(q.question_end, 0u);
            EXPECT_EQ(q.qname.size, q.qname_lower.size);
        }
        if (q.edns.present) {
            EXPECT_GE(q.edns.options.data(), p.data());
            EXPECT_LE(q.edns.options.data() + q.edns.options.size(), p.data() + p.size());
        }
    }
}

/// Every field parse_query() fills, as text, for comparing two parses.
std::string fields(ParseOutcome outcome, const Query& q) {
    std::string text = std::to_string(static_cast<int>(outcome)) + " id " + std::to_string(q.id) +
                       " opcode " + std::to_string(q.opcode) + " rd " + std::to_string(q.rd) +
                       " cd " + std::to_string(q.cd) + " type " + std::to_string(q.qtype) +
                       " class " + std::to_string(q.qclass) + " end " +
                       std::to_string(q.question_end) + " edns " + std::to_string(q.edns.present) +
                       " size " + std::to_string(q.edns.udp_size) + " version " +
                       std::to_string(q.edns.version) + " do " + std::to_string(q.edns.dnssec_ok) +
                       " options " + std::to_string(q.edns.options.size()) + " name ";
    text.append(q.qname.bytes, q.qname.bytes + q.qname.size);
    text += " lower ";
    text.append(q.qname_lower.bytes, q.qname_lower.bytes + q.qname_lower.size);
    return text;
}

TEST(ParsePlainQuery, APacketNotCheckedWholeTakesTheGeneralParser) {
    const Bytes packet = Builder().header(kId, kRd, 1, 0, 0, 0).question("a.b", kMx, kIn);
    const Bytes other = Builder().header(kId, kRd, 1, 0, 0, 0).question("c.d", kMx, kIn);
    PlainQuery shape;
    ASSERT_TRUE(shape.match(packet));
    Query full;
    Query plain;
    // The name was not walked yet, then another packet than the one checked: both are
    // read in full, never trusted.
    EXPECT_EQ(parse_plain_query(packet, shape, {}, plain), parse_query(packet, full));
    EXPECT_EQ(fields(ParseOutcome::Ok, plain), fields(ParseOutcome::Ok, full));
    ASSERT_TRUE(shape.check_name());
    EXPECT_EQ(parse_plain_query(other, shape, {}, plain), parse_query(other, full));
    EXPECT_EQ(fields(ParseOutcome::Ok, plain), fields(ParseOutcome::Ok, full));
    const Bytes broken = Builder().header(kId, kRd, 1, 0, 0, 0).bytes({5, 'a', 0}).u16(1).u16(1);
    ASSERT_TRUE(shape.match(broken));
    EXPECT_FALSE(shape.check_name());
    EXPECT_EQ(parse_plain_query(broken, shape, {}, plain), ParseOutcome::FormErr);
}

TEST(ParsePlainQuery, GivesWhatParseQueryGivesAPlainPacket) {
    const std::vector<std::string> names = {".", "a", "WwW.ExAmple.COM", label_of(63, 'Q') + ".x"};
    const std::uint16_t flag_sets[] = {
        0, kRd, kRd | kCd, kQr, kQr | kRd, opcode_bits(2), opcode_bits(4) | kRd, 0x7FFF & ~kQr};
    int cases = 0;
    for (const std::string& name : names) {
        for (const std::uint16_t flags : flag_sets) {
            for (int opt = 0; opt < 4; ++opt) {
                Builder b;
                b.header(kId, flags, 1, 0, 0, opt == 0 ? 0 : 1).question(name, kMx, kIn);
                if (opt == 1) b.opt(1232);
                if (opt == 2) b.opt(4096, 0x00008000);  // DO
                if (opt == 3) b.opt(512, 0x00018000);   // version 1, DO
                const Bytes packet = b;
                PlainQuery shape;
                ASSERT_TRUE(shape.match(packet) && shape.check_name());
                Query full;
                Query plain;
                const ParseOutcome want = parse_query(packet, full);
                const ParseOutcome got = parse_plain_query(packet, shape, {}, plain);
                EXPECT_EQ(fields(got, plain), fields(want, full)) << name << " flags " << flags;
                // With the lowercased name given, as the packet cache gives it.
                const Bytes lower(full.qname_lower.bytes,
                                  full.qname_lower.bytes + full.qname_lower.size);
                const ParseOutcome given = parse_plain_query(packet, shape, lower, plain);
                EXPECT_EQ(fields(given, plain), fields(want, full)) << name << " flags " << flags;
                ++cases;
            }
        }
    }
    EXPECT_EQ(cases, 128);
}

}  // namespace
}  // namespace sitedns::wire
