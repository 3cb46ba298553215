#include "tests/support/query_cases.h"

#include <algorithm>
#include <iterator>
#include <sstream>

namespace sitedns::test {

const std::string kSoaNeg =
    "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 900 "
    "1209600 300";
const std::string kMailA = "mail.example.test. 300 IN A 192.0.2.10";

namespace {

const std::string kSoa =
    "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 900 "
    "1209600 300";
const std::string kParisSoaNeg =
    "example.test. 30 IN SOA ns.paris.example.test. hostmaster.example.test. 7 3600 600 604800 30";
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
        out.push_back(owner + " 3600 IN TXT \"" + txt_string(i, fill) + "\"");
    }
    return out;
}

std::string bigcut_host(int i) {
    return std::string("ns") + (i < 10 ? "0" : "") + std::to_string(i) + ".bigcut.example.test.";
}

Records bigcut_ns() {
    Records out;
    for (int i = 1; i <= kBigCutCount; ++i)
        out.push_back("bigcut.example.test. 3600 IN NS " + bigcut_host(i));
    return out;
}

std::vector<QueryCase> make_cases() {
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
         .client = std::string(kNoViewClient),
         .qname = "mail.example.test",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedNoViewIpv6",
         .client = "2001:db8:9::1",
         .qname = "mail.example.test",
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedViewWithoutZones",
         .client = std::string(kEmptyViewClient),
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
         .client = std::string(kParisClient),
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
         .client = std::string(kParisClient),
         .qname = "www.example.test",
         .rcode = "NXDOMAIN",
         .authority = {kParisSoaNeg}},
        {.name = "ViewParisNsGlue",
         .client = std::string(kParisClient),
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
         .tcp = true,
         .answer = txt_records("big.example.test.", kBigCount, 'b')},
        {.name = "TcpWithEdnsHoldsAllOfBig",
         .qname = "big.example.test",
         .qtype = "TXT",
         .opts = edns,
         .tcp = true,
         .answer = txt_records("big.example.test.", kBigCount, 'b')},
        {.name = "MediumTruncatedWithoutEdns",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .tc = true},
        {.name = "MediumFitsEdns1232",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .opts = edns,
         .answer = txt_records("medium.example.test.", kMediumCount, 'm')},
        {.name = "MediumFitsEdns4096",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .opts = {.edns = true, .udp_size = 4096},
         .answer = txt_records("medium.example.test.", kMediumCount, 'm')},
        {.name = "MediumTruncatedEdns600",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .opts = {.edns = true, .udp_size = 600},
         .tc = true},
        {.name = "MediumTcpWithoutEdns",
         .qname = "medium.example.test",
         .qtype = "TXT",
         .tcp = true,
         .answer = txt_records("medium.example.test.", kMediumCount, 'm')},
        // View choice from loopback sources (what the integration test can send from).
        {.name = "ViewParisLoopback",
         .client = std::string(kParisLoopbackClient),
         .qname = "mail.example.test",
         .answer = {kParisMailA}},
        {.name = "ViewParisLoopbackNxdomainOwnSoa",
         .client = std::string(kParisLoopbackClient),
         .qname = "www.example.test",
         .opts = {.edns = true},
         .rcode = "NXDOMAIN",
         .authority = {kParisSoaNeg}},
        {.name = "ViewParisIpv6Nxdomain",
         .client = "2001:db8:2::9",
         .qname = "www.example.test",
         .opts = {.edns = true},
         .rcode = "NXDOMAIN",
         .authority = {kParisSoaNeg}},
        {.name = "RefusedViewWithoutZonesLoopback",
         .client = std::string(kEmptyViewLoopbackClient),
         .qname = "mail.example.test",
         .opts = {.edns = true},
         .rcode = "REFUSED",
         .aa = false},
        // More NODATA and REFUSED shapes.
        {.name = "DsAtApexNodata",
         .qname = "example.test",
         .qtype = "DS",
         .opts = {.edns = true},
         .authority = {kSoaNeg}},
        {.name = "RefusedRoot",
         .qname = ".",
         .qtype = "NS",
         .opts = {.edns = true},
         .rcode = "REFUSED",
         .aa = false},
        {.name = "RefusedClassHs",
         .qname = "mail.example.test",
         .opts = {.edns = true, .qclass = "HS"},
         .tcp = true,
         .rcode = "REFUSED",
         .aa = false},
        // CHAOS: only topology.sitedns. TXT is answered (chaos_test.cpp); the rest is
        // REFUSED (SPEC §5).
        {.name = "ChaosVersionBindRefused",
         .qname = "version.bind",
         .qtype = "TXT",
         .opts = {.qclass = "CH"},
         .rcode = "REFUSED",
         .aa = false},
        {.name = "ChaosIdServerRefused",
         .qname = "id.server",
         .qtype = "TXT",
         .opts = {.qclass = "CH"},
         .rcode = "REFUSED",
         .aa = false},
        // ANY (RFC 8482): one RRset; a name with one RRset shows which (ResponderAny has the
        // names with several).
        {.name = "AnyOneRRset",
         .qname = "x.y.z.example.test",
         .qtype = "ANY",
         .answer = {"x.y.z.example.test. 3600 IN A 192.0.2.20"}},
        {.name = "AnyNxdomain",
         .qname = "nothere.example.test",
         .qtype = "ANY",
         .rcode = "NXDOMAIN",
         .authority = {kSoaNeg}},
        {.name = "AnyEmptyNonTerminalNodata",
         .qname = "y.z.example.test",
         .qtype = "ANY",
         .authority = {kSoaNeg}},
        // Opcodes other than QUERY (NOTIMP, the question echoed) and the meta type OPT as a
        // question (FORMERR).
        {.name = "NotimpOpcodeNotify",
         .qname = "example.test",
         .qtype = "SOA",
         .opts = {.opcode = 4},
         .rcode = "NOTIMP",
         .aa = false},
        {.name = "NotimpOpcodeStatusWithEdns",
         .qname = "example.test",
         .qtype = "SOA",
         .opts = {.edns = true, .opcode = 2},
         .rcode = "NOTIMP",
         .aa = false},
        // Only QR and the opcode: RD and CD of the query are not echoed (as BIND answers).
        {.name = "NotimpOpcodeStatusClearsRdAndCd",
         .qname = "example.test",
         .qtype = "SOA",
         .opts = {.rd = true, .cd = true, .edns = true, .opcode = 2},
         .rcode = "NOTIMP",
         .aa = false},
        {.name = "NotimpOpcodeNotifyClearsRdAndCd",
         .qname = "example.test",
         .qtype = "SOA",
         .opts = {.rd = true, .cd = true, .opcode = 4},
         .rcode = "NOTIMP",
         .aa = false},
        {.name = "FormerrQtypeOpt",
         .qname = "mail.example.test",
         .qtype = "OPT",
         .rcode = "FORMERR",
         .aa = false},
    };
}

