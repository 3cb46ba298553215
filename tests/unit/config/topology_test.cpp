// `sitedns check`'s topology rules (SPEC §2): the example passes, and each broken
// topology is reported with the line `check` prints.

#include <gtest/gtest.h>

#include "config/topology.h"
#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

const std::string kLocalWarning =
    "warning: internal_suffix example.local is under .local, which mDNS resolvers claim (RFC "
    "6762); use a name under .internal or a sub-domain of a domain you own";

/// `check` on a topology whose zone files are in `dir`.
Lines check(const Topology& topology, const ZoneDir& dir) {
    return printed(serve(topology.json(), dir.path())->check());
}

/// A zone file holding one mail host: `origin` with an A record at its apex.
std::string host_zone(const std::string& origin, const std::string& records) {
    return zone_json(origin, records);
}

/// A site's own zone as an explicit view would hold it, MX and mail host.
std::string site_zone(const std::string& site, const std::string& address) {
    return zone_json(site + ".example.internal.",
                     R"({ "name": "@", "type": "MX", "data": "10 mail" },
                        { "name": "mail", "type": "A", "data": ")" +
                         address + "\" }");
}

/// An explicit view "lab" for 10.2.5.0/24, inside paris's 10.2.0.0/16.
std::string lab_view(const std::string& zones) {
    return R"([{ "name": "lab", "match_clients": ["10.2.5.0/24"], "recursion": true, "zones": [)" +
           zones + "] }]";
}

TEST(TopologyCheck, ExampleConfigurationOnlyWarnsAboutLocal) {
    Served served(read_config_file(SITEDNS_SOURCE_DIR "/config/examples/sites.json"));
    EXPECT_EQ(printed(served.check()), Lines{kLocalWarning});
}

TEST(TopologyCheck, ExampleUnderInternalPasses) {
    ZoneDir dir;
    EXPECT_EQ(check(Topology{}, dir), Lines{});
}

TEST(TopologyCheck, ConfigurationWithoutSitesHasNoTopologyProblem) {
    Config config;
    EXPECT_TRUE(check_topology(config, {}).empty());
}

TEST(TopologyCheck, SuffixUnderLocalIsOnlyAWarning) {
    ZoneDir dir;
    Topology topology;
    topology.suffix = "corp.local";
    const auto served = serve(topology.json(), dir.path());
    const auto problems = served->check();
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_EQ(problems[0].severity, Problem::Severity::Warning);
    EXPECT_EQ(problems[0].text,
              "internal_suffix corp.local is under .local, which mDNS resolvers claim (RFC "
              "6762); use a name under .internal or a sub-domain of a domain you own");

    topology.suffix = "example.localhost";  // not under .local
    EXPECT_EQ(check(topology, dir), Lines{});
}

TEST(TopologyCheck, ExplicitViewInsideASiteLackingZones) {
    ZoneDir dir;
    Topology topology;
    topology.views = lab_view("");
    EXPECT_EQ(
        check(topology, dir),
        (Lines{"warning: view lab matches 10.2.5.0/24 inside site paris's 10.2.0.0/16 but lacks "
               "zone london.example.internal.: mail from its clients to london would be forwarded "
               "upstream; add the zone to the view, or remove the view",
               "warning: view lab matches 10.2.5.0/24 inside site paris's 10.2.0.0/16 but lacks "
               "zone madrid.example.internal.: mail from its clients to madrid would be forwarded "
               "upstream; add the zone to the view, or remove the view"}));
}

TEST(TopologyCheck, ExplicitViewInsideASiteWithTheZonesPasses) {
    ZoneDir dir;
    dir.write("london.json", site_zone("london", "203.0.113.10"));
    dir.write("madrid.json", site_zone("madrid", "203.0.113.30"));
    Topology topology;
    topology.views = lab_view(R"("london.json", "madrid.json")");
    EXPECT_EQ(check(topology, dir), Lines{});
}

TEST(TopologyCheck, FallbackViewIsNotASiteView) {
    ZoneDir dir;
    Topology topology;
    topology.views = R"([{ "name": "guests", "match_clients": ["any", "10.0.0.0/8"] }])";
    EXPECT_EQ(check(topology, dir), Lines{});
}

TEST(TopologyCheck, MxResolvingToTheViewsOwnSiteIsALoop) {
    ZoneDir dir;
    // london's extra zone sends paris's mail host to london's own address.
    dir.write("mail-paris.json",
              host_zone("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.10" })"));
    Topology topology;
    topology.london += R"(, "zones": ["mail-paris.json"])";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view london: MX for paris.example.internal. -> "
                    "mail.paris.example.internal. -> 203.0.113.10 is london's own address: mail "
                    "for paris would loop back to london; point mail.paris.example.internal. at "
                    "paris's address 203.0.113.20"});
}

