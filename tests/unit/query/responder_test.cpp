// The query core fed with packets, no socket (STYLE rules 1 and 12): a table of cases,
// each a client, a question and the answer expected section by section (CoreDNS
// plugin/test style), then the malformed packets that have no question to tabulate.

#include "server/query/responder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <vector>

#include "server/query/encoder.h"
#include "server/wire/edns.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using sitedns::test::Bytes;
using sitedns::test::QueryOptions;
using Records = std::vector<std::string>;

// ------------------------------------------------------------------ expected records

const std::string kSoaNeg =
    "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 900 "
    "1209600 300";
const std::string kSoa =
    "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 900 "
    "1209600 300";
const std::string kParisSoaNeg =
    "example.test. 30 IN SOA ns.paris.example.test. hostmaster.example.test. 7 3600 600 604800 30";
const std::string kMailA = "mail.example.test. 300 IN A 192.0.2.10";
const std::string kMailAAAA = "mail.example.test. 300 IN AAAA 2001:db8::10";
const std::string kParisMailA = "mail.example.test. 60 IN A 198.51.100.10";
const std::string kWwwCname = "www.example.test. 600 IN CNAME mail.example.test.";
const Records kApexNs = {"example.test. 3600 IN NS ns1.example.test.",
                         "example.test. 3600 IN NS ns2.example.test."};
const Records kApexGlue = {
    "ns1.example.test. 3600 IN A 192.0.2.1", "ns1.example.test. 3600 IN AAAA 2001:db8::1",
    "ns2.example.test. 3600 IN A 192.0.2.2", "ns2.example.test. 3600 IN AAAA 2001:db8::2"};
const Records kSubNs = {"sub.example.test. 3600 IN NS ns.sub.example.test.",
                        "sub.example.test. 3600 IN NS ns.elsewhere.test."};
const Records kSubGlue = {"ns.sub.example.test. 3600 IN A 192.0.2.53"};

Records txt_records(const std::string& owner, int count, char fill) {
    Records out;
    for (int i = 0; i < count; ++i) {
        out.push_back(owner + " 3600 IN TXT \"" + test::txt_string(i, fill) + "\"");
    }
    return out;
}

Records mx8_answer() {
    Records out;
    for (int i = 1; i <= test::kMx8Count; ++i) {
        out.push_back("mx8.example.test. 3600 IN MX 10 h" + std::to_string(i) +
                      ".mx8.example.test.");
    }
    return out;
}

Records mx8_additional() {
    Records out;
    for (int i = 1; i <= test::kMx8Count; ++i) {
        const std::string host = "h" + std::to_string(i) + ".mx8.example.test. 3600 IN ";
        out.push_back(host + "A 192.0.2." + std::to_string(100 + i));
        out.push_back(host + "AAAA 2001:db8::" + std::to_string(100 + i));
    }
    return out;
}

std::string bigcut_host(int i) {
    return std::string("ns") + (i < 10 ? "0" : "") + std::to_string(i) + ".bigcut.example.test.";
}

Records bigcut_ns() {
    Records out;
    for (int i = 1; i <= test::kBigCutCount; ++i)
        out.push_back("bigcut.example.test. 3600 IN NS " + bigcut_host(i));
    return out;
}

Records bigcut_glue() {
    Records out;
    for (int i = 1; i <= test::kBigCutCount; ++i) {
        out.push_back(bigcut_host(i) + " 3600 IN A 198.51.100." + std::to_string(i));
        out.push_back(bigcut_host(i) + " 3600 IN AAAA 2001:db8:100::" + std::to_string(i));
    }
    return out;
}

// ------------------------------------------------------------------ the table

struct Case {
    std::string name{};  ///< gtest name: letters, digits, '_'
    std::string client{test::kLondonClient};
    std::string qname{};
    std::string qtype{"A"};
    QueryOptions opts{};
    Transport transport = Transport::Udp;
    std::string rcode{"NOERROR"};
    bool aa = true;
    bool tc = false;
    Records answer{};
    Records authority{};
    Records additional{};
};

/// Case names in test output instead of the object's bytes.
void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

