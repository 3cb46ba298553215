// Forward zones and transparent zones in the query core (SPEC §5): which names go to
// which upstreams (the deepest forward zone, with or without recursion, against the
// view's authoritative zones), and which names a transparent zone answers.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/query/responder.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using sitedns::test::Bytes;
using Records = std::vector<std::string>;

// The snapshot of these tests. Forward zones of "rec", "norec" (and "tlsfwd"):
//   corp.example.test.      -> 10.1.0.10     (a site's domain controllers)
//   eu.corp.example.test.   -> 10.1.0.20     (deeper)
//   10.in-addr.arpa.        -> 10.1.0.10     (reverse zone, the same DCs)
//   sub.example.test.       -> 10.1.0.30     (below the zone example.test., at its cut)
//   test.                   -> 10.1.0.40     (above the zone example.test.)
//   example.test.           -> 10.1.0.60     (the zone's own origin: the zone wins)
// Views:
//   rec     127.0.0.0/8  recursion, upstreams 192.0.2.53   example.test. (rich),
//                        in.corp.example.test. (a zone inside a forward zone)
//   norec   10.3.0.0/16  no recursion, the same zones and forward zones
//   plain   10.4.0.0/16  recursion, upstreams, no forward zones
//   tls     10.5.0.0/16  recursion, upstreams; transparent example.com. (no SOA),
//                        transparent example.net. (SOA), example.test. (rich) with a
//                        transparent mail.example.test. inside it
//   tlsnorec 10.6.0.0/16 no recursion; transparent example.com.
//   tlsfwd  10.7.0.0/16  no recursion; transparent example.com., forward zone
//                        example.com. -> 10.1.0.50
constexpr const char* kDc = "10.1.0.10:53";
constexpr const char* kEuDc = "10.1.0.20:53";
constexpr const char* kSubNs = "10.1.0.30:53";
constexpr const char* kTld = "10.1.0.40:53";
constexpr const char* kPublic = "10.1.0.50:53";
constexpr const char* kViewUpstream = "192.0.2.53:53";

constexpr const char* kInnerZone = R"({
  "origin": "in.corp.example.test.", "ttl": 60,
  "soa": { "mname": "ns", "rname": "hostmaster", "serial": 1, "refresh": 3600,
           "retry": 600, "expire": 604800, "minimum": 30 },
  "records": [ { "name": "host", "type": "A", "data": "10.9.9.9" } ]
})";

/// The TLS variant's override (SPEC §1, §3.3): one name of the public domain, no SOA.
constexpr const char* kOverrideNoSoa = R"({
  "origin": "example.com.", "ttl": 300,
  "records": [
    { "name": "mail-paris", "type": "A", "data": "203.0.113.20" },
    { "name": "alias", "type": "CNAME", "data": "mail-paris" },
    { "name": "away", "type": "CNAME", "data": "www" },
    { "name": "a.b", "type": "TXT", "data": "\"deep\"" },
    { "name": "*.dyn", "type": "A", "data": "203.0.113.99" }
  ]
})";

constexpr const char* kOverrideSoa = R"({
  "origin": "example.net.", "ttl": 300,
  "soa": { "mname": "ns", "rname": "hostmaster", "serial": 5, "refresh": 3600,
           "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "host", "type": "A", "data": "203.0.113.30" } ]
})";

/// A name the rich zone example.test. has (A and AAAA), overridden with one A.
constexpr const char* kOverrideMail = R"({
  "origin": "mail.example.test.",
  "records": [ { "name": "@", "type": "A", "ttl": 120, "data": "198.51.100.99" } ]
})";

query::UpstreamSet set_of(const char* address) {
    return query::UpstreamSet::make({*Endpoint::parse(address, 53)});
}

void add_zone(query::View& view, const char* json, bool transparent) {
    const auto soa = transparent ? load::SoaRule::Optional : load::SoaRule::Required;
    const auto mode = transparent ? model::ZoneMode::Transparent : model::ZoneMode::Authoritative;
    ASSERT_TRUE(view.zones.add(model::Zone::compile(load::read_json_zone(json, "t", soa), mode)));
}

