// `sitedns verify` (server/runtime/verify): reading a sitedns's own answer to
// topology.sitedns. CH TXT, the lines it prints, and the exchanges it runs at once on
// loopback (a site that answers too late times out, a site without `dns` is skipped).

#include "server/runtime/verify.h"

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

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
    v.outcome = SiteVerdict::Outcome::Refused;
    v.source = "192.0.2.1";
    EXPECT_EQ(verdict_line(v, 9),
              "paris: refused (192.0.2.1 is in no view of that server: ask from a site subnet "
              "with --source)");
    v.outcome = SiteVerdict::Outcome::NoAnswer;
    EXPECT_EQ(verdict_line(v, 9), "paris: no answer");
    v.outcome = SiteVerdict::Outcome::Skipped;
    EXPECT_EQ(verdict_line(v, 9), "paris: skipped: no dns address");
}

TEST(VerifyLines, OnlyOkAndSkippedPass) {
    using O = SiteVerdict::Outcome;
    const auto verdicts = [](std::initializer_list<O> outcomes) {
        std::vector<SiteVerdict> out;
        for (O o : outcomes) out.push_back(SiteVerdict{"s", "", o, {}, "", ""});
        return out;
    };
    EXPECT_TRUE(all_verified(verdicts({O::Ok, O::Skipped, O::Ok})));
    EXPECT_FALSE(all_verified(verdicts({O::Ok, O::Drift})));
    EXPECT_FALSE(all_verified(verdicts({O::NoAnswer, O::Ok})));
    EXPECT_FALSE(all_verified(verdicts({O::Ok, O::Refused})));
}

/// A sitedns on 127.0.0.1, on a thread of its own, that serves serial 5 but answers
/// only `delay` after each query: an exchange that ends by its own timeout says
/// "timeout"; one whose timeout is ignored gets the answer, "ok". It answers every
/// query as it would answer `client` (a client in no view gets REFUSED).
class LateSite {
  public:
    explicit LateSite(std::chrono::milliseconds delay, const char* client = "127.0.0.1")
        : delay_(delay),
          reply_(answer(*serving({5, 1}), client)),
          port_(socket_.local_endpoint().port()) {
        receive();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~LateSite() {
        io_.stop();  // drops the answer still waiting
        thread_.join();
    }
    std::uint16_t port() const { return port_; }
    std::size_t queries() const { return queries_; }

  private:
    void receive() {
        socket_.async_receive_from(boost::asio::buffer(query_), from_,
                                   [this](const boost::system::error_code& ec, std::size_t) {
                                       if (!ec) answer_later();
                                   });
    }
    /// The answer, with the query's ID, sent when the timer fires.
    void answer_later() {
        ++queries_;
        reply_[0] = query_[0];
        reply_[1] = query_[1];
        timer_.expires_after(delay_);
        timer_.async_wait([this, to = from_](const boost::system::error_code& ec) {
            if (!ec) socket_.send_to(boost::asio::buffer(reply_), to);
        });
        receive();
    }

    std::chrono::milliseconds delay_;
    boost::asio::io_context io_;
    boost::asio::ip::udp::socket socket_{
        io_, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
    boost::asio::steady_timer timer_{io_};
    std::vector<std::uint8_t> reply_;  ///< what a sitedns serving serial 5 answers
    std::uint16_t port_;
    boost::asio::ip::udp::endpoint from_;
    std::array<std::uint8_t, 512> query_{};
    std::atomic<std::size_t> queries_{0};
    std::thread thread_;
};

TEST(VerifySites, ASiteAnsweringTooLateTimesOutAndOneWithoutDnsIsSkipped) {
    // The answer comes 10 s after the query, the timeout is 100 ms: a gap no load closes.
    LateSite paris(std::chrono::seconds(10));
    Sites sites;
    sites.serial = 5;
    sites.list.resize(2);
    sites.list[0].name = "paris";
    sites.list[0].dns = Endpoint{*IpAddress::parse("127.0.0.1"), paris.port()};
    sites.list[1].name = "oslo";
    const auto verdicts = verify_sites(sites, std::chrono::milliseconds(100));
    ASSERT_EQ(verdicts.size(), 2u);
    EXPECT_EQ(paris.queries(), 1u);
    EXPECT_EQ(verdicts[0].outcome, SiteVerdict::Outcome::NoAnswer)
        << "the late answer was taken: the 100 ms timeout did not end the exchange";
    EXPECT_EQ(verdicts[0].detail, "timeout");
    EXPECT_EQ(verdicts[0].address, "127.0.0.1:" + std::to_string(sites.list[0].dns->port));
    EXPECT_EQ(verdicts[1].outcome, SiteVerdict::Outcome::Skipped);
}

TEST(VerifySites, ARefusingSiteIsRefusedAndNamesTheSourceAskedFrom) {
    LateSite paris(std::chrono::milliseconds(0), "192.0.2.1");  // answers REFUSED
    Sites sites;
    sites.serial = 5;
    sites.list.resize(1);
    sites.list[0].name = "paris";
    sites.list[0].dns = Endpoint{*IpAddress::parse("127.0.0.1"), paris.port()};
    auto verdicts = verify_sites(sites, std::chrono::seconds(10));
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_EQ(verdicts[0].outcome, SiteVerdict::Outcome::Refused);
    EXPECT_EQ(verdicts[0].source, "127.0.0.1");  // the kernel's choice towards 127.0.0.1
    verdicts = verify_sites(sites, std::chrono::seconds(10), IpAddress::parse("127.0.0.2"));
    EXPECT_EQ(verdicts[0].outcome, SiteVerdict::Outcome::Refused);
    EXPECT_EQ(verdicts[0].source, "127.0.0.2");
    EXPECT_FALSE(all_verified(verdicts));
}

}  // namespace
}  // namespace sitedns::runtime
