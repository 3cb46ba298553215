// The socket-free half of the forwarder: the upstream query, reply checks and scans,
// and answers written from stored replies.

#include "server/upstream/message_edit.h"

#include <gtest/gtest.h>

#include <cstring>

#include "server/upstream/validator.h"
#include "server/wire/edns.h"
#include "server/wire/rr_iterator.h"
#include "server/wire/writer.h"
#include "tests/unit/upstream/fake_upstream.h"
#include "zones/dns/name.h"

namespace sitedns::upstream {
namespace {

using test::Answer;
using test::Builder;
using test::Bytes;
using test::read_answer;

Question question(std::string_view name, std::uint16_t qtype = test::kA, bool dnssec_ok = false) {
    Question q;
    const Bytes w = wire::test::wire_name(name);
    std::memcpy(q.qname.bytes, w.data(), w.size());
    q.qname.size = w.size();
    for (std::size_t i = 0; i < w.size(); ++i) q.qname_lower.bytes[i] = dns::lower(w[i]);
    q.qname_lower.size = w.size();
    q.qtype = qtype;
    q.qclass = 1;
    q.dnssec_ok = dnssec_ok;
    return q;
}

Bytes reply_header(std::uint16_t id, std::uint8_t rcode, std::uint16_t an, std::uint16_t ns,
                   std::uint16_t ar, std::string_view name = "Www.Test") {
    return Builder().header(id, test::reply_flags(rcode), 1, an, ns, ar).question(name, test::kA);
}

Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

TEST(UpstreamQueryBytes, AskTheQuestionWithRdAndABareOpt) {
    const Question q = question("Www.Test", test::kAaaa, true);
    Bytes out(512);
    out.resize(write_upstream_query(q, 0xbeef, out));
    const Bytes expected = Builder()
                               .header(0xbeef, 0x0100, 1, 0, 0, 1)
                               .question("Www.Test", test::kAaaa)
                               .opt(1232, 0x8000);
    EXPECT_EQ(out, expected);
}

struct MatchCase {
    const char* what;
    Bytes reply;
    bool matches;
};

TEST(ReplyMatches, NeedsIdQrAndTheSameQuestion) {
    const Question q = question("www.test");
    const Bytes good = reply_header(7, 0, 0, 0, 0, "WWW.TEST");
    Bytes no_qr = good;
    no_qr[2] &= 0x7f;
    const std::vector<MatchCase> cases = {
        {"same, other case", good, true},
        {"other ID", reply_header(8, 0, 0, 0, 0), false},
        {"QR clear", no_qr, false},
        {"other name", reply_header(7, 0, 0, 0, 0, "wwx.test"), false},
        {"other type", Builder().header(7, 0x8180, 1, 0, 0, 0).question("www.test", 28), false},
        {"two questions",
         Builder().header(7, 0x8180, 2, 0, 0, 0).question("www.test").question("www.test"), false},
        {"short", Bytes(good.begin(), good.end() - 1), false},
        {"compressed question", Builder().header(7, 0x8180, 1, 0, 0, 0).pointer(12).u16(1).u16(1),
         false},
    };
    for (const MatchCase& c : cases) {
        EXPECT_EQ(reply_matches(c.reply, 7, q), c.matches) << c.what;
    }
}

TEST(ScanReply, StripsTheOptAndFindsEveryTtl) {
    const Bytes records = Builder()
                              .pointer(12)
                              .rr_tail(test::kA, 1, 300, {192, 0, 2, 1})
                              .pointer(12)
                              .rr_tail(test::kA, 1, 120, {192, 0, 2, 2})
                              .bytes(test::soa_record(900, 60))
                              .rr("ns.test", test::kA, 1, 5000, {192, 0, 2, 53});
    const Bytes with_opt = cat(cat(reply_header(9, 0, 2, 1, 2), records), Builder().opt(1232));
    ScannedReply s;
    ASSERT_TRUE(scan_reply(with_opt, TtlCaps{}, s));
    EXPECT_EQ(s.message.size(), with_opt.size() - 11);
    EXPECT_EQ(wire::Header(s.message).arcount(), 1);
    EXPECT_EQ(wire::Header(s.message).id(), 0);
    EXPECT_EQ(s.ttl_offsets.size(), 4u);
    EXPECT_TRUE(s.cacheable);
    EXPECT_EQ(s.ttl, 120u);
    // Every TTL clamped to the entry's.
    EXPECT_EQ(read_answer(s.message).ttls, (std::vector<std::uint32_t>{120, 120, 120, 120}));
}

struct ScanCase {
    const char* what;
    Bytes reply;
    bool ok;
    std::uint32_t ttl;  ///< 0: not cacheable
};

TEST(ScanReply, DerivesTheCacheTtl) {
    const Bytes a300 = Builder().pointer(12).rr_tail(test::kA, 1, 300, {1, 2, 3, 4});
    const Bytes a_top_bit = Builder().pointer(12).rr_tail(test::kA, 1, 0x80000000u, {1, 2, 3, 4});
    const Bytes opt = Builder().opt(1232);
    Bytes tc = cat(reply_header(1, 0, 1, 0, 0), a300);
    tc[2] |= 0x02;
    const std::vector<ScanCase> cases = {
        {"positive", cat(reply_header(1, 0, 1, 0, 0), a300), true, 300},
        {"capped",
         cat(reply_header(1, 0, 1, 0, 0),
             Builder().pointer(12).rr_tail(test::kA, 1, 999999, {1, 2, 3, 4})),
         true, 86400},
        {"TTL with the top bit is 0 (RFC 2181 §8)", cat(reply_header(1, 0, 1, 0, 0), a_top_bit),
         true, 0},
        {"NXDOMAIN", cat(reply_header(1, 3, 0, 1, 0), test::soa_record(600, 30)), true, 30},
        {"NODATA", cat(reply_header(1, 0, 0, 1, 0), test::soa_record(20, 30)), true, 20},
        {"referral: no SOA",
         cat(reply_header(1, 0, 0, 1, 0),
             Builder().rr("test", 2, 1, 300, wire::test::wire_name("ns.test"))),
         true, 0},
        {"SERVFAIL", reply_header(1, 2, 0, 0, 0), true, 0},
        {"TC", tc, true, 0},
        {"record cut short", cat(reply_header(1, 0, 1, 0, 0), Bytes(a300.begin(), a300.end() - 1)),
         false, 0},
        {"count past the end", reply_header(1, 0, 1, 0, 0), false, 0},
        {"OPT not last",
         cat(cat(reply_header(1, 0, 0, 0, 2), opt),
             Builder().rr("x.test", test::kA, 1, 1, {1, 2, 3, 4})),
         false, 0},
        {"OPT in the answer section", cat(reply_header(1, 0, 1, 0, 0), opt), false, 0},
    };
    for (const ScanCase& c : cases) {
        SCOPED_TRACE(c.what);
        ScannedReply s;
        ASSERT_EQ(scan_reply(c.reply, TtlCaps{}, s), c.ok);
        if (!c.ok) continue;
        EXPECT_EQ(s.cacheable, c.ttl != 0);
        if (c.ttl != 0) {
            EXPECT_EQ(s.ttl, c.ttl);
        }
    }
}

ClientView client(std::span<const std::uint8_t> qname, bool edns, std::size_t limit = 1232) {
    ClientView v;
    v.id = 0x4242;
    v.rd = true;
    v.cd = true;
    v.qname = qname;
    v.qtype = test::kA;
    v.qclass = 1;
    v.edns = edns;
    v.dnssec_ok = true;
    v.limit = limit;
    return v;
}

TEST(WriteAnswer, PatchesIdCaseFlagsTtlsAndAddsTheOpt) {
    ScannedReply s;
    Bytes reply = cat(reply_header(1, 0, 1, 0, 0, "www.test"),
                      Builder().pointer(12).rr_tail(test::kA, 1, 300, {1, 2, 3, 4}));
    reply[2] |= 0x04;  // AA from the upstream
    ASSERT_TRUE(scan_reply(reply, TtlCaps{}, s));
    const Bytes name = wire::test::wire_name("WwW.TeSt");
    Bytes out(1232);
    const ExtendedError stale{Ede::StaleAnswer, "old"};
    out.resize(write_answer({s.message, s.ttl_offsets}, client(name, true), TtlRewrite{45, false},
                            &stale, out));
    const Answer a = read_answer(out);
    EXPECT_EQ(a.id, 0x4242);
    EXPECT_TRUE(a.rd && a.cd && a.ra);
    EXPECT_FALSE(a.aa);
    EXPECT_EQ(a.qname, name);
    EXPECT_EQ(a.ttls, std::vector<std::uint32_t>{255});
    EXPECT_TRUE(a.has_opt);
    EXPECT_TRUE(a.dnssec_ok);
    EXPECT_EQ(a.opt_size, 1232);
    EXPECT_EQ(a.ede, 3);
    EXPECT_EQ(a.ede_text, "old");

    Bytes later(1232);
    later.resize(write_answer({s.message, s.ttl_offsets}, client(name, false),
                              TtlRewrite{400, false}, nullptr, later));
    EXPECT_EQ(read_answer(later).ttls, std::vector<std::uint32_t>{0});
    EXPECT_FALSE(read_answer(later).has_opt);

    Bytes stale_out(1232);
    stale_out.resize(write_answer({s.message, s.ttl_offsets}, client(name, false),
                                  TtlRewrite{0, true}, nullptr, stale_out));
    EXPECT_EQ(read_answer(stale_out).ttls, std::vector<std::uint32_t>{30});

    Bytes tiny(20);
    EXPECT_EQ(write_answer({s.message, s.ttl_offsets}, client(name, true), {}, nullptr, tiny), 0u);
}

TEST(WriteServfail, EchoesTheQuestionWithTheExtendedError) {
    const Bytes name = wire::test::wire_name("Down.Test");
    Bytes out(512);
    out.resize(
        write_servfail(client(name, true), {Ede::NetworkError, "all 1 upstreams failed"}, out));
    const Answer a = read_answer(out);
    EXPECT_EQ(a.rcode, 2);
    EXPECT_EQ(a.id, 0x4242);
    EXPECT_EQ(a.qname, name);
    EXPECT_EQ(a.ede, 23);
    EXPECT_EQ(a.ede_text, "all 1 upstreams failed");
    EXPECT_EQ(a.opt_option_bytes, 4u + 2u + 22u);

    // QR, RA, the client's RD and CD, SERVFAIL; nothing else (RFC 1035 §4.1.1).
    EXPECT_EQ(wire::Header(out).id(), 0x4242);
    EXPECT_EQ(out[2], 0x81);
    EXPECT_EQ(out[3], 0x92);

    Bytes plain(512);
    ClientView without = client(name, false);
    without.rd = false;
    without.cd = false;
    plain.resize(write_servfail(without, {}, plain));
    EXPECT_FALSE(read_answer(plain).has_opt);
    EXPECT_EQ(plain.size(), 12u + name.size() + 4u);
    EXPECT_EQ(plain[2], 0x80);
    EXPECT_EQ(plain[3], 0x82);
}

// --- The client's echoed options (COOKIE, ECS) -------------------------------------

/// A client cookie with a server cookie, and an ECS option with its scope, as the query
/// core leaves them in a Decision's echo.
wire::EdnsEcho cookie_and_ecs() {
    wire::EdnsEcho echo;
    wire::Cookie cookie;
    for (std::size_t i = 0; i < cookie.client.size(); ++i) cookie.client[i] = std::uint8_t(i + 1);
    cookie.server_size = 16;
    for (std::size_t i = 0; i < 16; ++i) cookie.server[i] = std::uint8_t(0xA0 + i);
    echo.cookie = cookie;
    wire::ClientSubnet ecs;
    ecs.source_prefix = 24;
    ecs.scope_prefix = 16;
    ecs.address = {192, 0, 2};
    echo.ecs = ecs;
    return echo;
}

/// What the old path sent: the answer written within the limit less the options'
/// room, then the options added to the end of its OPT, the last record, whose RDATA was
/// `opt_rdata` bytes long.
Bytes old_path(Bytes answer, const wire::EdnsEcho& echo, std::size_t opt_rdata) {
    Bytes options(echo.size());
    wire::WireWriter w(options, options.size());
    EXPECT_TRUE(wire::write_options(w, echo));
    const std::size_t rdlength_at = answer.size() - opt_rdata - 2;
    const std::size_t rdlength = opt_rdata + options.size();
    answer[rdlength_at] = static_cast<std::uint8_t>(rdlength >> 8);
    answer[rdlength_at + 1] = static_cast<std::uint8_t>(rdlength);
    answer.insert(answer.end(), options.begin(), options.end());
    return answer;
}

TEST(WriteAnswer, WritesTheEchoedOptionsAsTheOldPathAppendedThem) {
    ScannedReply s;
    const Bytes reply = cat(reply_header(1, 0, 1, 0, 0, "www.test"),
                            Builder().pointer(12).rr_tail(test::kA, 1, 300, {1, 2, 3, 4}));
    ASSERT_TRUE(scan_reply(reply, TtlCaps{}, s));
    const Bytes name = wire::test::wire_name("WwW.TeSt");
    const wire::EdnsEcho echo = cookie_and_ecs();
    const ExtendedError stale{Ede::StaleAnswer, "old"};
    // Around the limit where the answer stops fitting with its options: below it both
    // paths truncate, at it both send the records.
    const std::size_t whole = s.message.size() + wire::kOptSize + 6 + 3 + echo.size();
    for (const std::size_t limit : {whole - 1, whole, std::size_t{1232}}) {
        for (const ExtendedError* error : {static_cast<const ExtendedError*>(nullptr), &stale}) {
            SCOPED_TRACE(testing::Message() << "limit " << limit << (error ? " EDE" : ""));
            ClientView before = client(name, true, limit - echo.size());
            Bytes old_bytes(kMaxMessage);
            old_bytes.resize(write_answer({s.message, s.ttl_offsets}, before, TtlRewrite{5, false},
                                          error, old_bytes));
            old_bytes = old_path(old_bytes, echo, error ? 6 + error->text.size() : 0);

            ClientView now = client(name, true, limit);
            now.echo = &echo;
            Bytes new_bytes(kMaxMessage);
            new_bytes.resize(write_answer({s.message, s.ttl_offsets}, now, TtlRewrite{5, false},
                                          error, new_bytes));
            EXPECT_EQ(new_bytes, old_bytes);
            EXPECT_LE(new_bytes.size(), limit);
            EXPECT_EQ(read_answer(new_bytes).tc, limit < whole - (error ? 0 : 9));
        }
    }
}

TEST(WriteServfail, WritesTheEchoedOptionsAfterTheExtendedError) {
    const Bytes name = wire::test::wire_name("Down.Test");
    const wire::EdnsEcho echo = cookie_and_ecs();
    const ExtendedError error{Ede::NetworkError, "all 1 upstreams failed"};
    Bytes old_bytes(512);
    old_bytes.resize(write_servfail(client(name, true), error, old_bytes));
    old_bytes = old_path(old_bytes, echo, 6 + error.text.size());
    ClientView now = client(name, true);
    now.echo = &echo;
    Bytes new_bytes(512);
    new_bytes.resize(write_servfail(now, error, new_bytes));
    EXPECT_EQ(new_bytes, old_bytes);
    EXPECT_EQ(read_answer(new_bytes).ede, 23);

    // No EDNS, no OPT: nothing to echo into.
    ClientView plain = client(name, false);
    plain.echo = &echo;
    Bytes bare(512);
    bare.resize(write_servfail(plain, error, bare));
    EXPECT_EQ(bare.size(), 12u + name.size() + 4u);
}

// --- DNSSEC: AD, bogus answers, and what a client without DO is sent ----------------

constexpr std::uint16_t kRrsig = 46;
constexpr std::uint16_t kNsec = 47;
constexpr std::uint16_t kNsec3 = 50;
constexpr std::uint16_t kMx = 15;

/// A stored positive answer for www.test, with the AD bit as an upstream may send it.
ScannedReply secure_looking_reply() {
    Bytes reply = cat(reply_header(1, 0, 1, 0, 0, "www.test"),
                      Builder().pointer(12).rr_tail(test::kA, 1, 300, {1, 2, 3, 4}));
    reply[3] |= 0x20;  // AD from the upstream
    ScannedReply s;
    EXPECT_TRUE(scan_reply(reply, TtlCaps{}, s));
    return s;
}

Answer answer_for(const ScannedReply& s, Security security, bool dnssec_ok, bool ad, bool cd) {
    static const Bytes name = wire::test::wire_name("www.test");
    ClientView v = client(name, true);
    v.dnssec_ok = dnssec_ok;
    v.ad = ad;
    v.cd = cd;
    Bytes out(1232);
    out.resize(write_answer({s.message, s.ttl_offsets, security}, v, {}, nullptr, out));
    return read_answer(out);
}

TEST(WriteAnswer, SetsAdOnlyOnASecureAnswerToAClientThatAsksForIt) {
    const ScannedReply s = secure_looking_reply();
    EXPECT_TRUE(answer_for(s, Security::Secure, true, false, false).ad);    // DO (RFC 4035)
    EXPECT_TRUE(answer_for(s, Security::Secure, false, true, false).ad);    // AD (RFC 6840 §5.7)
    EXPECT_FALSE(answer_for(s, Security::Secure, false, false, false).ad);  // neither
    EXPECT_FALSE(answer_for(s, Security::Secure, true, true, true).ad);     // CD: unvalidated
    EXPECT_FALSE(answer_for(s, Security::Insecure, true, true, false).ad);
    // The upstream's own AD never passes through an unvalidated answer.
    EXPECT_FALSE(answer_for(s, Security::Unchecked, true, true, false).ad);
}

TEST(WriteAnswer, ABogusAnswerIsServfailWithEde6ButToCd) {
    const ScannedReply s = secure_looking_reply();
    const Answer refused = answer_for(s, Security::Bogus, true, false, false);
    EXPECT_EQ(refused.rcode, 2);
    EXPECT_EQ(refused.an, 0);
    EXPECT_EQ(refused.ede, 6);
    EXPECT_FALSE(refused.ad);
    const Answer checking_disabled = answer_for(s, Security::Bogus, true, false, true);
    EXPECT_EQ(checking_disabled.rcode, 0);
    EXPECT_EQ(checking_disabled.an, 1);
    EXPECT_FALSE(checking_disabled.ad);
}

/// Type and owner (presentation, lowercase) of every record of `message`.
std::vector<std::pair<std::uint16_t, std::string>> records_of(
    std::span<const std::uint8_t> message) {
    std::vector<std::pair<std::uint16_t, std::string>> out;
    wire::RrIterator it(message);
    wire::RecordView rr;
    while (it.next(rr)) {
        wire::NameBuffer owner;
        EXPECT_TRUE(wire::read_owner(message, rr, owner));
        out.emplace_back(rr.type, dns::Name::from_wire(owner.wire()).to_text());
    }
    EXPECT_TRUE(it.complete());
    return out;
}

/// An answer as a validating resolver writes it with DO: the A and its RRSIG, an
/// authority NSEC written whole and an MX whose owner and target point into it.
Bytes signed_reply() {
    Builder b;
    b.header(0, test::reply_flags(0), 1, 2, 2, 2).question("www.test", test::kA);
    b.pointer(12).rr_tail(test::kA, 1, 300, {1, 2, 3, 4});
    b.pointer(12).rr_tail(kRrsig, 1, 300, Bytes(30, 7));
    const std::size_t nsec_owner = b.size();
    b.rr("nsec.owner.test", kNsec, 1, 300, {0, 0, 6, 0x40, 0, 0, 0, 3});
    b.pointer(static_cast<std::uint16_t>(nsec_owner)).rr_tail(kRrsig, 1, 300, Bytes(30, 8));
    // Owner "mx.owner.test": a label, then a pointer to "owner.test" inside the NSEC's owner.
    b.labels("mx").pointer(static_cast<std::uint16_t>(nsec_owner + 5));
    Builder mx;
    mx.u16(10).labels("mail").pointer(static_cast<std::uint16_t>(nsec_owner));
    b.rr_tail(kMx, 1, 300, mx.get());
    b.opt(1232, 0x8000);
    return b;
}

/// strip_dnssec into a buffer of the largest message, cut to what it wrote (empty: false).
bool strip(std::span<const std::uint8_t> reply, std::uint16_t qtype, Bytes& out) {
    out.assign(kMaxMessage, 0xee);  // not zeros: nothing may rely on them
    out.resize(strip_dnssec(reply, qtype, out));
    return !out.empty();
}

TEST(StripDnssec, DropsRrsigNsecAndNsec3AndWritesNamesThatPointedIntoThemWhole) {
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(strip(signed_reply(), test::kA, out));
    const wire::Header h(out);
    EXPECT_EQ(h.ancount(), 1);
    EXPECT_EQ(h.nscount(), 0);
    EXPECT_EQ(h.arcount(), 2);
    using R = std::vector<std::pair<std::uint16_t, std::string>>;
    EXPECT_EQ(records_of(out),
              (R{{test::kA, "www.test."}, {kMx, "mx.owner.test."}, {test::kOpt, "."}}));
    // The MX target, which pointed into the dropped NSEC's owner, reads whole.
    wire::RrIterator it(out);
    wire::RecordView rr;
    ASSERT_TRUE(it.next(rr) && it.next(rr));
    wire::WireReader r(out);
    std::span<const std::uint8_t> skip;
    wire::NameBuffer target;
    ASSERT_EQ(r.bytes(static_cast<std::size_t>(rr.rdata.data() - out.data()) + 2, skip),
              wire::WireError::Ok);
    ASSERT_EQ(r.name(target), wire::WireError::Ok);
    EXPECT_EQ(dns::Name::from_wire(target.wire()).to_text(), "mail.nsec.owner.test.");
    ScannedReply s;
    EXPECT_TRUE(scan_reply(out, TtlCaps{}, s));
}

TEST(StripDnssec, KeepsTheTypeTheQuestionAsksFor) {
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(strip(signed_reply(), kRrsig, out));
    EXPECT_EQ(wire::Header(out).ancount(), 2);  // the RRSIG asked for stays
    EXPECT_EQ(wire::Header(out).nscount(), 1);  // the NSEC goes
    ASSERT_TRUE(strip(signed_reply(), 255, out));
    EXPECT_EQ(wire::Header(out).nscount(), 2);  // ANY keeps everything
    EXPECT_EQ(records_of(out).size(), 6u);
    (void)kNsec3;
}

TEST(StripDnssec, RefusesABrokenReply) {
    Bytes broken = signed_reply();
    broken.resize(broken.size() - 20);
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(strip(broken, test::kA, out));
    EXPECT_FALSE(strip(Bytes(5, 0), test::kA, out));
}

TEST(InsecureNames, CoversTheNamesAtOrBelowEachAnchor) {
    const InsecureNames names({"corp.example.com.", "10.in-addr.arpa.", "not a name..", "Local."});
    const auto covers = [&](std::string_view n) {
        const Bytes w = wire::test::wire_name(n);
        Bytes lower(w.size());
        for (std::size_t i = 0; i < w.size(); ++i) lower[i] = dns::lower(w[i]);
        return names.covers(lower);
    };
    EXPECT_TRUE(covers("corp.example.com"));
    EXPECT_TRUE(covers("DC1.Corp.Example.Com"));
    EXPECT_TRUE(covers("4.3.2.10.in-addr.arpa"));
    EXPECT_TRUE(covers("printer.local"));
    EXPECT_FALSE(covers("example.com"));
    EXPECT_FALSE(covers("xcorp.example.com"));
    EXPECT_FALSE(covers("."));
    EXPECT_FALSE(InsecureNames().covers(wire::test::wire_name("local")));
}

}  // namespace
}  // namespace sitedns::upstream