void add_forward(query::View& view, const char* name, const char* address) {
    const std::string key = dns::Name::parse_absolute(name).key();
    view.forward_zones.push_back({{key.begin(), key.end()}, set_of(address)});
}

query::View view_of(const char* name, bool recursion) {
    query::View view = test::make_view(name, "");
    view.recursion = recursion;
    if (recursion) view.upstreams = set_of(kViewUpstream);
    return view;
}

query::View corp_view(const char* name, bool recursion) {
    query::View view = view_of(name, recursion);
    add_zone(view, test::london_zone_json().c_str(), false);
    add_zone(view, kInnerZone, false);
    add_forward(view, "corp.example.test.", kDc);
    add_forward(view, "eu.corp.example.test.", kEuDc);
    add_forward(view, "10.in-addr.arpa.", kDc);
    add_forward(view, "sub.example.test.", kSubNs);
    add_forward(view, "test.", kTld);
    add_forward(view, "example.test.", "10.1.0.60");
    return view;
}

std::shared_ptr<const query::Snapshot> make_snapshot() {
    auto s = std::make_shared<query::Snapshot>();
    s->views.push_back(corp_view("rec", true));
    s->views.push_back(corp_view("norec", false));
    s->views.push_back(view_of("plain", true));
    query::View tls = view_of("tls", true);
    add_zone(tls, kOverrideNoSoa, true);
    add_zone(tls, kOverrideSoa, true);
    add_zone(tls, test::london_zone_json().c_str(), false);
    add_zone(tls, kOverrideMail, true);
    s->views.push_back(std::move(tls));
    query::View tlsnorec = view_of("tlsnorec", false);
    add_zone(tlsnorec, kOverrideNoSoa, true);
    s->views.push_back(std::move(tlsnorec));
    query::View tlsfwd = view_of("tlsfwd", false);
    add_zone(tlsfwd, kOverrideNoSoa, true);
    add_forward(tlsfwd, "example.com.", kPublic);
    s->views.push_back(std::move(tlsfwd));
    const std::vector<std::pair<const char*, std::uint32_t>> prefixes = {
        {"127.0.0.0/8", 0}, {"10.3.0.0/16", 1}, {"10.4.0.0/16", 2},
        {"10.5.0.0/16", 3}, {"10.6.0.0/16", 4}, {"10.7.0.0/16", 5}};
    for (const auto& [prefix, index] : prefixes) {
        EXPECT_TRUE(s->add_view_prefix(test::cidr(prefix), index));
    }
    return s;
}

const query::Snapshot& snapshot() {
    static const auto s = make_snapshot();
    return *s;
}

struct Run {
    Decision decision;
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(kMaxMessage);
    Answer answer() const {
        return sitedns::test::parse_answer(std::span(out).first(decision.size));
    }
};

std::unique_ptr<Run> handle(const char* qname, const char* qtype, const char* client) {
    auto run = std::make_unique<Run>();
    Responder::handle(snapshot(), sitedns::test::make_query(qname, qtype, {.rd = true}),
                      test::ip(client), Transport::Udp, run->out, run->decision);
    return run;
}

/// True when `set` is one the view holds: its own upstreams or a forward zone's.
bool held_by(const query::View& view, const query::UpstreamSet* set) {
    if (set == &view.upstreams) return true;
    for (const query::ForwardZone& zone : view.forward_zones) {
        if (set == &zone.upstreams) return true;
    }
    return false;
}

struct Case {
    const char* name;
    const char* client;
    const char* qname;
    const char* qtype = "A";
    const char* upstream = nullptr;  ///< forwarded there; nullptr: answered
    const char* rcode = "NOERROR";
    bool aa = true;
    Records answer{};
    Records authority{};
};

