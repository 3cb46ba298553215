// Issue 22 in `sitedns trace`: with DNSSEC validation on, a name sent to an upstream below
// a negative trust anchor is said to be answered unvalidated; with it off, trace is as before.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "config/dnssec.h"
#include "topology_fixture.h"

namespace sitedns {
namespace {

using topology_test::serve;
using topology_test::two_sites;
using topology_test::zone_json;
using topology_test::ZoneDir;
using Lines = std::vector<std::string>;

/// london forwards corp.example.com. to its domain controller and holds the zone of
/// partner.example.org., whose MX is a host of lab.example.net.; `dnssec` is the object.
std::unique_ptr<topology_test::Served> partner_sites(const ZoneDir& dir,
                                                     const std::string& dnssec) {
    dir.write("partner.json",
              zone_json("partner.example.org.",
                        R"({ "name": "@", "type": "MX", "data": "10 mx.lab.example.net." })"));
    return serve(two_sites(R"(, "zones": ["partner.json"],
        "forward_zones": [{ "name": "corp.example.com.", "upstreams": ["10.1.0.10"] }])",
                           "", R"("dnssec": )" + dnssec + ","),
                 dir.path());
}

TEST(DnssecTrace, ForwardZoneNamesItsAnchor) {
    ZoneDir dir;
    const auto served = partner_sites(dir, R"({ "validate": true })");
    EXPECT_EQ(served->trace("london", "bob@hq.corp.example.com").lines,
              (Lines{"at london: view london",
                     "  hq.corp.example.com. goes to forward zone corp.example.com. (upstreams "
                     "10.1.0.10:53): not internal",
                     "  hq.corp.example.com. is not validated: negative trust anchor "
                     "corp.example.com. (forward zone (view london))",
                     "forwarded upstream"}));
}

TEST(DnssecTrace, NameLeavingUpstreamNamesItsAnchor) {
    ZoneDir dir;
    const auto served = partner_sites(
        dir, R"({ "validate": true, "negative_trust_anchors": ["lab.example.net."] })");
    EXPECT_EQ(served->trace("london", "bob@lab.example.net").lines,
              (Lines{"at london: view london",
                     "  lab.example.net. is in none of the view's zones: not internal",
                     "  lab.example.net. is not validated: negative trust anchor "
                     "lab.example.net. (configured)",
                     "forwarded upstream"}));
    // An MX target resolved upstream.
    EXPECT_EQ(served->trace("london", "bob@partner.example.org").lines,
              (Lines{"at london: view london", "  MX partner.example.org.: 10 mx.lab.example.net.",
                     "  mx.lab.example.net. is in none of the view's zones: resolved upstream",
                     "  mx.lab.example.net. is not validated: negative trust anchor "
                     "lab.example.net. (configured)",
                     "forwarded upstream"}));
    // A validated name says nothing more.
    EXPECT_EQ(served->trace("london", "bob@example.org").lines,
              (Lines{"at london: view london",
                     "  example.org. is in none of the view's zones: not internal",
                     "forwarded upstream"}));
}

TEST(DnssecTrace, NothingSaidWithoutValidation) {
    ZoneDir dir;
    const auto served = partner_sites(
        dir, R"({ "validate": false, "negative_trust_anchors": ["lab.example.net."] })");
    EXPECT_EQ(served->trace("london", "bob@hq.corp.example.com").lines,
              (Lines{"at london: view london",
                     "  hq.corp.example.com. goes to forward zone corp.example.com. (upstreams "
                     "10.1.0.10:53): not internal",
                     "forwarded upstream"}));
    EXPECT_EQ(served->trace("london", "bob@lab.example.net").lines,
              (Lines{"at london: view london",
                     "  lab.example.net. is in none of the view's zones: not internal",
                     "forwarded upstream"}));
}

}  // namespace
}  // namespace sitedns
