// Issue 14's configuration: `forward_zones` at the top level, per view and per site,
// per-site `upstreams`, the object form of `zones` entries (transparent zones) and an
// absolute `mail_host`; every error naming the JSON path and what to change.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "zones/dns/types.h"

namespace sitedns {
namespace {

Config parse(const std::string& text) {
    return parse_config(text, "/etc/sitedns", "t.json");
}

/// The ConfigError message of parsing `text`, or "no error".
std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

Endpoint endpoint(const char* text) {
    return *Endpoint::parse(text, 53);
}

/// A `sites` object with london (primary) and paris; `paris_extra` adds keys to paris,
/// `top` adds top-level keys.
std::string sites_json(const std::string& paris_extra, const std::string& top = "") {
    return R"({ "upstreams": ["192.0.2.53"], )" + top +
           R"( "sites": { "domain": "example.com", "internal_suffix": "example.internal",
          "list": [
            { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10",
              "primary": true },
            { "name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
              "address6": "2001:db8:20::25")" +
           paris_extra + R"( } ] } })";
}

const ViewConfig& view_named(const Config& config, const std::string& name) {
    for (const ViewConfig& view : config.views) {
        if (view.name == name) return view;
    }
    throw std::runtime_error("no view " + name);
}

// ------------------------------------------------------------------ forward zones

TEST(ForwardZonesConfig, ReadAtEveryScope) {
    const Config config = parse(R"({ "upstreams": ["192.0.2.53"],
      "forward_zones": [
        { "name": "Corp.Example.COM.", "upstreams": ["10.0.0.1", "10.0.0.2:5300"] },
        { "name": "10.in-addr.arpa.",
          "upstreams": [{ "address": "10.0.0.1", "timeout_ms": 300, "tcp": true }] } ],
      "views": [ { "name": "lab", "match_clients": ["192.0.2.0/24"],
        "forward_zones": [ { "name": "_msdcs.corp.example.com.", "upstreams": ["10.9.0.1"] } ] } ]
    })");
    ASSERT_EQ(config.forward_zones.size(), 2u);
    EXPECT_EQ(config.forward_zones[0].name, "corp.example.com.") << "lowercased";
    EXPECT_EQ(config.forward_zones[0].upstreams,
              (std::vector<Endpoint>{endpoint("10.0.0.1"), endpoint("10.0.0.2:5300")}));
    EXPECT_EQ(config.forward_zones[0].upstream_options, std::vector<UpstreamConfig>(2));
    EXPECT_EQ(config.forward_zones[1].name, "10.in-addr.arpa.");
    EXPECT_EQ(config.forward_zones[1].upstream_options, (std::vector<UpstreamConfig>{{300, true}}));
    const ViewConfig& lab = view_named(config, "lab");
    ASSERT_EQ(lab.forward_zones.size(), 1u);
    EXPECT_EQ(lab.forward_zones[0].name, "_msdcs.corp.example.com.");
    EXPECT_FALSE(lab.recursion) << "forward zones need no recursion (SPEC §5)";
}

TEST(ForwardZonesConfig, AbsentIsEmpty) {
    const Config config =
        parse(R"({ "upstreams": [], "views": [{ "name": "a", "match_clients": ["any"] }] })");
    EXPECT_TRUE(config.forward_zones.empty());
    EXPECT_TRUE(config.views[0].forward_zones.empty());
}

TEST(ForwardZonesConfig, SiteUpstreamsAndForwardZonesGoToItsView) {
    const Config config = parse(sites_json(R"(,
        "upstreams": ["10.2.0.53", { "address": "10.2.0.54", "tcp": true }],
        "forward_zones": [ { "name": "corp.example.com.", "upstreams": ["10.2.0.10"] } ])"));
    const ViewConfig& paris = view_named(config, "paris");
    ASSERT_TRUE(paris.upstreams.has_value());
    EXPECT_EQ(*paris.upstreams,
              (std::vector<Endpoint>{endpoint("10.2.0.53"), endpoint("10.2.0.54")}));
    EXPECT_EQ(paris.upstream_options, (std::vector<UpstreamConfig>{{0, false}, {0, true}}));
    ASSERT_EQ(paris.forward_zones.size(), 1u);
    EXPECT_EQ(paris.forward_zones[0].name, "corp.example.com.");
    EXPECT_EQ(paris.forward_zones[0].upstreams, std::vector<Endpoint>{endpoint("10.2.0.10")});

    const ViewConfig& london = view_named(config, "london");
    EXPECT_FALSE(london.upstreams.has_value()) << "absent: the top-level ones";
    EXPECT_TRUE(london.forward_zones.empty()) << "paris's forward zones are paris's own";
    const Site& site = config.sites->list[1];
    EXPECT_EQ(site.forward_zones, paris.forward_zones);
    EXPECT_EQ(site.upstreams, paris.upstreams);
}

// ------------------------------------------------------------------ transparent zones

TEST(TransparentZonesConfig, ZonesEntriesTakeBothForms) {
    const Config config = parse(R"({ "upstreams": [], "views": [{ "name": "a",
        "match_clients": ["any"], "zones": ["plain.json",
          { "file": "over.json", "transparent": true }, { "file": "obj.json" }] }] })");
    const auto& zones = config.views[0].zones;
    ASSERT_EQ(zones.size(), 3u);
    EXPECT_EQ(zones[0].path, "/etc/sitedns/plain.json");
    EXPECT_FALSE(zones[0].transparent);
    EXPECT_EQ(zones[1].path, "/etc/sitedns/over.json");
    EXPECT_TRUE(zones[1].transparent);
    EXPECT_EQ(zones[2].path, "/etc/sitedns/obj.json");
    EXPECT_FALSE(zones[2].transparent) << "transparent defaults to false";
}

