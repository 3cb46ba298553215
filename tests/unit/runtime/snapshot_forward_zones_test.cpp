// build_snapshot's forward zones (SPEC §5): a view's own first, then the top-level ones
// for names it does not list, one entry per name, each with its own upstream set whose
// id equals another's exactly when the upstream lists are equal.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/runtime/snapshot_builder.h"

namespace sitedns::runtime {
namespace {

Endpoint endpoint(const char* text) {
    return *Endpoint::parse(text, 53);
}

ForwardZoneConfig forward(const char* name, std::vector<const char*> upstreams) {
    ForwardZoneConfig zone;
    zone.name = name;
    for (const char* u : upstreams) zone.upstreams.push_back(endpoint(u));
    return zone;
}

ViewConfig view(const char* name, const char* clients) {
    ViewConfig v;
    v.name = name;
    v.match_clients = {*Cidr::parse(clients)};
    return v;
}

/// The view's forward zones as "name -> first upstream" in order, names in text.
std::vector<std::string> listed(const query::View& v) {
    std::vector<std::string> out;
    for (const query::ForwardZone& zone : v.forward_zones) {
        out.push_back(dns::Name::from_wire(zone.name).to_text() + " -> " +
                      zone.upstreams.endpoints.at(0).to_string());
    }
    return out;
}

Config config() {
    Config c;
    c.upstreams = {endpoint("192.0.2.53")};
    c.forward_zones = {forward("corp.example.com.", {"10.0.0.10"}),
                       forward("10.in-addr.arpa.", {"10.0.0.10"})};
    ViewConfig london = view("london", "10.1.0.0/16");
    london.forward_zones = {forward("corp.example.com.", {"10.1.0.10", "10.1.0.11"}),
                            forward("eu.corp.example.com.", {"10.1.0.20"})};
    c.views = {london, view("other", "10.2.0.0/16")};
    return c;
}

TEST(SnapshotForwardZones, TheViewsOwnFirstThenTheTopLevelOnesForOtherNames) {
    const auto snapshot = build_snapshot(config(), 1);
    ASSERT_EQ(snapshot->views.size(), 2u);
    EXPECT_EQ(listed(snapshot->views[0]),
              (std::vector<std::string>{"corp.example.com. -> 10.1.0.10:53",
                                        "eu.corp.example.com. -> 10.1.0.20:53",
                                        "10.in-addr.arpa. -> 10.0.0.10:53"}));
    EXPECT_EQ(listed(snapshot->views[1]),
              (std::vector<std::string>{"corp.example.com. -> 10.0.0.10:53",
                                        "10.in-addr.arpa. -> 10.0.0.10:53"}));
    EXPECT_EQ(snapshot->views[0].forward_zones[0].upstreams.endpoints.size(), 2u);
}

TEST(SnapshotForwardZones, EqualListsShareASetIdDifferentOnesNever) {
    const auto snapshot = build_snapshot(config(), 1);
    const query::View& london = snapshot->views[0];
    const query::View& other = snapshot->views[1];
    const std::uint64_t top_corp = other.forward_zones[0].upstreams.id;
    EXPECT_EQ(other.forward_zones[1].upstreams.id, top_corp) << "same DC: one cache";
    EXPECT_EQ(london.forward_zones[2].upstreams.id, top_corp);
    EXPECT_NE(london.forward_zones[0].upstreams.id, top_corp);
    EXPECT_NE(london.forward_zones[1].upstreams.id, london.forward_zones[0].upstreams.id);
    EXPECT_NE(london.forward_zones[0].upstreams.id, london.upstreams.id);
}

TEST(SnapshotForwardZones, NamesAreLowercasedWireAndOptionsMakeAnotherSet) {
    Config c = config();
    c.views[1].forward_zones = {forward("Corp.Example.COM.", {"10.0.0.10"})};
    c.views[1].forward_zones[0].upstream_options = {{300, true}};
    const auto snapshot = build_snapshot(std::move(c), 1);
    const query::View& other = snapshot->views[1];
    ASSERT_EQ(other.forward_zones.size(), 2u) << "the top-level corp is listed by the view";
    const std::string key = dns::Name::parse_absolute("corp.example.com.").key();
    EXPECT_EQ(other.forward_zones[0].name, std::vector<std::uint8_t>(key.begin(), key.end()));
    EXPECT_NE(other.forward_zones[0].upstreams.id, other.forward_zones[1].upstreams.id);
    EXPECT_TRUE(other.forward_zones[0].upstreams.options_of(0).tcp);
}

TEST(SnapshotForwardZones, DeepestMatchOfAName) {
    const auto snapshot = build_snapshot(config(), 1);
    const query::View& london = snapshot->views[0];
    const auto find = [&](const char* name) -> std::string {
        const std::string key = dns::Name::parse_absolute(name).key();
        const query::ForwardZone* zone = london.forward_zone_for(
            std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
        return zone ? dns::Name::from_wire(zone->name).to_text() : "-";
    };
    EXPECT_EQ(find("dc.eu.corp.example.com."), "eu.corp.example.com.");
    EXPECT_EQ(find("eu.corp.example.com."), "eu.corp.example.com.");
    EXPECT_EQ(find("xeu.corp.example.com."), "corp.example.com.");
    EXPECT_EQ(find("corp.example.com."), "corp.example.com.");
    EXPECT_EQ(find("example.com."), "-");
    EXPECT_EQ(find("4.3.2.10.in-addr.arpa."), "10.in-addr.arpa.");
    EXPECT_EQ(find("."), "-");
}

}  // namespace
}  // namespace sitedns::runtime
