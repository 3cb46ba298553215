// Zones served transparently (SPEC §5): their SOA is optional, and only for them; a zone
// without records at its origin still has an apex to look names up from.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "zones/dns/types.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::model {
namespace {

using load::SoaRule;

/// The generated zone of an absolute mail_host: the one name, A and AAAA, no SOA.
constexpr const char* kNoSoa = R"({
  "origin": "mail-paris.example.com.", "ttl": 300,
  "records": [
    { "name": "@", "type": "A",    "data": "203.0.113.20" },
    { "name": "@", "type": "AAAA", "data": "2001:db8::20" }
  ]
})";

/// Records below the origin only: the apex exists without data.
constexpr const char* kNoApexData = R"({
  "origin": "example.com.",
  "records": [ { "name": "mail-paris", "type": "A", "data": "203.0.113.20" } ]
})";

constexpr const char* kWithSoa = R"({
  "origin": "example.com.", "ttl": 3600,
  "soa": { "mname": "ns", "rname": "hostmaster", "serial": 1, "refresh": 3600,
           "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [ { "name": "mail-paris", "type": "A", "data": "203.0.113.20" } ]
})";

std::string key(const std::string& text) {
    return dns::Name::parse_absolute(text).key();
}

std::span<const std::uint8_t> bytes(const std::string& k) {
    return {reinterpret_cast<const std::uint8_t*>(k.data()), k.size()};
}

std::string load_error(const char* text, SoaRule soa, ZoneMode mode) {
    try {
        (void)Zone::compile(load::read_json_zone(text, "t.json", soa), mode);
    } catch (const model::ZoneError& e) {
        return e.what();
    }
    return "";
}

TEST(TransparentZone, ASoaIsRequiredUnlessTheZoneIsTransparent) {
    struct Case {
        const char* label;
        const char* text;
        SoaRule soa;
        ZoneMode mode;
        const char* error;  ///< "" when it loads
    };
    const std::vector<Case> cases = {
        {"json without soa", kNoSoa, SoaRule::Required, ZoneMode::Authoritative,
         "t.json: top level: missing key \"soa\" (only a transparent zone may go without)"},
        {"transparent without soa", kNoSoa, SoaRule::Optional, ZoneMode::Transparent, ""},
        {"compiled as a zone without soa", kNoSoa, SoaRule::Optional, ZoneMode::Authoritative,
         "t.json: zone mail-paris.example.com. needs exactly one SOA at its origin"},
        {"transparent, nothing at the origin", kNoApexData, SoaRule::Optional,
         ZoneMode::Transparent, ""},
        {"transparent with soa", kWithSoa, SoaRule::Optional, ZoneMode::Transparent, ""},
        {"zone with soa", kWithSoa, SoaRule::Required, ZoneMode::Authoritative, ""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.label);
        EXPECT_EQ(load_error(c.text, c.soa, c.mode), c.error);
    }
}

TEST(TransparentZone, WithoutSoa) {
    const auto zone = Zone::compile(load::read_json_zone(kNoSoa, "t.json", SoaRule::Optional),
                                    ZoneMode::Transparent);
    EXPECT_TRUE(zone->transparent());
    EXPECT_FALSE(zone->has_soa());
    EXPECT_EQ(zone->negative_ttl(), 0u);
    EXPECT_EQ(zone->record_count(), 2u);
    EXPECT_NE(zone->apex().find(dns::rrtype::A), nullptr);
    EXPECT_NE(zone->apex().find(dns::rrtype::AAAA), nullptr);
}

TEST(TransparentZone, AnApexWithoutRecordsIsAnEmptyNode) {
    const auto zone = Zone::compile(load::read_json_zone(kNoApexData, "t.json", SoaRule::Optional),
                                    ZoneMode::Transparent);
    EXPECT_EQ(zone->apex().name.to_text(), "example.com.");
    EXPECT_TRUE(zone->apex().rrsets.empty());
    const std::string host = key("mail-paris.example.com.");
    EXPECT_EQ(zone->lookup(bytes(host)).match, Match::Exact);
    const std::string other = key("www.example.com.");
    const LookupResult miss = zone->lookup(bytes(other));
    EXPECT_EQ(miss.match, Match::NxDomain);
    EXPECT_EQ(miss.node, &zone->apex());
}

TEST(TransparentZone, HasRecordsAtNamesWithDataOrAWildcardOnly) {
    constexpr const char* kText = R"({ "origin": "example.com.", "records": [
      { "name": "a.b", "type": "A", "data": "192.0.2.1" },
      { "name": "*.w", "type": "A", "data": "192.0.2.2" },
      { "name": "cut", "type": "NS", "data": "ns.elsewhere." } ] })";
    const auto zone = Zone::compile(load::read_json_zone(kText, "t.json", SoaRule::Optional),
                                    ZoneMode::Transparent);
    const std::vector<std::pair<const char*, bool>> names = {
        {"a.b.example.com.", true},    {"x.w.example.com.", true}, {"b.example.com.", false},
        {"example.com.", false},       {"nx.example.com.", false}, {"cut.example.com.", false},
        {"in.cut.example.com.", false}};
    for (const auto& [name, has] : names) {
        const std::string k = key(name);
        EXPECT_EQ(zone->lookup(bytes(k)).has_records(), has) << name;
    }
}

TEST(TransparentZone, WithSoaKeepsItsNegativeTtl) {
    const auto zone = Zone::compile(load::read_json_zone(kWithSoa, "t.json", SoaRule::Optional),
                                    ZoneMode::Transparent);
    EXPECT_TRUE(zone->transparent());
    ASSERT_TRUE(zone->has_soa());
    EXPECT_EQ(zone->soa().type, dns::rrtype::SOA);
    EXPECT_EQ(zone->negative_ttl(), 300u);
}

TEST(TransparentZone, ANormalZoneIsNotTransparent) {
    const auto zone = Zone::compile(load::read_json_zone(kWithSoa, "t.json"));
    EXPECT_FALSE(zone->transparent());
    EXPECT_TRUE(zone->has_soa());
}

TEST(TransparentZone, ZoneFilesPassTheRuleToJsonOnly) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("sitedns_transparent_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "t.json") << kNoSoa;
    std::ofstream(dir / "t.zone") << "$ORIGIN example.com.\nmail-paris 300 IN A 203.0.113.20\n";
    EXPECT_EQ(load::read_zone_file(dir / "t.json", SoaRule::Optional).records.size(), 2u);
    EXPECT_THROW((void)load::read_zone_file(dir / "t.json"), model::ZoneError);
    // An RFC 1035 file takes its origin from its SOA: it needs one either way.
    EXPECT_THROW((void)load::read_zone_file(dir / "t.zone", SoaRule::Optional), model::ZoneError);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sitedns::model