std::vector<Case> cases() {
    const QueryOptions edns{.edns = true};
    return {
        // Exact matches (RFC 1034 §4.3.2 step 3a).
        {.name = "ExactA", .qname = "mail.example.test", .answer = {kMailA}},
        {.name = "ExactAAAA", .qname = "mail.example.test", .qtype = "AAAA", .answer = {kMailAAAA}},
        {.name = "ExactMxWithAdditional",
         .qname = "example.test",
         .qtype = "MX",
         .answer = {"example.test. 3600 IN MX 10 mail.example.test.",
                    "example.test. 3600 IN MX 20 backup.other.test."},
         .additional = {kMailA, kMailAAAA}},
        {.name = "ExactTxtApex",
         .qname = "example.test",
         .qtype = "TXT",
         .answer = {"example.test. 3600 IN TXT \"v=spf1 mx -all\""}},
        {.name = "ExactSoaApex", .qname = "example.test", .qtype = "SOA", .answer = {kSoa}},
        {.name = "ExactNsApexWithGlue",
         .qname = "example.test",
         .qtype = "NS",
         .answer = kApexNs,
         .additional = kApexGlue},
        {.name = "ExactSrvWithAdditional",
         .qname = "_sip._tcp.example.test",
         .qtype = "SRV",
         .answer = {"_sip._tcp.example.test. 3600 IN SRV 0 5 5060 mail.example.test."},
         .additional = {kMailA, kMailAAAA}},
        {.name = "ExactNsHostA",
         .qname = "ns2.example.test",
         .answer = {"ns2.example.test. 3600 IN A 192.0.2.2"}},
        // Case: names match case-insensitively, the question's case is echoed (RFC 4343).
        {.name = "CaseEchoMixed",
         .qname = "MaIl.ExAmPlE.tEsT",
         .answer = {"MaIl.ExAmPlE.tEsT. 300 IN A 192.0.2.10"}},
        {.name = "CaseUpperOwnerLowerQuery",
         .qname = "upper.example.test",
         .answer = {"upper.example.test. 3600 IN A 192.0.2.30"}},
        {.name = "CaseUpperOwnerUpperQuery",
         .qname = "UPPER.EXAMPLE.TEST",
         .answer = {"UPPER.EXAMPLE.TEST. 3600 IN A 192.0.2.30"}},
        // CNAME (RFC 1034 §4.3.2 step 3a, RFC 6604).
        {.name = "CnameFollowedA", .qname = "www.example.test", .answer = {kWwwCname, kMailA}},
        {.name = "CnameFollowedAAAA",
         .qname = "www.example.test",
         .qtype = "AAAA",
         .answer = {kWwwCname, kMailAAAA}},
        {.name = "CnameTargetCaseOfZoneData",
         .qname = "mixed.example.test",
         .answer = {"mixed.example.test. 3600 IN CNAME MAIL.example.test.",
                    "MAIL.example.test. 300 IN A 192.0.2.10"}},
        {.name = "CnameQtypeCname",
         .qname = "www.example.test",
         .qtype = "CNAME",
         .answer = {kWwwCname}},
        {.name = "CnameChainOfTwo",
         .qname = "c1.example.test",
         .answer = {"c1.example.test. 3600 IN CNAME c2.example.test.",
                    "c2.example.test. 3600 IN CNAME www.example.test.", kWwwCname, kMailA}},
        {.name = "CnameLoopTerminates",
         .qname = "loop1.example.test",
         .answer = {"loop1.example.test. 3600 IN CNAME loop2.example.test.",
                    "loop2.example.test. 3600 IN CNAME loop1.example.test."}},
        {.name = "CnameOutOfZoneOnlyCname",
         .qname = "ext.example.test",
         .answer = {"ext.example.test. 3600 IN CNAME www.other.test."}},
        {.name = "CnameToNxdomain",
         .qname = "dangling.example.test",
         .rcode = "NXDOMAIN",
         .answer = {"dangling.example.test. 3600 IN CNAME nothere.example.test."},
         .authority = {kSoaNeg}},
        {.name = "CnameToNodata",
         .qname = "www.example.test",
         .qtype = "TXT",
         .answer = {kWwwCname},
         .authority = {kSoaNeg}},
        {.name = "CnameIntoDelegation",
         .qname = "tosub.example.test",
         .answer = {"tosub.example.test. 3600 IN CNAME host.sub.example.test."},
         .authority = kSubNs,
         .additional = kSubGlue},
        // Wildcards (RFC 4592).
        {.name = "WildcardA",
         .qname = "foo.wild.example.test",
         .answer = {"foo.wild.example.test. 3600 IN A 192.0.2.9"}},
        {.name = "WildcardQueryCaseKept",
         .qname = "FoO.WiLd.example.test",
         .answer = {"FoO.WiLd.example.test. 3600 IN A 192.0.2.9"}},
        {.name = "WildcardTxt",
         .qname = "foo.wild.example.test",
         .qtype = "TXT",
         .answer = {"foo.wild.example.test. 3600 IN TXT \"wildcard\""}},
        {.name = "WildcardTwoLabelsDeeper",
         .qname = "a.b.wild.example.test",
         .answer = {"a.b.wild.example.test. 3600 IN A 192.0.2.9"}},
        {.name = "WildcardNodata",
         .qname = "foo.wild.example.test",
         .qtype = "MX",
         .authority = {kSoaNeg}},
        {.name = "WildcardOwnName",
         .qname = "*.wild.example.test",
         .answer = {"*.wild.example.test. 3600 IN A 192.0.2.9"}},
        {.name = "WildcardParentIsEmptyNonTerminal",
         .qname = "wild.example.test",
         .authority = {kSoaNeg}},
        {.name = "WildcardCnameFollowed",
         .qname = "foo.cw.example.test",
         .answer = {"foo.cw.example.test. 3600 IN CNAME mail.example.test.", kMailA}},
        {.name = "CnameIntoWildcardCname",
         .qname = "tocw.example.test",
         .answer = {"tocw.example.test. 3600 IN CNAME x.cw.example.test.",
                    "x.cw.example.test. 3600 IN CNAME mail.example.test.", kMailA}},
        {.name = "BelowWildcardOwnNameIsNxdomain",
         .qname = "x.*.wild.example.test",
         .rcode = "NXDOMAIN",
         .authority = {kSoaNeg}},
        // Empty non-terminals and negative answers (RFC 2308).
        {.name = "EmptyNonTerminalNodata", .qname = "y.z.example.test", .authority = {kSoaNeg}},
        {.name = "EmptyNonTerminalTopNodata",
         .qname = "z.example.test",
         .qtype = "TXT",
         .authority = {kSoaNeg}},
        {.name = "BelowEmptyNonTerminal",
         .qname = "x.y.z.example.test",
         .answer = {"x.y.z.example.test. 3600 IN A 192.0.2.20"}},
        {.name = "NxdomainUnderEmptyNonTerminal",
         .qname = "nope.y.z.example.test",
         .rcode = "NXDOMAIN",
         .authority = {kSoaNeg}},
        {.name = "NxdomainSoaNegativeTtl",
         .qname = "nothere.example.test",
         .rcode = "NXDOMAIN",
         .authority = {kSoaNeg}},
        {.name = "NxdomainDeep",
         .qname = "a.b.c.example.test",
         .qtype = "MX",
         .rcode = "NXDOMAIN",
         .authority = {kSoaNeg}},
        {.name = "NodataMailTxt",
         .qname = "mail.example.test",
         .qtype = "TXT",
         .authority = {kSoaNeg}},
        {.name = "NodataApexA", .qname = "example.test", .authority = {kSoaNeg}},
        {.name = "ExactMxManyTargetsAllAdditionalWithEdns",
         .qname = "mx8.example.test",
         .qtype = "MX",
         .opts = edns,
         .answer = mx8_answer(),
         .additional = mx8_additional()},
        // Delegations (RFC 1034 §4.3.2 step 3b): referral, AA clear, glue.
        {.name = "ReferralManyServersAllGlueWithEdns",
         .qname = "www.bigcut.example.test",
         .opts = edns,
         .aa = false,
         .authority = bigcut_ns(),
         .additional = bigcut_glue()},
        {.name = "ReferralAtCut",
         .qname = "sub.example.test",
         .aa = false,
         .authority = kSubNs,
         .additional = kSubGlue},
        {.name = "ReferralBelowCut",
         .qname = "a.b.sub.example.test",
         .aa = false,
         .authority = kSubNs,
         .additional = kSubGlue},
        {.name = "ReferralNsAtCut",
         .qname = "sub.example.test",
         .qtype = "NS",
         .aa = false,
         .authority = kSubNs,
         .additional = kSubGlue},
        {.name = "ReferralOccludedName",
         .qname = "deep.sub.example.test",
         .aa = false,
         .authority = kSubNs,
         .additional = kSubGlue},
        {.name = "ReferralForGlueName",
         .qname = "ns.sub.example.test",
         .aa = false,
         .authority = kSubNs,
         .additional = kSubGlue},
        {.name = "DsAtCutAnsweredByParent",
         .qname = "sub.example.test",
         .qtype = "DS",
         .authority = {kSoaNeg}},
        // REFUSED and NOTIMP (SPEC §5).
        {.name = "RefusedOutOfZone", .qname = "www.nowhere.test", .rcode = "REFUSED", .aa = false},
        {.name = "RefusedAboveZone",
         .qname = "test",
         .qtype = "NS",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedClassCh",
         .qname = "mail.example.test",
         .qtype = "TXT",
         .opts = {.qclass = "CH"},
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedNoView",
         .client = std::string(test::kNoViewClient),
         .qname = "mail.example.test",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedNoViewIpv6",
         .client = "2001:db8:9::1",
         .qname = "mail.example.test",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedViewWithoutZones",
         .client = std::string(test::kEmptyViewClient),
         .qname = "mail.example.test",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedAxfr",
         .qname = "example.test",
         .qtype = "AXFR",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedIxfr",
         .qname = "example.test",
         .qtype = "IXFR",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "NotimpMaila",
         .qname = "example.test",
         .qtype = "MAILA",
         .rcode = "NOTIMP",
         .aa = false},
        // View choice: longest prefix (SPEC §3.2).
        {.name = "ViewParis",
         .client = std::string(test::kParisClient),
         .qname = "mail.example.test",
         .answer = {kParisMailA}},
        {.name = "ViewHostExceptionBeatsSite",
         .client = "10.1.2.3",
         .qname = "mail.example.test",
         .answer = {kParisMailA}},
        {.name = "ViewNeighbourOfException",
         .client = "10.1.2.4",
         .qname = "mail.example.test",
         .answer = {kMailA}},
        {.name = "ViewIpv6Loopback",
         .client = "::1",
         .qname = "mail.example.test",
         .answer = {kMailA}},
        {.name = "ViewIpv6Paris",
         .client = "2001:db8:2:1::7",
         .qname = "mail.example.test",
         .answer = {kParisMailA}},
        {.name = "ViewV4MappedParis",
         .client = "::ffff:10.2.0.5",
         .qname = "mail.example.test",
         .answer = {kParisMailA}},
        {.name = "ViewParisNxdomainOwnSoa",
         .client = std::string(test::kParisClient),
         .qname = "www.example.test",
         .rcode = "NXDOMAIN",
         .authority = {kParisSoaNeg}},
        {.name = "ViewParisNsGlue",
         .client = std::string(test::kParisClient),
         .qname = "example.test",
         .qtype = "NS",
         .answer = {"example.test. 60 IN NS ns.paris.example.test."},
         .additional = {"ns.paris.example.test. 60 IN A 198.51.100.53"}},
        // Header bits and EDNS (RFC 1035 §4.1.1, RFC 6891).
        {.name = "RdCopied",
         .qname = "mail.example.test",
         .opts = {.rd = true},
         .answer = {kMailA}},
        {.name = "CdCopied",
         .qname = "mail.example.test",
         .opts = {.cd = true},
         .answer = {kMailA}},
        {.name = "EdnsOptEchoed", .qname = "mail.example.test", .opts = edns, .answer = {kMailA}},
        {.name = "EdnsDoBitCopied",
         .qname = "mail.example.test",
         .opts = {.edns = true, .do_bit = true},
         .answer = {kMailA}},
        {.name = "EdnsSizeBelow512",
         .qname = "example.test",
         .qtype = "NS",
         .opts = {.edns = true, .udp_size = 100},
         .answer = kApexNs,
         .additional = kApexGlue},
        {.name = "EdnsNxdomain",
         .qname = "nothere.example.test",
         .opts = edns,
         .rcode = "NXDOMAIN",
         .authority = {kSoaNeg}},
        {.name = "EdnsRefused",
         .qname = "www.nowhere.test",
         .opts = edns,
         .rcode = "REFUSED",
         .aa = false},
        {.name = "EdnsReferral",
         .qname = "sub.example.test",
         .opts = edns,
         .aa = false,
         .authority = kSubNs,
         .additional = kSubGlue},
        {.name = "EdnsBadVersion",
         .qname = "mail.example.test",
         .opts = {.edns = true, .edns_version = 1},
         .rcode = "BADVERS",
         .aa = false},
        // Size limits and truncation (RFC 1035 §4.2.1, RFC 6891 §6.2.5, RFC 2181 §9).
        {.name = "TruncatedWithoutEdns", .qname = "big.example.test", .qtype = "TXT", .tc = true},
        {.name = "TruncatedAtCapWithEdns4096",
         .qname = "big.example.test",
         .qtype = "TXT",
         .opts = {.edns = true, .udp_size = 4096},
         .tc = true},
        {.name = "TcpHoldsAllOfBig",
         .qname = "big.example.test",
         .qtype = "TXT",
         .transport = Transport::Tcp,
         .answer = txt_records("big.example.test.", test::kBigCount, 'b')},
        {.name = "TcpWithEdnsHoldsAllOfBig",
         .qname = "big.example.test",
         .qtype = "TXT",
         .opts = edns,
         .transport = Transport::Tcp,
         .answer = txt_records("big.example.test.", test::kBigCount, 'b')},
        {.name = "MediumTruncatedWithoutEdns",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .tc = true},
        {.name = "MediumFitsEdns1232",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .opts = edns,
         .answer = txt_records("medium.example.test.", test::kMediumCount, 'm')},
        {.name = "MediumFitsEdns4096",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .opts = {.edns = true, .udp_size = 4096},
         .answer = txt_records("medium.example.test.", test::kMediumCount, 'm')},
        {.name = "MediumTruncatedEdns600",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .opts = {.edns = true, .udp_size = 600},
         .tc = true},
        {.name = "MediumTcpWithoutEdns",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .transport = Transport::Tcp,
         .answer = txt_records("medium.example.test.", test::kMediumCount, 'm')},
    };
}

