// Compiled zone lookup (RFC 1034 §4.3.2, RFC 4592) and the view's zone set.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zones/dns/types.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::model {
namespace {

constexpr const char* kZone = R"({
  "origin": "example.test.", "ttl": 3600,
  "soa": { "mname": "ns1", "rname": "hostmaster", "serial": 1, "refresh": 3600,
           "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [
    { "name": "@",       "type": "NS",  "data": "ns1" },
    { "name": "@",       "type": "MX",  "data": "10 mail" },
    { "name": "@",       "type": "MX",  "data": "20 backup.other.test." },
    { "name": "ns1",     "type": "A",   "data": "192.0.2.1" },
    { "name": "mail",    "type": "A",   "ttl": 60, "data": "192.0.2.25" },
    { "name": "mail",    "type": "AAAA", "data": "2001:db8::25" },
    { "name": "x.y.z",   "type": "A",   "data": "192.0.2.3" },
    { "name": "*.wild",  "type": "A",   "data": "192.0.2.9" },
    { "name": "sub",     "type": "NS",  "data": "ns.sub" },
    { "name": "ns.sub",  "type": "A",   "data": "192.0.2.53" },
    { "name": "deep.sub", "type": "A",  "data": "192.0.2.54" },
    { "name": "_sip._tcp", "type": "SRV", "data": "0 5 5060 deep.sub" },
    { "name": "Upper",   "type": "TXT", "data": "\"x\"" }
  ]
})";

/// A lowercased wire name from text, as the query path hands it over.
std::string key(const std::string& text) {
    return dns::Name::parse_absolute(text).key();
}

std::span<const std::uint8_t> bytes(const std::string& key) {
    return {reinterpret_cast<const std::uint8_t*>(key.data()), key.size()};
}

class ZoneModelTest : public ::testing::Test {
  protected:
    std::shared_ptr<const Zone> zone = Zone::compile(load::read_json_zone(kZone, "test.json"));

    LookupResult lookup(const std::string& name) {
        const std::string k = key(name);
        return zone->lookup(bytes(k));
    }
    std::string owner(const LookupResult& r) {
        return r.node == nullptr ? "-" : r.node->name.to_text();
    }
};

TEST_F(ZoneModelTest, MetadataAndNegativeTtl) {
    EXPECT_EQ(zone->origin().to_text(), "example.test.");
    EXPECT_EQ(zone->record_count(), 14u);   // the SOA and 13 records
    EXPECT_EQ(zone->negative_ttl(), 300u);  // min(SOA TTL 3600, MINIMUM 300)
}

TEST_F(ZoneModelTest, LookupTable) {
    struct Case {
        const char* name;
        Match match;
        const char* node;
    } cases[] = {
        {"example.test.", Match::Exact, "example.test."},
        {"mail.example.test.", Match::Exact, "mail.example.test."},
        {"y.z.example.test.", Match::Exact, "y.z.example.test."},  // empty non-terminal
        {"z.example.test.", Match::Exact, "z.example.test."},
        {"nope.example.test.", Match::NxDomain, "example.test."},
        {"a.y.z.example.test.", Match::NxDomain, "y.z.example.test."},
        {"a.wild.example.test.", Match::Wildcard, "*.wild.example.test."},
        {"*.wild.example.test.", Match::Exact, "*.wild.example.test."},
        {"b.a.wild.example.test.", Match::Wildcard, "*.wild.example.test."},
        {"sub.example.test.", Match::Delegation, "sub.example.test."},
        {"deep.sub.example.test.", Match::Delegation, "sub.example.test."},
        {"x.deep.sub.example.test.", Match::Delegation, "sub.example.test."},
        {"upper.example.test.", Match::Exact, "Upper.example.test."},
    };
    for (const Case& c : cases) {
        const LookupResult r = lookup(c.name);
        EXPECT_EQ(r.match, c.match) << c.name;
        EXPECT_EQ(owner(r), c.node) << c.name;
    }
}

TEST_F(ZoneModelTest, RRsetTtlIsTheLowest) {
    const std::string k = key("mail.example.test.");
    const Node* mail = zone->find_node(bytes(k));
    ASSERT_NE(mail, nullptr);
    EXPECT_EQ(mail->find(dns::rrtype::A)->ttl, 60u);
    EXPECT_EQ(mail->find(dns::rrtype::TXT), nullptr);
}

TEST_F(ZoneModelTest, AdditionalTargetsResolvedAtLoad) {
    const RRset* mx = zone->apex().find(dns::rrtype::MX);
    ASSERT_NE(mx, nullptr);
    ASSERT_EQ(mx->additional.size(), 1u);  // backup.other.test. is not in the zone
    EXPECT_EQ(mx->additional[0]->name.to_text(), "mail.example.test.");

    const std::string sub = key("sub.example.test.");
    const RRset* ns = zone->find_node(bytes(sub))->find(dns::rrtype::NS);
    ASSERT_EQ(ns->additional.size(), 1u);  // glue below the cut
    EXPECT_TRUE(zone->find_node(bytes(sub))->delegation);
    EXPECT_FALSE(zone->apex().delegation);

    const std::string srv = key("_sip._tcp.example.test.");
    EXPECT_TRUE(zone->find_node(bytes(srv))->find(dns::rrtype::SRV)->additional.empty())
        << "an occluded target is not additional data";
}

