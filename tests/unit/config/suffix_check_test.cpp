// `check`'s warning about the internal suffix (SPEC §5, issue 21): site views whose
// default upstreams look like domain controllers (private or loopback addresses) while no
// forward zone covers the suffix.

#include "config/suffix_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

Config parse(const std::string& text) {
    return parse_config(text, "/etc/sitedns", "t.json");
}

TEST(SuffixUpstreamsWarning, SitesSharingTheTopLevelUpstreamsGetOneLine) {
    const Config config = parse(Topology{}.json());  // upstreams 127.0.0.1:53
    EXPECT_EQ(printed(check_suffix_upstreams(config)),
              Lines{"warning: sites london, paris and madrid forward to 127.0.0.1, which looks "
                    "like a domain controller (a private or loopback address), but no forward "
                    "zone covers the internal suffix example.internal.: names under it that no "
                    "site zone holds, such as the Active Directory's when its domain is the "
                    "suffix, get NXDOMAIN and never reach them; add a forward zone "
                    "\"example.internal.\" to the domain controllers"});
}

TEST(SuffixUpstreamsWarning, NoneWhenAForwardZoneCoversTheSuffixOrTheUpstreamsArePublic) {
    EXPECT_TRUE(check_suffix_upstreams(parse(two_sites(""))).empty()) << "192.0.2.53 is public";
    const std::string dc = R"("upstreams": ["10.0.0.10"] })";
    EXPECT_TRUE(check_suffix_upstreams(
                    parse(two_sites(R"(, "upstreams": ["10.1.0.10"], "forward_zones": [{ "name":
                                     "example.internal.", )" +
                                    dc + "]")))
                    .empty())
        << "london's own forward zone covers it; paris forwards to a public address";
    EXPECT_TRUE(check_suffix_upstreams(
                    parse(two_sites(R"(, "upstreams": ["10.1.0.10"])",
                                    R"(, "upstreams": ["[fd00::53]:53"])",
                                    R"("forward_zones": [{ "name": "internal.", )" + dc + "],")))
                    .empty())
        << "a top-level forward zone above the suffix covers every site";
}

TEST(SuffixUpstreamsWarning, EachSitesOwnUpstreamsAndOnlyThoseThatLookLikeDcs) {
    const Config config =
        parse(two_sites(R"(, "upstreams": ["198.51.100.10", "10.1.0.10", "172.16.0.10"])",
                        R"(, "upstreams": ["[fd00::53]:53"],
                            "forward_zones": [{ "name": "_msdcs.example.internal.",
                                                "upstreams": ["10.2.0.10"] }])"));
    const Lines lines = printed(check_suffix_upstreams(config));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(
        lines[0].starts_with("warning: site london forwards to 10.1.0.10, 172.16.0.10, "
                             "which look like"))
        << lines[0];
    EXPECT_TRUE(lines[1].starts_with("warning: site paris forwards to fd00::53, which looks"))
        << "a forward zone below the suffix does not cover it: " << lines[1];
}

TEST(SuffixUpstreamsWarning, ALargeTopologyListsEightSitesAndTheCount) {
    std::string list;
    for (int i = 0; i < 10; ++i) {
        list += std::string(i == 0 ? "" : ", ") + R"({ "name": "s)" + std::to_string(i) +
                R"(", "subnets": ["10.)" + std::to_string(i) +
                R"(.0.0/16"], "address": "203.0.113.)" + std::to_string(i + 1) + "\"" +
                (i == 0 ? R"(, "primary": true)" : "") + " }";
    }
    const Config config = parse(R"({ "upstreams": ["10.255.0.53"], "sites": { "domain":
        "example.com", "internal_suffix": "example.internal", "list": [ )" +
                                list + " ] } }");
    const Lines lines = printed(check_suffix_upstreams(config));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(lines[0].starts_with(
        "warning: sites s0, s1, s2, s3, s4, s5, s6, s7, ... (10 sites) forward to 10.255.0.53, "))
        << lines[0];
}

}  // namespace
}  // namespace sitedns::topology_test