const char* const kRec = "127.0.0.1";
const char* const kNoRec = "10.3.0.1";
const char* const kPlain = "10.4.0.1";
const char* const kTls = "10.5.0.1";
const char* const kTlsNoRec = "10.6.0.1";
const char* const kTlsFwd = "10.7.0.1";

const std::string kSoaNeg =
    "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 900 "
    "1209600 300";

std::vector<Case> forward_cases() {
    return {
        // A forward zone sends its names to its upstreams, recursion or not.
        {"ForwardZoneWithRecursion", kRec, "dc1.corp.example.test", "A", kDc},
        {"ForwardZoneApex", kRec, "corp.example.test", "SOA", kDc},
        {"ForwardZoneSrv", kRec, "_ldap._tcp.dc._msdcs.corp.example.test", "SRV", kDc},
        {"ForwardZoneWithoutRecursion", kNoRec, "dc1.corp.example.test", "A", kDc},
        {"ForwardZoneIsCaseInsensitive", kNoRec, "DC1.Corp.Example.TEST", "A", kDc},
        // The deepest forward zone wins.
        {"DeepestForwardZone", kRec, "dc.eu.corp.example.test", "A", kEuDc},
        {"DeepestForwardZoneApex", kNoRec, "eu.corp.example.test", "NS", kEuDc},
        {"SiblingOfDeeperForwardZone", kNoRec, "us.corp.example.test", "A", kDc},
        // Reverse zones are forward zones like any other.
        {"ReverseZone", kNoRec, "4.3.2.10.in-addr.arpa", "PTR", kDc},
        {"OtherReverseZoneWithRecursion", kRec, "1.2.0.192.in-addr.arpa", "PTR", kViewUpstream},
        {"OtherReverseZoneRefused", kNoRec, "1.2.0.192.in-addr.arpa", "PTR", nullptr, "REFUSED",
         false},
        // An authoritative zone deeper than the forward zone wins inside it.
        {"ZoneInsideForwardZone",
         kNoRec,
         "host.in.corp.example.test",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"host.in.corp.example.test. 60 IN A 10.9.9.9"}},
        {"ZoneInsideForwardZoneNxdomain",
         kRec,
         "nothere.in.corp.example.test",
         "A",
         nullptr,
         "NXDOMAIN",
         true,
         {},
         {"in.corp.example.test. 30 IN SOA ns.in.corp.example.test. "
          "hostmaster.in.corp.example.test. 1 3600 600 604800 30"}},
        // A forward zone deeper than an authoritative zone wins inside that one, its cut
        // included; a shallower one or one at the zone's own origin does not.
        {"ForwardZoneInsideZone", kNoRec, "deep.sub.example.test", "A", kSubNs},
        {"ForwardZoneAtACut", kNoRec, "sub.example.test", "NS", kSubNs},
        {"ZoneInsideShallowerForwardZone",
         kNoRec,
         "mail.example.test",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"mail.example.test. 300 IN A 192.0.2.10"}},
        {"ZoneAtTheForwardZonesName",
         kRec,
         "nothere.example.test",
         "A",
         nullptr,
         "NXDOMAIN",
         true,
         {},
         {kSoaNeg}},
        {"ShallowForwardZoneOutsideTheZone", kNoRec, "www.other.test", "A", kTld},
        {"ShallowForwardZoneApex", kRec, "test", "NS", kTld},
        // Outside every forward zone: as before.
        {"OutsideWithRecursion", kRec, "www.outside.example", "A", kViewUpstream},
        {"OutsideWithoutRecursion", kNoRec, "www.outside.example", "A", nullptr, "REFUSED", false},
        {"ViewWithoutForwardZones", kPlain, "dc1.corp.example.test", "A", kViewUpstream},
    };
}

