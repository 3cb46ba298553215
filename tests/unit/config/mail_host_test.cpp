// An absolute mail_host (SPEC §3.3, the TLS variant): `check`, `trace` and `export --view`
// see the transparent zone generated for it, and a transparent zone holds only the names
// it has records for (SPEC §5).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/export.h"
#include "config/mail_route.h"
#include "config/topology.h"
#include "topology_fixture.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

/// The fixture's three sites, paris with the public mail host of the TLS variant.
Topology tls_topology() {
    Topology topology;
    topology.paris += R"(, "mail_host": "mail-paris.example.com.")";
    return topology;
}

TEST(AbsoluteMailHostCheck, TheGeneratedTopologyPasses) {
    ZoneDir dir;
    EXPECT_EQ(printed(serve(tls_topology().json(), dir.path())->check()), Lines{});
}

TEST(AbsoluteMailHostTrace, FollowsTheMxToThePublicNameAndItsAddress) {
    ZoneDir dir;
    const auto served = serve(tls_topology().json(), dir.path());
    for (const std::string from : {"london", "madrid"}) {
        SCOPED_TRACE(from);
        const TraceResult result = served->trace(from, "bob@paris.example.internal");
        EXPECT_EQ(result.end, TraceEnd::Delivered);
        EXPECT_EQ(result.site, "paris");
        EXPECT_EQ(result.lines, (Lines{"at " + from + ": view " + from,
                                       "  MX paris.example.internal.: 10 mail-paris.example.com.",
                                       "  mail-paris.example.com. -> 203.0.113.20 (site paris)",
                                       "at paris: paris.example.internal. is paris's own domain",
                                       "delivered at paris"}));
    }
}

TEST(AbsoluteMailHostTrace, OtherPublicNamesAreStillForwarded) {
    ZoneDir dir;
    const auto served = serve(tls_topology().json(), dir.path());
    const TraceResult result = served->trace("london", "someone@shop.mail-paris.example.com");
    EXPECT_EQ(result.end, TraceEnd::ForwardedUpstream) << "no records there: as if absent";
}

TEST(AbsoluteMailHostCheck, AViewWithoutItsZoneIsTold) {
    ZoneDir dir;
    dir.write("london.json", zone_json("london.example.internal.",
                                       R"({ "name": "@", "type": "MX", "data": "10 mail" },
                                          { "name": "mail", "type": "A",
                                            "data": "203.0.113.10" })"));
    dir.write("madrid.json", zone_json("madrid.example.internal.",
                                       R"({ "name": "@", "type": "MX",
                                            "data": "10 mail-madrid.example.com." })"));
    Topology topology;
    topology.madrid += R"(, "mail_host": "mail-madrid.example.com.")";
    topology.views = R"([{ "name": "lab", "match_clients": ["10.2.5.0/24"], "recursion": true,
                          "zones": ["london.json", "madrid.json"] }])";
    EXPECT_EQ(printed(serve(topology.json(), dir.path())->check()),
              Lines{"error: view lab: MX for madrid.example.internal. -> "
                    "mail-madrid.example.com. has no address in view lab: it is in none of the "
                    "view's zones, so it would be resolved upstream and mail between sites would "
                    "depend on the Internet; serve a transparent zone for "
                    "mail-madrid.example.com. with madrid's address in the view"});
}

TEST(AbsoluteMailHostCheck, ATransparentZoneFileServesItToo) {
    ZoneDir dir;
    dir.write("london.json", zone_json("london.example.internal.",
                                       R"({ "name": "@", "type": "MX", "data": "10 mail" },
                                          { "name": "mail", "type": "A",
                                            "data": "203.0.113.10" })"));
    dir.write("madrid.json", zone_json("madrid.example.internal.",
                                       R"({ "name": "@", "type": "MX",
                                            "data": "10 mail-madrid.example.com." })"));
    dir.write("public.json", R"({ "origin": "example.com.", "records": [
        { "name": "mail-madrid", "type": "A", "data": "203.0.113.30" } ] })");
    Topology topology;
    topology.madrid += R"(, "mail_host": "mail-madrid.example.com.")";
    topology.views = R"([{ "name": "lab", "match_clients": ["10.2.5.0/24"], "recursion": true,
        "zones": ["london.json", "madrid.json", { "file": "public.json", "transparent": true }]
    }])";
    EXPECT_EQ(printed(serve(topology.json(), dir.path())->check()), Lines{});
}

