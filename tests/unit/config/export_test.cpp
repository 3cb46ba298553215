#include "config/export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "config/view_zones.h"
#include "topology_fixture.h"
#include "zones/dns/types.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns {
namespace {

namespace fs = std::filesystem;

const char* const kParis = R"({
  "origin": "paris.example.local.", "ttl": 3600,
  "soa": { "mname": "ns.london.example.local.", "rname": "hostmaster.example.com.",
           "serial": 2026112401, "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [
    { "name": "www", "type": "CNAME", "data": "mail" },
    { "name": "mail", "type": "AAAA", "data": "2001:db8:20::25" },
    { "name": "@", "type": "TXT", "data": "\"v=spf1 mx -all\"" },
    { "name": "mail", "type": "A", "data": "203.0.113.20" },
    { "name": "@", "type": "MX", "ttl": 300, "data": "10 mail" },
    { "name": "@", "type": "NS", "data": "ns.london.example.local." },
    { "name": "*.dyn", "type": "A", "data": "198.51.100.7" },
    { "name": "sub", "type": "NS", "data": "ns.sub" },
    { "name": "ns.sub", "type": "A", "data": "192.0.2.53" },
    { "name": "_submission._tcp", "type": "SRV", "data": "0 1 587 mail" },
    { "name": "opaque", "type": "TYPE65280", "data": "\\# 2 abcd" }
  ] })";

const char* const kAlpha = R"({
  "origin": "alpha.test.", "ttl": 60,
  "soa": { "mname": "ns.alpha.test.", "rname": "hostmaster.alpha.test.",
           "serial": 7, "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "@", "type": "NS", "data": "ns" },
               { "name": "ns", "type": "A", "data": "192.0.2.1" } ] })";

std::shared_ptr<const model::Zone> compile(const char* json, const char* source) {
    return model::Zone::compile(load::read_json_zone(json, source));
}

/// Two views: "office" holds paris and alpha (added in that order), "empty" holds none.
struct Fixture {
    Config config;
    CompiledViews compiled;
    std::vector<ServedView> views;
    Fixture() {
        config.views.resize(2);
        config.views[0].name = "office";
        config.views[1].name = "empty";
        compiled.zones.resize(2);
        compiled.zones[0].add(compile(kParis, "zones/paris.json"));
        compiled.zones[0].add(compile(kAlpha, "zones/alpha.json"));
        for (std::size_t i = 0; i < config.views.size(); ++i) {
            views.push_back({&config.views[i], &compiled.zones[i]});
        }
    }
    Fixture(const Fixture&) = delete;  // `views` points into the members
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end - start));
        start = end == std::string::npos ? text.size() : end + 1;
    }
    return lines;
}

TEST(ExportView, ZonesSortedByOriginEachAMasterFile) {
    const Fixture f;
    const auto zones = export_view_zones(f.views, "office");
    ASSERT_EQ(zones.size(), 2u);
    // Canonical order compares the last labels first: "local" sorts before "test".
    EXPECT_EQ(zones[0].first, "paris.example.local.");
    EXPECT_EQ(zones[1].first, "alpha.test.");
    EXPECT_EQ(lines_of(zones[1].second),
              (std::vector<std::string>{
                  "; zone alpha.test. from zones/alpha.json (view office)",
                  "$ORIGIN alpha.test.",
                  "alpha.test.\t60\tIN\tSOA\tns.alpha.test. hostmaster.alpha.test. 7 3600 600 "
                  "604800 60",
                  "alpha.test.\t60\tIN\tNS\tns.alpha.test.",
                  "ns.alpha.test.\t60\tIN\tA\t192.0.2.1",
              }));
    EXPECT_EQ(zones[1].second.back(), '\n');
}

TEST(ExportView, SoaFirstThenCanonicalNameOrderThenTypeNumber) {
    const Fixture f;
    const auto zones = export_view_zones(f.views, "office");
    ASSERT_EQ(zones.size(), 2u);
    const auto lines = lines_of(zones[0].second);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[0], "; zone paris.example.local. from zones/paris.json (view office)");
    EXPECT_EQ(lines[1], "$ORIGIN paris.example.local.");
    EXPECT_EQ(lines[2],
              "paris.example.local.\t3600\tIN\tSOA\tns.london.example.local. "
              "hostmaster.example.com. 2026112401 3600 600 604800 300");
    EXPECT_EQ(lines[4], "paris.example.local.\t300\tIN\tMX\t10 mail.paris.example.local.");
    // The exact order: canonical (RFC 4034 §6.1) owners, types by number within one.
    // Labels compare as lowercased octets, so "_tcp" (0x5f) sorts before "dyn".
    std::vector<std::string> owners_and_types;
    for (std::size_t i = 2; i < lines.size(); ++i) {
        const auto fields = lines[i];
        const std::size_t t1 = fields.find('\t');
        const std::size_t t3 = fields.find('\t', fields.find('\t', t1 + 1) + 1);
        const std::size_t t4 = fields.find('\t', t3 + 1);
        owners_and_types.push_back(fields.substr(0, t1) + " " + fields.substr(t3 + 1, t4 - t3 - 1));
    }
    EXPECT_EQ(owners_and_types, (std::vector<std::string>{
                                    "paris.example.local. SOA",
                                    "paris.example.local. NS",
                                    "paris.example.local. MX",
                                    "paris.example.local. TXT",
                                    "_submission._tcp.paris.example.local. SRV",
                                    "*.dyn.paris.example.local. A",
                                    "mail.paris.example.local. A",
                                    "mail.paris.example.local. AAAA",
                                    "opaque.paris.example.local. TYPE65280",
                                    "sub.paris.example.local. NS",
                                    "ns.sub.paris.example.local. A",
                                    "www.paris.example.local. CNAME",
                                }));
}

