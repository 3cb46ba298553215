// The sites topology (SPEC §3.3): parsing the `sites` object, the views and zones it
// generates, the serial, and the built-in three-site configuration.

#include "config/sites.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/prefix_table.h"
#include "zones/dns/types.h"

namespace sitedns {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

/// Uncompressed wire form of an absolute name, written by hand (RFC 1035 §3.1).
Bytes wire(std::string_view name) {
    Bytes out;
    while (!name.empty() && name != ".") {
        std::size_t dot = name.find('.');
        std::string_view label = name.substr(0, dot);
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        name.remove_prefix(dot == std::string_view::npos ? name.size() : dot + 1);
    }
    out.push_back(0);
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

Bytes u32(std::uint32_t value) {
    return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
            static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

Config parse(const std::string& text) {
    return parse_config(text, "/etc/sitedns", "t.json");
}

std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

// ---------------------------------------------------------------- parsing errors

struct ErrorCase {
    const char* json;
    const char* message;  ///< the whole what(), source "t.json"
};

class SitesErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(SitesErrors, MessageNamesThePathAndTheReason) {
    EXPECT_EQ(error_of(GetParam().json), GetParam().message) << GetParam().json;
}

// A `sites` object around LIST, and a valid site with its name, subnet and address.
#define SITES(list)                                                                                \
    R"({"sites": {"domain": "example.com", "internal_suffix": "example.internal", "list": [)" list \
    "]}}"
#define SITE(name, subnet, address) \
    R"({"name": ")" name R"(", "subnets": [")" subnet R"("], "address": ")" address R"("})"
#define PARIS SITE("paris", "10.2.0.0/16", "203.0.113.20")

const ErrorCase kErrorCases[] = {
    {R"({"sites": []})", "t.json: /sites: expected an object, got an array"},
    {R"({"sites": {"internal_suffix": "x.internal", "list": []}})",
     "t.json: /sites: missing required key \"domain\""},
    {R"({"sites": {"domain": "example.com", "list": []}})",
     "t.json: /sites: missing required key \"internal_suffix\""},
    {R"({"sites": {"domain": "example.com", "internal_suffix": "x.internal"}})",
     "t.json: /sites: missing required key \"list\""},
    {R"({"sites": {"domian": "example.com"}})",
     "t.json: /sites/domian: unknown key \"domian\"; did you mean \"domain\"?"},
    {R"({"sites": {"domain": "exa mple.com", "internal_suffix": "x.internal", "list": []}})",
     "t.json: /sites/domain: \"exa mple.com\" is not a domain name: label \"exa mple\" has \" "
     "\"; use letters, digits and hyphens only"},
    {R"({"sites": {"domain": "example.com", "internal_suffix": "example..local", "list": []}})",
     "t.json: /sites/internal_suffix: \"example..local\" is not a domain name: empty label"},
    // Case and a trailing dot aside, the suffix equals the public domain (SPEC §2).
    {R"({"sites": {"domain": "example.com", "internal_suffix": "Example.COM.", "list": []}})",
     "t.json: /sites/internal_suffix: \"Example.COM\" is the public domain: the site zones "
     "would hide its public names, such as www.example.com; use a name under .internal or a "
     "sub-domain of example.com, such as \"sites.example.com\""},
    {R"({"sites": {"domain": "example.com.", "internal_suffix": "example.com", "list": []}})",
     "t.json: /sites/internal_suffix: \"example.com\" is the public domain: the site zones "
     "would hide its public names, such as www.example.com; use a name under .internal or a "
     "sub-domain of example.com, such as \"sites.example.com\""},
    {R"({"sites": {"domain": 5, "internal_suffix": "x.internal", "list": []}})",
     "t.json: /sites/domain: expected a string, got an integer"},
    {R"({"sites": {"domain": "example.com", "internal_suffix": "x.internal", "ttl": -1,
                   "list": []}})",
     "t.json: /sites/ttl: must be between 0 and 2147483647, got -1"},
    {R"({"sites": {"domain": "example.com", "internal_suffix": "x.internal", "list": []}})",
     "t.json: /sites/list: must not be empty"},
    {SITES(R"({"name": "paris", "address": "203.0.113.20"})"),
     "t.json: /sites/list/0: missing required key \"subnets\""},
    {SITES(R"({"name": "paris", "subnets": ["10.2.0.0/16"], "adress": "203.0.113.20"})"),
     "t.json: /sites/list/0/adress: unknown key \"adress\"; did you mean \"address\"?"},
    {SITES(SITE("Paris", "10.2.0.0/16", "203.0.113.20")),
     "t.json: /sites/list/0/name: \"Paris\" is not a valid site name: use lowercase letters, "
     "digits and hyphens only"},
    {SITES(SITE("par.is", "10.2.0.0/16", "203.0.113.20")),
     "t.json: /sites/list/0/name: \"par.is\" is not a valid site name: label \"par.is\" has "
     "\".\"; use letters, digits and hyphens only"},
    {SITES(SITE("-paris", "10.2.0.0/16", "203.0.113.20")),
     "t.json: /sites/list/0/name: \"-paris\" is not a valid site name: label \"-paris\" starts "
     "or ends with a hyphen"},
    {SITES(SITE("a123456789b123456789c123456789d123456789e123456789f123456789g123", "10.2.0.0/16",
                "203.0.113.20")),
     "t.json: /sites/list/0/name: \"a123456789b123456789c123456789d123456789e123456789f123456789g"
     "123\" is not a valid site name: label \"a123456789b123456789c123456789d123456789e123456789"
     "f123456789g123\" is longer than 63 characters"},
    {SITES(R"({"name": "", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20"})"),
     "t.json: /sites/list/0/name: must not be empty"},
    {SITES(R"({"name": "paris", "subnets": [], "address": "203.0.113.20"})"),
     "t.json: /sites/list/0/subnets: must not be empty"},
    {SITES(SITE("paris", "10.2.0.1/16", "203.0.113.20")),
     "t.json: /sites/list/0/subnets/0: 10.2.0.1/16 has host bits set; did you mean 10.2.0.0/16?"},
    {SITES(SITE("paris", "any", "203.0.113.20")),
     "t.json: /sites/list/0/subnets/0: invalid address \"any\" in CIDR \"any\""},
    {SITES(SITE("paris", "10.2.0.0/16", "2001:db8::1")),
     "t.json: /sites/list/0/address: expected an IPv4 address, got \"2001:db8::1\""},
    {SITES(SITE("paris", "10.2.0.0/16", "mail.paris")),
     "t.json: /sites/list/0/address: expected an IPv4 address, got \"mail.paris\""},
    {SITES(R"({"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
               "address6": "203.0.113.21"})"),
     "t.json: /sites/list/0/address6: expected an IPv6 address, got \"203.0.113.21\""},
    {SITES(R"({"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
               "primary": "yes"})"),
     "t.json: /sites/list/0/primary: expected true or false, got a string"},
    {SITES(R"({"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
               "mail_host": "mail_1"})"),
     "t.json: /sites/list/0/mail_host: \"mail_1\" is not a valid mail host: label \"mail_1\" "
     "has \"_\"; use letters, digits and hyphens only"},
    {SITES(R"({"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
               "preference": 65536})"),
     "t.json: /sites/list/0/preference: must be between 0 and 65535, got 65536"},
    {SITES(R"({"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
               "zones": ["a.json", "./a.json"]})"),
     "t.json: /sites/list/0/zones/1: zone file /etc/sitedns/a.json is listed twice (also "
     "/sites/list/0/zones/0)"},
    {SITES(PARIS "," SITE("paris", "10.3.0.0/16", "203.0.113.30")),
     "t.json: /sites/list/1/name: duplicate site name \"paris\" (also /sites/list/0)"},
    {SITES(PARIS "," SITE("madrid", "10.2.0.0/16", "203.0.113.30")),
     "t.json: /sites/list/1/subnets/0: 10.2.0.0/16 is in two views, \"paris\" "
     "(/sites/list/0/subnets/0) and \"madrid\"; a prefix may select one view only"},
    {SITES(
         R"({"name": "paris", "subnets": ["10.2.0.0/16", "10.2.0.0/16"], "address": "203.0.113.20"})"),
     "t.json: /sites/list/0/subnets/1: 10.2.0.0/16 is listed twice in view \"paris\" (also "
     "/sites/list/0/subnets/0)"},
    // Generated views share the names and the prefix table of the explicit ones.
    {R"({"views": [{"name": "paris", "match_clients": ["10.9.0.0/16"]}],
         "sites": {"domain": "example.com", "internal_suffix": "example.internal",
                   "list": [)" SITE("london", "10.1.0.0/16", "203.0.113.10") "," PARIS "]}}",
     "t.json: /sites/list/1/name: view \"paris\" already exists in /views/0"},
    {R"({"views": [{"name": "office", "match_clients": ["10.9.0.0/16", "10.2.0.0/16"]}],
         "sites": {"domain": "example.com", "internal_suffix": "example.internal",
                   "list": [)" PARIS "]}}",
     "t.json: /sites/list/0/subnets/0: 10.2.0.0/16 is in two views, \"office\" "
     "(/views/0/match_clients/1) and \"paris\"; a prefix may select one view only"},
};