// ------------------------------------------------------------------ running a case

const query::Snapshot& snapshot() {
    static const auto built = test::make_snapshot();
    return *built;
}

/// The largest answer the client said it takes (RFC 6891 §6.2.5; our cap is 1232).
std::size_t client_limit(const QueryOptions& opts, Transport transport) {
    if (transport == Transport::Tcp) return kMaxMessage;
    if (!opts.edns) return 512;
    return std::clamp<std::size_t>(opts.udp_size, 512, kEdnsPayload);
}

Bytes respond(const Bytes& query, std::string_view client, Transport transport) {
    Bytes out(transport == Transport::Tcp ? kMaxMessage : 4096);
    const std::size_t length =
        Responder::respond(snapshot(), query, test::ip(client), transport, out);
    out.resize(length);
    return out;
}

Records sorted(Records records, bool fold_case) {
    if (fold_case) {
        for (std::string& rr : records) rr = sitedns::test::ascii_lower(rr);
    }
    std::sort(records.begin(), records.end());
    return records;
}

/// Runs `c` with `qname` (the case's, or a case variant of it) and checks every part of
/// the answer. With `fold_case`, records are compared case-insensitively.
void check_case(const Case& c, const std::string& qname, bool fold_case) {
    QueryOptions opts = c.opts;
    opts.id = static_cast<std::uint16_t>(std::hash<std::string>{}(c.name + qname));
    const Bytes query = sitedns::test::make_query(qname, c.qtype, opts);
    const Bytes wire = respond(query, c.client, c.transport);
    ASSERT_FALSE(wire.empty()) << "no answer";
    Answer a;
    ASSERT_NO_THROW(a = sitedns::test::parse_answer(wire));
    SCOPED_TRACE(sitedns::test::to_string(a));

    // Header: ID, opcode, RD and CD copied, QR set, RA clear (RFC 1035 §4.1.1).
    EXPECT_EQ(a.id, opts.id);
    EXPECT_TRUE(a.qr);
    EXPECT_EQ(a.opcode, opts.opcode);
    EXPECT_EQ(a.rd, opts.rd);
    EXPECT_EQ(a.cd, opts.cd);
    EXPECT_FALSE(a.ra);
    EXPECT_FALSE(a.ad) << "no DNSSEC validation here";
    EXPECT_EQ(a.rcode, c.rcode);
    EXPECT_EQ(a.aa, c.aa);
    EXPECT_EQ(a.tc, c.tc);
    // The question is echoed as sent, case included.
    EXPECT_EQ(a.qdcount, 1);
    EXPECT_EQ(a.question, qname + ". " + std::string(opts.qclass) + " " + c.qtype);
    // EDNS: an OPT answers an OPT, advertising our 1232 and copying DO (RFC 6891 §6.1.1, RFC 3225
    // §3).
    EXPECT_EQ(a.has_opt, opts.edns);
    if (a.has_opt) {
        EXPECT_EQ(a.opt_udp_size, kEdnsPayload);
        EXPECT_EQ(a.opt_version, 0);
        EXPECT_EQ(a.opt_do, opts.do_bit);
    }
    EXPECT_LE(a.size, client_limit(opts, c.transport));

    EXPECT_EQ(sorted(a.answer, fold_case), sorted(c.answer, fold_case)) << "answer section";
    EXPECT_EQ(sorted(a.authority, fold_case), sorted(c.authority, fold_case))
        << "authority section";
    EXPECT_EQ(sorted(a.additional, fold_case), sorted(c.additional, fold_case))
        << "additional section";
}