TEST(ExportView, JoinsZonesWithABlankLine) {
    const Fixture f;
    const auto zones = export_view_zones(f.views, "office");
    EXPECT_EQ(export_view(f.views, "office"), zones[0].second + "\n" + zones[1].second);
}

TEST(ExportView, ViewWithoutZonesIsEmpty) {
    const Fixture f;
    EXPECT_TRUE(export_view_zones(f.views, "empty").empty());
    EXPECT_EQ(export_view(f.views, "empty"), "");
}

TEST(ExportView, UnknownViewListsTheViews) {
    const Fixture f;
    try {
        export_view(f.views, "nosuch");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "no view named nosuch; views: office, empty");
    }
}

/// Every record of a zone as comparable tuples.
using RecordKey = std::tuple<std::string, std::uint16_t, std::uint32_t, std::vector<std::uint8_t>>;
std::vector<RecordKey> records_of(const model::Zone& zone) {
    std::vector<RecordKey> out;
    for (const model::Node& node : zone.nodes()) {
        for (const model::RRset& set : node.rrsets) {
            for (const auto& rdata : set.rdatas) {
                out.emplace_back(node.name.to_text(), set.type, set.ttl, rdata);
            }
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// What export writes loads back, through sitedns's own RFC 1035 reader, into the same
// records (owner case and TTLs included).
TEST(ExportView, OutputReadsBackAsTheSameZone) {
    const Fixture f;
    const fs::path dir = fs::temp_directory_path() / ("sitedns-export-" + std::to_string(getpid()));
    fs::create_directories(dir);
    for (const auto& [origin, text] : export_view_zones(f.views, "office")) {
        const fs::path file = dir / (origin + "zone");
        std::ofstream(file) << text;
        const auto again =
            model::Zone::compile(load::read_rfc1035_zone(file, dns::Name::parse_absolute(origin)));
        const std::string& key = again->key();
        const auto* original = f.compiled.zones[0].find(
            {reinterpret_cast<const std::uint8_t*>(key.data()), key.size()});
        ASSERT_NE(original, nullptr) << origin;
        EXPECT_EQ(records_of(*again), records_of(*original)) << origin;
    }
    fs::remove_all(dir);
}

// The built-in configuration is the three-site example (SPEC §3.3): a site's view holds
// every site's zone, its own included, and the suffix's.
TEST(ExportView, BuiltInSiteViewHoldsEverySiteAndTheSuffix) {
    const topology_test::Served served(default_config());
    const auto zones = export_view_zones(served.views(), "london");
    ASSERT_EQ(zones.size(), 4u);
    EXPECT_EQ(zones[0].first, "example.local.");
    EXPECT_EQ(zones[1].first, "london.example.local.");
    EXPECT_EQ(zones[2].first, "madrid.example.local.");
    EXPECT_EQ(zones[3].first, "paris.example.local.");
    const std::string& paris = zones[3].second;
    EXPECT_NE(paris.find("(view london)"), std::string::npos) << paris;
    EXPECT_NE(paris.find("paris.example.local.\t300\tIN\tMX\t10 mail.paris.example.local.\n"),
              std::string::npos)
        << paris;
    EXPECT_NE(paris.find("mail.paris.example.local.\t300\tIN\tA\t203.0.113.20\n"),
              std::string::npos)
        << paris;
    // The suffix's zone: its SOA and NS alone, the NS outside it (RFC 6303's empty zones).
    const std::string& suffix = zones[0].second;
    EXPECT_NE(suffix.find("example.local.\t300\tIN\tSOA\tns.example.local. "
                          "hostmaster.example.com. "),
              std::string::npos)
        << suffix;
    EXPECT_NE(suffix.find("example.local.\t300\tIN\tNS\tlocalhost.\n"), std::string::npos)
        << suffix;
    EXPECT_EQ(std::count(suffix.begin(), suffix.end(), '\n'), 4) << suffix;
}

}  // namespace
}  // namespace sitedns
