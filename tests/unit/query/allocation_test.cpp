// No heap allocation per query on the authoritative path (STYLE rule 7): every global
// operator new and delete of this test binary counts while `counting` is on, and
// 10,000 prepared queries of every kind are answered with the counter running.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "server/query/responder.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"

namespace sitedns::query {
namespace {

using sitedns::test::allocations;
using sitedns::test::counting;
using sitedns::test::deallocations;

using sitedns::test::Bytes;
using sitedns::test::QueryOptions;

struct Template {
    const char* qname;
    const char* qtype;
    QueryOptions opts;
    std::string_view client;
    Transport transport;
};

/// One of each kind of answer: positive with additional, CNAME chain and loop, wildcard,
/// NXDOMAIN, NODATA, referral, DS at a cut, truncation, TCP, EDNS and BADVERS, REFUSED
/// (no zone, no view, class), NOTIMP, FORMERR, and the other view.
std::vector<Template> templates() {
    const QueryOptions plain{};
    const QueryOptions edns{.edns = true, .udp_size = 4096};
    const QueryOptions edns_do{.rd = true, .edns = true, .do_bit = true};
    const auto london = test::kLondonClient;
    return {
        {"example.test", "MX", plain, london, Transport::Udp},
        {"example.test", "MX", edns, london, Transport::Udp},
        {"ExAmPlE.TeSt", "NS", edns_do, london, Transport::Udp},
        {"mail.example.test", "A", plain, london, Transport::Udp},
        {"MAIL.example.test", "AAAA", edns, london, Transport::Tcp},
        {"_sip._tcp.example.test", "SRV", edns, london, Transport::Udp},
        {"www.example.test", "A", plain, london, Transport::Udp},
        {"c1.example.test", "A", edns, london, Transport::Udp},
        {"loop1.example.test", "A", plain, london, Transport::Udp},
        {"ext.example.test", "A", plain, london, Transport::Udp},
        {"dangling.example.test", "A", edns, london, Transport::Udp},
        {"tosub.example.test", "A", plain, london, Transport::Udp},
        {"foo.wild.example.test", "A", plain, london, Transport::Udp},
        {"a.b.wild.example.test", "TXT", edns, london, Transport::Udp},
        {"foo.cw.example.test", "A", plain, london, Transport::Udp},
        {"foo.wild.example.test", "MX", edns, london, Transport::Udp},
        {"nothere.example.test", "A", plain, london, Transport::Udp},
        {"nope.y.z.example.test", "A", edns, london, Transport::Udp},
        {"y.z.example.test", "A", plain, london, Transport::Udp},
        {"mail.example.test", "TXT", edns, london, Transport::Udp},
        {"sub.example.test", "A", plain, london, Transport::Udp},
        {"a.b.sub.example.test", "A", edns, london, Transport::Udp},
        {"sub.example.test", "DS", plain, london, Transport::Udp},
        {"big.example.test", "TXT", plain, london, Transport::Udp},
        {"big.example.test", "TXT", edns, london, Transport::Udp},
        {"big.example.test", "TXT", plain, london, Transport::Tcp},
        {"medium.example.test", "TXT", edns, london, Transport::Udp},
        {"example.test", "ANY", edns, london, Transport::Udp},
        {"mail.example.test", "A", {.edns = true, .edns_version = 1}, london, Transport::Udp},
        {"www.nowhere.test", "A", plain, london, Transport::Udp},
        {"mail.example.test", "A", plain, test::kNoViewClient, Transport::Udp},
        {"mail.example.test", "A", plain, test::kEmptyViewClient, Transport::Udp},
        {"mail.example.test", "TXT", {.qclass = "CH"}, london, Transport::Udp},
        {"topology.sitedns", "TXT", {.qclass = "CH"}, london, Transport::Udp},
        {"example.test", "AXFR", plain, london, Transport::Tcp},
        {"example.test", "SOA", {.opcode = 4}, london, Transport::Udp},
        {"mail.example.test", "A", plain, test::kParisClient, Transport::Udp},
        {"www.example.test", "A", edns, "2001:db8:2::9", Transport::Udp},
    };
}

TEST(ResponderAllocation, AnswersTenThousandQueriesWithoutTouchingTheHeap) {
    if (!sitedns::test::counts_allocations) GTEST_SKIP() << "no allocation counter under TSan";
    constexpr std::size_t kQueries = 10'000;
    const auto snapshot = test::make_snapshot();
    const std::vector<Template> kinds = templates();

    std::vector<Bytes> packets;
    std::vector<IpAddress> clients;
    std::vector<Transport> transports;
    packets.reserve(kQueries + 1);
    clients.reserve(kQueries + 1);
    transports.reserve(kQueries + 1);
    for (std::size_t i = 0; i < kQueries; ++i) {
        const Template& t = kinds[i % kinds.size()];
        QueryOptions opts = t.opts;
        opts.id = static_cast<std::uint16_t>(i);
        packets.push_back(sitedns::test::make_query(t.qname, t.qtype, opts));
        clients.push_back(test::ip(t.client));
        transports.push_back(t.transport);
    }
    // Malformed ones too: FORMERR (QDCOUNT 0) and a dropped answer (QR set).
    packets[7] = Bytes{0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    packets[8][2] |= 0x80;

    std::vector<std::uint8_t> out(kMaxMessage);
    std::vector<std::size_t> lengths(kQueries, 0);
    std::array<std::size_t, 16> by_rcode{};
    std::vector<std::size_t> by_kind(kinds.size(), 0);

    allocations = 0;
    deallocations = 0;
    counting = true;
    for (std::size_t i = 0; i < kQueries; ++i) {
        const std::size_t before = allocations.load(std::memory_order_relaxed);
        const std::size_t length =
            Responder::respond(*snapshot, packets[i], clients[i], transports[i], out);
        lengths[i] = length;
        if (length >= 4) ++by_rcode[out[3] & 0x0f];
        by_kind[i % kinds.size()] += allocations.load(std::memory_order_relaxed) - before;
    }
    counting = false;
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        EXPECT_EQ(by_kind[k], 0u) << "allocations answering " << kinds[k].qname << " "
                                  << kinds[k].qtype << " (query kind " << k << ")";
    }

    EXPECT_EQ(allocations.load(), 0u) << "operator new called during the measured loop";
    EXPECT_EQ(deallocations.load(), 0u) << "operator delete called during the measured loop";

    // The loop really answered: every packet but the dropped one, with every kind of RCODE.
    for (std::size_t i = 0; i < kQueries; ++i) {
        if (i == 8) {
            EXPECT_EQ(lengths[i], 0u) << "QR set: dropped";
        } else {
            ASSERT_GE(lengths[i], 12u) << "query " << i << " got no answer";
        }
    }
    EXPECT_GT(by_rcode[0], 0u);  // NOERROR
    EXPECT_GT(by_rcode[1], 0u);  // FORMERR
    EXPECT_GT(by_rcode[3], 0u);  // NXDOMAIN
    EXPECT_GT(by_rcode[4], 0u);  // NOTIMP
    EXPECT_GT(by_rcode[5], 0u);  // REFUSED

    // And answered correctly: each kind once more, parsed (outside the measured loop).
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        if (k == 7 || k == 8) continue;
        const std::size_t length =
            Responder::respond(*snapshot, packets[k], clients[k], transports[k], out);
        ASSERT_GT(length, 0u);
        const auto answer = sitedns::test::parse_answer(std::span(out).first(length));
        EXPECT_EQ(answer.id, k) << kinds[k].qname;
        EXPECT_NE(answer.rcode, "FORMERR") << kinds[k].qname << " " << kinds[k].qtype;
    }
}

/// `query` (with EDNS: its OPT last, RDLENGTH 0) carrying an ECS option for 10.2.0.0/24,
/// or, with `malformed`, one whose address has a byte too many.
Bytes with_ecs(Bytes query, bool malformed) {
    const Bytes option = malformed ? Bytes{0, 8, 0, 8, 0, 1, 24, 0, 10, 2, 0, 0}
                                   : Bytes{0, 8, 0, 7, 0, 1, 24, 0, 10, 2, 0};
    query.back() = static_cast<std::uint8_t>(option.size());
    query.insert(query.end(), option.begin(), option.end());
    return query;
}

/// The test snapshot with recursion and an upstream in london.
std::shared_ptr<query::Snapshot> forwarding_snapshot() {
    auto snapshot = std::const_pointer_cast<query::Snapshot>(test::make_snapshot());
    snapshot->views[0].recursion = true;
    snapshot->views[0].upstreams.endpoints.push_back(*Endpoint::parse("192.0.2.53:53", {}));
    return snapshot;
}

// Forward decisions and EDNS Client Subnet cost no allocation either: london gets
// recursion and an upstream, 127.0.0.53 may choose its view with ECS.
TEST(ResponderAllocation, ForwardDecisionsAndEcsWithoutTouchingTheHeap) {
    if (!sitedns::test::counts_allocations) GTEST_SKIP() << "no allocation counter under TSan";
    const auto snapshot = forwarding_snapshot();
    ASSERT_TRUE(snapshot->ecs_trust.insert(test::cidr("127.0.0.53/32"), true));
    const QueryOptions edns{.rd = true, .edns = true};
    const Bytes outside = sitedns::test::make_query("www.outside.test", "A", edns);
    const Bytes inside = sitedns::test::make_query("mail.example.test", "A", edns);
    struct Kind {
        Bytes packet;
        const char* client;
        Action action;
    };
    const std::vector<Kind> kinds = {
        {outside, "127.0.0.1", Action::Forward},
        {inside, "127.0.0.1", Action::Send},
        {with_ecs(inside, false), "127.0.0.53", Action::Send},     // paris by ECS
        {with_ecs(outside, false), "127.0.0.53", Action::Send},    // paris: REFUSED
        {with_ecs(inside, true), "127.0.0.53", Action::Send},      // FORMERR
        {with_ecs(outside, false), "127.0.0.1", Action::Forward},  // ECS ignored
    };
    std::vector<IpAddress> clients;
    for (const Kind& k : kinds) clients.push_back(test::ip(k.client));
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();
    std::size_t wrong = 0;

    allocations = 0;
    counting = true;
    for (std::size_t i = 0; i < 6'000; ++i) {
        const Kind& k = kinds[i % kinds.size()];
        Responder::handle(*snapshot, k.packet, clients[i % kinds.size()], Transport::Udp, out,
                          *decision);
        if (decision->action != k.action) ++wrong;
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0u) << "operator new called during the measured loop";
    EXPECT_EQ(wrong, 0u);

    Responder::handle(*snapshot, kinds[2].packet, clients[2], Transport::Udp, out, *decision);
    const auto paris = sitedns::test::parse_answer(std::span(out).first(decision->size));
    ASSERT_EQ(paris.answer.size(), 1u);
    EXPECT_EQ(paris.answer[0], "mail.example.test. 60 IN A 198.51.100.10");
    Responder::handle(*snapshot, kinds[4].packet, clients[4], Transport::Udp, out, *decision);
    EXPECT_EQ(sitedns::test::parse_answer(std::span(out).first(decision->size)).rcode, "FORMERR");
}

/// `query` (with EDNS: its OPT last, RDLENGTH 0) carrying a COOKIE option of `data`.
Bytes with_cookie(Bytes query, const Bytes& data) {
    query.back() = static_cast<std::uint8_t>(4 + data.size());
    query.insert(query.end(), {0, 10, 0, static_cast<std::uint8_t>(data.size())});
    query.insert(query.end(), data.begin(), data.end());
    return query;
}

// DNS Cookies cost no allocation: a client cookie only, a valid and an invalid server
// cookie, a malformed option, a query for a server cookie and a forwarded one.
TEST(ResponderAllocation, CookiesWithoutTouchingTheHeap) {
    if (!sitedns::test::counts_allocations) GTEST_SKIP() << "no allocation counter under TSan";
    const auto snapshot = forwarding_snapshot();
    const QueryOptions edns{.rd = true, .edns = true};
    const Bytes inside = sitedns::test::make_query("mail.example.test", "A", edns);
    const Bytes outside = sitedns::test::make_query("www.outside.test", "A", edns);
    const Bytes client_cookie{1, 2, 3, 4, 5, 6, 7, 8};
    wire::Cookie valid;
    std::copy(client_cookie.begin(), client_cookie.end(), valid.client.begin());
    make_server_cookie(snapshot->cookie_secret, test::ip("127.0.0.1"), cookie_clock(), valid);
    Bytes valid_data = client_cookie;
    valid_data.insert(valid_data.end(), valid.server.begin(), valid.server.begin() + 16);
    Bytes invalid_data = valid_data;
    invalid_data.back() ^= 1;
    Bytes no_question = with_cookie(inside, client_cookie);
    no_question[5] = 0;  // QDCOUNT 0: the question is cut out below
    no_question.erase(no_question.begin() + 12, no_question.begin() + 12 + 23);
    struct Kind {
        Bytes packet;
        Action action;
        CookieResult cookie;
    };
    const std::vector<Kind> kinds = {
        {with_cookie(inside, client_cookie), Action::Send, CookieResult::New},
        {with_cookie(inside, valid_data), Action::Send, CookieResult::Valid},
        {with_cookie(inside, invalid_data), Action::Send, CookieResult::Invalid},
        {with_cookie(inside, Bytes(12, 1)), Action::Send, CookieResult::Malformed},
        {no_question, Action::Send, CookieResult::New},
        {with_cookie(outside, valid_data), Action::Forward, CookieResult::Valid},
    };
    const IpAddress client = test::ip("127.0.0.1");
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();
    std::size_t wrong = 0;

    allocations = 0;
    counting = true;
    for (std::size_t i = 0; i < 6'000; ++i) {
        const Kind& k = kinds[i % kinds.size()];
        Responder::handle(*snapshot, k.packet, client, Transport::Udp, out, *decision);
        if (decision->action != k.action || decision->cookie != k.cookie) ++wrong;
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0u) << "operator new called during the measured loop";
    EXPECT_EQ(wrong, 0u);
}

// The counter works: the measurement above would see an allocation if there were one.
TEST(ResponderAllocation, CounterSeesAnAllocation) {
    if (!sitedns::test::counts_allocations) GTEST_SKIP() << "no allocation counter under TSan";
    allocations = 0;
    counting = true;
    static std::vector<int>* volatile sink = nullptr;
    sink = new std::vector<int>(100);
    counting = false;
    delete sink;
    EXPECT_GE(allocations.load(), 2u);
}

}  // namespace
}  // namespace sitedns::query
