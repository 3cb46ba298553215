// `sitedns check` beyond the routes between sites (SPEC §2): every MX of every served
// zone is linted as named-checkzone would, and a site with `tls` needs a public mail host
// name (SPEC §3.3).

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "config/topology.h"
#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

/// corp.example.org with one MX of each kind: to an alias, to no host, to loopback and
/// unspecified addresses (IPv4 and IPv6), and the valid ones (a null MX, a host of the
/// zone, a host on the Internet).
std::string corp_zone() {
    return zone_json("corp.example.org.", R"(
        { "name": "alias",   "type": "MX", "data": "10 www" },
        { "name": "www",     "type": "CNAME", "data": "host" },
        { "name": "ghost",   "type": "MX", "data": "10 nobody" },
        { "name": "bare",    "type": "MX", "data": "10 text-only" },
        { "name": "text-only", "type": "TXT", "data": "\"no address\"" },
        { "name": "lo",      "type": "MX", "data": "10 lo-host" },
        { "name": "lo-host", "type": "A", "data": "127.0.0.1" },
        { "name": "lo-host", "type": "AAAA", "data": "::1" },
        { "name": "zero",    "type": "MX", "data": "10 zero-host" },
        { "name": "zero-host", "type": "A", "data": "0.0.0.0" },
        { "name": "zero-host", "type": "AAAA", "data": "::" },
        { "name": "@",       "type": "MX", "data": "0 ." },
        { "name": "good",    "type": "MX", "data": "10 host" },
        { "name": "good",    "type": "MX", "data": "20 mx.example.net." },
        { "name": "host",    "type": "A", "data": "192.0.2.25" })");
}

/// The problems check finds in corp.example.org as view `view` holds it.
Lines corp_problems(const std::string& view) {
    const std::string lead = "error: view " + view + ": MX for ";
    return {
        lead +
            "alias.corp.example.org. -> www.corp.example.org. is an alias (CNAME) for "
            "host.corp.example.org.: an MX must name a host, not an alias (RFC 2181 §10.3); "
            "point the MX at host.corp.example.org.",
        lead + "bare.corp.example.org. -> text-only.corp.example.org. has no address in view " +
            view + ": add an A record for it with the mail host's address, or an AAAA record",
        lead + "ghost.corp.example.org. -> nobody.corp.example.org. has no address in view " +
            view + ": add an A record for it with the mail host's address, or an AAAA record",
        lead +
            "lo.corp.example.org. -> lo-host.corp.example.org. -> 127.0.0.1 is a loopback "
            "address: a mail host would deliver mail for lo.corp.example.org. to itself; point "
            "lo-host.corp.example.org. at the mail host's address",
        lead +
            "lo.corp.example.org. -> lo-host.corp.example.org. -> ::1 is a loopback "
            "address: a mail host would deliver mail for lo.corp.example.org. to itself; point "
            "lo-host.corp.example.org. at the mail host's address",
        lead +
            "zero.corp.example.org. -> zero-host.corp.example.org. -> 0.0.0.0 is the "
            "unspecified address, which no host has; point zero-host.corp.example.org. at the "
            "mail host's address",
        lead +
            "zero.corp.example.org. -> zero-host.corp.example.org. -> :: is the unspecified "
            "address, which no host has; point zero-host.corp.example.org. at the mail host's "
            "address",
    };
}

/// The problems sorted, since a zone's nodes come in no particular order.
Lines sorted(Lines lines) {
    std::sort(lines.begin(), lines.end());
    return lines;
}

TEST(MxLint, EveryMxOfAnExplicitViewsZone) {
    ZoneDir dir;
    dir.write("corp.json", corp_zone());
    Topology topology;
    // Outside every site's subnets: not a site view, and no route between sites in it.
    topology.views =
        R"([{ "name": "office", "match_clients": ["192.0.2.0/24"], "zones": ["corp.json"] }])";
    EXPECT_EQ(sorted(printed(serve(topology.json(), dir.path())->check())),
              sorted(corp_problems("office")));
}

TEST(MxLint, EveryViewHoldingTheZoneIsLinted) {
    // A site's extra zone: the site's view holds it beside the generated site zones.
    ZoneDir dir;
    dir.write("corp.json", corp_zone());
    Topology topology;
    topology.madrid += R"(, "zones": ["corp.json"])";
    topology.views =
        R"([{ "name": "office", "match_clients": ["192.0.2.0/24"], "zones": ["corp.json"] }])";
    Lines expected = corp_problems("madrid");
    for (const std::string& line : corp_problems("office")) expected.push_back(line);
    EXPECT_EQ(sorted(printed(serve(topology.json(), dir.path())->check())), sorted(expected));
}