/// The question as ldns prints it: the name with one trailing dot, class, type.
std::string question_text(std::string_view qname, const QueryCase& c) {
    std::string name(qname);
    if (name.empty() || name.back() != '.') name += '.';
    return name + " " + std::string(c.opts.qclass) + " " + c.qtype;
}

Records sorted(Records records, bool fold_case) {
    if (fold_case) {
        for (std::string& rr : records) rr = ascii_lower(rr);
    }
    std::sort(records.begin(), records.end());
    return records;
}

/// The records of `want` and `got` that the other lacks, as "-" and "+" lines.
std::string section_diff(const char* section, const Records& want, const Records& got,
                         bool fold_case) {
    const Records w = sorted(want, fold_case);
    const Records g = sorted(got, fold_case);
    if (w == g) return "";
    std::string out = std::string(section) + " section differs:\n";
    Records missing, extra;
    std::set_difference(w.begin(), w.end(), g.begin(), g.end(), std::back_inserter(missing));
    std::set_difference(g.begin(), g.end(), w.begin(), w.end(), std::back_inserter(extra));
    for (const std::string& rr : missing) out += "  - " + rr + "\n";
    for (const std::string& rr : extra) out += "  + " + rr + "\n";
    return out;
}

/// "what: got X, want Y" when the two differ.
template <typename T>
std::string field(const char* what, const T& got, const T& want) {
    if (got == want) return "";
    std::ostringstream out;
    out << what << ": got " << got << ", want " << want << "\n";
    return out.str();
}

}  // namespace

