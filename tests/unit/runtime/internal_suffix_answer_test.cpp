// What the query core does with the internal suffix (SPEC §3.3, §5; issue 21), on the
// snapshot the server builds from a configuration: a site view answers its own location
// domain and every other name under the suffix itself (NXDOMAIN with the suffix's SOA),
// never forwarding them to its upstreams; a forward zone at the suffix takes the names
// the generated zones do not hold, and one below the suffix wins inside itself; other
// names, `.local` ones included, are forwarded as before; an explicit view without
// recursion still refuses them.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/query/responder.h"
#include "server/runtime/snapshot_builder.h"
#include "tests/support/dns_client.h"

namespace sitedns::runtime {
namespace {

using sitedns::test::Answer;

/// london (10.1.0.0/16, mail host inside at 10.1.0.25) and paris (10.2.0.0/16), the
/// default upstream 192.0.2.53, an explicit view lab (10.9.0.0/16, no recursion);
/// `forward_zones` the top-level ones (a JSON array).
std::shared_ptr<const query::Snapshot> snapshot(const std::string& forward_zones) {
    const std::string text =
        R"({ "upstreams": ["192.0.2.53"], "forward_zones": )" + forward_zones + R"(,
      "views": [ { "name": "lab", "match_clients": ["10.9.0.0/16"] } ],
      "sites": { "domain": "example.com", "internal_suffix": "example.internal", "list": [
        { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10",
          "internal_address": "10.1.0.25", "primary": true },
        { "name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20" } ] } })";
    return build_snapshot(parse_config(text, "/", "t.json"), 1);
}

/// The decision and answer for `qname` `qtype` from `client`.
struct Outcome {
    query::Decision decision;
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(query::kMaxMessage);

    bool forwarded() const { return decision.action == query::Action::Forward; }
    /// The first upstream the query goes to ("192.0.2.53:53").
    std::string upstream() const {
        return decision.upstreams != nullptr ? decision.upstreams->endpoints.at(0).to_string() : "";
    }
    Answer answer() const { return test::parse_answer(std::span(out).first(decision.size)); }
};

std::unique_ptr<Outcome> ask(const query::Snapshot& snapshot, const char* client, const char* qname,
                             const char* qtype = "A") {
    auto outcome = std::make_unique<Outcome>();
    query::Responder::handle(snapshot, test::make_query(qname, qtype, {.rd = true}),
                             *IpAddress::parse(client), query::Transport::Udp, outcome->out,
                             outcome->decision);
    return outcome;
}

TEST(InternalSuffixAnswer, TheOwnDomainIsAnsweredWithTheInsideAddress) {
    const auto s = snapshot("[]");
    const auto outcome = ask(*s, "10.1.0.1", "london.example.internal", "MX");
    ASSERT_FALSE(outcome->forwarded());
    const Answer a = outcome->answer();
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_TRUE(a.aa);
    EXPECT_EQ(a.answer, std::vector<std::string>{
                            "london.example.internal. 300 IN MX 10 mail.london.example.internal."});
    EXPECT_EQ(a.additional,
              std::vector<std::string>{"mail.london.example.internal. 300 IN A 10.1.0.25"});
    const Answer seen = ask(*s, "10.2.0.1", "mail.london.example.internal")->answer();
    EXPECT_EQ(seen.answer,
              std::vector<std::string>{"mail.london.example.internal. 300 IN A 203.0.113.10"})
        << "paris gets london's external address";
}

TEST(InternalSuffixAnswer, OtherNamesUnderTheSuffixAreNxdomainWithItsSoa) {
    const auto s = snapshot("[]");
    for (const char* name : {"nowhere.example.internal", "www.berlin.example.internal",
                             "ns.example.internal", "example.internal"}) {
        SCOPED_TRACE(name);
        const auto outcome = ask(*s, "10.2.0.1", name);
        ASSERT_FALSE(outcome->forwarded()) << "never to the default upstreams (SPEC §5)";
        const Answer a = outcome->answer();
        EXPECT_EQ(a.rcode, std::string(name) == "example.internal" ? "NOERROR" : "NXDOMAIN");
        EXPECT_TRUE(a.aa);
        EXPECT_TRUE(a.ra);
        ASSERT_EQ(a.authority.size(), 1u) << test::to_string(a);
        EXPECT_TRUE(a.authority[0].starts_with(
            "example.internal. 300 IN SOA ns.example.internal. hostmaster.example.com. "))
            << a.authority[0];
    }
}

TEST(InternalSuffixAnswer, OtherNamesStillGoToTheDefaultUpstreams) {
    const auto s = snapshot("[]");
    for (const char* name : {"foo.local", "www.example.com", "internal", "xexample.internal"}) {
        SCOPED_TRACE(name);
        const auto outcome = ask(*s, "10.1.0.1", name);
        EXPECT_TRUE(outcome->forwarded());
        EXPECT_EQ(outcome->upstream(), "192.0.2.53:53");
    }
}

TEST(InternalSuffixAnswer, AnExplicitViewWithoutRecursionStillRefuses) {
    const auto s = snapshot("[]");
    const auto outcome = ask(*s, "10.9.0.1", "nowhere.example.internal");
    ASSERT_FALSE(outcome->forwarded());
    EXPECT_EQ(outcome->answer().rcode, "REFUSED");
}

TEST(InternalSuffixAnswer, AForwardZoneAtTheSuffixTakesWhatNoSiteZoneHolds) {
    const auto s = snapshot(R"([{ "name": "example.internal.", "upstreams": ["10.1.0.10"] }])");
    for (const char* name : {"dc1.example.internal", "_ldap._tcp.example.internal",
                             "example.internal", "nowhere.example.internal"}) {
        SCOPED_TRACE(name);
        const auto outcome = ask(*s, "10.1.0.1", name, "SRV");
        EXPECT_TRUE(outcome->forwarded());
        EXPECT_EQ(outcome->upstream(), "10.1.0.10:53") << "the DC, not the default upstream";
    }
    for (const char* client : {"10.1.0.1", "10.2.0.1"}) {
        SCOPED_TRACE(client);
        const auto outcome = ask(*s, client, "paris.example.internal", "MX");
        ASSERT_FALSE(outcome->forwarded()) << "SPEC §5: the deeper generated zone wins inside it";
        EXPECT_TRUE(outcome->answer().aa);
        EXPECT_EQ(outcome->answer().answer,
                  std::vector<std::string>{
                      "paris.example.internal. 300 IN MX 10 mail.paris.example.internal."});
    }
}

TEST(InternalSuffixAnswer, AForwardZoneBelowTheSuffixWinsInsideItself) {
    const auto s =
        snapshot(R"([{ "name": "_msdcs.example.internal.", "upstreams": ["10.1.0.10"] }])");
    const auto inside = ask(*s, "10.1.0.1", "dc._msdcs.example.internal");
    EXPECT_TRUE(inside->forwarded()) << "SPEC §5: a forward zone deeper than a zone wins";
    EXPECT_EQ(inside->upstream(), "10.1.0.10:53");
    const auto beside = ask(*s, "10.1.0.1", "dc.example.internal");
    ASSERT_FALSE(beside->forwarded());
    EXPECT_EQ(beside->answer().rcode, "NXDOMAIN");
}

}  // namespace
}  // namespace sitedns::runtime
