// compile_views for transparent zone sources (SPEC §5): one compiled zone per source and
// mode, the SOA optional for them only, and the generated zone of an absolute mail_host.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/view_zones.h"
#include "zones/dns/types.h"

namespace sitedns {
namespace {

/// An override of one name of a public domain, without SOA.
constexpr const char* kOverride = R"({"origin": "example.com.",
  "records": [{"name": "mail-paris", "type": "A", "data": "203.0.113.20"}]})";

ZoneSource builtin(const char* name, const char* text, bool transparent) {
    ZoneSource source{name, text, {}};
    source.transparent = transparent;
    return source;
}

Config two_views(ZoneSource first, ZoneSource second) {
    Config config;
    config.views.resize(2);
    config.views[0].name = "one";
    config.views[0].zones = {std::move(first)};
    config.views[1].name = "two";
    config.views[1].zones = {std::move(second)};
    return config;
}

std::string error_of(const Config& config) {
    try {
        (void)compile_views(config);
    } catch (const std::exception& error) {
        return error.what();
    }
    return "no error";
}

TEST(CompileTransparentViews, ASourceIsCompiledOncePerMode) {
    const std::string with_soa = R"({"origin": "example.com.", "soa": {"mname": "ns",
        "rname": "h", "serial": 1, "refresh": 3600, "retry": 600, "expire": 604800,
        "minimum": 60}, "records": [{"name": "mail-paris", "type": "A",
        "data": "203.0.113.20"}]})";
    Config shared = two_views(builtin("o.json", with_soa.c_str(), true),
                              builtin("o.json", with_soa.c_str(), true));
    CompiledViews compiled = compile_views(shared);
    EXPECT_EQ(compiled.zone_count, 1U);
    EXPECT_EQ(compiled.zones[0].zones()[0], compiled.zones[1].zones()[0]);
    EXPECT_TRUE(compiled.zones[0].zones()[0]->transparent());

    Config mixed = two_views(builtin("o.json", with_soa.c_str(), true),
                             builtin("o.json", with_soa.c_str(), false));
    compiled = compile_views(mixed);
    EXPECT_EQ(compiled.zone_count, 2U);
    EXPECT_TRUE(compiled.zones[0].zones()[0]->transparent());
    EXPECT_FALSE(compiled.zones[1].zones()[0]->transparent());
}

TEST(CompileTransparentViews, OnlyATransparentSourceMayLackItsSoa) {
    Config config =
        two_views(builtin("o.json", kOverride, true), builtin("o.json", kOverride, true));
    CompiledViews compiled = compile_views(config);
    EXPECT_FALSE(compiled.zones[0].zones()[0]->has_soa());

    config.views[1].zones[0].transparent = false;
    EXPECT_EQ(error_of(config),
              "o.json: top level: missing key \"soa\" (only a transparent zone may go without)");
}

TEST(CompileTransparentViews, AGeneratedZoneWithoutSoaCompilesTransparent) {
    auto data = std::make_shared<model::ZoneData>();
    data->origin = dns::Name::parse_absolute("mail-paris.example.com.");
    data->source = "generated mail host of site paris";
    data->records.push_back({data->origin, dns::rrtype::A, 300, {203, 0, 113, 20}, "generated A"});
    ZoneSource generated;
    generated.generated = data;
    generated.transparent = true;
    Config config = two_views(generated, generated);
    CompiledViews compiled = compile_views(config);
    EXPECT_EQ(compiled.zone_count, 1U);
    const model::Zone& zone = *compiled.zones[0].zones()[0];
    EXPECT_TRUE(zone.transparent());
    EXPECT_FALSE(zone.has_soa());
    EXPECT_NE(zone.apex().find(dns::rrtype::A), nullptr);

    config.views[1].zones[0].transparent = false;
    EXPECT_EQ(error_of(config),
              "generated mail host of site paris: zone mail-paris.example.com. needs exactly one "
              "SOA at its origin");
}

}  // namespace
}  // namespace sitedns
