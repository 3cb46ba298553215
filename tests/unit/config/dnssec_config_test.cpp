// Issue 22's configuration: the `dnssec` object, the negative trust anchors (RFC 7646)
// computed from a configuration, and covering_anchor.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/dnssec.h"
#include "config_text.h"
#include "topology_fixture.h"

namespace sitedns {
namespace {

using config_test::config_error_of;
using config_test::parse_text;
using topology_test::serve;
using topology_test::zone_json;
using topology_test::ZoneDir;

/// A configuration whose only key beside `upstreams` is `dnssec`: `value`.
std::string with_dnssec(const std::string& value) {
    return R"({ "upstreams": ["192.0.2.53"], "dnssec": )" + value + " }";
}

// ------------------------------------------------------------------ the dnssec object

TEST(DnssecConfig, DefaultsWhenAbsent) {
    const Config config = parse_text(R"({ "upstreams": ["192.0.2.53"] })");
    EXPECT_FALSE(config.dnssec.validate);
    EXPECT_EQ(config.dnssec.trust_anchor, "/usr/share/dns/root.key");
    EXPECT_TRUE(config.dnssec.negative_trust_anchors.empty());
    EXPECT_EQ(config.dnssec, DnssecConfig{});
}

TEST(DnssecConfig, ReadsEveryKeyAndNormalisesNames) {
    const Config config = parse_text(with_dnssec(R"({ "validate": true,
        "trust_anchor": "keys/root.key",
        "negative_trust_anchors": ["Lab.Example.NET.", "10.in-addr.arpa."] })"));
    EXPECT_TRUE(config.dnssec.validate);
    // Relative to the configuration's folder, as every path (SPEC §3).
    EXPECT_EQ(config.dnssec.trust_anchor, "/etc/sitedns/keys/root.key");
    EXPECT_EQ(config.dnssec.negative_trust_anchors,
              (std::vector<std::string>{"lab.example.net.", "10.in-addr.arpa."}));
}

TEST(DnssecConfig, AbsoluteTrustAnchorKept) {
    const Config config = parse_text(
        with_dnssec(R"({ "validate": false, "trust_anchor": "/var/lib/unbound/root.key" })"));
    EXPECT_FALSE(config.dnssec.validate);
    EXPECT_EQ(config.dnssec.trust_anchor, "/var/lib/unbound/root.key");
}

TEST(DnssecConfig, UnknownKeyNamedWithAGuess) {
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "validated": true })")),
              "t.json: /dnssec/validated: unknown key \"validated\"; did you mean \"validate\"?");
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "trust_anchors": "/x" })")),
              "t.json: /dnssec/trust_anchors: unknown key \"trust_anchors\"; did you mean "
              "\"trust_anchor\"?");
}

TEST(DnssecConfig, WrongTypesRefused) {
    EXPECT_EQ(config_error_of(with_dnssec("true")),
              "t.json: /dnssec: expected an object, got a boolean");
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "validate": "yes" })")),
              "t.json: /dnssec/validate: expected true or false, got a string");
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "trust_anchor": 5 })")),
              "t.json: /dnssec/trust_anchor: expected a string, got an integer");
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "trust_anchor": "" })")),
              "t.json: /dnssec/trust_anchor: must not be empty");
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "negative_trust_anchors": "corp.example.com." })")),
              "t.json: /dnssec/negative_trust_anchors: expected an array, got a string");
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "negative_trust_anchors": [7] })")),
              "t.json: /dnssec/negative_trust_anchors/0: expected a string, got an integer");
}

TEST(DnssecConfig, NegativeTrustAnchorNamesChecked) {
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "negative_trust_anchors": ["corp.example.com"] })")),
              "t.json: /dnssec/negative_trust_anchors/0: \"corp.example.com\" is not absolute: "
              "write it with its trailing dot, \"corp.example.com.\"");
    EXPECT_EQ(config_error_of(with_dnssec(R"({ "negative_trust_anchors": ["a..example.com."] })")),
              "t.json: /dnssec/negative_trust_anchors/0: \"a..example.com.\" is not a domain "
              "name: empty label in 'a..example.com.'");
    EXPECT_EQ(config_error_of(with_dnssec(
                  R"({ "negative_trust_anchors": ["corp.example.com.", "CORP.example.com."] })")),
              "t.json: /dnssec/negative_trust_anchors/1: corp.example.com. is listed twice (also "
              "/dnssec/negative_trust_anchors/0)");
}

