// `sitedns trace` (SPEC §2): the route of mail from a site, hop by hop, on the example
// topology and on broken ones.

#include <gtest/gtest.h>

#include <stdexcept>

#include "config/topology.h"
#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

class TraceExample : public testing::Test {
  protected:
    TraceExample() : served_(read_config_file(SITEDNS_SOURCE_DIR "/config/examples/sites.json")) {}
    Served served_;
};

struct SitePair {
    const char* from;
    const char* to;
    const char* address;
};

TEST_F(TraceExample, MailBetweenEveryPairOfSitesIsDeliveredAtTheOtherSite) {
    const SitePair pairs[] = {
        {"london", "paris", "203.0.113.20"},  {"london", "madrid", "203.0.113.30"},
        {"paris", "london", "203.0.113.10"},  {"paris", "madrid", "203.0.113.30"},
        {"madrid", "london", "203.0.113.10"}, {"madrid", "paris", "203.0.113.20"},
    };
    for (const SitePair& pair : pairs) {
        const std::string to = pair.to;
        const std::string domain = to + ".example.local.";
        const TraceResult result = served_.trace(pair.from, "user@" + to + ".example.local");
        SCOPED_TRACE(std::string(pair.from) + " -> " + to);
        EXPECT_EQ(result.end, TraceEnd::Delivered);
        EXPECT_EQ(result.site, to);
        EXPECT_EQ(result.lines,
                  (Lines{"at " + std::string(pair.from) + ": view " + pair.from,
                         "  MX " + domain + ": 10 mail." + domain,
                         "  mail." + domain + " -> " + pair.address + " (site " + to + ")",
                         "at " + to + ": " + domain + " is " + to + "'s own domain",
                         "delivered at " + to}));
    }
}

TEST_F(TraceExample, OwnDomainIsDeliveredAtOnce) {
    const TraceResult result = served_.trace("paris", "Alice@Paris.Example.Local");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.site, "paris");
    EXPECT_EQ(result.lines, (Lines{"at paris: paris.example.local. is paris's own domain",
                                   "delivered at paris"}));
}

TEST_F(TraceExample, PublicDomainGoesToThePrimarySite) {
    for (const char* from : {"paris", "madrid"}) {
        const TraceResult result = served_.trace(from, "bob@example.com");
        EXPECT_EQ(result.end, TraceEnd::Delivered);
        EXPECT_EQ(result.site, "london");
        EXPECT_EQ(result.lines, (Lines{"at " + std::string(from) +
                                           ": example.com. is the public domain: its public MX "
                                           "delivers to the primary site london",
                                       "delivered at london"}));
    }
    const TraceResult at_primary = served_.trace("london", "EXAMPLE.COM");
    EXPECT_EQ(at_primary.end, TraceEnd::Delivered);
    EXPECT_EQ(at_primary.site, "london");
    EXPECT_EQ(at_primary.lines,
              (Lines{"at london: example.com. is the public domain and london is the primary site",
                     "delivered at london"}));
}

TEST_F(TraceExample, ExternalDomainIsForwardedUpstream) {
    const TraceResult result = served_.trace("madrid", "someone@example.org");
    EXPECT_EQ(result.end, TraceEnd::ForwardedUpstream);
    EXPECT_EQ(result.site, "");
    EXPECT_EQ(result.lines, (Lines{"at madrid: view madrid",
                                   "  example.org. is in none of the view's zones: not internal",
                                   "forwarded upstream"}));
}

TEST_F(TraceExample, NameMissingFromASiteZoneHasNoRoute) {
    const TraceResult result = served_.trace("london", "x@sales.paris.example.local");
    EXPECT_EQ(result.end, TraceEnd::NoRoute);
    EXPECT_EQ(result.lines,
              (Lines{"at london: view london",
                     "  sales.paris.example.local. does not exist in zone paris.example.local.",
                     "no route"}));
}