TEST(TransparentZonesConfig, SiteZonesMayBeTransparent) {
    const Config config = parse(
        sites_json(R"(, "zones": ["extra.json", { "file": "t.json", "transparent": true }])"));
    const std::vector<SiteZone> expected{{"/etc/sitedns/extra.json", false},
                                         {"/etc/sitedns/t.json", true}};
    EXPECT_EQ(config.sites->list[1].zones, expected);
    const ViewConfig& paris = view_named(config, "paris");
    ASSERT_GE(paris.zones.size(), 2u);
    EXPECT_EQ(paris.zones[paris.zones.size() - 2].path, "/etc/sitedns/extra.json");
    EXPECT_FALSE(paris.zones[paris.zones.size() - 2].transparent);
    EXPECT_EQ(paris.zones.back().path, "/etc/sitedns/t.json");
    EXPECT_TRUE(paris.zones.back().transparent);
}

// ------------------------------------------------------------------ absolute mail_host

TEST(AbsoluteMailHost, IsStoredLowercasedWithItsDot) {
    const Config config = parse(sites_json(R"(, "mail_host": "Mail-Paris.Example.com.")"));
    EXPECT_EQ(config.sites->list[1].mail_host, "mail-paris.example.com.");
    EXPECT_TRUE(has_absolute_mail_host(config.sites->list[1]));
    EXPECT_FALSE(has_absolute_mail_host(config.sites->list[0]));
    EXPECT_EQ(mail_host_name(*config.sites, config.sites->list[0]).to_text(),
              "mail.london.example.internal.");
    EXPECT_EQ(mail_host_name(*config.sites, config.sites->list[1]).to_text(),
              "mail-paris.example.com.");
}