std::vector<Case> transparent_cases() {
    return {
        // A name with records: every type answered from the zone.
        {"TransparentA",
         kTls,
         "mail-paris.example.com",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"mail-paris.example.com. 300 IN A 203.0.113.20"}},
        {"TransparentAaaaNodataWithoutSoa", kTls, "mail-paris.example.com", "AAAA", nullptr,
         "NOERROR", true},
        {"TransparentTxtNodata", kTlsNoRec, "mail-paris.example.com", "TXT", nullptr, "NOERROR",
         true},
        {"TransparentNodataWithSoa",
         kTls,
         "host.example.net",
         "AAAA",
         nullptr,
         "NOERROR",
         true,
         {},
         {"example.net. 60 IN SOA ns.example.net. hostmaster.example.net. 5 3600 600 604800 "
          "60"}},
        {"TransparentCnameInZone",
         kTls,
         "alias.example.com",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"alias.example.com. 300 IN CNAME mail-paris.example.com.",
          "mail-paris.example.com. 300 IN A 203.0.113.20"}},
        {"TransparentCnameToANameWithoutRecords",
         kTls,
         "away.example.com",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"away.example.com. 300 IN CNAME www.example.com."}},
        {"TransparentWildcard",
         kTls,
         "host.dyn.example.com",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"host.dyn.example.com. 300 IN A 203.0.113.99"}},
        {"TransparentWildcardNodata", kTlsNoRec, "host.dyn.example.com", "AAAA", nullptr, "NOERROR",
         true},
        // A name without records: as if the zone were absent.
        {"TransparentSiblingForwarded", kTls, "www.example.com", "A", kViewUpstream},
        {"TransparentApexForwarded", kTls, "example.com", "MX", kViewUpstream},
        {"TransparentEmptyNonTerminalForwarded", kTls, "b.example.com", "A", kViewUpstream},
        {"TransparentSiblingToForwardZone", kTlsFwd, "www.example.com", "A", kPublic},
        {"TransparentAWithAForwardZoneAbove",
         kTlsFwd,
         "mail-paris.example.com",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"mail-paris.example.com. 300 IN A 203.0.113.20"}},
        {"TransparentSiblingRefusedWithoutRecursion", kTlsNoRec, "www.example.com", "A", nullptr,
         "REFUSED", false},
        {"TransparentApexRefusedWithoutRecursion", kTlsNoRec, "example.com", "NS", nullptr,
         "REFUSED", false},
        // Inside a zone of the view: the override answers its name, the zone the others;
        // the zone's AAAA of the overridden name never leaks in.
        {"OverrideInsideZoneA",
         kTls,
         "mail.example.test",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"mail.example.test. 120 IN A 198.51.100.99"}},
        {"OverrideInsideZoneAaaaNodata", kTls, "mail.example.test", "AAAA", nullptr, "NOERROR",
         true},
        {"OverrideInsideZoneBelowIsTheZones",
         kTls,
         "x.mail.example.test",
         "A",
         nullptr,
         "NXDOMAIN",
         true,
         {},
         {kSoaNeg}},
        {"OverrideInsideZoneSibling",
         kTls,
         "ns1.example.test",
         "A",
         nullptr,
         "NOERROR",
         true,
         {"ns1.example.test. 3600 IN A 192.0.2.1"}},
    };
}

void check(const Case& c) {
    const auto run = handle(c.qname, c.qtype, c.client);
    const Decision& d = run->decision;
    ASSERT_NE(d.view, nullptr);
    if (c.upstream != nullptr) {
        ASSERT_EQ(d.action, Action::Forward);
        ASSERT_NE(d.upstreams, nullptr);
        ASSERT_EQ(d.upstreams->endpoints.size(), 1u);
        EXPECT_EQ(d.upstreams->endpoints[0].to_string(), c.upstream);
        EXPECT_TRUE(held_by(*d.view, d.upstreams)) << "a set of the snapshot's view";
        return;
    }
    ASSERT_EQ(d.action, Action::Send);
    EXPECT_EQ(d.upstreams, nullptr);
    const Answer a = run->answer();
    EXPECT_EQ(a.rcode, c.rcode) << sitedns::test::to_string(a);
    EXPECT_EQ(a.aa, c.aa);
    EXPECT_EQ(a.answer, c.answer) << sitedns::test::to_string(a);
    EXPECT_EQ(a.authority, c.authority) << sitedns::test::to_string(a);
}