std::string upper(std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return text;
}

class ResponderTable : public ::testing::TestWithParam<Case> {};

TEST_P(ResponderTable, Answers) {
    check_case(GetParam(), GetParam().qname, false);
}

// The same question with the name all lowercase and all uppercase: the same data, the
// question's case echoed (RFC 4343 §4).
TEST_P(ResponderTable, AnswersAnyCaseOfTheName) {
    const Case& c = GetParam();
    {
        SCOPED_TRACE("lowercase qname");
        check_case(c, sitedns::test::ascii_lower(c.qname), true);
    }
    {
        SCOPED_TRACE("uppercase qname");
        check_case(c, upper(c.qname), true);
    }
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
    return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, ResponderTable, ::testing::ValuesIn(cases()), case_name);

TEST(ResponderTableMeta, HasAtLeast45Cases) {
    EXPECT_GE(cases().size(), 45u);
}

// ------------------------------------------------------------------ ANY (RFC 8482)

/// True when every record of `records` has the same owner and type: one RRset.
bool one_rrset(const Records& records) {
    const auto key = [](const std::string& rr) {
        // "<owner> <ttl> <class> <type> ..." -> "<owner> <class> <type>"
        std::string fields[4];
        std::size_t at = 0;
        for (auto& field : fields) {
            const std::size_t end = rr.find(' ', at);
            field = rr.substr(at, end - at);
            at = end == std::string::npos ? rr.size() : end + 1;
        }
        return fields[0] + " " + fields[2] + " " + fields[3];
    };
    return std::all_of(records.begin(), records.end(),
                       [&](const std::string& rr) { return key(rr) == key(records.front()); });
}