INSTANTIATE_TEST_SUITE_P(Table, SitesErrors, testing::ValuesIn(kErrorCases));

TEST(SitesParse, MailHostNameLongerThan255OctetsIsRefused) {
    std::string label(63, 'a');
    std::string suffix = label + "." + label + "." + label;  // 191 characters
    std::string text = R"({"sites": {"domain": "example.com", "internal_suffix": ")" + suffix +
                       R"(", "list": [{"name": ")" + label + R"(", "subnets": ["10.2.0.0/16"],
                       "address": "203.0.113.20"}]}})";
    EXPECT_EQ(error_of(text), "t.json: /sites/list/0/name: the mail host name mail." + label + "." +
                                  suffix + ". is longer than 255 octets");
}

// ---------------------------------------------------------------- generation

const char* const kThreeSites = R"({
  "upstreams": ["192.0.2.53"],
  "views": [ { "name": "admin", "match_clients": ["10.1.9.9/32"], "zones": ["admin.json"] } ],
  "sites": {
    "domain": "example.com",
    "internal_suffix": "example.internal.",
    "ttl": 600,
    "list": [
      { "name": "london", "subnets": ["10.1.0.0/16", "127.0.0.1"], "address": "203.0.113.10",
        "primary": true },
      { "name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
        "address6": "2001:db8:20::25", "mail_host": "mx1", "preference": 20,
        "zones": ["extra/paris-extra.json"] },
      { "name": "madrid", "subnets": ["10.3.0.0/16", "2001:db8:3::/48"],
        "address": "203.0.113.30" }
    ]
  }
})";

