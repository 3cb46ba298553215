// Issue 21 (SPEC §3.3, §5): each site's own zone in its own view, with its
// `internal_address`; the generated zone of the internal suffix in every site view that no
// forward zone covers it in, and which gives way to a zone of the view at or above it;
// forward zones at or above the suffix; and what `check` and `trace` make of the new zones.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/view_zones.h"
#include "topology_fixture.h"
#include "zones/dns/types.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

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

const ViewConfig& view_named(const Config& config, const std::string& name) {
    for (const ViewConfig& view : config.views) {
        if (view.name == name) return view;
    }
    throw std::runtime_error("no view " + name);
}

/// The view's generated zone at `origin`, or nullptr.
const ZoneSource* generated_at(const ViewConfig& view, const std::string& origin) {
    for (const ZoneSource& zone : view.zones) {
        if (zone.generated && zone.generated->origin.to_text() == origin) return &zone;
    }
    return nullptr;
}

/// The A records of `owner` in generated zone data, as text.
Lines a_records(const model::ZoneData& zone, const std::string& owner) {
    Lines out;
    for (const model::Record& record : zone.records) {
        if (record.type != dns::rrtype::A || record.owner.to_text() != owner) continue;
        IpAddress address;
        std::copy(record.rdata.begin(), record.rdata.end(), address.bytes.begin());
        out.push_back(address.to_string());
    }
    return out;
}

/// The origins of a compiled view, in text.
Lines compiled_origins(const model::ZoneSet& zones) {
    Lines out;
    for (const auto& zone : zones.zones()) out.push_back(zone->origin().to_text());
    return out;
}

// ------------------------------------------------------------------ the site's own zone

TEST(OwnZone, TheOwnViewHoldsItWithTheInternalAddress) {
    const Config config = parse(two_sites(R"(, "internal_address": "10.1.0.25")"));
    EXPECT_EQ(config.sites->list[0].internal_address, IpAddress::parse("10.1.0.25"));
    const ZoneSource* own = generated_at(view_named(config, "london"), "london.example.internal.");
    const ZoneSource* seen = generated_at(view_named(config, "paris"), "london.example.internal.");
    ASSERT_NE(own, nullptr) << "SPEC §3.3: S's view also holds S's own zone";
    ASSERT_NE(seen, nullptr);
    EXPECT_EQ(a_records(*own->generated, "mail.london.example.internal."), Lines{"10.1.0.25"});
    EXPECT_EQ(a_records(*seen->generated, "mail.london.example.internal."), Lines{"203.0.113.10"})
        << "the other sites still get the external address";
    EXPECT_NE(own->generated, seen->generated);
}

TEST(OwnZone, WithoutAnInternalAddressItIsTheSharedObject) {
    const Config config = parse(two_sites(""));
    const ZoneSource* own = generated_at(view_named(config, "paris"), "paris.example.internal.");
    const ZoneSource* seen = generated_at(view_named(config, "london"), "paris.example.internal.");
    ASSERT_NE(own, nullptr);
    ASSERT_NE(seen, nullptr);
    EXPECT_EQ(own->generated, seen->generated) << "one zone object, however many views";
    EXPECT_EQ(a_records(*own->generated, "mail.paris.example.internal."), Lines{"203.0.113.20"});
}