TEST(ResponderAny, AnswersExactlyOneRRset) {
    for (const char* qname :
         {"example.test", "mail.example.test", "foo.wild.example.test", "big.example.test"}) {
        SCOPED_TRACE(qname);
        const Answer a = sitedns::test::parse_answer(
            respond(sitedns::test::make_query(qname, "ANY", {.edns = true}), test::kLondonClient,
                    Transport::Tcp));
        EXPECT_EQ(a.rcode, "NOERROR");
        EXPECT_TRUE(a.aa);
        ASSERT_FALSE(a.answer.empty());
        EXPECT_TRUE(one_rrset(a.answer)) << sitedns::test::to_string(a);
        EXPECT_EQ(a.answer.front().rfind(std::string(qname) + ". ", 0), 0u) << "owner is the qname";
    }
}

TEST(ResponderAny, NegativeAnswersStayNegative) {
    const Answer nx = sitedns::test::parse_answer(
        respond(sitedns::test::make_query("nothere.example.test", "ANY"), test::kLondonClient,
                Transport::Udp));
    EXPECT_EQ(nx.rcode, "NXDOMAIN");
    EXPECT_EQ(nx.authority, Records{kSoaNeg});
    const Answer ent = sitedns::test::parse_answer(respond(
        sitedns::test::make_query("y.z.example.test", "ANY"), test::kLondonClient, Transport::Udp));
    EXPECT_EQ(ent.rcode, "NOERROR");
    EXPECT_TRUE(ent.answer.empty());
    EXPECT_EQ(ent.authority, Records{kSoaNeg});
}