TEST(SitesParse, ReadsEveryKeyAndTheDefaults) {
    Config config = parse(kThreeSites);
    ASSERT_TRUE(config.sites.has_value());
    const Sites& sites = *config.sites;
    EXPECT_EQ(sites.domain, "example.com");
    EXPECT_EQ(sites.internal_suffix, "example.internal");  // the trailing dot dropped
    EXPECT_EQ(sites.ttl, 600U);
    EXPECT_NE(sites.serial, 0U);
    ASSERT_EQ(sites.list.size(), 3U);
    const Site& london = sites.list[0];
    EXPECT_EQ(london.name, "london");
    EXPECT_EQ(london.subnets,
              (std::vector<Cidr>{*Cidr::parse("10.1.0.0/16"), *Cidr::parse("127.0.0.1/32")}));
    EXPECT_EQ(london.address, *IpAddress::parse("203.0.113.10"));
    EXPECT_FALSE(london.address6.has_value());
    EXPECT_TRUE(london.primary);
    EXPECT_EQ(london.mail_host, "mail");
    EXPECT_EQ(london.preference, 10);
    EXPECT_TRUE(london.zones.empty());
    const Site& paris = sites.list[1];
    EXPECT_FALSE(paris.primary);
    EXPECT_EQ(paris.address6, IpAddress::parse("2001:db8:20::25"));
    EXPECT_EQ(paris.mail_host, "mx1");
    EXPECT_EQ(paris.preference, 20);
    const std::vector<SiteZone> extra{{"/etc/sitedns/extra/paris-extra.json", false}};
    EXPECT_EQ(paris.zones, extra);
}

