#include "zones/examples/embedded.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "zones/dns/types.h"
#include "zones/load/zone_readers.h"

namespace sitedns::examples {
namespace {

TEST(ExamplesTest, ThreeSiteZonesAreEmbedded) {
    std::set<std::string> names;
    for (const auto& file : zone_files()) {
        names.emplace(file.name);
    }
    EXPECT_EQ(names,
              (std::set<std::string>{"london.example.local.json", "madrid.example.local.json",
                                     "paris.example.local.json"}));
}

TEST(ExamplesTest, EachZoneParsesAndMatchesItsFileName) {
    for (const auto& file : zone_files()) {
        SCOPED_TRACE(std::string(file.name));
        const model::ZoneData zone = load::read_json_zone(file.content, file.name);
        EXPECT_EQ(zone.origin.to_text() + "json", file.name);
        ASSERT_FALSE(zone.records.empty());
        EXPECT_EQ(zone.records[0].type, dns::rrtype::SOA);
        const auto count = [&](std::uint16_t type) {
            return std::count_if(zone.records.begin(), zone.records.end(),
                                 [type](const model::Record& r) { return r.type == type; });
        };
        EXPECT_EQ(count(dns::rrtype::MX), 1);
        EXPECT_EQ(count(dns::rrtype::SRV), 1);
        EXPECT_EQ(count(dns::rrtype::CNAME), 1);
        EXPECT_EQ(count(dns::rrtype::AAAA), 1);
        EXPECT_EQ(count(dns::rrtype::TXT), 1);
    }
}

TEST(ExamplesTest, LondonHoldsItsNameserverAndDelegation) {
    for (const auto& file : zone_files()) {
        if (file.name != "london.example.local.json") {
            continue;
        }
        const model::ZoneData zone = load::read_json_zone(file.content, file.name);
        const auto has = [&](const char* owner, std::uint16_t type) {
            const auto name = dns::Name::parse_absolute(owner);
            return std::any_of(
                zone.records.begin(), zone.records.end(),
                [&](const model::Record& r) { return r.owner == name && r.type == type; });
        };
        EXPECT_TRUE(has("ns.london.example.local.", dns::rrtype::A));
        EXPECT_TRUE(has("branch.london.example.local.", dns::rrtype::NS));
        EXPECT_TRUE(has("ns.branch.london.example.local.", dns::rrtype::A));
        return;
    }
    FAIL() << "london zone missing";
}

}  // namespace
}  // namespace sitedns::examples
