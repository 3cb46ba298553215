// `sitedns check` as `trace` run exhaustively (SPEC §2): whatever trace ends in `loop` or
// `no route` from some site is an error of check.

#include <gtest/gtest.h>

#include "config/mail_route.h"
#include "config/route_check.h"
#include "config/topology.h"
#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

/// partner.example.net with its MX at `address`.
std::string partner_zone(const std::string& address) {
    return zone_json("partner.example.net.", R"(
        { "name": "@",  "type": "MX", "data": "10 mx" },
        { "name": "mx", "type": "A",  "data": ")" +
                                                 address + R"(" })");
}

Lines check(const Topology& topology, const ZoneDir& dir) {
    return printed(serve(topology.json(), dir.path())->check());
}

TEST(RouteCheck, TwoViewsSendingAPartnerDomainToEachOtherLoop) {
    ZoneDir dir;
    dir.write("at-paris.json", partner_zone("203.0.113.20"));
    dir.write("at-london.json", partner_zone("203.0.113.10"));
    Topology topology;
    topology.london += R"(, "zones": ["at-paris.json"])";
    topology.paris += R"(, "zones": ["at-london.json"])";
    EXPECT_EQ(
        check(topology, dir),
        (Lines{"error: mail from site london to partner.example.net. loops (london -> paris -> "
               "london): at paris: mx.partner.example.net. -> 203.0.113.10 (site london): london "
               "has already passed this mail on; `sitedns trace --from london partner.example.net` "
               "shows every hop (and the same from 1 other site)"}));
    // madrid has no zone for it: its mail goes to the partner's own MX, upstream.
    const auto served = serve(topology.json(), dir.path());
    EXPECT_EQ(served->trace("madrid", "x@partner.example.net").end, TraceEnd::ForwardedUpstream);
}

TEST(RouteCheck, AnMxAtTheSitesOwnAddressLoops) {
    ZoneDir dir;
    dir.write("partner.json", partner_zone("203.0.113.10"));
    Topology topology;
    topology.london += R"(, "zones": ["partner.json"])";
    EXPECT_EQ(check(topology, dir),
              (Lines{"error: mail from site london to partner.example.net. loops: at london: "
                     "mx.partner.example.net. -> 203.0.113.10 (site london): 203.0.113.10 is "
                     "london's own address: the mail comes back to london; `sitedns trace --from "
                     "london partner.example.net` shows every hop"}));
}

TEST(RouteCheck, OneFaultMetFromSeveralSitesIsOneLine) {
    // An explicit view for every site's clients would be another topology: here the
    // same zone in two sites' views sends the partner to paris, and paris's own view
    // sends it back to itself.
    ZoneDir dir;
    dir.write("partner.json", partner_zone("203.0.113.20"));
    Topology topology;
    topology.london += R"(, "zones": ["partner.json"])";
    topology.madrid += R"(, "zones": ["partner.json"])";
    topology.paris += R"(, "zones": ["partner.json"])";
    const Lines problems = check(topology, dir);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0],
              "error: mail from site london to partner.example.net. loops (london -> paris): at "
              "paris: mx.partner.example.net. -> 203.0.113.20 (site paris): 203.0.113.20 is "
              "paris's own address: the mail comes back to paris; `sitedns trace --from london "
              "partner.example.net` shows every hop (and the same from 2 other sites)");
}