TEST(AbsoluteMailHostExport, OtherSitesViewsPrintTheTransparentZone) {
    ZoneDir dir;
    const auto served = serve(tls_topology().json(), dir.path());
    const auto london = export_view_zones(served->views(), "london");
    ASSERT_EQ(london.size(), 5u) << "three sites' zones, the suffix's, paris's mail host's";
    EXPECT_EQ(london[0].first, "mail-paris.example.com.");
    EXPECT_EQ(london[0].second,
              "; zone mail-paris.example.com. from generated mail host zone for site paris "
              "(view london)\n"
              "; transparent: only the names below are answered from it, every type "
              "at them; other names are handled as if it were absent\n"
              "$ORIGIN mail-paris.example.com.\n"
              "; SOA and NS for BIND and NSD only: sitedns serves neither\n"
              "mail-paris.example.com.\t300\tIN\tSOA\tmail-paris.example.com. "
              "hostmaster.mail-paris.example.com. 1 3600 600 604800 300\n"
              "mail-paris.example.com.\t300\tIN\tNS\tmail-paris.example.com.\n"
              "mail-paris.example.com.\t300\tIN\tA\t203.0.113.20\n"
              "mail-paris.example.com.\t300\tIN\tAAAA\t2001:db8:20::25\n");
    const std::string paris_zone = export_view(served->views(), "london");
    EXPECT_NE(paris_zone.find("paris.example.internal.\t300\tIN\tMX\t10 mail-paris.example.com."),
              std::string::npos)
        << paris_zone;
    EXPECT_EQ(paris_zone.find("mail.paris"), std::string::npos) << "no address in the site zone";

    const auto paris = export_view_zones(served->views(), "paris");
    for (const auto& [origin, text] : paris) {
        EXPECT_NE(origin, "mail-paris.example.com.") << "paris answers its own name upstream";
    }
}

// ------------------------------------------------------------------ the example

/// config/examples/sites-ad.json: each site with its own resolvers and domain controllers
/// (madrid with the default resolvers), paris with the public mail host of the TLS variant.
TEST(ActiveDirectoryExample, ReadsChecksAndTraces) {
    Served served(read_config_file(SITEDNS_SOURCE_DIR "/config/examples/sites-ad.json"));
    EXPECT_EQ(printed(served.check()), Lines{});
    const Config& config = served.config();
    ASSERT_EQ(config.views.size(), 3u);
    for (const ViewConfig& view : config.views) {
        SCOPED_TRACE(view.name);
        ASSERT_EQ(view.forward_zones.size(), 2u);
        EXPECT_EQ(view.forward_zones[0].name, "corp.example.com.");
        EXPECT_EQ(view.forward_zones[1].name, "10.in-addr.arpa.");
    }
    EXPECT_EQ(config.views[0].upstreams->size(), 2u);
    EXPECT_EQ(config.views[1].upstream_options.back().tcp, true);
    EXPECT_FALSE(config.views[2].upstreams.has_value()) << "madrid: the top-level ones";
    const TraceResult result = served.trace("madrid", "bob@paris.example.internal");
    EXPECT_EQ(result.site, "paris");
    EXPECT_EQ(result.lines[2], "  mail-paris.example.com. -> 203.0.113.20 (site paris)");
}

// ------------------------------------------------------------------ find_name

/// A compiled JSON zone; `transparent` compiles it as such (its SOA may then be absent).
std::shared_ptr<const model::Zone> compile(const std::string& json, bool transparent) {
    const load::SoaRule rule = transparent ? load::SoaRule::Optional : load::SoaRule::Required;
    return model::Zone::compile(
        load::read_json_zone(json, "test zone", rule),
        transparent ? model::ZoneMode::Transparent : model::ZoneMode::Authoritative);
}

struct FindCase {
    const char* name;
    mail_route::Found found;
    const char* zone;  ///< the origin of the zone that answered, "" for none
};

TEST(FindNameTransparent, NamesWithoutRecordsFallToTheZonesAbove) {
    model::ZoneSet zones;
    zones.add(compile(
        zone_json("example.com.", R"({ "name": "www", "type": "A", "data": "192.0.2.80" })"),
        false));
    zones.add(compile(R"({ "origin": "mail.example.com.", "records": [
        { "name": "@", "type": "A", "data": "203.0.113.20" },
        { "name": "a.b", "type": "A", "data": "203.0.113.21" } ] })",
                      true));
    zones.add(compile(R"({ "origin": "example.org.", "records": [
        { "name": "mx", "type": "A", "data": "203.0.113.22" } ] })",
                      true));
    using mail_route::Found;
    const FindCase cases[] = {
        {"mail.example.com.", Found::Node, "mail.example.com."},
        {"a.b.mail.example.com.", Found::Node, "mail.example.com."},
        {"b.mail.example.com.", Found::NxDomain, "example.com."},  // empty non-terminal
        {"x.mail.example.com.", Found::NxDomain, "example.com."},
        {"www.example.com.", Found::Node, "example.com."},
        {"mx.example.org.", Found::Node, "example.org."},
        {"www.example.org.", Found::Outside, ""},
        {"example.org.", Found::Outside, ""},
    };
    for (const FindCase& c : cases) {
        SCOPED_TRACE(c.name);
        const auto found = mail_route::find_name(zones, dns::Name::parse_absolute(c.name));
        EXPECT_EQ(found.found, c.found);
        EXPECT_EQ(found.zone ? found.zone->origin().to_text() : "", c.zone);
    }
}

}  // namespace
}  // namespace sitedns::topology_test