// ------------------------------------------------------------------ truncation details

TEST(ResponderTruncation, TruncatedAnswerKeepsQuestionAndOpt) {
    const Bytes wire = respond(
        sitedns::test::make_query("big.example.test", "TXT", {.edns = true, .udp_size = 4096}),
        test::kLondonClient, Transport::Udp);
    const Answer a = sitedns::test::parse_answer(wire);
    EXPECT_TRUE(a.tc);
    EXPECT_LE(wire.size(), kEdnsPayload);
    EXPECT_EQ(a.question, "big.example.test. IN TXT");
    EXPECT_TRUE(a.has_opt) << "the OPT is kept in a truncated answer (RFC 6891 §7)";
    EXPECT_TRUE(a.answer.empty()) << "an RRset is sent whole or not at all (RFC 2181 §9)";
}

TEST(ResponderTruncation, BigAnswerReallyExceedsTheUdpCap) {
    const Bytes wire = respond(sitedns::test::make_query("big.example.test", "TXT"),
                               test::kLondonClient, Transport::Tcp);
    EXPECT_GT(wire.size(), kEdnsPayload);
    EXPECT_EQ(sitedns::test::parse_answer(wire).answer.size(),
              static_cast<std::size_t>(test::kBigCount));
}

TEST(ResponderTruncation, MediumAnswerExceeds512AndFits1232) {
    const Bytes wire = respond(sitedns::test::make_query("medium.example.test", "TXT"),
                               test::kLondonClient, Transport::Tcp);
    EXPECT_GT(wire.size(), 512u);
    EXPECT_LE(wire.size() + wire::kOptSize, kEdnsPayload);
}

// RFC 2181 §9: additional data that does not fit is left out, without TC.
TEST(ResponderTruncation, AdditionalThatDoesNotFitIsLeftOutWithoutTc) {
    const Bytes wire = respond(sitedns::test::make_query("mx8.example.test", "MX"),
                               test::kLondonClient, Transport::Udp);
    const Answer a = sitedns::test::parse_answer(wire);
    EXPECT_LE(wire.size(), 512u);
    EXPECT_FALSE(a.tc);
    EXPECT_EQ(sorted(a.answer, false), sorted(mx8_answer(), false));
    EXPECT_FALSE(a.additional.empty());
    EXPECT_LT(a.additional.size(), mx8_additional().size());
    for (const std::string& rr : a.additional) {
        const Records all = mx8_additional();
        EXPECT_NE(std::find(all.begin(), all.end(), rr), all.end()) << rr;
    }
}