TEST(TopologyCheck, MxResolvingToTheViewsOwnIpv6AddressIsALoop) {
    ZoneDir dir;
    dir.write("mail-paris.json", host_zone("mail.paris.example.internal.",
                                           R"({ "name": "@", "type": "A", "data": "203.0.113.20" },
                           { "name": "@", "type": "AAAA", "data": "2001:db8:10::25" })"));
    Topology topology;
    topology.london += R"(, "zones": ["mail-paris.json"])";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view london: MX for paris.example.internal. -> "
                    "mail.paris.example.internal. -> 2001:db8:10::25 is london's own address: "
                    "mail for paris would loop back to london; point mail.paris.example.internal. "
                    "at paris's address 2001:db8:20::25"});
}

TEST(TopologyCheck, MxTargetThatIsACname) {
    ZoneDir dir;
    dir.write("london.json", zone_json("london.example.internal.",
                                       R"({ "name": "@", "type": "MX", "data": "10 mail" },
                           { "name": "mail", "type": "CNAME", "data": "host" },
                           { "name": "host", "type": "A", "data": "203.0.113.10" })"));
    dir.write("madrid.json", site_zone("madrid", "203.0.113.30"));
    Topology topology;
    topology.views = lab_view(R"("london.json", "madrid.json")");
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view lab: MX for london.example.internal. -> "
                    "mail.london.example.internal. is an alias (CNAME) for "
                    "host.london.example.internal.: an MX must name a host, not an alias (RFC 2181 "
                    "§10.3); point the MX at host.london.example.internal."});
}

TEST(TopologyCheck, MxTargetWithNoAddressInTheView) {
    ZoneDir dir;
    // A placeholder zone for paris's mail host, deeper than the generated one, empty.
    dir.write("mail-paris.json", host_zone("mail.paris.example.internal.", ""));
    Topology topology;
    topology.madrid += R"(, "zones": ["mail-paris.json"])";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view madrid: MX for paris.example.internal. -> "
                    "mail.paris.example.internal. has no address in view madrid: add an A record "
                    "for it with paris's address 203.0.113.20"});
}

TEST(TopologyCheck, MxTargetOutsideTheViewsZones) {
    ZoneDir dir;
    dir.write("london.json",
              zone_json("london.example.internal.",
                        R"({ "name": "@", "type": "MX", "data": "10 mx.example.net." })"));
    dir.write("madrid.json", site_zone("madrid", "203.0.113.30"));
    Topology topology;
    topology.views = lab_view(R"("london.json", "madrid.json")");
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view lab: MX for london.example.internal. -> mx.example.net. has no "
                    "address in view lab: it is in none of the view's zones, so it would be "
                    "resolved upstream and mail between sites would depend on the Internet; point "
                    "the MX at a host in london's zone"});
}

TEST(TopologyCheck, MxTargetWithALoopbackAddress) {
    ZoneDir dir;
    dir.write("mail-paris.json", host_zone("mail.paris.example.internal.",
                                           R"({ "name": "@", "type": "A", "data": "127.0.0.1" })"));
    Topology topology;
    topology.london += R"(, "zones": ["mail-paris.json"])";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view london: MX for paris.example.internal. -> "
                    "mail.paris.example.internal. -> 127.0.0.1 is a loopback address: london's "
                    "mail host would deliver mail for paris to itself; point "
                    "mail.paris.example.internal. at paris's address 203.0.113.20"});
}

TEST(TopologyCheck, SiteWithALoopbackAddressIsReportedOnce) {
    ZoneDir dir;
    Topology topology;
    topology.paris_address = "127.0.0.2";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: site paris: address 127.0.0.2 is a loopback address: the other sites "
                    "would deliver paris's mail to themselves; set \"address\" to paris's "
                    "external address"});
}

TEST(TopologyCheck, OverlappingSiteSubnets) {
    ZoneDir dir;
    Topology topology;
    topology.paris_subnet = "10.1.2.0/24";  // inside london's 10.1.0.0/16
    EXPECT_EQ(check(topology, dir),
              Lines{"error: sites london (10.1.0.0/16) and paris (10.1.2.0/24) overlap: clients "
                    "in 10.1.2.0/24 get paris's view, not london's; make the site subnets "
                    "disjoint"});
}

TEST(TopologyCheck, TwoSitesSharingAnAddress) {
    ZoneDir dir;
    Topology topology;
    topology.paris_address = "203.0.113.10";  // london's
    const Lines problems = check(topology, dir);
    // One line says it all: the generated routes are the same in every view, so they
    // are not judged again view by view.
    EXPECT_EQ(problems,
              (Lines{"error: sites london and paris share the address 203.0.113.10: each one's "
                     "view sends the other's mail back to itself; give each site its own external "
                     "address"}));
}

TEST(TopologyCheck, NoPrimarySite) {
    ZoneDir dir;
    Topology topology;
    topology.london = "";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: no site is primary: mail for example.com has no site to go to; mark "
                    "the site that receives example.com's public MX with \"primary\": true"});
}

TEST(TopologyCheck, SeveralPrimarySites) {
    ZoneDir dir;
    Topology topology;
    topology.paris += R"(, "primary": true)";
    topology.madrid += R"(, "primary": true)";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: sites london, paris and madrid are all primary: only one site "
                    "receives example.com's public MX; keep \"primary\" on one of them"});
}