TEST_F(TraceExample, UnknownSiteOrMalformedAddressThrows) {
    EXPECT_THROW(served_.trace("rome", "user@paris.example.local"), std::invalid_argument);
    EXPECT_THROW(served_.trace("London", "user@paris.example.local"), std::invalid_argument);
    EXPECT_THROW(served_.trace("london", "user@"), std::invalid_argument);
    EXPECT_THROW(served_.trace("london", "@paris.example.local"), std::invalid_argument);
    EXPECT_THROW(served_.trace("london", ""), std::invalid_argument);
    EXPECT_THROW(served_.trace("london", "user@paris..example.local"), std::invalid_argument);
    EXPECT_THROW(served_.trace("london", "user@exa mple.com"), std::invalid_argument);
    EXPECT_THROW(served_.trace("london", "user@[203.0.113.20]"), std::invalid_argument);
    EXPECT_EQ(served_.trace("london", "paris.example.local.").site, "paris");  // absolute
    try {
        served_.trace("rome", "paris.example.local");
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(),
                     "unknown site \"rome\"; the sites are london, paris, madrid (or internet)");
    }
}

TEST(Trace, LoopBackToTheSendingSite) {
    ZoneDir dir;
    dir.write("mail-paris.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.10" })"));
    Topology topology;
    topology.london += R"(, "zones": ["mail-paris.json"])";
    const auto served = serve(topology.json(), dir.path());
    const TraceResult result = served->trace("london", "paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::Loop);
    EXPECT_EQ(
        result.lines,
        (Lines{"at london: view london",
               "  MX paris.example.internal.: 10 mail.paris.example.internal.",
               "  mail.paris.example.internal. -> 203.0.113.10 (site london)",
               "  203.0.113.10 is london's own address: the mail comes back to london", "loop"}));
    // From madrid, the mail reaches paris: madrid's view is right.
    EXPECT_EQ(served->trace("madrid", "paris.example.internal").end, TraceEnd::Delivered);
}

TEST(Trace, LoopThroughSeveralSites) {
    ZoneDir dir;
    dir.write("via-madrid.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.30" })"));
    dir.write("via-london.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.10" })"));
    Topology topology;
    topology.london += R"(, "zones": ["via-madrid.json"])";
    topology.madrid += R"(, "zones": ["via-london.json"])";
    const auto served = serve(topology.json(), dir.path());
    const TraceResult result = served->trace("london", "postmaster@paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::Loop);
    EXPECT_EQ(result.lines, (Lines{"at london: view london",
                                   "  MX paris.example.internal.: 10 mail.paris.example.internal.",
                                   "  mail.paris.example.internal. -> 203.0.113.30 (site madrid)",
                                   "at madrid: view madrid",
                                   "  MX paris.example.internal.: 10 mail.paris.example.internal.",
                                   "  mail.paris.example.internal. -> 203.0.113.10 (site london)",
                                   "  london has already passed this mail on", "loop"}));
}

TEST(Trace, RelayThroughAnotherSite) {
    ZoneDir dir;
    dir.write("via-madrid.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "203.0.113.30" })"));
    Topology topology;
    topology.london += R"(, "zones": ["via-madrid.json"])";
    const auto served = serve(topology.json(), dir.path());
    const TraceResult result = served->trace("london", "paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.site, "paris");
    ASSERT_EQ(result.lines.size(), 8U);
    EXPECT_EQ(result.lines[2], "  mail.paris.example.internal. -> 203.0.113.30 (site madrid)");
    EXPECT_EQ(result.lines[5], "  mail.paris.example.internal. -> 203.0.113.20 (site paris)");
}