TEST(DnssecConfig, RootAnchorRefused) {
    EXPECT_EQ(
        config_error_of(with_dnssec(R"({ "validate": true, "negative_trust_anchors": ["."] })")),
        "t.json: /dnssec/negative_trust_anchors/0: \".\" would exempt every name from "
        "validation; name the zone whose answers must not be validated, or set "
        "\"validate\": false");
}

// ------------------------------------------------------------------ negative trust anchors

/// `name (reason)` of each anchor, to compare whole lists at once.
std::vector<std::string> texts(const std::vector<NegativeTrustAnchor>& anchors) {
    std::vector<std::string> out;
    for (const NegativeTrustAnchor& anchor : anchors) {
        out.push_back(anchor.name + " (" + anchor.reason + ")");
    }
    return out;
}

/// The fixed tail of every list: RFC 6761's special-use names, then RFC 6303 §4's zones.
std::vector<std::string> fixed_names(const std::vector<std::string>& skip = {}) {
    std::vector<std::string> out{"local. (RFC 6761 special-use)",
                                 "home.arpa. (RFC 6761 special-use)"};
    std::vector<std::string> reverse{"10.in-addr.arpa."};
    for (int octet = 16; octet <= 31; ++octet) {
        reverse.push_back(std::to_string(octet) + ".172.in-addr.arpa.");
    }
    for (const char* name :
         {"168.192.in-addr.arpa.", "0.in-addr.arpa.", "127.in-addr.arpa.", "254.169.in-addr.arpa.",
          "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
          "255.255.255.255.in-addr.arpa.",
          "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
          "d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
          "b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."}) {
        reverse.push_back(name);
    }
    for (const std::string& name : reverse) {
        if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
        out.push_back(name + " (private reverse zone (RFC 6303))");
    }
    return out;
}

std::vector<std::string> joined(std::vector<std::string> head,
                                const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

TEST(NegativeTrustAnchors, WithoutSitesOnlyTheFixedNames) {
    EXPECT_EQ(texts(negative_trust_anchors(parse_text(R"({ "upstreams": ["192.0.2.53"] })"))),
              fixed_names());
}

// The example of issue 14: three sites, an absolute mail host, and each site forwarding
// the Active Directory domain and 10.in-addr.arpa. to its domain controllers.
TEST(NegativeTrustAnchors, SitesAdExample) {
    const Config config = read_config_file(SITEDNS_SOURCE_DIR "/config/examples/sites-ad.json");
    const std::vector<std::string> expected = joined(
        {
            "example.internal. (internal suffix)",
            // london's view first: the other sites' zones, then its own.
            "paris.example.internal. (zone served by sitedns (view london))",
            "mail-paris.example.com. (zone served by sitedns (view london))",
            "madrid.example.internal. (zone served by sitedns (view london))",
            "london.example.internal. (zone served by sitedns (view london))",
            // Each site's own forward zones; paris's and madrid's are the same names.
            "corp.example.com. (forward zone (view london))",
            "10.in-addr.arpa. (forward zone (view london))",
        },
        fixed_names({"10.in-addr.arpa."}));
    EXPECT_EQ(texts(negative_trust_anchors(config)), expected);
}

// Configured first, then the suffix, a file zone of an explicit view, a transparent one,
// top-level forward zones, then the views'; a name met twice keeps its first reason.
TEST(NegativeTrustAnchors, HandmadeTopologyInOrder) {
    ZoneDir dir;
    dir.write("lab.json", zone_json("Lab.Example.NET.", ""));
    dir.write("partner.json",
              R"({ "origin": "partner.example.org.", "records": [
                   { "name": "mx", "type": "A", "data": "198.51.100.9" } ] })");
    const std::string text = topology_test::two_sites(
        R"(, "zones": [{ "file": "partner.json", "transparent": true }],
             "forward_zones": [{ "name": "Corp.Example.COM.", "upstreams": ["10.1.0.10"] }])",
        "",
        R"("dnssec": { "validate": true, "negative_trust_anchors": ["Bank.Example.", "10.in-addr.arpa."] },
           "forward_zones": [{ "name": "10.in-addr.arpa.", "upstreams": ["10.0.0.1"] },
                             { "name": "ad.example.internal.", "upstreams": ["10.0.0.1"] }],
           "views": [{ "name": "lab", "match_clients": ["10.9.0.0/16"],
                       "zones": ["lab.json"],
                       "forward_zones": [{ "name": "lab.example.net.", "upstreams": ["10.9.0.1"] },
                                         { "name": "x.lab.example.net.", "upstreams": ["10.9.0.1"] }] }],)");
    const auto served = serve(text, dir.path());
    const std::vector<std::string> expected = joined(
        {
            "bank.example. (configured)",
            "10.in-addr.arpa. (configured)",
            "example.internal. (internal suffix)",
            "lab.example.net. (zone served by sitedns (view lab))",
            "paris.example.internal. (zone served by sitedns (view london))",
            "london.example.internal. (zone served by sitedns (view london))",
            "partner.example.org. (zone served by sitedns (view london))",
            "ad.example.internal. (forward zone)",
            // lab.example.net. is already listed: a zone the lab view serves.
            "x.lab.example.net. (forward zone (view lab))",
            "corp.example.com. (forward zone (view london))",
        },
        fixed_names({"10.in-addr.arpa."}));
    EXPECT_EQ(texts(negative_trust_anchors(served->config())), expected);
    // The compiled views give the file zones' origins without reading the files again.
    EXPECT_EQ(texts(negative_trust_anchors(served->config(), served->views())), expected);
}