TEST(AbsoluteMailHost, OtherSitesViewsHoldItsTransparentZone) {
    const Config config = parse(sites_json(R"(, "mail_host": "mail-paris.example.com.")"));
    const ViewConfig& london = view_named(config, "london");
    const ViewConfig& paris = view_named(config, "paris");
    ASSERT_EQ(london.zones.size(), 4u)
        << "paris's site zone and its mail host's zone, then its own and the suffix's";
    EXPECT_FALSE(london.zones[0].transparent);
    EXPECT_EQ(london.zones[0].generated->origin.to_text(), "paris.example.internal.");
    ASSERT_TRUE(london.zones[1].generated);
    EXPECT_TRUE(london.zones[1].transparent);
    EXPECT_EQ(london.zones[1].generated->origin.to_text(), "mail-paris.example.com.");
    ASSERT_EQ(paris.zones.size(), 3u) << "paris does not override its own mail host";
    EXPECT_EQ(paris.zones[0].generated->origin.to_text(), "london.example.internal.");
    for (const ZoneSource& zone : paris.zones) EXPECT_FALSE(zone.transparent);
}

TEST(AbsoluteMailHost, TheTransparentZoneIsSharedByTheViews) {
    const Config config = parse(R"({ "upstreams": [], "sites": { "domain": "example.com",
        "internal_suffix": "example.internal", "list": [
          { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10",
            "primary": true },
          { "name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
            "mail_host": "mail-paris.example.com." },
          { "name": "madrid", "subnets": ["10.3.0.0/16"], "address": "203.0.113.30" } ] } })");
    const ViewConfig& london = view_named(config, "london");
    const ViewConfig& madrid = view_named(config, "madrid");
    auto mail_zone = [](const ViewConfig& view) {
        for (const ZoneSource& zone : view.zones) {
            if (zone.transparent) return zone.generated;
        }
        return std::shared_ptr<const model::ZoneData>();
    };
    ASSERT_TRUE(mail_zone(london));
    EXPECT_EQ(mail_zone(london), mail_zone(madrid)) << "generated once";
}

TEST(AbsoluteMailHost, SiteZoneMxPointsAtItWithoutAddresses) {
    const Config config = parse(sites_json(R"(, "mail_host": "mail-paris.example.com.")"));
    const auto zone = generate_site_zone(*config.sites, config.sites->list[1]);
    std::vector<std::uint16_t> types;
    for (const model::Record& record : zone->records) {
        types.push_back(record.type);
        EXPECT_EQ(record.owner.to_text(), "paris.example.internal.") << "no mail host inside";
    }
    EXPECT_EQ(types,
              (std::vector<std::uint16_t>{dns::rrtype::SOA, dns::rrtype::NS, dns::rrtype::MX}));
    const auto& mx = zone->records[2].rdata;
    ASSERT_GT(mx.size(), 2u);
    EXPECT_EQ(dns::Name::from_wire(std::span(mx).subspan(2)).to_text(), "mail-paris.example.com.");
}

TEST(AbsoluteMailHost, ItsZoneHoldsTheAddressesAndNoSoa) {
    const Config config = parse(sites_json(R"(, "mail_host": "mail-paris.example.com.")"));
    const auto zone = generate_mail_host_zone(*config.sites, config.sites->list[1]);
    EXPECT_EQ(zone->origin.to_text(), "mail-paris.example.com.");
    ASSERT_EQ(zone->records.size(), 2u);
    EXPECT_EQ(zone->records[0].type, dns::rrtype::A);
    EXPECT_EQ(zone->records[0].rdata, (std::vector<std::uint8_t>{203, 0, 113, 20}));
    EXPECT_EQ(zone->records[1].type, dns::rrtype::AAAA);
    EXPECT_EQ(zone->records[1].rdata.size(), 16u);
    for (const model::Record& record : zone->records) {
        EXPECT_EQ(record.owner, zone->origin) << "only its apex";
        EXPECT_EQ(record.ttl, 300u) << "the sites' ttl";
    }
}