// RFC 9471 §3.1 (updating RFC 1034): glue for in-domain name servers is not optional;
// when it does not all fit, the referral is sent with TC=1 so the resolver retries over
// TCP. (Glue for sibling or out-of-domain servers may still be left out.)
TEST(ResponderTruncation, ReferralWhoseInDomainGlueDoesNotFitSetsTc) {
    const Bytes wire = respond(sitedns::test::make_query("www.bigcut.example.test", "A"),
                               test::kLondonClient, Transport::Udp);
    const Answer a = sitedns::test::parse_answer(wire);
    EXPECT_LE(wire.size(), 512u);
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_FALSE(a.aa);
    const bool all_glue = a.additional.size() == bigcut_glue().size();
    EXPECT_TRUE(all_glue || a.tc) << "glue left out without TC: " << a.additional.size() << " of "
                                  << bigcut_glue().size() << " glue records\n"
                                  << sitedns::test::to_string(a);
}

// ------------------------------------------------------------------ malformed packets

/// Header bytes: id 0xbeef, the given flags and counts.
Bytes header(std::uint16_t flags, std::uint16_t qd, std::uint16_t an = 0, std::uint16_t ns = 0,
             std::uint16_t ar = 0) {
    const auto hi = [](std::uint16_t v) { return static_cast<std::uint8_t>(v >> 8); };
    const auto lo = [](std::uint16_t v) { return static_cast<std::uint8_t>(v); };
    return {0xbe,   0xef,   hi(flags), lo(flags), hi(qd), lo(qd),
            hi(an), lo(an), hi(ns),    lo(ns),    hi(ar), lo(ar)};
}

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// The question of a well-formed query for mail.example.test A.
Bytes mail_question() {
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    return Bytes(q.begin() + 12, q.end());
}

Answer answer_to(const Bytes& packet) {
    const Bytes wire = respond(packet, test::kLondonClient, Transport::Udp);
    if (wire.empty()) throw sitedns::test::DnsClientError("no answer");
    return sitedns::test::parse_answer(wire);
}

void expect_error_answer(const Answer& a, const std::string& rcode, bool question) {
    EXPECT_EQ(a.id, 0xbeef);
    EXPECT_TRUE(a.qr);
    EXPECT_FALSE(a.aa);
    EXPECT_EQ(a.rcode, rcode);
    EXPECT_EQ(a.qdcount, question ? 1 : 0);
    EXPECT_TRUE(a.answer.empty());
    EXPECT_TRUE(a.authority.empty());
    EXPECT_TRUE(a.additional.empty());
    EXPECT_LE(a.size, 512u);
}

TEST(ResponderMalformed, QdcountZeroIsFormerr) {
    const Answer a = answer_to(header(0x0100, 0));
    expect_error_answer(a, "FORMERR", false);
    EXPECT_TRUE(a.rd);
}

TEST(ResponderMalformed, QdcountTwoIsFormerr) {
    expect_error_answer(answer_to(header(0, 2) + mail_question() + mail_question()), "FORMERR",
                        false);
}

TEST(ResponderMalformed, TruncatedQuestionIsFormerr) {
    expect_error_answer(answer_to(header(0, 1) + Bytes{4, 'm', 'a', 'i', 'l', 7, 'e', 'x'}),
                        "FORMERR", false);
    expect_error_answer(answer_to(header(0, 1) + Bytes{4, 'm', 'a', 'i', 'l', 0, 0, 1, 0}),
                        "FORMERR", false);
}

TEST(ResponderMalformed, BadLabelTypeIsFormerr) {
    // 0x41: the retired extended label type (RFC 6891 §5).
    expect_error_answer(answer_to(header(0, 1) + Bytes{0x41, 'a', 0, 0, 1, 0, 1}), "FORMERR",
                        false);
}

TEST(ResponderMalformed, ForwardCompressionPointerIsFormerr) {
    expect_error_answer(answer_to(header(0, 1) + Bytes{0xc0, 14, 0, 0, 1, 0, 1}), "FORMERR", false);
}

TEST(ResponderMalformed, AnswerRecordInQueryIsFormerr) {
    const Bytes rr = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    expect_error_answer(answer_to(header(0, 1, 1) + mail_question() + rr), "FORMERR", true);
}

TEST(ResponderMalformed, TrailingGarbageIsFormerr) {
    expect_error_answer(answer_to(header(0, 1) + mail_question() + Bytes{1, 2, 3}), "FORMERR",
                        true);
}

