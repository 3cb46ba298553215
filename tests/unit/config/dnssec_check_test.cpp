// Issue 22 in `sitedns check`: the trust anchor file fails closed, and check lists the
// negative trust anchors.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/dnssec.h"
#include "topology_fixture.h"

namespace sitedns {
namespace {

using topology_test::printed;
using topology_test::serve;
using topology_test::two_sites;
using topology_test::ZoneDir;
using Lines = std::vector<std::string>;

/// Two root KSKs as Debian's dns-root-data writes them, shortened.
constexpr const char* kRootKey =
    "; the root zone's key-signing keys\n"
    ". IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbz ; keytag 20326\n"
    ". IN DNSKEY 257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc4 ; keytag 38696\n";

/// The end of check's error for a trust anchor file, after what is wrong with it.
const std::string kFix =
    "; forwarded answers cannot be validated, and validation never falls back to none: "
    "install dns-root-data, point dnssec.trust_anchor at a file of the root's DS or DNSKEY "
    "records, or set dnssec.validate to false";

Config validating(const std::string& trust_anchor) {
    Config config;
    config.dnssec.validate = true;
    config.dnssec.trust_anchor = trust_anchor;
    return config;
}

// ------------------------------------------------------------------ the trust anchor file

TEST(DnssecCheck, GoodTrustAnchorPasses) {
    ZoneDir dir;
    dir.write("root.key", kRootKey);
    EXPECT_TRUE(check_dnssec(validating((dir.path() / "root.key").string())).empty());
}

TEST(DnssecCheck, MissingTrustAnchorIsAnError) {
    ZoneDir dir;
    const std::string file = (dir.path() / "root.key").string();
    EXPECT_EQ(printed(check_dnssec(validating(file))),
              Lines{"error: dnssec: trust anchor " + file +
                    ": cannot open: No such file or directory" + kFix});
}

TEST(DnssecCheck, UnreadableTrustAnchorIsAnError) {
    ZoneDir dir;
    dir.write("file", "x");
    // Under a file, not a folder: no user can open it (the tests may run as root).
    const std::string under_file = (dir.path() / "file" / "root.key").string();
    EXPECT_EQ(printed(check_dnssec(validating(under_file))),
              Lines{"error: dnssec: trust anchor " + under_file + ": cannot open: Not a directory" +
                    kFix});
    const std::string folder = dir.path().string();
    EXPECT_EQ(
        printed(check_dnssec(validating(folder))),
        Lines{"error: dnssec: trust anchor " + folder + ": is a directory, not a file" + kFix});
}

TEST(DnssecCheck, TrustAnchorWithoutRootRecordsIsAnError) {
    ZoneDir dir;
    const std::string file = (dir.path() / "root.key").string();
    const std::string error = "error: dnssec: trust anchor " + file +
                              ": holds no DS or DNSKEY record for the root (a line \". IN DS "
                              "...\" or \". IN DNSKEY ...\")" +
                              kFix;
    for (const char* text : {"", "; nothing but a comment\n", "example. IN DS 1 8 2 AB\n",
                             ". IN NS a.root-servers.net.\n"}) {
        dir.write("root.key", text);
        EXPECT_EQ(printed(check_dnssec(validating(file))), Lines{error}) << text;
    }
}

TEST(DnssecCheck, NothingCheckedWithoutValidation) {
    Config config = validating("/nonexistent/root.key");
    config.dnssec.validate = false;
    EXPECT_TRUE(check_dnssec(config).empty());
}

// The topology check carries it, so the server refuses to start, and a reload keeps the
// old snapshot, exactly when check fails.
TEST(DnssecCheck, ReportedWithTheTopology) {
    ZoneDir dir;
    const std::string file = (dir.path() / "root.key").string();
    const auto served =
        serve(two_sites("", "", R"("dnssec": { "validate": true, "trust_anchor": "root.key" },)"),
              dir.path());
    EXPECT_EQ(printed(served->check()), Lines{"error: dnssec: trust anchor " + file +
                                              ": cannot open: No such file or directory" + kFix});
    dir.write("root.key", kRootKey);
    EXPECT_EQ(printed(served->check()), Lines{});
}

TEST(DnssecCheck, RootAnchorLines) {
    EXPECT_TRUE(holds_root_anchor(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D0845\n"));
    EXPECT_TRUE(holds_root_anchor(".\t172800\tIN\tDNSKEY\t257 3 8 AwEAAaz/tAm8"));
    EXPECT_TRUE(holds_root_anchor(". 3600 ds 20326 8 2 E06D"));
    EXPECT_TRUE(
        holds_root_anchor("; comment\n\nexample. IN DS 1 8 2 AB\r\n. IN DNSKEY 257 3 8 (\n"));
    EXPECT_FALSE(holds_root_anchor(". IN DS"));                   // no RDATA
    EXPECT_FALSE(holds_root_anchor("; . IN DS 20326 8 2 E06D"));  // a comment
    EXPECT_FALSE(holds_root_anchor(" . IN DS 20326 8 2 E06D"));   // a blank: no owner
    EXPECT_FALSE(holds_root_anchor("example. IN DNSKEY 257 3 8 AwEA"));
    EXPECT_FALSE(holds_root_anchor(". IN TXT \"DS\""));
}

// ------------------------------------------------------------------ what check prints

TEST(DnssecCheck, SummaryListsTheAnchorsWhileValidating) {
    Config config = validating("/usr/share/dns/root.key");
    const std::vector<NegativeTrustAnchor> anchors{{"corp.example.com.", "forward zone"},
                                                   {"local.", "RFC 6761 special-use"}};
    EXPECT_EQ(dnssec_summary(config, anchors),
              (Lines{"dnssec: forwarded answers are validated with the trust anchor "
                     "/usr/share/dns/root.key; not validated at or below 2 names:",
                     "negative trust anchor corp.example.com. (forward zone)",
                     "negative trust anchor local. (RFC 6761 special-use)"}));
    config.dnssec.validate = false;
    EXPECT_EQ(dnssec_summary(config, anchors), Lines{});
}

}  // namespace
}  // namespace sitedns
