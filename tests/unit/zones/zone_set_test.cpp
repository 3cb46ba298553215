// A view's zone set over a shared base (SPEC §3.3: a site's view holds every other
// site's zone): it finds what a set holding the same zones itself finds, lists them in
// the same order, and refuses an origin the base already gives it.

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "zones/dns/name.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::model {
namespace {

std::shared_ptr<const Zone> zone_at(const std::string& origin) {
    return Zone::compile(load::read_json_zone(R"({ "origin": ")" + origin + R"(", "ttl": 300,
      "soa": { "mname": "ns", "rname": "hostmaster", "serial": 1, "refresh": 3600,
               "retry": 600, "expire": 604800, "minimum": 300 },
      "records": [ { "name": "@", "type": "NS", "data": "ns" } ] })",
                                              origin));
}

const Zone* find(const ZoneSet& set, const std::string& name) {
    const std::string key = dns::Name::parse_absolute(name).key();
    return set.find({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()});
}

std::vector<const Zone*> listed(const ZoneSet& set) {
    std::vector<const Zone*> out;
    for (const auto& zone : set.zones()) out.push_back(zone.get());
    return out;
}

TEST(ZoneSetOverBase, FindsAndListsWhatAFlatSetOfTheSameZonesDoes) {
    // Origins nest (site3.corp, mail.site3.corp, corp) so the deepest must win across
    // the base and the set's own zones.
    std::vector<std::shared_ptr<const Zone>> shared;
    for (int i = 0; i < 30; ++i) shared.push_back(zone_at("site" + std::to_string(i) + ".corp."));
    shared.push_back(zone_at("mail.site3.corp."));
    auto base = std::make_shared<ZoneSet>();
    for (const auto& zone : shared) ASSERT_TRUE(base->add(zone));
    const std::vector<std::shared_ptr<const Zone>> own{zone_at("corp."), zone_at("lab.site5.corp."),
                                                       zone_at("site7.corp.")};
    std::mt19937 rng(5);
    for (std::size_t skip_first : {0UL, 3UL, 7UL, 29UL, 31UL}) {
        for (std::size_t skip_count : {0UL, 1UL, 2UL}) {
            if (skip_first + skip_count > shared.size()) continue;
            SCOPED_TRACE(std::to_string(skip_first) + "+" + std::to_string(skip_count));
            ZoneSet over(base, skip_first, skip_count);
            ZoneSet flat;
            for (std::size_t i = 0; i < shared.size(); ++i) {
                if (i < skip_first || i >= skip_first + skip_count) {
                    ASSERT_TRUE(flat.add(shared[i]));
                }
            }
            for (const auto& zone : own) {
                // site7 is in the base unless this set leaves it out.
                EXPECT_EQ(over.add(zone), flat.add(zone)) << zone->origin().to_text();
            }
            EXPECT_EQ(listed(over), listed(flat));
            EXPECT_EQ(over.zones().size(), flat.zones().size());
            EXPECT_EQ(over.record_count(), flat.record_count());
            for (int n = 0; n < 200; ++n) {
                std::string name = rng() % 3 == 0 ? "mail." : "";
                name += rng() % 5 == 0 ? "lab." : "";
                name +=
                    "site" + std::to_string(rng() % 33) + (rng() % 9 == 0 ? ".other." : ".corp.");
                EXPECT_EQ(find(over, name), find(flat, name)) << name;
            }
        }
    }
}

TEST(ZoneSetOverBase, AZoneLeftOutOfTheBaseIsNotFound) {
    auto base = std::make_shared<ZoneSet>();
    ASSERT_TRUE(base->add(zone_at("paris.corp.")));
    ASSERT_TRUE(base->add(zone_at("london.corp.")));
    ZoneSet london_view(base, 1, 1);
    EXPECT_NE(find(london_view, "mail.paris.corp."), nullptr);
    EXPECT_EQ(find(london_view, "mail.london.corp."), nullptr);
    EXPECT_FALSE(london_view.add(zone_at("paris.corp."))) << "the base holds paris.corp.";
    const auto own = zone_at("london.corp.");
    ASSERT_TRUE(london_view.add(own)) << "the base's london.corp. is left out";
    EXPECT_EQ(find(london_view, "mail.london.corp."), own.get());
    ASSERT_EQ(london_view.own_zones().size(), 1U);
    EXPECT_EQ(london_view.base(), base);
}

}  // namespace
}  // namespace sitedns::model