TEST(OwnZone, AnAbsoluteMailHostLeadsToTheInternalAddressInside) {
    const Config config = parse(two_sites("", R"(, "mail_host": "mail-paris.example.com.",
        "internal_address": "10.2.0.25")"));
    const ZoneSource* own = generated_at(view_named(config, "paris"), "mail-paris.example.com.");
    const ZoneSource* seen = generated_at(view_named(config, "london"), "mail-paris.example.com.");
    ASSERT_NE(own, nullptr);
    ASSERT_NE(seen, nullptr);
    EXPECT_TRUE(own->transparent);
    EXPECT_EQ(a_records(*own->generated, "mail-paris.example.com."), Lines{"10.2.0.25"});
    EXPECT_EQ(a_records(*seen->generated, "mail-paris.example.com."), Lines{"203.0.113.20"});
}

TEST(OwnZone, WithoutAnInternalAddressTheAbsoluteMailHostIsThePublicDnss) {
    const Config config = parse(two_sites("", R"(, "mail_host": "mail-paris.example.com.")"));
    EXPECT_EQ(generated_at(view_named(config, "paris"), "mail-paris.example.com."), nullptr);
    EXPECT_NE(generated_at(view_named(config, "paris"), "paris.example.internal."), nullptr);
}

TEST(OwnZone, AZoneFileOfTheSiteAtItsOwnDomainReplacesIt) {
    ZoneDir dir;
    dir.write("london.json", zone_json("london.example.internal.",
                                       R"({ "name": "@", "type": "MX", "data": "10 mx" },
                 { "name": "mx", "type": "A", "data": "10.1.0.26" })"));
    Served served(parse_config(two_sites(R"(, "internal_address": "10.1.0.25",
                                             "zones": ["london.json"])"),
                               dir.path(), "t.json"));
    const model::ZoneSet& london = *served.views()[0].zones;
    EXPECT_EQ(compiled_origins(london),
              (Lines{"paris.example.internal.", "london.example.internal.", "example.internal."}))
        << "no \"listed twice\": the file answers, as before the own zone was generated";
    for (const auto& zone : london.zones()) {
        if (zone->origin().to_text() != "london.example.internal.") continue;
        EXPECT_NE(zone->source().find("london.json"), std::string::npos) << zone->source();
    }
}

TEST(OwnZone, InternalAddressErrorsNameThePath) {
    EXPECT_EQ(error_of(two_sites(R"(, "internal_address": "2001:db8::25")")),
              "t.json: /sites/list/0/internal_address: expected an IPv4 address, got "
              "\"2001:db8::25\"");
    EXPECT_EQ(error_of(two_sites(R"(, "internal_adress": "10.1.0.25")")),
              "t.json: /sites/list/0/internal_adress: unknown key \"internal_adress\"; did you "
              "mean \"internal_address\"?");
}

// ------------------------------------------------------------------ the suffix's zone

TEST(SuffixZone, EverySiteViewHoldsOneSharedObject) {
    const Config config = parse(two_sites(""));
    const ZoneSource* london = generated_at(view_named(config, "london"), "example.internal.");
    const ZoneSource* paris = generated_at(view_named(config, "paris"), "example.internal.");
    ASSERT_NE(london, nullptr);
    ASSERT_NE(paris, nullptr);
    EXPECT_EQ(london->generated, paris->generated);
    EXPECT_EQ(london->gives_way, ZoneSource::GivesWay::ToZoneAbove);
    EXPECT_FALSE(london->transparent);
    const auto& records = london->generated->records;
    ASSERT_EQ(records.size(), 2u) << "SOA and NS, nothing else";
    EXPECT_EQ(records[0].type, dns::rrtype::SOA);
    EXPECT_EQ(records[1].type, dns::rrtype::NS);
    EXPECT_EQ(dns::Name::from_wire(records[1].rdata).to_text(), "localhost.")
        << "outside the zone: BIND and NSD load it without an address";
}

TEST(SuffixZone, AForwardZoneAtOrAboveTheSuffixTakesItsPlace) {
    const std::string dc = R"("upstreams": ["10.1.0.10"] })";
    // Top level, at the suffix: no site view holds the suffix's zone.
    Config config = parse(
        two_sites("", "", R"("forward_zones": [{ "name": "example.internal.", )" + dc + "],"));
    EXPECT_EQ(generated_at(view_named(config, "london"), "example.internal."), nullptr);
    EXPECT_EQ(generated_at(view_named(config, "paris"), "example.internal."), nullptr);
    EXPECT_NE(generated_at(view_named(config, "paris"), "london.example.internal."), nullptr)
        << "the site zones, deeper, still answer inside it";
    // paris's own, above the suffix: paris's view only.
    config = parse(two_sites("", R"(, "forward_zones": [{ "name": "internal.", )" + dc + "]"));
    EXPECT_NE(generated_at(view_named(config, "london"), "example.internal."), nullptr);
    EXPECT_EQ(generated_at(view_named(config, "paris"), "example.internal."), nullptr);
    // Below the suffix: it wins inside itself only, the suffix's zone stays.
    config = parse(two_sites(
        "", "", R"("forward_zones": [{ "name": "_msdcs.example.internal.", )" + dc + "],"));
    EXPECT_NE(generated_at(view_named(config, "london"), "example.internal."), nullptr);
}

TEST(SuffixZone, ExplicitViewsHoldNone) {
    const Config config = parse(
        two_sites("", "", R"("views": [{ "name": "lab", "match_clients": ["10.9.0.0/16"] }],)"));
    EXPECT_TRUE(view_named(config, "lab").zones.empty());
}

TEST(SuffixZone, ItGivesWayToAZoneOfTheViewAtOrAboveTheSuffix) {
    ZoneDir dir;
    dir.write("suffix.json",
              zone_json("example.internal.", R"({ "name": "@", "type": "NS", "data": "ns" },
                 { "name": "ns", "type": "A", "data": "10.1.0.53" })"));
    dir.write("internal.json",
              zone_json("internal.", R"({ "name": "@", "type": "NS", "data": "ns" },
                 { "name": "ns", "type": "A", "data": "10.1.0.53" })"));
    dir.write("above.json", R"({ "origin": "internal.", "ttl": 300, "records": [
                 { "name": "host", "type": "A", "data": "10.1.0.9" } ] })");
    Served served(
        parse_config(two_sites(R"(, "zones": ["suffix.json"])",
                               R"(, "zones": [{ "file": "above.json", "transparent": true }])",
                               R"("views": [{ "name": "lab", "match_clients": ["10.9.0.0/16"],
                                 "recursion": true, "zones": ["internal.json"] }],)"),
                     dir.path(), "t.json"));
    const auto views = served.views();
    ASSERT_EQ(views.size(), 3u);
    // london's own zone at the suffix replaces the generated one, without "listed twice".
    EXPECT_EQ(compiled_origins(*views[1].zones),
              (Lines{"paris.example.internal.", "example.internal.", "london.example.internal."}));
    const model::Zone* held = nullptr;
    for (const auto& zone : views[1].zones->zones()) {
        if (zone->origin().to_text() == "example.internal.") held = zone.get();
    }
    ASSERT_NE(held, nullptr);
    EXPECT_NE(held->source().find("suffix.json"), std::string::npos) << held->source();
    // paris's transparent zone above the suffix: the generated zone, deeper, stays.
    EXPECT_EQ(compiled_origins(*views[2].zones),
              (Lines{"london.example.internal.", "internal.", "paris.example.internal.",
                     "example.internal."}));
}