Records mx8_answer() {
    Records out;
    for (int i = 1; i <= kMx8Count; ++i) {
        out.push_back("mx8.example.test. 3600 IN MX 10 h" + std::to_string(i) +
                      ".mx8.example.test.");
    }
    return out;
}

Records mx8_additional() {
    Records out;
    for (int i = 1; i <= kMx8Count; ++i) {
        const std::string host = "h" + std::to_string(i) + ".mx8.example.test. 3600 IN ";
        out.push_back(host + "A 192.0.2." + std::to_string(100 + i));
        out.push_back(host + "AAAA 2001:db8::" + std::to_string(100 + i));
    }
    return out;
}

Records bigcut_glue() {
    Records out;
    for (int i = 1; i <= kBigCutCount; ++i) {
        out.push_back(bigcut_host(i) + " 3600 IN A 198.51.100." + std::to_string(i));
        out.push_back(bigcut_host(i) + " 3600 IN AAAA 2001:db8:100::" + std::to_string(i));
    }
    return out;
}

const std::vector<QueryCase>& query_cases() {
    static const std::vector<QueryCase> cases = make_cases();
    return cases;
}

std::vector<bool> case_transports(const QueryCase& c) {
    if (c.tcp) return {true};
    if (c.tc) return {false};
    return {false, true};
}

bool on_loopback(const QueryCase& c) {
    return c.client.rfind("127.", 0) == 0;
}

Bytes case_query(const QueryCase& c, std::string_view qname, std::uint16_t id) {
    QueryOptions opts = c.opts;
    opts.id = id;
    return make_query(qname, c.qtype, opts);
}

// The header: ID, opcode, RD and CD copied, QR set, RA and AD clear (RFC 1035 §4.1.1; no
// recursion, no validation); for another opcode than QUERY only QR and the opcode. The question
// echoed as sent, case included (RFC 4343 §4). EDNS: an OPT answers an OPT, version 0, DO copied
// (RFC 6891 §6.1.1, §7; RFC 3225 §3).
std::string check_answer(const QueryCase& c, std::string_view qname, std::uint16_t id,
                         const Answer& a, bool fold_case) {
    const QueryOptions& o = c.opts;
    const bool query = o.opcode == 0;
    std::string out = field("id", a.id, id) + field("qr", a.qr, true) +
                      field("opcode", int{a.opcode}, int{o.opcode}) +
                      field("rd", a.rd, query && o.rd) + field("cd", a.cd, query && o.cd) +
                      field("ra", a.ra, false) + field("ad", a.ad, false) +
                      field("rcode", a.rcode, c.rcode) + field("aa", a.aa, c.aa) +
                      field("tc", a.tc, c.tc) + field("qdcount", int{a.qdcount}, 1) +
                      field("question", a.question, question_text(qname, c)) +
                      field("OPT present", a.has_opt, o.edns);
    if (a.has_opt) {
        out += field("OPT version", int{a.opt_version}, 0) + field("OPT DO", a.opt_do, o.do_bit);
    }
    return out + section_diff("answer", c.answer, a.answer, fold_case) +
           section_diff("authority", c.authority, a.authority, fold_case) +
           section_diff("additional", c.additional, a.additional, fold_case);
}

}  // namespace sitedns::test