TEST_F(ZoneModelTest, CompileRejectsZoneWithoutSoaAtOrigin) {
    model::ZoneData data = load::read_json_zone(kZone, "test.json");
    data.records.erase(data.records.begin());
    EXPECT_THROW(Zone::compile(data), model::ZoneError);
}

TEST(ZoneCompileTest, RRsetsKeepFileOrderAndNamesTheirCase) {
    model::ZoneData data = load::read_json_zone(kZone, "test.json");
    const auto add = [&](const char* owner, std::uint16_t type, std::vector<std::uint8_t> rdata) {
        data.records.push_back(model::Record{dns::Name::parse(owner, data.origin), type, 300,
                                             std::move(rdata), "extra"});
    };
    add("Scattered", dns::rrtype::A, {192, 0, 2, 1});
    add("scattered", dns::rrtype::TXT, {1, 'x'});
    add("SCATTERED", dns::rrtype::A, {192, 0, 2, 2});
    add("a.b.C.Deep", dns::rrtype::A, {192, 0, 2, 3});
    for (int i = 0; i < 3000; ++i) {
        add(("Host" + std::to_string(i)).c_str(), dns::rrtype::A,
            {10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1});
    }
    const auto zone = Zone::compile(data);

    const std::string k = key("scattered.example.test.");
    const Node* node = zone->find_node(bytes(k));
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->name.to_text(), "Scattered.example.test.");  // as first written
    EXPECT_EQ(node->key, k);
    ASSERT_EQ(node->rrsets.size(), 2u);  // by first appearance: ANY answers the first
    EXPECT_EQ(node->rrsets[0].type, dns::rrtype::A);
    EXPECT_EQ(node->rrsets[1].type, dns::rrtype::TXT);
    std::vector<std::vector<std::uint8_t>> rdatas;
    for (const Rdata rdata : node->rrsets[0].rdatas) rdatas.emplace_back(rdata);
    EXPECT_EQ(rdatas, (std::vector<std::vector<std::uint8_t>>{{192, 0, 2, 1}, {192, 0, 2, 2}}));
    EXPECT_EQ(node->rrsets[0].ttl, 300u);

    for (const char* ent :
         {"c.deep.example.test.", "deep.example.test.", "b.c.deep.example.test."}) {
        const std::string e = key(ent);
        const Node* n = zone->find_node(bytes(e));
        ASSERT_NE(n, nullptr) << ent;
        EXPECT_TRUE(n->rrsets.empty()) << ent;
        EXPECT_EQ(zone->lookup(bytes(e)).match, Match::Exact) << ent;
    }
    for (int i = 0; i < 3000; ++i) {
        const std::string h = key("host" + std::to_string(i) + ".example.test.");
        const Node* n = zone->find_node(bytes(h));
        ASSERT_NE(n, nullptr) << i;
        EXPECT_EQ(n->name.to_text(), "Host" + std::to_string(i) + ".example.test.");
        ASSERT_EQ(n->rrsets.size(), 1u);
        EXPECT_EQ(n->rrsets[0].rdatas.front()[2], static_cast<std::uint8_t>(i));
    }
    const std::string missing = key("host3000.example.test.");
    EXPECT_EQ(zone->find_node(bytes(missing)), nullptr);
    EXPECT_EQ(zone->nodes().size(), 14u + 1 + 4 + 3000);  // kZone has 14 (ENTs too)
}

TEST(ZoneSetTest, DeepestOriginWins) {
    auto parent = Zone::compile(load::read_json_zone(kZone, "parent.json"));
    std::string child_text = kZone;
    child_text.replace(child_text.find("example.test."), 13, "sub.example.test.");
    auto child = Zone::compile(load::read_json_zone(child_text, "child.json"));

    ZoneSet set;
    EXPECT_TRUE(set.add(parent));
    EXPECT_TRUE(set.add(child));
    EXPECT_FALSE(set.add(parent)) << "the same origin twice";

    const std::string a = key("a.sub.example.test."), b = key("a.example.test."),
                      c = key("other.test.");
    EXPECT_EQ(set.find(bytes(a)), child.get());
    EXPECT_EQ(set.find(bytes(b)), parent.get());
    EXPECT_EQ(set.find(bytes(c)), nullptr);
    const std::string near = key("xexample.test.");
    EXPECT_EQ(set.find(bytes(near)), nullptr) << "suffixes match whole labels only";
}

}  // namespace
}  // namespace sitedns::model