TEST(SuffixZone, AnAuthoritativeZoneAboveTheSuffixReplacesIt) {
    ZoneDir dir;
    dir.write("internal.json",
              zone_json("internal.", R"({ "name": "@", "type": "NS", "data": "ns" },
                 { "name": "ns", "type": "A", "data": "10.1.0.53" })"));
    Served served(parse_config(two_sites(R"(, "zones": ["internal.json"])"), dir.path(), "t.json"));
    EXPECT_EQ(compiled_origins(*served.views()[0].zones),
              (Lines{"paris.example.internal.", "internal.", "london.example.internal."}))
        << "the own zone, deeper, stays";
}

// ------------------------------------------------------------------ forward zones

TEST(SuffixForwardZones, AtOrAboveTheSuffixAreValid) {
    for (const std::string name :
         {"example.internal.", "internal.", "_msdcs.example.internal.", "Example.Internal."}) {
        SCOPED_TRACE(name);
        const std::string zone = R"([{ "name": ")" + name + R"(", "upstreams": ["10.1.0.10"] }])";
        EXPECT_EQ(error_of(two_sites("", "", R"("forward_zones": )" + zone + ",")), "no error");
        EXPECT_EQ(error_of(two_sites(R"(, "forward_zones": )" + zone)), "no error");
    }
}

TEST(SuffixForwardZones, AtOrBelowASitesDomainIsAnError) {
    EXPECT_EQ(error_of(two_sites("", "", R"("forward_zones": [
                  { "name": "corp.example.com.", "upstreams": ["10.0.0.1"] },
                  { "name": "mail.London.example.internal.", "upstreams": ["10.0.0.1"] }],)")),
              "t.json: /forward_zones/1/name: forward zone mail.london.example.internal. is inside "
              "site london's domain london.example.internal., whose MX the sites topology "
              "generates; forward the internal suffix example.internal. instead (the generated "
              "zones still answer inside it), or a name outside the sites' domains");
    EXPECT_EQ(
        error_of(two_sites(
            "",
            R"(, "forward_zones": [{ "name": "paris.example.internal.", "upstreams": ["10.2.0.10"] }])")),
        "t.json: /sites/list/1/forward_zones/0/name: forward zone paris.example.internal. is "
        "site paris's domain paris.example.internal., whose MX the sites topology "
        "generates; forward the internal suffix example.internal. instead (the generated "
        "zones still answer inside it), or a name outside the sites' domains");
    // Under the suffix but beside every site's domain: valid.
    EXPECT_EQ(error_of(two_sites("", "", R"("forward_zones": [
                  { "name": "berlin.example.internal.", "upstreams": ["10.0.0.1"] }],)")),
              "no error");
}

// ------------------------------------------------------------------ check and trace

TEST(SuffixTopology, CheckPassesWithTheOwnZonesAndTheInternalAddresses) {
    ZoneDir dir;
    Topology topology;
    topology.london += R"(, "internal_address": "10.1.0.25")";
    topology.paris +=
        R"(, "internal_address": "10.2.0.25", "mail_host": "mail-paris.example.com.")";
    const auto served = serve(topology.json(), dir.path());
    EXPECT_EQ(printed(served->check()), Lines{})
        << "a site's own MX leads to its own (inside) address: not a loop, not a stranger";
    const TraceResult result = served->trace("madrid", "bob@london.example.internal");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.site, "london");
}

TEST(SuffixTopology, TraceToANameNoSiteOwnsEndsWithoutARoute) {
    ZoneDir dir;
    const auto served = serve(Topology{}.json(), dir.path());
    const TraceResult result = served->trace("london", "x@nowhere.example.internal");
    EXPECT_EQ(result.end, TraceEnd::NoRoute) << "never forwarded upstream (SPEC §5)";
    EXPECT_EQ(result.lines,
              (Lines{"at london: view london",
                     "  nowhere.example.internal. does not exist in zone example.internal.",
                     "no route"}));
}

}  // namespace
}  // namespace sitedns::topology_test