TEST(ResponderMalformed, TwoOptsIsFormerrWithoutOpt) {
    const Bytes opt = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
    const Answer a = answer_to(header(0, 1, 0, 0, 2) + mail_question() + opt + opt);
    expect_error_answer(a, "FORMERR", true);
    EXPECT_FALSE(a.has_opt);
}

TEST(ResponderMalformed, OptWithOptionsIsAnswered) {
    // A DNS cookie (RFC 7873, code 10) and an unknown option: ignored, not an error.
    const Bytes options = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0xfd, 0xe9, 0, 0};
    const Bytes opt =
        Bytes{0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(options.size())} +
        options;
    const Answer a = answer_to(header(0, 1, 0, 0, 1) + mail_question() + opt);
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_TRUE(a.has_opt);
    EXPECT_EQ(a.answer, Records{kMailA});
}

TEST(ResponderMalformed, OptWithBadOptionFramingIsFormerrWithoutOpt) {
    const Bytes opt = {0, 0, 41, 0x04, 0xd0, 0, 0, 0,
                       0, 0, 4,  0,    10,   0, 8};  // option says 8 bytes, has 0
    const Answer a = answer_to(header(0, 1, 0, 0, 1) + mail_question() + opt);
    expect_error_answer(a, "FORMERR", true);
    EXPECT_FALSE(a.has_opt);
}

TEST(ResponderMalformed, OptNotOwnedByRootIsFormerr) {
    const Bytes opt = {1, 'x', 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    expect_error_answer(answer_to(header(0, 1, 0, 0, 1) + mail_question() + opt), "FORMERR", true);
}

TEST(ResponderMalformed, QtypeOptIsFormerr) {
    const Answer a =
        answer_to(sitedns::test::make_query("mail.example.test", "OPT", {.id = 0xbeef}));
    expect_error_answer(a, "FORMERR", true);
}

TEST(ResponderMalformed, OpcodeStatusIsNotimpWithQuestion) {
    const Answer a =
        answer_to(sitedns::test::make_query("mail.example.test", "A", {.id = 0xbeef, .opcode = 2}));
    expect_error_answer(a, "NOTIMP", true);
    EXPECT_EQ(a.opcode, 2);
    EXPECT_EQ(a.question, "mail.example.test. IN A");
}

TEST(ResponderMalformed, OpcodeNotifyIsNotimpWithQuestion) {
    const Answer a =
        answer_to(sitedns::test::make_query("example.test", "SOA", {.id = 0xbeef, .opcode = 4}));
    expect_error_answer(a, "NOTIMP", true);
    EXPECT_EQ(a.opcode, 4);
    EXPECT_EQ(a.question, "example.test. IN SOA");
}

// RFC 6891 §7: a responder that receives an OPT includes one in its answer, whatever
// the RCODE (the OPT of a NOTIMP query is well-formed, unlike a FORMERR one).
TEST(ResponderMalformed, NotimpAnswersOptWithOpt) {
    const Answer a = answer_to(sitedns::test::make_query(
        "example.test", "SOA", {.id = 0xbeef, .edns = true, .opcode = 4}));
    EXPECT_EQ(a.rcode, "NOTIMP");
    EXPECT_TRUE(a.has_opt);
}

TEST(ResponderMalformed, BadVersionAnswerShape) {
    const Answer a = answer_to(sitedns::test::make_query(
        "mail.example.test", "A", {.id = 0xbeef, .edns = true, .do_bit = true, .edns_version = 7}));
    EXPECT_EQ(a.rcode, "BADVERS");
    EXPECT_EQ(a.rcode_value, 16);
    EXPECT_TRUE(a.has_opt);
    EXPECT_EQ(a.opt_version, 0) << "the version we support (RFC 6891 §6.1.3)";
    EXPECT_TRUE(a.answer.empty());
    EXPECT_TRUE(a.authority.empty());
    EXPECT_FALSE(a.aa);
}

TEST(ResponderMalformed, QrSetIsDropped) {
    Bytes query = sitedns::test::make_query("mail.example.test", "A");
    query[2] |= 0x80;
    EXPECT_EQ(respond(query, test::kLondonClient, Transport::Udp).size(), 0u);
    EXPECT_EQ(respond(query, test::kLondonClient, Transport::Tcp).size(), 0u);
}

TEST(ResponderMalformed, ShorterThanHeaderIsDropped) {
    EXPECT_EQ(respond(Bytes{0xbe, 0xef, 0, 0, 0}, test::kLondonClient, Transport::Udp).size(), 0u);
    EXPECT_EQ(respond(Bytes{}, test::kLondonClient, Transport::Udp).size(), 0u);
    EXPECT_EQ(respond(Bytes(11, 0), test::kLondonClient, Transport::Udp).size(), 0u);
}

}  // namespace
}  // namespace sitedns::query