TEST(Trace, LoopbackMailHostIsALoop) {
    ZoneDir dir;
    dir.write("mail-paris.json", zone_json("mail.paris.example.internal.",
                                           R"({ "name": "@", "type": "A", "data": "127.0.0.1" })"));
    Topology topology;
    topology.madrid += R"(, "zones": ["mail-paris.json"])";
    const TraceResult result =
        serve(topology.json(), dir.path())->trace("madrid", "paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::Loop);
    EXPECT_EQ(result.lines[2], "  mail.paris.example.internal. -> 127.0.0.1 (loopback)");
    EXPECT_EQ(result.lines[3], "  a loopback address: madrid's mail host delivers to itself");
}

TEST(Trace, AddressOfNoSiteHasNoRoute) {
    ZoneDir dir;
    dir.write("mail-paris.json",
              zone_json("mail.paris.example.internal.",
                        R"({ "name": "@", "type": "A", "data": "198.51.100.9" })"));
    Topology topology;
    topology.madrid += R"(, "zones": ["mail-paris.json"])";
    const TraceResult result =
        serve(topology.json(), dir.path())->trace("madrid", "paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::NoRoute);
    EXPECT_EQ(result.lines,
              (Lines{"at madrid: view madrid",
                     "  MX paris.example.internal.: 10 mail.paris.example.internal.",
                     "  mail.paris.example.internal. -> 198.51.100.9 (no site)",
                     "  198.51.100.9 belongs to no site: mail would leave for the Internet",
                     "no route"}));
}

TEST(Trace, PublicDomainWithoutPrimaryHasNoRoute) {
    ZoneDir dir;
    Topology topology;
    topology.london = "";
    const TraceResult result = serve(topology.json(), dir.path())->trace("paris", "example.com");
    EXPECT_EQ(result.end, TraceEnd::NoRoute);
    EXPECT_EQ(
        result.lines,
        (Lines{"at paris: example.com. is the public domain, but no site is primary", "no route"}));
}

/// london's view with hand-written zones, for records the generator never writes.
std::unique_ptr<Served> london_with(const std::vector<std::string>& zones) {
    auto served = std::make_unique<Served>(
        parse_config(Topology{}.json(), std::filesystem::temp_directory_path(), "test.json"));
    served->replace_zones("london", zones);
    return served;
}

TEST(Trace, NullMxHasNoRoute) {
    const auto served = london_with(
        {zone_json("paris.example.internal.", R"({ "name": "@", "type": "MX", "data": "0 ." })")});
    const TraceResult result = served->trace("london", "user@paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::NoRoute);
    EXPECT_EQ(result.lines,
              (Lines{"at london: view london", "  MX paris.example.internal.: 0 .",
                     "  null MX (RFC 7505): paris.example.internal. accepts no mail", "no route"}));
}

TEST(Trace, MxRecordsInPreferenceOrderFirstWithAnAddressChosen) {
    const auto served = london_with({zone_json("paris.example.internal.",
                                               R"({ "name": "@", "type": "MX", "data": "20 mail" },
                                                  { "name": "@", "type": "MX", "data": "5 gone" },
                                                  { "name": "@", "type": "MX", "data": "10 alias" },
                                                  { "name": "alias", "type": "CNAME", "data": "mail" },
                                                  { "name": "mail", "type": "AAAA", "data": "2001:db8:20::25" },
                                                  { "name": "mail", "type": "A", "data": "203.0.113.20" })")});
    const TraceResult result = served->trace("london", "paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.site, "paris");
    EXPECT_EQ(
        result.lines,
        (Lines{"at london: view london",
               "  MX paris.example.internal.: 5 gone.paris.example.internal.",
               "  MX paris.example.internal.: 10 alias.paris.example.internal.",
               "  MX paris.example.internal.: 20 mail.paris.example.internal.",
               "  gone.paris.example.internal.: no address in view london",
               "  alias.paris.example.internal. is an alias for mail.paris.example.internal. "
               "(RFC 2181 §10.3: an MX must not name an alias)",
               "  mail.paris.example.internal. -> 203.0.113.20 (site paris)",
               "at paris: paris.example.internal. is paris's own domain", "delivered at paris"}));
}

TEST(Trace, WithoutMxTheDomainsOwnAddressIsUsed) {
    const auto served =
        london_with({zone_json("paris.example.internal.",
                               R"({ "name": "@", "type": "AAAA", "data": "2001:db8:20::25" })")});
    const TraceResult result = served->trace("london", "paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(
        result.lines,
        (Lines{"at london: view london",
               "  MX paris.example.internal.: none, its own address is used (RFC 5321 §5.1)",
               "  paris.example.internal. -> 2001:db8:20::25 (site paris)",
               "at paris: paris.example.internal. is paris's own domain", "delivered at paris"}));
}

TEST(Trace, MxTargetOutsideTheViewHasNoRoute) {
    const auto served =
        london_with({zone_json("paris.example.internal.",
                               R"({ "name": "@", "type": "MX", "data": "10 mx.example.net." })")});
    const TraceResult result = served->trace("london", "paris.example.internal");
    EXPECT_EQ(result.end, TraceEnd::NoRoute);
    EXPECT_EQ(
        result.lines[2],
        "  mx.example.net. is in none of the view's zones: mail would leave for the Internet");
    EXPECT_EQ(result.lines.back(), "no route");
}

}  // namespace
}  // namespace sitedns::topology_test