TEST(TopologyCheck, SiteWithoutAView) {
    ZoneDir dir;
    Served served(parse_config(Topology{}.json(), dir.path(), "test.json"));
    served.config().views[2].site.reset();  // madrid's view no longer marked as madrid's
    served.config().views[2].match_clients = {*Cidr::parse("192.0.2.0/24")};
    EXPECT_EQ(printed(served.check()),
              Lines{"error: site madrid has no view of its own: its clients get no site zones; "
                    "keep the view generated for it"});
}

TEST(TopologyCheck, NullMxIsValid) {
    ZoneDir dir;
    // RFC 7505: london's zone as lab sees it says "no mail".
    dir.write("london.json", zone_json("london.example.internal.",
                                       R"({ "name": "@", "type": "MX", "data": "0 ." })"));
    dir.write("madrid.json", site_zone("madrid", "203.0.113.30"));
    Topology topology;
    topology.views = lab_view(R"("london.json", "madrid.json")");
    EXPECT_EQ(check(topology, dir), Lines{});
}

TEST(TopologyCheck, SiteDomainThatIsACname) {
    ZoneDir dir;
    // One zone for the whole suffix in lab, where london is an alias.
    dir.write("internal.json",
              zone_json("example.internal.",
                        R"({ "name": "london", "type": "CNAME", "data": "mail.example.net." },
                           { "name": "madrid", "type": "MX", "data": "10 mail.madrid" },
                           { "name": "mail.madrid", "type": "A", "data": "203.0.113.30" })"));
    Topology topology;
    topology.views = lab_view(R"("internal.json")");
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view lab: london.example.internal. is an alias (CNAME) for "
                    "mail.example.net.: mail for london would follow it; give "
                    "london.example.internal. its own MX record"});
}

TEST(TopologyCheck, SiteDomainWithNoMxAndNoAddress) {
    ZoneDir dir;
    dir.write("internal.json",
              zone_json("example.internal.",
                        R"({ "name": "london", "type": "A", "data": "203.0.113.10" },
                           { "name": "madrid", "type": "TXT", "data": "\"no mail here\"" })"));
    Topology topology;
    topology.views = lab_view(R"("internal.json")");
    // london has no MX but an address: the implicit MX of RFC 5321 §5.1, valid.
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view lab: madrid.example.internal. has no MX and no address: mail for "
                    "madrid has no route; add \"MX 10 mail.madrid.example.internal.\""});
}

TEST(TopologyCheck, MailHostAddressOfNoSite) {
    ZoneDir dir;
    dir.write("mail-paris.json",
              host_zone("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "198.51.100.9" })"));
    Topology topology;
    topology.london += R"(, "zones": ["mail-paris.json"])";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: view london: MX for paris.example.internal. -> "
                    "mail.paris.example.internal. -> 198.51.100.9 belongs to no site: mail for "
                    "paris would leave for the Internet; point mail.paris.example.internal. at "
                    "paris's address 203.0.113.20"});
}

TEST(TopologyCheck, LoopThroughSeveralSites) {
    ZoneDir dir;
    // london relays paris's mail through madrid, madrid through london: no view points
    // at its own site, but the mail goes round.
    dir.write("via-madrid.json",
              host_zone("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.30" })"));
    dir.write("via-london.json",
              host_zone("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.10" })"));
    Topology topology;
    topology.london += R"(, "zones": ["via-madrid.json"])";
    topology.madrid += R"(, "zones": ["via-london.json"])";
    EXPECT_EQ(check(topology, dir),
              Lines{"error: mail for paris.example.internal. loops between sites london -> madrid "
                    "-> london: each site's view must send it to paris's address 203.0.113.20"});
}

TEST(TopologyCheck, RelayThroughAnotherSiteIsNotALoop) {
    ZoneDir dir;
    // london sends paris's mail through madrid, whose view sends it on to paris.
    dir.write("via-madrid.json",
              host_zone("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.30" })"));
    Topology topology;
    topology.london += R"(, "zones": ["via-madrid.json"])";
    EXPECT_EQ(check(topology, dir), Lines{});
}

TEST(TopologyCheck, ProblemsKeepSiteOrderAndSeverity) {
    ZoneDir dir;
    Topology topology;
    topology.suffix = "example.local";
    topology.london = "";  // no primary
    topology.paris_subnet = "10.1.2.0/24";
    const auto problems = serve(topology.json(), dir.path())->check();
    ASSERT_EQ(problems.size(), 3U);
    EXPECT_EQ(problems[0].severity, Problem::Severity::Warning);
    EXPECT_EQ(problems[1].severity, Problem::Severity::Error);
    EXPECT_NE(problems[1].text.find("no site is primary"), std::string::npos);
    EXPECT_NE(problems[2].text.find("overlap"), std::string::npos);
}

}  // namespace
}  // namespace sitedns::topology_test