TEST(SitesParse, TtlDefaultsTo300) {
    Config config = parse(SITES(PARIS));
    EXPECT_EQ(config.sites->ttl, 300U);
}

TEST(SitesGenerate, OneViewPerSiteAfterTheExplicitViews) {
    Config config = parse(kThreeSites);
    ASSERT_EQ(config.views.size(), 4U);
    EXPECT_EQ(config.views[0].name, "admin");
    EXPECT_FALSE(config.views[0].site.has_value());
    const char* names[] = {"london", "paris", "madrid"};
    for (std::size_t i = 0; i < 3; ++i) {
        const ViewConfig& view = config.views[i + 1];
        EXPECT_EQ(view.name, names[i]);
        EXPECT_EQ(view.site, names[i]);
        EXPECT_EQ(view.match_clients, config.sites->list[i].subnets);
        EXPECT_TRUE(view.recursion);
        EXPECT_FALSE(view.upstreams.has_value());  // the top-level ones
    }
}

/// The origins of a view's zones, as text.
std::vector<std::string> origins(const ViewConfig& view) {
    std::vector<std::string> out;
    for (const ZoneSource& zone : view.zones) {
        out.push_back(zone.generated ? zone.generated->origin.to_text() : zone.path.string());
    }
    return out;
}

TEST(SitesGenerate, EachViewHoldsTheOtherSitesItsOwnTheSuffixThenItsExtraZones) {
    Config config = parse(kThreeSites);
    using Names = std::vector<std::string>;
    // SPEC §3.3: the other sites' zones, its own, and the suffix's zone.
    EXPECT_EQ(origins(config.views[1]),
              (Names{"paris.example.internal.", "madrid.example.internal.",
                     "london.example.internal.", "example.internal."}));
    EXPECT_EQ(
        origins(config.views[2]),
        (Names{"london.example.internal.", "madrid.example.internal.", "paris.example.internal.",
               "example.internal.", "/etc/sitedns/extra/paris-extra.json"}));
    EXPECT_EQ(origins(config.views[3]),
              (Names{"london.example.internal.", "paris.example.internal.",
                     "madrid.example.internal.", "example.internal."}));
    EXPECT_FALSE(config.views[2].zones[4].generated);
    EXPECT_TRUE(config.views[2].zones[4].builtin.empty());
    using GivesWay = ZoneSource::GivesWay;
    EXPECT_EQ(config.views[2].zones[1].gives_way, GivesWay::Never) << "another site's";
    EXPECT_EQ(config.views[2].zones[2].gives_way, GivesWay::ToSameOrigin) << "its own";
    EXPECT_EQ(config.views[2].zones[3].gives_way, GivesWay::ToZoneAbove) << "the suffix's";
    EXPECT_EQ(config.views[2].zones[4].gives_way, GivesWay::Never) << "its extra zone";
}

TEST(SitesGenerate, ASiteZoneIsOneObjectSharedByEveryView) {
    Config config = parse(kThreeSites);
    // paris's zone in london's view, in madrid's view and in its own (no internal_address).
    EXPECT_EQ(config.views[1].zones[0].generated, config.views[3].zones[1].generated);
    EXPECT_EQ(config.views[2].zones[2].generated, config.views[3].zones[1].generated);
    // london's zone in paris's view, in madrid's view and in its own.
    EXPECT_EQ(config.views[2].zones[0].generated, config.views[3].zones[0].generated);
    EXPECT_EQ(config.views[1].zones[2].generated, config.views[3].zones[0].generated);
    EXPECT_NE(config.views[1].zones[0].generated, config.views[1].zones[1].generated);
    // The suffix's zone, one for all.
    EXPECT_EQ(config.views[1].zones[3].generated, config.views[2].zones[3].generated);
}

struct ExpectedRecord {
    std::string owner;
    std::uint16_t type;
    Bytes rdata;
    std::string where;
};

void expect_records(const model::ZoneData& zone, std::uint32_t ttl,
                    const std::vector<ExpectedRecord>& expected) {
    ASSERT_EQ(zone.records.size(), expected.size()) << zone.source;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const model::Record& record = zone.records[i];
        EXPECT_EQ(record.owner.to_text(), expected[i].owner) << i;
        EXPECT_EQ(record.type, expected[i].type) << i;
        EXPECT_EQ(record.ttl, ttl) << i;
        EXPECT_EQ(record.rdata, expected[i].rdata) << expected[i].where;
        EXPECT_EQ(record.where, expected[i].where) << i;
    }
}

