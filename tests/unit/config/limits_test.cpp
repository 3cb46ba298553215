// `limits` (docs/configuration.md "limits"): the configuration, zone and recipients files
// held to a size, and std::bad_alloc while loading one turned into an error naming it.
// The limits here are small, set by each test; bad_alloc comes from a reader that throws.

#include <gtest/gtest.h>

#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/recipients.h"
#include "config/view_zones.h"
#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

namespace fs = std::filesystem;

/// A TextReader that runs out of memory, as a 2 GB zone or a 10-million-deep JSON does.
std::string out_of_memory(const fs::path& /*file*/, std::uint64_t /*max_bytes*/) {
    throw std::bad_alloc();
}

/// The message of the exception `f` throws, or "no error".
template <typename Error, typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

const std::string kConfig = R"({ "listen": ["127.0.0.1:5353"] })";
const std::string kNs = R"({ "name": "@", "type": "NS", "data": "ns.example.internal." })";

TEST(Limits, DefaultsAreFarAboveARealSite) {
    const Config config = parse_config(kConfig, "/etc/sitedns", "t.json");
    EXPECT_EQ(config.limits.zone_bytes, std::uint64_t{1} << 30);
    EXPECT_EQ(config.limits.recipients_bytes, std::uint64_t{256} << 20);
    EXPECT_EQ(kMaxConfigBytes, std::uint64_t{64} << 20);
}

TEST(Limits, KeysAreReadAndChecked) {
    const Config config = parse_config(
        R"({ "limits": { "zone_bytes": 2048, "recipients_bytes": 100 } })", "/", "t.json");
    EXPECT_EQ(config.limits.zone_bytes, 2048U);
    EXPECT_EQ(config.limits.recipients_bytes, 100U);
    const std::string zero = error_of<ConfigError>(
        [] { parse_config(R"({ "limits": { "zone_bytes": 0 } })", "/", "t.json"); });
    EXPECT_NE(zero.find("/limits/zone_bytes"), std::string::npos) << zero;
    const std::string typo = error_of<ConfigError>(
        [] { parse_config(R"({ "limits": { "zone_byte": 10 } })", "/", "t.json"); });
    EXPECT_NE(typo.find("did you mean \"zone_bytes\""), std::string::npos) << typo;
}

TEST(Limits, AConfigurationFileOverTheLimitIsNamed) {
    ZoneDir dir;
    dir.write("sitedns.json", kConfig);
    const fs::path file = dir.path() / "sitedns.json";
    EXPECT_NO_THROW(read_config_file(file, kConfig.size()));
    EXPECT_EQ(error_of<ConfigError>([&] { read_config_file(file, kConfig.size() - 1); }),
              file.string() + ": larger than the limit of " + std::to_string(kConfig.size() - 1) +
                  " bytes for a configuration file");
}

TEST(Limits, OutOfMemoryReadingTheConfigurationNamesIt) {
    ZoneDir dir;
    dir.write("sitedns.json", kConfig);
    const fs::path file = dir.path() / "sitedns.json";
    EXPECT_EQ(
        error_of<ConfigError>([&] { read_config_file(file, kMaxConfigBytes, out_of_memory); }),
        file.string() + ": out of memory while reading it");
}

/// A configuration of one view holding the zone files `names` of `dir`, with
/// limits.zone_bytes `limit`.
Config view_of(const ZoneDir& dir, const std::vector<std::string>& names, std::uint64_t limit) {
    std::string zones;
    for (const std::string& name : names) {
        zones += (zones.empty() ? "\"" : ", \"") + name + "\"";
    }
    return parse_config(R"({ "limits": { "zone_bytes": )" + std::to_string(limit) +
                            R"( }, "views": [ { "name": "v", "match_clients": ["any"],
                                 "zones": [)" +
                            zones + "] } ] }",
                        dir.path(), "t.json");
}

TEST(Limits, ZoneFilesTogetherAreHeldToZoneBytes) {
    ZoneDir dir;
    const std::string a = zone_json("a.example.", kNs);
    const std::string b = zone_json("b.example.", kNs);
    dir.write("a.json", a);
    dir.write("b.json", b);
    const std::uint64_t both = a.size() + b.size();
    EXPECT_NO_THROW(compile_views(view_of(dir, {"a.json", "b.json"}, both)));
    // Each file alone is under the limit; together they are one byte over it.
    const std::string error = error_of<model::ZoneError>([&] {
        compile_views(view_of(dir, {"a.json", "b.json"}, both - 1));
    });
    EXPECT_EQ(error, (dir.path() / "b.json").string() + ": larger than limits.zone_bytes, " +
                         std::to_string(both - 1) + " bytes, with the " + std::to_string(a.size()) +
                         " bytes of zone files read before it (the limit holds for all of "
                         "them together)");
    const std::string alone =
        error_of<model::ZoneError>([&] { compile_views(view_of(dir, {"a.json"}, a.size() - 1)); });
    EXPECT_EQ(alone, (dir.path() / "a.json").string() + ": larger than limits.zone_bytes, " +
                         std::to_string(a.size() - 1) + " bytes");
}

TEST(Limits, OutOfMemoryReadingAZoneNamesIt) {
    ZoneDir dir;
    dir.write("a.json", zone_json("a.example.", kNs));
    const Config config = view_of(dir, {"a.json"}, load::kDefaultZoneBytes);
    EXPECT_EQ(error_of<model::ZoneError>([&] { compile_views(config, out_of_memory); }),
              (dir.path() / "a.json").string() + ": out of memory while reading it");
}

/// london and paris (two_sites) with a recipients file of `text` in `dir`.
Sites sites_with_recipients(const ZoneDir& dir, const std::string& text) {
    dir.write("recipients.csv", text);
    Sites sites = *parse_config(two_sites(""), dir.path(), "t.json").sites;
    sites.recipients = (dir.path() / "recipients.csv").string();
    return sites;
}

TEST(Limits, ARecipientsFileOverTheLimitIsNamed) {
    ZoneDir dir;
    const std::string text = "address,site\nbob@example.com,paris\n";
    const Sites sites = sites_with_recipients(dir, text);
    std::vector<Problem> problems;
    EXPECT_EQ(read_recipients(sites, problems, text.size()).list.size(), 1U);
    EXPECT_TRUE(problems.empty());
    EXPECT_TRUE(read_recipients(sites, problems, text.size() - 1).list.empty());
    EXPECT_EQ(printed(problems), std::vector<std::string>{"error: " + sites.recipients +
                                                          ": larger than the limit of " +
                                                          std::to_string(text.size() - 1) +
                                                          " bytes (limits.recipients_bytes)"});
}

TEST(Limits, OutOfMemoryReadingRecipientsNamesTheFile) {
    ZoneDir dir;
    const Sites sites = sites_with_recipients(dir, "address,site\nbob@example.com,paris\n");
    std::vector<Problem> problems;
    EXPECT_TRUE(
        read_recipients(sites, problems, kDefaultRecipientsBytes, out_of_memory).list.empty());
    EXPECT_EQ(printed(problems),
              std::vector<std::string>{"error: " + sites.recipients +
                                       ": out of memory while reading the recipients file"});
}

}  // namespace
}  // namespace sitedns::topology_test
