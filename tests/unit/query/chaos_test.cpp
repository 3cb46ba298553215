// `topology.sitedns. CH TXT` through the query core (SPEC §5, issue 15 item 7): answered
// in every view with the snapshot's serial and generation, refused to a client without a
// view; every other CHAOS question stays REFUSED. Fed as packets, no socket.

#include "server/query/chaos.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "server/query/responder.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using sitedns::test::Bytes;
using sitedns::test::QueryOptions;

constexpr QueryOptions kChaos{.qclass = "CH"};

/// The test views (london with a zone, empty without) and a topology record.
std::shared_ptr<const query::Snapshot> chaos_snapshot(query::TopologyVersion version) {
    auto snapshot = std::make_shared<query::Snapshot>();
    snapshot->views.push_back(test::make_view("london", test::london_zone_json()));
    snapshot->views.push_back(test::make_view("empty", ""));
    (void)snapshot->add_view_prefix(test::cidr("127.0.0.0/8"), 0);
    (void)snapshot->add_view_prefix(test::cidr("10.9.0.0/16"), 1);
    snapshot->generation = version.generation;
    snapshot->topology = query::TopologyRecord(version);
    return snapshot;
}

Answer ask(const query::Snapshot& snapshot, std::string_view qname, std::string_view qtype,
           const QueryOptions& opts, std::string_view client = test::kLondonClient,
           Transport transport = Transport::Udp) {
    Bytes out(kMaxMessage);
    const Bytes query = sitedns::test::make_query(qname, qtype, opts);
    out.resize(Responder::respond(snapshot, query, test::ip(client), transport, out));
    return sitedns::test::parse_answer(out);
}

TEST(ChaosTopology, AnswersTheSerialAndGenerationInEveryView) {
    const auto snapshot = chaos_snapshot({2026120501, 7});
    for (const std::string_view client : {test::kLondonClient, test::kEmptyViewClient}) {
        SCOPED_TRACE(client);
        const Answer a = ask(*snapshot, "topology.sitedns", "TXT", kChaos, client);
        EXPECT_EQ(a.rcode, "NOERROR") << sitedns::test::to_string(a);
        EXPECT_TRUE(a.aa);
        EXPECT_EQ(a.question, "topology.sitedns. CH TXT");
        ASSERT_EQ(a.answer.size(), 1u) << sitedns::test::to_string(a);
        EXPECT_EQ(a.answer[0], "topology.sitedns. 0 CH TXT \"serial=2026120501 generation=7\"");
        EXPECT_TRUE(a.authority.empty());
        EXPECT_TRUE(a.additional.empty());
    }
}

TEST(ChaosTopology, EchoesTheQuestionsCaseOverTcpWithEdns) {
    const auto snapshot = chaos_snapshot({1, 2});
    const Answer a = ask(*snapshot, "Topology.SiteDNS", "TXT", {.edns = true, .qclass = "CH"},
                         test::kLondonClient, Transport::Tcp);
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_TRUE(a.has_opt);
    ASSERT_EQ(a.answer.size(), 1u);
    EXPECT_EQ(a.answer[0], "Topology.SiteDNS. 0 CH TXT \"serial=1 generation=2\"");
}

TEST(ChaosTopology, WithoutSitesTheSerialIsZero) {
    const auto snapshot = test::make_snapshot();  // no topology set: serial 0
    const Answer a = ask(*snapshot, "topology.sitedns", "TXT", kChaos);
    ASSERT_EQ(a.answer.size(), 1u) << sitedns::test::to_string(a);
    EXPECT_EQ(a.answer[0], "topology.sitedns. 0 CH TXT \"serial=0 generation=0\"");
}

TEST(ChaosTopology, ClientWithoutViewIsRefused) {
    const auto snapshot = chaos_snapshot({5, 1});
    const Answer a = ask(*snapshot, "topology.sitedns", "TXT", kChaos, test::kNoViewClient);
    EXPECT_EQ(a.rcode, "REFUSED");
    EXPECT_FALSE(a.aa);
    EXPECT_TRUE(a.answer.empty());
}

TEST(ChaosTopology, OtherChaosQuestionsAreRefused) {
    const auto snapshot = chaos_snapshot({5, 1});
    struct Question {
        std::string_view qname, qtype;
    };
    for (const Question q : {Question{"version.bind", "TXT"}, Question{"id.server", "TXT"},
                             Question{"topology.sitedns", "A"}, Question{"topology.sitedns", "ANY"},
                             Question{"x.topology.sitedns", "TXT"}, Question{"sitedns", "TXT"},
                             Question{"mail.example.test", "TXT"}}) {
        SCOPED_TRACE(std::string(q.qname) + " " + std::string(q.qtype));
        const Answer a = ask(*snapshot, q.qname, q.qtype, kChaos);
        EXPECT_EQ(a.rcode, "REFUSED");
        EXPECT_TRUE(a.answer.empty());
    }
}

TEST(ChaosTopology, ClassInIsNotTheChaosName) {
    const auto snapshot = chaos_snapshot({5, 1});
    const Answer a = ask(*snapshot, "topology.sitedns", "TXT", {});
    EXPECT_EQ(a.rcode, "REFUSED");  // outside the view's zones, no recursion
}

TEST(ChaosTopology, ThePacketCacheServesTheSnapshotsOwnRecord) {
    // A worker keeps finished answers by snapshot generation: a reload's new generation
    // must be what the same question gets next.
    const auto first = chaos_snapshot({10, 1});
    const auto second = chaos_snapshot({11, 2});
    PacketCache cache;
    const Bytes query = sitedns::test::make_query("topology.sitedns", "TXT", kChaos);
    const auto text = [&](const query::Snapshot& snapshot) {
        Bytes out(kMaxMessage);
        Decision decision;
        Responder::handle(snapshot, query, test::ip(test::kLondonClient), Transport::Udp, out,
                          decision, cache);
        out.resize(decision.size);
        const Answer a = sitedns::test::parse_answer(out);
        return a.answer.empty() ? std::string() : a.answer[0];
    };
    EXPECT_EQ(text(*first), "topology.sitedns. 0 CH TXT \"serial=10 generation=1\"");
    EXPECT_EQ(text(*first), "topology.sitedns. 0 CH TXT \"serial=10 generation=1\"");
    EXPECT_EQ(text(*second), "topology.sitedns. 0 CH TXT \"serial=11 generation=2\"");
}

}  // namespace
}  // namespace sitedns::query