TEST(SitesGenerate, ParisZoneRecordsHonourMailHostPreferenceAndAddress6) {
    Config config = parse(kThreeSites);
    const model::ZoneData& zone = *config.views[1].zones[0].generated;
    EXPECT_EQ(zone.origin.to_text(), "paris.example.internal.");
    EXPECT_EQ(zone.source, "generated zone for site paris");
    Bytes soa = concat({wire("ns.example.internal."), wire("hostmaster.example.com."),
                        u32(config.sites->serial), u32(3600), u32(600), u32(604800), u32(600)});
    Bytes aaaa = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x25};
    namespace t = dns::rrtype;
    expect_records(
        zone, 600,
        {{"paris.example.internal.", t::SOA, soa, "generated SOA"},
         {"paris.example.internal.", t::NS, wire("ns.example.internal."), "generated NS"},
         {"paris.example.internal.", t::MX, concat({{0, 20}, wire("mx1.paris.example.internal.")}),
          "generated MX"},
         {"mx1.paris.example.internal.", t::A, {203, 0, 113, 20}, "generated A"},
         {"mx1.paris.example.internal.", t::AAAA, aaaa, "generated AAAA"}});
}

TEST(SitesGenerate, NoAaaaWithoutAddress6) {
    Config config = parse(kThreeSites);
    const model::ZoneData& zone = *config.views[2].zones[0].generated;  // london
    namespace t = dns::rrtype;
    Bytes soa = concat({wire("ns.example.internal."), wire("hostmaster.example.com."),
                        u32(config.sites->serial), u32(3600), u32(600), u32(604800), u32(600)});
    expect_records(
        zone, 600,
        {{"london.example.internal.", t::SOA, soa, "generated SOA"},
         {"london.example.internal.", t::NS, wire("ns.example.internal."), "generated NS"},
         {"london.example.internal.", t::MX,
          concat({{0, 10}, wire("mail.london.example.internal.")}), "generated MX"},
         {"mail.london.example.internal.", t::A, {203, 0, 113, 10}, "generated A"}});
}

TEST(SitesGenerate, GenerateSiteZoneByItself) {
    Sites sites;
    sites.domain = "corp.example";
    sites.internal_suffix = "sites.corp.example";
    sites.ttl = 0;
    sites.serial = 7;
    Site site;
    site.name = "oslo";
    site.address = *IpAddress::parse("192.0.2.1");
    site.preference = 0;
    auto zone = generate_site_zone(sites, site);
    ASSERT_EQ(zone->records.size(), 4U);
    EXPECT_EQ(zone->origin.to_text(), "oslo.sites.corp.example.");
    EXPECT_EQ(zone->records[0].rdata,
              concat({wire("ns.sites.corp.example."), wire("hostmaster.corp.example."), u32(7),
                      u32(3600), u32(600), u32(604800), u32(0)}));
    EXPECT_EQ(zone->records[2].rdata, concat({{0, 0}, wire("mail.oslo.sites.corp.example.")}));
}

// ---------------------------------------------------------------- serial

TEST(SitesSerial, IsFnv1aAndNeverZero) {
    EXPECT_EQ(sites_serial(""), 0x811c9dc5U);  // the FNV-1a offset basis
    EXPECT_EQ(sites_serial("a"), 0xe40c292cU);
    EXPECT_EQ(sites_serial("foobar"), 0xbf9cf968U);
}

std::uint32_t serial_of(const std::string& text) {
    return parse(text).sites->serial;
}

