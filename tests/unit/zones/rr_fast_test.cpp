// The plain-record reader of master files (zones/load/rr_fast.h) against ldns itself:
// on every line it takes, it must give exactly what ldns gives (owner, type, class IN,
// TTL, RDATA bytes); on every line ldns refuses, it must leave the line to ldns.
// clang-format off
#include <stdbool.h>  // before ldns: ldns/common.h defines bool otherwise
// clang-format on
#include <ldns/ldns.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "zones/dns/name.h"
#include "zones/dns/types.h"
#include "zones/load/ldns_handles.h"
#include "zones/load/rr_fast.h"
#include "zones/load/rr_parse.h"

namespace sitedns::load::detail {
namespace {

/// What ldns makes of one line, with the state read_plain_rr() gets.
struct LdnsResult {
    bool ok = false;
    ParsedRr rr;
};

LdnsResult ldns_read(const std::string& line, const dns::Name& origin, std::uint32_t ttl,
                     const dns::Name* previous) {
    std::string text = line + "\n";
    std::FILE* fp = fmemopen(text.data(), text.size(), "r");
    EXPECT_NE(fp, nullptr);
    ldns_rdf* origin_rdf = ldns_dname_new_frm_data(static_cast<std::uint16_t>(origin.wire().size()),
                                                   origin.wire().data());
    ldns_rdf* prev = previous == nullptr ? nullptr
                                         : ldns_dname_new_frm_data(
                                               static_cast<std::uint16_t>(previous->wire().size()),
                                               previous->wire().data());
    int line_nr = 0;
    ldns_rr* raw = nullptr;
    const ldns_status status = ldns_rr_new_frm_fp_l(&raw, fp, &ttl, &origin_rdf, &prev, &line_nr);
    const RrHandle rr(raw);
    std::fclose(fp);
    ldns_rdf_deep_free(origin_rdf);
    ldns_rdf_deep_free(prev);
    LdnsResult result;
    if (status != LDNS_STATUS_OK) return result;
    auto converted = convert_rr(rr.get());
    if (auto* parsed = std::get_if<ParsedRr>(&converted)) {
        result.ok = true;
        result.rr = std::move(*parsed);
    }
    return result;
}

/// Compares both readers on `line`; returns whether the plain reader took it.
bool compare(const std::string& line, const dns::Name& origin, std::uint32_t ttl,
             const dns::Name* previous) {
    const std::vector<std::uint8_t> prev_wire =
        previous == nullptr
            ? std::vector<std::uint8_t>()
            : std::vector<std::uint8_t>(previous->wire().begin(), previous->wire().end());
    const MasterState state{origin.wire(), ttl, prev_wire};
    PlainRr plain;
    const bool taken = read_plain_rr(line, state, plain);
    const LdnsResult ldns = ldns_read(line, origin, ttl, previous);
    if (!taken) return false;
    EXPECT_TRUE(ldns.ok) << "the plain reader took a line ldns refuses: '" << line << "'";
    if (!ldns.ok) return true;
    const dns::Name owner = dns::Name::from_wire(plain.owner_wire());
    EXPECT_EQ(owner.wire().size(), ldns.rr.owner.wire().size()) << line;
    EXPECT_TRUE(std::equal(owner.wire().begin(), owner.wire().end(), ldns.rr.owner.wire().begin(),
                           ldns.rr.owner.wire().end()))
        << "owner of '" << line << "': " << owner.to_text() << " vs " << ldns.rr.owner.to_text();
    EXPECT_EQ(plain.type, ldns.rr.type) << line;
    EXPECT_EQ(ldns.rr.rrclass, dns::rrclass::IN) << line;
    EXPECT_EQ(plain.ttl, ldns.rr.ttl) << line;
    EXPECT_EQ(plain.rdata, ldns.rr.rdata) << line;
    return true;
}

const dns::Name kOrigin = dns::Name::parse_absolute("Example.TEST.");
const dns::Name kPrevious = dns::Name::parse_absolute("prev.example.test.");

TEST(PlainRrTest, CommonLinesAreTakenAndMatchLdns) {
    const char* lines[] = {
        "h1 IN A 10.0.0.1",
        "h1 A 10.0.0.1",
        "h1 300 IN A 10.0.0.1",
        "h1 300 A 10.0.0.1",
        "H1.Example.TEST. 0 in a 192.0.2.255",
        "@ IN NS ns1",
        "@ NS ns1.other.test.",
        "\tIN A 10.0.0.2",
        "  3600 IN AAAA 2001:db8::1",
        "mail IN AAAA ::ffff:192.0.2.1",
        "h1 IN A 10.0.0.1 ; comment",
        "h1 IN A 10.0.0.1\t;comment ; more",
        "h1\tIN\tA\t10.0.0.1",
        "h1  IN   A    10.0.0.1   ",
        "h1 IN A 10.0.0.1\r",
        "www IN CNAME mail",
        "www IN CNAME Mail.Example.test.",
        "www cname @",
        "1.2 IN PTR host.example.test.",
        "_sip._tcp IN PTR a-b_c.d",
        "*.wild IN A 10.9.9.9",
        "@ IN MX 10 mail",
        "@ IN MX 010 mail.other.",
        "@ IN MX 65535 .",
        "@ 60 IN MX 0 @",
        "@ IN SOA ns hostmaster 1 2 3 4 5",
        "@ IN SOA ns.example.test. hostmaster.example.test. 4294967295 3600 900 604800 300",
        "@ IN SOA @ @ 0 0 0 0 0",
        "@ IN TXT \"v=spf1 mx -all\"",
        "@ IN TXT \"a\" \"b\"",
        "@ IN TXT \"a\"  \"b\"",
        "@ IN TXT \"a\"\t\"b\"",
        "@ IN TXT \"a\" \t \"b\"",
        "@ IN TXT \"\"",
        "@ IN TXT plain words",
        "@ IN TXT word \"quoted string\" word",
        "@ IN TXT \"v=DMARC1; p=none\"",
        "@ IN TXT \"with (parens)\"",
        "@ IN TXT \"trailing\" ; comment",
        "h-1.sub IN A 10.0.0.1",
        "4294967295 IN A 10.0.0.1",
        "h1 2147483647 IN A 10.0.0.1",
        "h1 4294967295 IN A 10.0.0.1",
    };
    for (const char* line : lines) {
        EXPECT_TRUE(compare(line, kOrigin, 3600, &kPrevious)) << "not taken: '" << line << "'";
    }
}

TEST(PlainRrTest, DefaultTtlAndPreviousOwnerFollowLdns) {
    // $TTL 0: ldns gives records without a TTL its own default, 3600.
    EXPECT_TRUE(compare("h1 IN A 10.0.0.1", kOrigin, 0, nullptr));
    EXPECT_TRUE(compare("h1 IN A 10.0.0.1", kOrigin, 86400, nullptr));
    // A blank owner: the previous owner, or the origin when there is none.
    EXPECT_TRUE(compare(" IN A 10.0.0.1", kOrigin, 300, nullptr));
    EXPECT_TRUE(compare(" IN A 10.0.0.1", kOrigin, 300, &kPrevious));
    EXPECT_TRUE(compare(" 60 A 10.0.0.1", dns::Name(), 300, nullptr));
    EXPECT_TRUE(compare("h1 IN A 10.0.0.1", dns::Name(), 300, nullptr));

    const std::vector<std::uint8_t> prev(kPrevious.wire().begin(), kPrevious.wire().end());
    PlainRr rr;
    ASSERT_TRUE(read_plain_rr(" IN A 10.0.0.1", MasterState{kOrigin.wire(), 0, prev}, rr));
    EXPECT_FALSE(rr.owner_named);
    ASSERT_TRUE(read_plain_rr("@ IN A 10.0.0.1", MasterState{kOrigin.wire(), 0, prev}, rr));
    EXPECT_TRUE(rr.owner_named);
}

TEST(PlainRrTest, EverythingElseIsLeftToLdns) {
    const std::string lines[] = {
        "",
        "   ",
        "; comment",
        "$TTL 300",
        "$ORIGIN other.test.",
        "$INCLUDE other.zone",
        "@ IN SOA ns hostmaster (",
        "@ IN SOA ns hostmaster ( 1 2 3 4 5 )",
        "h1 IN A ( 10.0.0.1 )",
        "h\\.1 IN A 10.0.0.1",
        "h1 IN TXT \"esc\\\"aped\"",
        "h1 IN TXT \"unterminated",
        "h1 IN TXT \"a\"\"b\"",
        "h1 IN TXT \"a\"b",
        "h1 IN TXT",
        "h1 1h IN A 10.0.0.1",
        "h1 99999999999 IN A 10.0.0.1",
        "h1 CH A 10.0.0.1",
        "h1 IN 300 A 10.0.0.1",
        "h1 CLASS1 A 10.0.0.1",
        "h1 IN TYPE1 \\# 4 0a000001",
        "h1 IN SRV 0 5 5060 sip",
        "h1 IN HINFO cpu os",
        "h1 IN A 10.0.0.256",
        "h1 IN A 010.0.0.1",
        "h1 IN A 10.0.0",
        "h1 IN A 10.0.0.1 10.0.0.2",
        "h1 IN A",
        "h1 IN AAAA 2001:db8::g",
        "h1 IN MX 70000 mail",
        "h1 IN MX mail",
        "h1 IN MX -1 mail",
        "h1 IN CNAME a..b",
        "h1 IN CNAME .a",
        "h1 IN CNAME @.other",
        "a@b IN A 10.0.0.1",
        "..h1 IN A 10.0.0.1",
        "h1 IN SOA ns hostmaster 1 2 3 4",
        "h1 IN SOA ns hostmaster 1 2 3 4 5 6",
        "h1 IN SOA ns hostmaster 1h 2 3 4 5",
        "h1 IN A 10.0.0.1\f",
        "h1 IN A 10.0.0.1\rx",
        "h\xc3\xa9 IN A 10.0.0.1",
        "h1 IN TXT \"tab\tinside\"",
        "\"h1\" IN TXT x",
        "h1 IN TXT x\"y",
        "h1",
        "h1 IN",
        "h1 300",
        std::string(64, 'a') + " IN A 10.0.0.1",
        std::string("h1 IN A 10.0.0.1\0", 17),
    };
    for (const std::string& line : lines) {
        EXPECT_FALSE(compare(line, kOrigin, 3600, &kPrevious)) << "taken: '" << line << "'";
    }
    const std::string long_string = "h1 IN TXT \"" + std::string(256, 'x') + "\"";
    EXPECT_FALSE(compare(long_string, kOrigin, 3600, &kPrevious));
    const std::string max_string = "h1 IN TXT \"" + std::string(255, 'x') + "\"";
    EXPECT_TRUE(compare(max_string, kOrigin, 3600, &kPrevious));
    const std::string label63 = std::string(63, 'a') + " IN A 10.0.0.1";
    EXPECT_TRUE(compare(label63, kOrigin, 3600, &kPrevious));
}

/// Many combinations of the parts of a line: wherever the plain reader takes one, it
/// must agree with ldns (compare() checks); most of them it must take.
TEST(PlainRrTest, CombinationsAgreeWithLdns) {
    const char* owners[] = {"h1", "H1.Sub", "@", "a.example.test.", "", "*", "x-y_z"};
    const char* ttls[] = {"", "0", "60 ", "2147483648"};
    const char* classes[] = {"", "IN", "in", "In"};
    const char* records[] = {
        "A 192.0.2.1",
        "a 0.0.0.0",
        "AAAA ::",
        "aaaa 2001:DB8::A",
        "NS ns1",
        "ns NS1.Other.",
        "CNAME x.y",
        "PTR @",
        "MX 5 mx",
        "mx 0 MX.",
        "TXT x",
        "txt \"a b\" c",
        "SOA a b 1 2 3 4 5",
        "Soa a. b. 0 0 0 0 4294967295",
    };
    const char* tails[] = {"", " ", "\t", " ;c", "\r"};
    std::size_t taken = 0;
    std::size_t total = 0;
    for (const char* owner : owners) {
        for (const char* ttl : ttls) {
            for (const char* rrclass : classes) {
                for (const char* record : records) {
                    for (const char* tail : tails) {
                        std::string line = *owner == '\0' ? " " : std::string(owner) + " ";
                        line += ttl;
                        if (*ttl != '\0' && std::string(ttl).back() != ' ') line += ' ';
                        if (*rrclass != '\0') line += std::string(rrclass) + "\t";
                        line += record;
                        line += tail;
                        ++total;
                        if (compare(line, kOrigin, 300, &kPrevious)) ++taken;
                    }
                }
            }
        }
    }
    EXPECT_GT(taken, total * 9 / 10) << taken << " of " << total;
}

}  // namespace
}  // namespace sitedns::load::detail
