// compile_views: every zone source compiled once and shared by the views holding it
// (SPEC §3.3), the "listed twice" error, and a 1,000-site topology.

#include "config/view_zones.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

#include "zones/dns/types.h"

namespace sitedns {
namespace {

namespace fs = std::filesystem;

/// The lowercased wire key of an absolute name, for ZoneSet::find.
std::string key(const char* name) {
    return dns::Name::parse_absolute(name).key();
}

const model::Zone* find(const model::ZoneSet& zones, const char* name) {
    std::string wire = key(name);
    return zones.find(std::span(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()));
}

/// A minimal JSON zone with the given origin.
std::string zone_text(const std::string& origin) {
    return R"({"origin": ")" + origin + R"(", "soa": {"mname": "ns.)" + origin +
           R"(", "rname": "h.)" + origin +
           R"(", "serial": 1, "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60},
              "records": [{"name": "@", "type": "NS", "data": "ns"},
                          {"name": "ns", "type": "A", "data": "192.0.2.1"}]})";
}

TEST(CompileViews, TheBuiltInSitesCompileFourZonesForThreeViews) {
    Config config = default_config();
    CompiledViews compiled = compile_views(config);
    ASSERT_EQ(compiled.zones.size(), 3U);
    EXPECT_EQ(compiled.zone_count, 4U) << "three site zones and the suffix's";
    EXPECT_EQ(compiled.record_count, 17U);  // SOA, NS, MX, A, AAAA per site; SOA, NS
    const model::ZoneSet& london = compiled.zones[0];
    const model::ZoneSet& paris = compiled.zones[1];
    const model::ZoneSet& madrid = compiled.zones[2];
    EXPECT_EQ(london.zones().size(), 4U);
    ASSERT_NE(find(london, "mail.paris.example.local."), nullptr);
    // One compiled object for paris's zone, whichever view holds it, its own included.
    EXPECT_EQ(find(london, "paris.example.local."), find(madrid, "paris.example.local."));
    EXPECT_EQ(find(paris, "mail.paris.example.local."), find(madrid, "paris.example.local."));
    EXPECT_EQ(find(paris, "london.example.local."), find(madrid, "london.example.local."));
    // Other names under the suffix: the suffix's zone, one object too.
    const model::Zone* suffix = find(london, "nowhere.example.local.");
    ASSERT_NE(suffix, nullptr);
    EXPECT_EQ(suffix->origin().to_text(), "example.local.");
    EXPECT_EQ(suffix, find(paris, "example.local."));
    EXPECT_EQ(find(london, "foo.local."), nullptr) << "outside the suffix: forwarded";
}

TEST(CompileViews, GeneratedMxHasItsAddressesInTheAdditionalSection) {
    CompiledViews compiled = compile_views(default_config());
    const model::Zone* paris = find(compiled.zones[0], "paris.example.local.");
    ASSERT_NE(paris, nullptr);
    const model::RRset* mx = paris->apex().find(dns::rrtype::MX);
    ASSERT_NE(mx, nullptr);
    ASSERT_EQ(mx->additional.size(), 1U);
    EXPECT_EQ(mx->additional[0]->name.to_text(), "mail.paris.example.local.");
    EXPECT_NE(mx->additional[0]->find(dns::rrtype::A), nullptr);
    EXPECT_NE(mx->additional[0]->find(dns::rrtype::AAAA), nullptr);
    EXPECT_EQ(paris->negative_ttl(), 300U);
    EXPECT_EQ(paris->source(), "generated zone for site paris");
}

TEST(CompileViews, AFileHeldByTwoViewsIsCompiledOnce) {
    fs::path examples = fs::path(SITEDNS_SOURCE_DIR) / "zones/examples";
    Config config;
    config.views.resize(2);
    config.views[0].name = "one";
    config.views[0].zones = {{examples / "paris.example.local.json", {}, {}},
                             {examples / "london.example.local.json", {}, {}}};
    config.views[1].name = "two";
    // The same file by another spelling of its path.
    config.views[1].zones = {{examples / "../examples/./paris.example.local.json", {}, {}}};
    CompiledViews compiled = compile_views(config);
    EXPECT_EQ(compiled.zone_count, 2U);
    ASSERT_EQ(compiled.zones[1].zones().size(), 1U);
    EXPECT_EQ(compiled.zones[0].zones()[0], compiled.zones[1].zones()[0]);
    EXPECT_EQ(compiled.record_count, compiled.zones[0].zones()[0]->record_count() +
                                         compiled.zones[0].zones()[1]->record_count());
}