TEST(RouteCheck, APartnerDomainRoutedToASiteOrOutsideIsFine) {
    ZoneDir dir;
    dir.write("to-paris.json", partner_zone("203.0.113.20"));         // delivered at paris
    dir.write("to-vpn.json", zone_json("vpn.example.net.", R"(
        { "name": "@",  "type": "MX", "data": "10 mx.vpn.example.net." },
        { "name": "mx", "type": "A",  "data": "198.51.100.25" })"));  // a host of no site
    dir.write("null.json", zone_json("null.example.net.", R"(
        { "name": "@",  "type": "MX", "data": "0 ." })"));            // RFC 7505: no mail, no fault
    Topology topology;
    topology.london += R"(, "zones": ["to-paris.json", "to-vpn.json", "null.json"])";
    EXPECT_EQ(check(topology, dir), Lines{});
}

TEST(RouteCheck, NoRouteToANameTheViewHoldsWithoutIt) {
    // The partner's MX leads into the internal suffix, where no site owns the name: the
    // sites never ask the Internet for it.
    ZoneDir dir;
    dir.write("partner.json", zone_json("partner.example.net.", R"(
        { "name": "@", "type": "MX", "data": "10 x.nowhere.example.internal." })"));
    Topology topology;
    topology.paris += R"(, "zones": ["partner.json"])";
    EXPECT_EQ(check(topology, dir),
              (Lines{"error: mail from site paris to partner.example.net. has no route: at paris: "
                     "MX partner.example.net.: 10 x.nowhere.example.internal.: "
                     "x.nowhere.example.internal. is under the internal suffix example.internal., "
                     "and no site owns it; `sitedns trace --from paris partner.example.net` shows "
                     "every hop"}));
}

TEST(RouteCheck, ARelayThroughASiteThatSendsItBackIsALoopBetweenSites) {
    // london sends paris's mail to madrid, whose view sends it back to london.
    ZoneDir dir;
    dir.write("paris-via-madrid.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.30" })"));
    dir.write("paris-via-london.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.10" })"));
    Topology topology;
    topology.london += R"(, "zones": ["paris-via-madrid.json"])";
    topology.madrid += R"(, "zones": ["paris-via-london.json"])";
    const Lines problems = check(topology, dir);
    EXPECT_NE(std::find(problems.begin(), problems.end(),
                        "error: mail for paris.example.internal. loops between sites london -> "
                        "madrid -> london: each site's view must send it to paris's address "
                        "203.0.113.20"),
              problems.end())
        << testing::PrintToString(problems);
}

TEST(RouteCheck, ASiteViewOverridesOnlyTheSitesItsOwnZonesReach) {
    ZoneDir dir;
    dir.write("mail-paris.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.20" })"));
    dir.write("above.json", zone_json("example.internal.", ""));
    Topology topology;
    topology.london += R"(, "zones": ["mail-paris.json", "above.json"])";
    const auto served = serve(topology.json(), dir.path());
    const SiteNames names(*served->config().sites);
    const ServedView* london =
        mail_route::site_view(served->views(), served->config().sites->list[0]);
    ASSERT_NE(london, nullptr);
    // mail.paris.example.internal. is below paris's domain; example.internal. is above
    // every site's, whose deeper generated zones still answer.
    EXPECT_EQ(names.overridden(*london), std::vector<std::size_t>{1});
}

TEST(RouteCheck, ASiteNamedInternetOrWhoseDomainIsThePublicOneIsRefused) {
    ZoneDir dir;
    const std::string internet = R"({ "upstreams": [], "sites": { "domain": "example.com",
        "internal_suffix": "example.internal", "list": [
          { "name": "internet", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10",
            "primary": true } ] } })";
    EXPECT_EQ(printed(serve(internet, dir.path())->check()),
              (Lines{"error: site internet: \"internet\" is what `sitedns trace --from` calls mail "
                     "from outside every site; give the site another name"}));
    const std::string public_domain = R"({ "upstreams": [], "sites": { "domain": "example.com",
        "internal_suffix": "com", "list": [
          { "name": "example", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10",
            "primary": true } ] } })";
    const Lines problems = printed(serve(public_domain, dir.path())->check());
    EXPECT_NE(std::find(problems.begin(), problems.end(),
                        "error: site example: its location domain example.com. is the public "
                        "domain; give the site another name or choose another internal_suffix"),
              problems.end())
        << testing::PrintToString(problems);
}

}  // namespace
}  // namespace sitedns::topology_test
