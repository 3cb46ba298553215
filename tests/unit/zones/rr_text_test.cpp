#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "zones/dns/name.h"
#include "zones/dns/types.h"
#include "zones/load/rr_parse.h"
#include "zones/load/rr_text.h"

namespace sitedns::load {
namespace {

using Bytes = std::vector<std::uint8_t>;

const dns::Name& origin() {
    static const dns::Name name = dns::Name::parse_absolute("paris.example.local.");
    return name;
}

/// Parses one RR of presentation text with the zone reader's parser.
detail::ParsedRr parse(const std::string& text) {
    auto parsed = detail::parse_rr_text(text, origin());
    if (auto* error = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << text << ": " << *error;
        return {};
    }
    return std::get<detail::ParsedRr>(std::move(parsed));
}

/// Text of a parsed RR, as export writes it.
std::string text_of(const detail::ParsedRr& rr) {
    return record_to_text(rr.owner, rr.type, rr.ttl, rr.rdata);
}

struct Case {
    const char* input;     // RR in presentation format, relative names allowed
    const char* expected;  // what record_to_text writes (tabs between fields)
};

class RrTextTest : public ::testing::TestWithParam<Case> {};

TEST_P(RrTextTest, WritesPresentationFormat) {
    const detail::ParsedRr rr = parse(GetParam().input);
    EXPECT_EQ(text_of(rr), GetParam().expected);
}

// The text reads back to the same record: export output loads where it came from.
TEST_P(RrTextTest, RoundTrips) {
    const detail::ParsedRr rr = parse(GetParam().input);
    const detail::ParsedRr again = parse(text_of(rr));
    EXPECT_EQ(again.owner, rr.owner);
    EXPECT_EQ(again.owner.to_text(), rr.owner.to_text());  // case kept
    EXPECT_EQ(again.type, rr.type);
    EXPECT_EQ(again.ttl, rr.ttl);
    EXPECT_EQ(again.rdata, rr.rdata);
}

INSTANTIATE_TEST_SUITE_P(
    Types, RrTextTest,
    ::testing::Values(
        Case{"mail 300 IN A 203.0.113.20", "mail.paris.example.local.\t300\tIN\tA\t203.0.113.20"},
        Case{"mail 300 IN AAAA 2001:db8:20::25",
             "mail.paris.example.local.\t300\tIN\tAAAA\t2001:db8:20::25"},
        Case{"@ 300 IN MX 10 Mail.Paris.example.local.",
             "paris.example.local.\t300\tIN\tMX\t10 Mail.Paris.example.local."},
        Case{"@ 3600 IN NS ns.london.example.local.",
             "paris.example.local.\t3600\tIN\tNS\tns.london.example.local."},
        Case{"@ 3600 IN SOA ns.london.example.local. hostmaster.example.com. 2026112401 3600 "
             "600 604800 300",
             "paris.example.local.\t3600\tIN\tSOA\tns.london.example.local. "
             "hostmaster.example.com. 2026112401 3600 600 604800 300"},
        Case{"www 60 IN CNAME mail",
             "www.paris.example.local.\t60\tIN\tCNAME\tmail.paris.example.local."},
        Case{"@ 300 IN TXT \"v=spf1 mx -all\" \"two\\\"quoted\"",
             "paris.example.local.\t300\tIN\tTXT\t\"v=spf1 mx -all\" \"two\\\"quoted\""},
        Case{"_submission._tcp 300 IN SRV 0 1 587 mail",
             "_submission._tcp.paris.example.local.\t300\tIN\tSRV\t0 1 587 "
             "mail.paris.example.local."},
        Case{"@ 300 IN CAA 0 issue \"letsencrypt.org\"",
             "paris.example.local.\t300\tIN\tCAA\t0 issue \"letsencrypt.org\""},
        Case{"*.dyn 300 IN A 198.51.100.7", "*.dyn.paris.example.local.\t300\tIN\tA\t198.51.100.7"},
        Case{"opaque 0 IN TYPE65280 \\# 4 0a000001",
             "opaque.paris.example.local.\t0\tIN\tTYPE65280\t\\# 4 0a000001"}));

TEST(RrTextGeneric, RdataThatDoesNotFitItsTypeIsWrittenInRfc3597Form) {
    const dns::Name owner = dns::Name::parse_absolute("bad.paris.example.local.");
    const Bytes three = {192, 0, 2};  // an A record is four bytes
    EXPECT_EQ(record_to_text(owner, dns::rrtype::A, 300, three),
              "bad.paris.example.local.\t300\tIN\tTYPE1\t\\# 3 c00002");
    const Bytes five = {192, 0, 2, 1, 7};
    EXPECT_EQ(record_to_text(owner, dns::rrtype::A, 300, five),
              "bad.paris.example.local.\t300\tIN\tTYPE1\t\\# 5 c000020107");
}

TEST(RrTextGeneric, EmptyUnknownRdata) {
    const dns::Name owner = dns::Name::parse_absolute("x.example.");
    EXPECT_EQ(record_to_text(owner, 65280, 5, {}), "x.example.\t5\tIN\tTYPE65280\t\\# 0");
}

TEST(RrTextOwner, EscapesSpecialCharactersInLabels) {
    const dns::Name owner = dns::Name::parse("a\\032b\\.c", origin());
    const Bytes address = {192, 0, 2, 1};
    const std::string text = record_to_text(owner, dns::rrtype::A, 1, address);
    EXPECT_EQ(text.substr(0, text.find('\t')), "a\\032b\\.c.paris.example.local.");
    EXPECT_EQ(parse(text).owner, owner);
}

}  // namespace
}  // namespace sitedns::load