class ForwardZones : public ::testing::TestWithParam<Case> {};
TEST_P(ForwardZones, Table) {
    check(GetParam());
}

class TransparentZones : public ::testing::TestWithParam<Case> {};
TEST_P(TransparentZones, Table) {
    check(GetParam());
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
    return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, ForwardZones, ::testing::ValuesIn(forward_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Cases, TransparentZones, ::testing::ValuesIn(transparent_cases()),
                         case_name);

TEST(ForwardZoneSets, EqualUpstreamListsShareASetIdDifferentOnesNever) {
    const query::View& rec = snapshot().views[0];
    const auto corp = handle("a.corp.example.test", "A", kRec);
    const auto reverse = handle("1.10.in-addr.arpa", "PTR", kRec);
    const auto eu = handle("a.eu.corp.example.test", "A", kRec);
    ASSERT_EQ(corp->decision.action, Action::Forward);
    ASSERT_EQ(reverse->decision.action, Action::Forward);
    ASSERT_EQ(eu->decision.action, Action::Forward);
    EXPECT_NE(corp->decision.upstreams, reverse->decision.upstreams) << "one set per zone";
    EXPECT_EQ(corp->decision.upstreams->id, reverse->decision.upstreams->id);
    EXPECT_NE(corp->decision.upstreams->id, eu->decision.upstreams->id);
    EXPECT_NE(corp->decision.upstreams->id, rec.upstreams.id);
}

TEST(ForwardZoneCache, PlainQueriesForwardedToTwoSetsAreKeptApartByName) {
    // The worker's cache keeps a forwarded answer by question and view: two names of one
    // view that go to different upstreams never answer for each other.
    PacketCache cache;
    base::Versions versions(16);
    const IpAddress client = test::ip(kNoRec);
    std::vector<std::uint8_t> out(kMaxMessage);
    struct Asked {
        const char* qname;
        const char* upstream;
        std::uint8_t last_octet;
    };
    const std::vector<Asked> asked = {{"dc.corp.example.test", kDc, 10},
                                      {"dc.eu.corp.example.test", kEuDc, 20}};
    for (const Asked& q : asked) {
        const Bytes query = sitedns::test::make_query(q.qname, "A");
        Decision d;
        Responder::handle(snapshot(), query, client, Transport::Udp, out, d, cache);
        ASSERT_EQ(d.action, Action::Forward);
        EXPECT_EQ(d.upstreams->endpoints[0].to_string(), q.upstream);
        // The upstream's answer: the question, one A record.
        Bytes answer = query;
        answer[2] |= 0x80;
        answer[7] = 1;
        const Bytes record{0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 0, q.last_octet};
        answer.insert(answer.end(), record.begin(), record.end());
        ForwardedCopy copy;  // as the forwarder describes its entry
        copy.stored = PacketCache::Clock::now();
        copy.expires = copy.stored + std::chrono::seconds(60);
        copy.version = versions.stamp(0);
        copy.ttl_count = 1;
        copy.ttl_offsets[0] = static_cast<std::uint16_t>(answer.size() - 10);
        cache.store_forwarded(snapshot(), d.view, d.key, answer, copy);
    }
    for (const Asked& q : asked) {
        Decision d;
        Responder::handle(snapshot(), sitedns::test::make_query(q.qname, "A"), client,
                          Transport::Udp, out, d, cache);
        ASSERT_EQ(d.action, Action::Send) << q.qname;
        EXPECT_TRUE(d.forwarded);
        const Answer a = sitedns::test::parse_answer(std::span(out).first(d.size));
        ASSERT_EQ(a.answer.size(), 1u);
        EXPECT_EQ(a.answer[0],
                  std::string(q.qname) + ". 60 IN A 10.1.0." + std::to_string(q.last_octet));
    }
}

}  // namespace
}  // namespace sitedns::query
