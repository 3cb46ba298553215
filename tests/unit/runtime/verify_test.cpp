// `sitedns verify` (server/runtime/verify): reading a sitedns's own answer to
// topology.sitedns. CH TXT, the lines it prints, and the exchanges it runs at once on
// loopback (a silent site times out, a site without `dns` is skipped).

#include "server/runtime/verify.h"

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "server/query/responder.h"
#include "server/query/snapshot.h"
#include "server/upstream/message_edit.h"

namespace sitedns::runtime {
namespace {

/// A snapshot with one view for 127.0.0.0/8 and no zones, serving `version`.
std::shared_ptr<const query::Snapshot> serving(query::TopologyVersion version) {
    auto snapshot = std::make_shared<query::Snapshot>();
    query::View view;
    view.name = "london";
    snapshot->views.push_back(std::move(view));
    EXPECT_TRUE(snapshot->add_view_prefix(*Cidr::parse("127.0.0.0/8"), 0));
    snapshot->topology = query::TopologyRecord(version);
    return snapshot;
}

/// What `snapshot` answers `client` for the question verify asks, as verify sends it.
std::vector<std::uint8_t> answer(const query::Snapshot& snapshot, const char* client) {
    std::vector<std::uint8_t> query(512);
    query.resize(upstream::write_upstream_query(topology_question(), 0x4242, query));
    std::vector<std::uint8_t> out(query::kMaxMessage);
    out.resize(query::Responder::respond(snapshot, query, *IpAddress::parse(client),
                                         query::Transport::Udp, out));
    return out;
}

TEST(VerifyReply, ReadsWhatSitednsAnswers) {
    const auto snapshot = serving({3124076291u, 4});
    std::string why;
    const auto version = read_topology_reply(answer(*snapshot, "127.0.0.1"), why);
    ASSERT_TRUE(version) << why;
    EXPECT_EQ(*version, (query::TopologyVersion{3124076291u, 4}));
}

TEST(VerifyReply, RefusedIsNoVersionAndSaysWhy) {
    const auto snapshot = serving({1, 1});
    std::string why;
    EXPECT_FALSE(read_topology_reply(answer(*snapshot, "192.0.2.1"), why));  // no view
    EXPECT_EQ(why, "REFUSED");
}

TEST(VerifyReply, MalformedOrEmptyRepliesAreNoVersion) {
    std::string why;
    EXPECT_FALSE(read_topology_reply(std::vector<std::uint8_t>{0, 1, 0x80}, why));
    EXPECT_EQ(why, "malformed reply");
    auto reply = answer(*serving({1, 1}), "127.0.0.1");
    reply[7] = 0;  // ANCOUNT 0: the record is then an additional one, not read
    EXPECT_FALSE(read_topology_reply(reply, why));
    EXPECT_EQ(why, "no topology record in the answer");
    reply = answer(*serving({1, 1}), "127.0.0.1");
    reply.resize(reply.size() - 15);  // cut inside the TXT record (the OPT is 11 bytes)
    EXPECT_FALSE(read_topology_reply(reply, why));
    EXPECT_EQ(why, "malformed reply");
}

TEST(VerifyLines, AreTheLinesOfTheSpec) {
    SiteVerdict v;
    v.site = "paris";
    v.outcome = SiteVerdict::Outcome::Ok;
    v.served = {7, 2};
    EXPECT_EQ(verdict_line(v, 7), "paris: ok serial 7");
    v.outcome = SiteVerdict::Outcome::Drift;
    EXPECT_EQ(verdict_line(v, 9), "paris: drift: serves serial 7, this file has 9");
    v.outcome = SiteVerdict::Outcome::NoAnswer;
    EXPECT_EQ(verdict_line(v, 9), "paris: no answer");
    v.outcome = SiteVerdict::Outcome::Skipped;
    EXPECT_EQ(verdict_line(v, 9), "paris: skipped: no dns address");
}

TEST(VerifyLines, OnlyOkAndSkippedPass) {
    using O = SiteVerdict::Outcome;
    const auto verdicts = [](std::initializer_list<O> outcomes) {
        std::vector<SiteVerdict> out;
        for (O o : outcomes) out.push_back(SiteVerdict{"s", "", o, {}, ""});
        return out;
    };
    EXPECT_TRUE(all_verified(verdicts({O::Ok, O::Skipped, O::Ok})));
    EXPECT_FALSE(all_verified(verdicts({O::Ok, O::Drift})));
    EXPECT_FALSE(all_verified(verdicts({O::NoAnswer, O::Ok})));
}

TEST(VerifySites, ASilentSiteTimesOutAndOneWithoutDnsIsSkipped) {
    // A bound socket that never answers: the exchange ends at the timeout.
    boost::asio::io_context io;
    boost::asio::ip::udp::socket silent(
        io, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    Sites sites;
    sites.serial = 5;
    sites.list.resize(2);
    sites.list[0].name = "paris";
    sites.list[0].dns = Endpoint{*IpAddress::parse("127.0.0.1"), silent.local_endpoint().port()};
    sites.list[1].name = "oslo";
    const auto start = std::chrono::steady_clock::now();
    const auto verdicts = verify_sites(sites, std::chrono::milliseconds(100));
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(verdicts.size(), 2u);
    EXPECT_EQ(verdicts[0].outcome, SiteVerdict::Outcome::NoAnswer);
    EXPECT_EQ(verdicts[0].detail, "timeout");
    EXPECT_EQ(verdicts[0].address, "127.0.0.1:" + std::to_string(sites.list[0].dns->port));
    EXPECT_EQ(verdicts[1].outcome, SiteVerdict::Outcome::Skipped);
    EXPECT_LT(took, std::chrono::seconds(2));
}

}  // namespace
}  // namespace sitedns::runtime