TEST(NegativeTrustAnchors, UnreadableZoneFileThrows) {
    ZoneDir dir;
    dir.write("lab.json", zone_json("lab.example.net.", ""));
    Config config = parse_config(
        R"({ "upstreams": [], "views": [{ "name": "lab", "match_clients": ["any"], "zones": ["lab.json"] }] })",
        dir.path(), "t.json");
    EXPECT_EQ(texts(negative_trust_anchors(config)).front(),
              "lab.example.net. (zone served by sitedns (view lab))");
    std::filesystem::remove(dir.path() / "lab.json");
    EXPECT_THROW(negative_trust_anchors(config), std::runtime_error);
}

// ------------------------------------------------------------------ covering_anchor

TEST(CoveringAnchor, DeepestAnchorAtOrAboveTheName) {
    const std::vector<NegativeTrustAnchor> anchors{
        {"example.internal.", "internal suffix"},
        {"corp.example.com.", "forward zone"},
        {"dc1.corp.example.com.", "configured"},
        {"10.in-addr.arpa.", "private reverse zone (RFC 6303)"}};
    EXPECT_EQ(covering_anchor(anchors, "corp.example.com."), &anchors[1]);
    EXPECT_EQ(covering_anchor(anchors, "HQ.Corp.Example.COM"), &anchors[1]);
    EXPECT_EQ(covering_anchor(anchors, "a.dc1.corp.example.com."), &anchors[2]);
    EXPECT_EQ(covering_anchor(anchors, "4.3.2.10.in-addr.arpa."), &anchors[3]);
    EXPECT_EQ(covering_anchor(anchors, "mail.paris.example.internal."), &anchors[0]);
    // Whole labels only, and nothing above an anchor.
    EXPECT_EQ(covering_anchor(anchors, "notcorp.example.com."), nullptr);
    EXPECT_EQ(covering_anchor(anchors, "example.com."), nullptr);
    EXPECT_EQ(covering_anchor(anchors, "www.example.com."), nullptr);
    EXPECT_EQ(covering_anchor(anchors, ""), nullptr);
    EXPECT_EQ(covering_anchor(anchors, "a..b."), nullptr);
    EXPECT_EQ(covering_anchor({}, "corp.example.com."), nullptr);
}

}  // namespace
}  // namespace sitedns