TEST(AbsoluteMailHost, ARelativeMailHostStaysALabel) {
    const Config config = parse(sites_json(R"(, "mail_host": "mx1")"));
    EXPECT_FALSE(has_absolute_mail_host(config.sites->list[1]));
    for (const ZoneSource& zone : view_named(config, "london").zones) {
        EXPECT_FALSE(zone.transparent) << "no transparent zone";
    }
    const auto zone = generate_site_zone(*config.sites, config.sites->list[1]);
    ASSERT_EQ(zone->records.size(), 5u);
    EXPECT_EQ(zone->records[3].owner.to_text(), "mx1.paris.example.internal.");
}

// ------------------------------------------------------------------ errors

struct ErrorCase {
    std::string json;
    std::string message;  ///< the whole what(), source "t.json"
};

class Issue14Errors : public testing::TestWithParam<ErrorCase> {};

TEST_P(Issue14Errors, MessageNamesThePathAndTheReason) {
    EXPECT_EQ(error_of(GetParam().json), GetParam().message) << GetParam().json;
}

/// A top-level `forward_zones` with `entries`.
std::string top_zones(const std::string& entries) {
    return R"({ "upstreams": [], "forward_zones": [ )" + entries + " ] }";
}

/// A view's `zones` with `entries`.
std::string view_zones(const std::string& entries) {
    return R"({ "upstreams": [], "views": [{ "name": "a", "match_clients": ["any"],
               "zones": [ )" +
           entries + " ] }] }";
}