TEST(SitesSerial, FollowsTheTopologyNotItsLayout) {
    const std::string base =
        R"({"sites": {"domain": "example.com", "internal_suffix": "example.internal",
            "list": [{"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20"}]}})";
    const std::string reordered =
        R"({"sites": {
              "list": [ { "address": "203.0.113.20", "subnets": [ "10.2.0.0/16" ],
                          "name": "paris" } ],
              "internal_suffix": "example.internal",   "domain": "example.com" }})";
    const std::string other_views =
        R"({"threads": 3, "sites": {"domain": "example.com", "internal_suffix": "example.internal",
            "list": [{"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20"}]}})";
    const std::string moved =
        R"({"sites": {"domain": "example.com", "internal_suffix": "example.internal",
            "list": [{"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.21"}]}})";
    const std::string longer_ttl =
        R"({"sites": {"domain": "example.com", "internal_suffix": "example.internal", "ttl": 301,
            "list": [{"name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20"}]}})";
    EXPECT_EQ(serial_of(base), serial_of(reordered));
    EXPECT_EQ(serial_of(base), serial_of(other_views));
    EXPECT_NE(serial_of(base), serial_of(moved));
    EXPECT_NE(serial_of(base), serial_of(longer_ttl));
    EXPECT_NE(serial_of(moved), serial_of(longer_ttl));
}

// ---------------------------------------------------------------- the built-in configuration

TEST(DefaultConfig, IsTheThreeSiteExample) {
    Config config = default_config();
    EXPECT_EQ(config.source, "built-in");
    EXPECT_EQ(config.listen, std::vector<Endpoint>{*Endpoint::parse("127.0.0.1:5353", {})});
    EXPECT_EQ(config.threads, 0U);
    EXPECT_EQ(config.upstreams, resolv_conf_upstreams("/etc/resolv.conf", config.listen));
    ASSERT_TRUE(config.sites.has_value());
    EXPECT_EQ(config.sites->domain, "example.com");
    EXPECT_EQ(config.sites->internal_suffix, "example.local");
    EXPECT_EQ(config.sites->ttl, 300U);
    ASSERT_EQ(config.views.size(), 3U);
    const char* names[] = {"london", "paris", "madrid"};
    const char* addresses6[] = {"2001:db8:10::25", "2001:db8:20::25", "2001:db8:30::25"};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(config.views[i].name, names[i]);
        EXPECT_EQ(config.views[i].site, names[i]);
        EXPECT_TRUE(config.views[i].recursion);
        EXPECT_EQ(config.sites->list[i].address6, IpAddress::parse(addresses6[i]));
        EXPECT_EQ(config.sites->list[i].primary, i == 0);
    }
    using Names = std::vector<std::string>;
    EXPECT_EQ(origins(config.views[0]), (Names{"paris.example.local.", "madrid.example.local.",
                                               "london.example.local.", "example.local."}));
    EXPECT_EQ(origins(config.views[1]), (Names{"london.example.local.", "madrid.example.local.",
                                               "paris.example.local.", "example.local."}));
    EXPECT_EQ(origins(config.views[2]), (Names{"london.example.local.", "paris.example.local.",
                                               "madrid.example.local.", "example.local."}));
}

TEST(DefaultConfig, LoopbackClientsAreInLondonParisAndMadrid) {
    Config config = default_config();
    PrefixTable<std::string> table;
    for (const ViewConfig& view : config.views) {
        for (const Cidr& prefix : view.match_clients) ASSERT_TRUE(table.insert(prefix, view.name));
    }
    auto view_of = [&](const char* client) {
        const std::string* name = table.lookup(*IpAddress::parse(client));
        return name ? *name : std::string("REFUSED");
    };
    EXPECT_EQ(view_of("127.0.0.1"), "london");  // `make run` users
    EXPECT_EQ(view_of("10.1.2.3"), "london");
    EXPECT_EQ(view_of("127.0.2.1"), "paris");
    EXPECT_EQ(view_of("10.2.0.1"), "paris");
    EXPECT_EQ(view_of("127.0.3.9"), "madrid");
    EXPECT_EQ(view_of("10.3.255.255"), "madrid");
    EXPECT_EQ(view_of("127.0.0.2"), "REFUSED");
    EXPECT_EQ(view_of("192.0.2.1"), "REFUSED");
}

TEST(DefaultConfig, EmbedsConfigExamplesSitesJson) {
    std::ifstream in(fs::path(SITEDNS_SOURCE_DIR) / "config/examples/sites.json");
    std::ostringstream text;
    text << in.rdbuf();
    ASSERT_FALSE(text.str().empty());
    EXPECT_EQ(default_config_text(), text.str());
}

}  // namespace
}  // namespace sitedns