TEST(CompileViews, BuiltInSourcesAreSharedByName) {
    std::string text = zone_text("a.test.");
    Config config;
    config.views.resize(2);
    config.views[0].name = "one";
    config.views[0].zones = {{"a.json", text, {}}};
    config.views[1].name = "two";
    config.views[1].zones = {{"a.json", text, {}}};
    CompiledViews compiled = compile_views(config);
    EXPECT_EQ(compiled.zone_count, 1U);
    EXPECT_EQ(compiled.record_count, 3U);
    EXPECT_EQ(compiled.zones[0].zones()[0], compiled.zones[1].zones()[0]);
}

TEST(CompileViews, AViewWithNoZonesIsStillAView) {
    Config config;
    config.views.resize(1);
    config.views[0].name = "empty";
    CompiledViews compiled = compile_views(config);
    ASSERT_EQ(compiled.zones.size(), 1U);
    EXPECT_TRUE(compiled.zones[0].zones().empty());
    EXPECT_EQ(compiled.zone_count, 0U);
}

std::string error_of(const Config& config) {
    try {
        compile_views(config);
    } catch (const std::exception& error) {
        return error.what();
    }
    return "no error";
}

TEST(CompileViews, OneOriginTwiceInAViewNamesBothSources) {
    std::string text = zone_text("a.test.");
    Config config;
    config.source = "t.json";
    config.views.resize(1);
    config.views[0].name = "one";
    config.views[0].zones = {{"a.json", text, {}}, {"a-again.json", text, {}}};
    EXPECT_EQ(error_of(config),
              "t.json: view one: zone a.test. listed twice (a.json, a-again.json)");
}

TEST(CompileViews, ASiteZoneFileCollidingWithAGeneratedZoneNamesBoth) {
    Config config = default_config();
    std::string text = zone_text("paris.example.local.");
    config.views[0].zones.push_back({"paris.json", text, {}});
    EXPECT_EQ(error_of(config),
              "built-in: view london: zone paris.example.local. listed twice (generated zone for "
              "site paris, paris.json)");
}

TEST(CompileViews, AZoneErrorNamesTheFile) {
    Config config;
    config.views.resize(1);
    config.views[0].name = "one";
    config.views[0].zones = {{"/nonexistent/sitedns/zone.json", {}, {}}};
    EXPECT_NE(error_of(config).find("/nonexistent/sitedns/zone.json"), std::string::npos);
}

/// Resident set size of this process in kB, from /proc/self/status (0 if unknown).
long rss_kb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

/// A sites configuration of `count` sites, site i in 10.<i/256>.<i%256>.0/24.
std::string many_sites(std::size_t count) {
    std::string text = R"({"upstreams": [], "sites": {"domain": "example.com",
        "internal_suffix": "example.internal", "list": [)";
    for (std::size_t i = 0; i < count; ++i) {
        std::string octets = std::to_string(i / 256) + "." + std::to_string(i % 256);
        text += (i ? ",\n" : "\n");
        text += R"({"name": "site)" + std::to_string(i) + R"(", "subnets": ["10.)" + octets +
                R"(.0/24"], "address": "100.64.)" + octets + R"(", "address6": "2001:db8::)" +
                std::to_string(i) + R"("})";
    }
    return text + "]}}";
}

TEST(CompileViews, AThousandSitesCompileAThousandAndOneZones) {
    constexpr std::size_t kSites = 1000;
    std::string text = many_sites(kSites);
    auto start = std::chrono::steady_clock::now();
    Config config = parse_config(text, "/", "many.json");
    auto parsed = std::chrono::steady_clock::now();
    CompiledViews compiled = compile_views(config);
    auto done = std::chrono::steady_clock::now();
    auto ms = [](auto d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    // Information only: the test asserts what was built, not how fast.
    std::cout << "1000 sites: parse " << ms(parsed - start) << " ms, compile_views "
              << ms(done - parsed) << " ms, VmRSS " << rss_kb() << " kB\n";

    ASSERT_EQ(config.views.size(), kSites);
    ASSERT_EQ(compiled.zones.size(), kSites);
    EXPECT_EQ(compiled.zone_count, kSites + 1) << "one per site and the suffix's";
    EXPECT_EQ(compiled.record_count, kSites * 5 + 2);
    for (const model::ZoneSet& zones : compiled.zones) ASSERT_EQ(zones.zones().size(), kSites + 1);
    // site7's zone: the same object in the first view and the last.
    const model::Zone* first = find(compiled.zones[0], "mail.site7.example.internal.");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first, find(compiled.zones[kSites - 1], "site7.example.internal."));
    EXPECT_EQ(find(compiled.zones[7], "site7.example.internal."), first) << "its own view too";
}

}  // namespace
}  // namespace sitedns