INSTANTIATE_TEST_SUITE_P(
    Table, Issue14Errors,
    testing::Values(
        ErrorCase{top_zones(R"({ "name": "corp.example.com", "upstreams": ["10.0.0.1"] })"),
                  "t.json: /forward_zones/0/name: \"corp.example.com\" is not absolute: write "
                  "it with its trailing dot, \"corp.example.com.\""},
        ErrorCase{top_zones(R"({ "name": "corp..example.com.", "upstreams": ["10.0.0.1"] })"),
                  "t.json: /forward_zones/0/name: \"corp..example.com.\" is not a domain "
                  "name: empty label in 'corp..example.com.'"},
        ErrorCase{top_zones(R"({ "name": "corp.example.com.", "upstreams": [] })"),
                  "t.json: /forward_zones/0/upstreams: must not be empty: list the servers "
                  "that answer for corp.example.com., or remove the entry"},
        ErrorCase{top_zones(R"({ "name": "corp.example.com." })"),
                  "t.json: /forward_zones/0: missing required key \"upstreams\""},
        ErrorCase{top_zones(R"({ "name": "a.", "upstreams": ["10.0.0.1"], "upstream": [] })"),
                  "t.json: /forward_zones/0/upstream: unknown key \"upstream\"; did you mean "
                  "\"upstreams\"?"},
        ErrorCase{top_zones(R"({ "name": "a.", "upstreams": ["10.0.0.1:0"] })"),
                  "t.json: /forward_zones/0/upstreams/0: port 0 is not a valid upstream port"},
        ErrorCase{top_zones(R"({ "name": "corp.example.com.", "upstreams": ["10.0.0.1"] },
                               { "name": "CORP.example.com.", "upstreams": ["10.0.0.2"] })"),
                  "t.json: /forward_zones/1/name: forward zone corp.example.com. is listed "
                  "twice (also /forward_zones/0/name); merge their upstreams"},
        ErrorCase{R"({ "upstreams": [], "forward_zones": {} })",
                  "t.json: /forward_zones: expected an array, got an object"},
        ErrorCase{R"({ "upstreams": [], "views": [{ "name": "a", "match_clients": ["any"],
                   "forward_zones": [ { "name": "x.", "upstreams": ["10.0.0.1"] },
                                      { "name": "x.", "upstreams": ["10.0.0.1"] } ] }] })",
                  "t.json: /views/0/forward_zones/1/name: forward zone x. is listed twice "
                  "(also /views/0/forward_zones/0/name); merge their upstreams"},
        ErrorCase{sites_json(R"(, "upstreams": [])"),
                  "t.json: /sites/list/1/upstreams: must not be empty: list the site's "
                  "resolvers, or remove the key to use the top-level ones"},
        ErrorCase{sites_json(R"(, "forward_zones": [{ "name": "corp.", "upstreams": [] }])"),
                  "t.json: /sites/list/1/forward_zones/0/upstreams: must not be empty: list "
                  "the servers that answer for corp., or remove the entry"},
        ErrorCase{sites_json(R"(, "forward_zones": [
                      { "name": "paris.example.internal.", "upstreams": ["10.2.0.10"] }])"),
                  "t.json: /sites/list/1/forward_zones/0/name: forward zone "
                  "paris.example.internal. is site paris's domain paris.example.internal., "
                  "whose MX the sites topology generates; forward the internal suffix "
                  "example.internal. instead (the generated zones still answer inside it), or "
                  "a name outside the sites' domains"},
        ErrorCase{sites_json("", R"("forward_zones": [
                      { "name": "corp.example.com.", "upstreams": ["10.0.0.1"] },
                      { "name": "x.london.example.internal.", "upstreams": ["10.0.0.1"] }],)"),
                  "t.json: /forward_zones/1/name: forward zone x.london.example.internal. is "
                  "inside site london's domain london.example.internal., whose MX the sites "
                  "topology generates; forward the internal suffix example.internal. instead "
                  "(the generated zones still answer inside it), or a name outside the sites' "
                  "domains"},
        ErrorCase{sites_json(R"(, "mail_host": "mail.paris.example.internal.")"),
                  "t.json: /sites/list/1/mail_host: \"mail.paris.example.internal.\" lies under "
                  "the internal suffix example.internal: write the label alone (\"mail\") for a "
                  "host in the site's domain, or a name of the public domain for TLS"},
        ErrorCase{sites_json(R"(, "mail_host": "mail_paris.example.com.")"),
                  "t.json: /sites/list/1/mail_host: \"mail_paris.example.com\" is not a domain "
                  "name: label \"mail_paris\" has \"_\"; use letters, digits and hyphens only"},
        ErrorCase{R"({ "upstreams": [], "sites": { "domain": "example.com",
              "internal_suffix": "example.internal", "list": [
              { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10",
                "mail_host": "mail.example.com." },
              { "name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
                "mail_host": "Mail.Example.com." } ] } })",
                  "t.json: /sites/list/1/mail_host: mail host mail.example.com. is also site "
                  "london's (/sites/list/0/mail_host): each site's MX must lead to its own "
                  "host; give each site its own name"},
        ErrorCase{view_zones(R"("t.json", { "file": "t.json", "transparent": true })"),
                  "t.json: /views/0/zones/1: zone file /etc/sitedns/t.json is listed twice "
                  "(also /views/0/zones/0)"},
        ErrorCase{view_zones(R"({ "file": "t.json", "transparent": true },
                                { "file": "./t.json", "transparent": true })"),
                  "t.json: /views/0/zones/1: zone file /etc/sitedns/t.json is listed twice "
                  "(also /views/0/zones/0)"},
        ErrorCase{view_zones(R"({ "transparent": true })"),
                  "t.json: /views/0/zones/0: missing required key \"file\""},
        ErrorCase{view_zones(R"({ "file": "t.json", "transparant": true })"),
                  "t.json: /views/0/zones/0/transparant: unknown key \"transparant\"; did you "
                  "mean \"transparent\"?"},
        ErrorCase{view_zones(R"({ "file": "t.json", "transparent": "yes" })"),
                  "t.json: /views/0/zones/0/transparent: expected true or false, got a string"},
        ErrorCase{sites_json(R"(, "zones": ["x.json", { "file": "x.json", "transparent": true }])"),
                  "t.json: /sites/list/1/zones/1: zone file /etc/sitedns/x.json is listed twice "
                  "(also /sites/list/1/zones/0)"}));

}  // namespace
}  // namespace sitedns