TEST(MxLint, TargetAnsweredByAnotherZoneOfTheView) {
    // The view, not the zone, answers the target: an address in another of its zones
    // counts, and an alias there is still an alias.
    ZoneDir dir;
    dir.write("a.json", zone_json("a.example.org.", R"(
        { "name": "@", "type": "MX", "data": "10 mx.b.example.org." },
        { "name": "c", "type": "MX", "data": "10 alias.b.example.org." })"));
    dir.write("b.json", zone_json("b.example.org.", R"(
        { "name": "mx", "type": "A", "data": "192.0.2.25" },
        { "name": "alias", "type": "CNAME", "data": "mx" })"));
    Topology topology;
    topology.views =
        R"([{ "name": "office", "match_clients": ["192.0.2.0/24"], "zones": ["a.json", "b.json"] }])";
    EXPECT_EQ(printed(serve(topology.json(), dir.path())->check()),
              Lines{"error: view office: MX for c.a.example.org. -> alias.b.example.org. is an "
                    "alias (CNAME) for mx.b.example.org.: an MX must name a host, not an alias "
                    "(RFC 2181 §10.3); point the MX at mx.b.example.org."});
}

// A route between sites is judged once, by the route check with its own fix
// (TopologyCheck.MxTargetThatIsACname pins the single line).

TEST(MxLint, ASitesOwnDomainInItsViewIsLinted) {
    // Not a route between sites (mail for a site's own domain stays there), but still an
    // MX its clients get.
    ZoneDir dir;
    dir.write("paris.json", zone_json("paris.example.internal.", R"(
        { "name": "@", "type": "MX", "data": "10 mail" },
        { "name": "mail", "type": "A", "data": "127.0.0.1" })"));
    Topology topology;
    topology.paris += R"(, "zones": ["paris.json"])";
    EXPECT_EQ(printed(serve(topology.json(), dir.path())->check()),
              Lines{"error: view paris: MX for paris.example.internal. -> "
                    "mail.paris.example.internal. -> 127.0.0.1 is a loopback address: a mail host "
                    "would deliver mail for paris.example.internal. to itself; point "
                    "mail.paris.example.internal. at the mail host's address"});
}

TEST(TlsCheck, PublicMailHostPasses) {
    ZoneDir dir;
    Topology topology;
    topology.paris += R"(, "tls": true, "mail_host": "mail-paris.example.com.")";
    EXPECT_EQ(printed(serve(topology.json(), dir.path())->check()), Lines{});
}

TEST(TlsCheck, LabelMailHostIsAnError) {
    ZoneDir dir;
    Topology topology;
    topology.paris += R"(, "tls": true)";
    EXPECT_EQ(printed(serve(topology.json(), dir.path())->check()),
              Lines{"error: site paris: \"tls\" is on, but its mail host "
                    "mail.paris.example.internal. is a label under the internal suffix "
                    "example.internal, and no public CA certifies such a name; set \"mail_host\" "
                    "to a name of the public domain ending in \".\", such as "
                    "\"mail-paris.example.com.\""});
}

TEST(TlsCheck, PrivateUseDomainsAreErrors) {
    struct Case {
        const char* host;
        const char* why;
    };
    const Case cases[] = {
        {"mail.paris.corp.local.", "is under .local, a private-use domain"},
        {"mail.paris.corp.internal.", "is under .internal, a private-use domain"},
        {"mx.Paris.LAN.", "is under .lan, a private-use domain"},
        {"mail.home.arpa.", "is under .home.arpa, a private-use domain"},
    };
    for (const Case& c : cases) {
        ZoneDir dir;
        Topology topology;
        topology.paris += R"(, "tls": true, "mail_host": ")" + std::string(c.host) + "\"";
        std::string lower = c.host;
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        EXPECT_EQ(
            printed(serve(topology.json(), dir.path())->check()),
            Lines{"error: site paris: \"tls\" is on, but its mail host " + lower + " " + c.why +
                  ", and no public CA certifies such a name; set \"mail_host\" to a name "
                  "of the public domain ending in \".\", such as \"mail-paris.example.com.\""})
            << c.host;
    }
}

TEST(TlsCheck, WithoutTlsAnyMailHostIsFine) {
    ZoneDir dir;
    Topology topology;
    topology.paris += R"(, "mail_host": "mail-paris.corp.lan.")";
    EXPECT_EQ(printed(serve(topology.json(), dir.path())->check()), Lines{});
}

}  // namespace
}  // namespace sitedns::topology_test
