// The worker's cache of finished answers (server/query/packet_cache.h): a plain query
// answered through the cache gets exactly the bytes the uncached Responder::handle
// writes for that same packet (its ID, its name's case), from the same snapshot and view;
// anything else takes the full path and is never stored.

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/query/packet_cache.h"
#include "server/query/responder.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/dns_client.h"
#include "tests/support/query_cases.h"
#include "tests/unit/query/test_snapshot.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using sitedns::test::Bytes;
using sitedns::test::QueryOptions;

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// What one call of either path sent: the action and the bytes.
struct Sent {
    Action action = Action::Drop;
    Bytes wire;
};

Sent uncached(const query::Snapshot& snapshot, const Bytes& packet, const IpAddress& client,
              Transport transport) {
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();
    Responder::handle(snapshot, packet, client, transport, out, *decision);
    Sent sent{decision->action, {}};
    if (decision->action == Action::Send)
        sent.wire.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(decision->size));
    return sent;
}

Sent cached(const query::Snapshot& snapshot, const Bytes& packet, const IpAddress& client,
            Transport transport, PacketCache& cache) {
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();
    Responder::handle(snapshot, packet, client, transport, out, *decision, cache);
    Sent sent{decision->action, {}};
    if (decision->action == Action::Send)
        sent.wire.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(decision->size));
    return sent;
}

/// Answers given from the cache: hits of a query's own key and answers made from the
/// template of a name that does not exist.
std::uint64_t answered_from_cache(const PacketCache& cache) {
    return cache.hits() + cache.templated();
}

/// `name` with each ASCII letter's case flipped at random.
std::string recase(std::string name, std::mt19937& rng) {
    for (char& c : name) {
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (letter && (rng() & 1) != 0) c = static_cast<char>(c ^ 0x20);
    }
    return name;
}

/// What the responder asks before it uses a key past the lookup: make_key() for the
/// packet's shape, then plain_name() for its labels (on a miss).
bool plain_key(std::span<const std::uint8_t> packet, Transport transport, AnswerKey& key) {
    return PacketCache::make_key(packet, transport, key) && PacketCache::plain_name(key);
}

/// A header with ID 0xbeef and the given flags and counts.
Bytes header(std::uint16_t flags, std::uint16_t qd, std::uint16_t an = 0, std::uint16_t ns = 0,
             std::uint16_t ar = 0) {
    auto hi = [](std::uint16_t v) { return static_cast<std::uint8_t>(v >> 8); };
    auto lo = [](std::uint16_t v) { return static_cast<std::uint8_t>(v); };
    return {0xbe,   0xef,   hi(flags), lo(flags), hi(qd), lo(qd),
            hi(an), lo(an), hi(ns),    lo(ns),    hi(ar), lo(ar)};
}

/// The question of mail.example.test A, uncompressed.
Bytes mail_question() {
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    return Bytes(q.begin() + 12, q.end());
}

/// A query with EDNS whose OPT (the last record, RDLENGTH 0) carries `option`.
Bytes with_option(Bytes query, const Bytes& option) {
    query[query.size() - 1] = static_cast<std::uint8_t>(option.size());
    query.insert(query.end(), option.begin(), option.end());
    return query;
}

/// An ECS option (RFC 7871 §6) for 10.2.0.0/24: inside paris's 10.2.0.0/16.
const Bytes kEcsParis = {0, 8, 0, 7, 0, 1, 24, 0, 10, 2, 0};
/// A DNS cookie option (RFC 7873): client cookie only.
const Bytes kCookie = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};

constexpr const char* kTrusted = "127.0.0.53";

/// The test snapshot with 127.0.0.53 allowed to choose its view with ECS.
std::shared_ptr<query::Snapshot> ecs_snapshot() {
    auto snapshot = std::const_pointer_cast<query::Snapshot>(test::make_snapshot());
    EXPECT_TRUE(snapshot->ecs_trust.insert(test::cidr("127.0.0.53/32"), true));
    return snapshot;
}

// ------------------------------------------------------------------ equivalence

/// "name over udp|tcp", for traces.
std::string describe(const sitedns::test::QueryCase& c, Transport transport) {
    return c.name + (transport == Transport::Tcp ? " over tcp" : " over udp");
}

// Every case of the shared table (tests/support/query_cases.h), over each transport it
// holds for, with an empty cache: a miss that stores, then hits with other IDs and re-cased names,
// each the bytes the uncached path writes for that same packet. An answer larger than kMaxAnswer is
// not stored: every call is a miss, with the same bytes.
TEST(PacketCacheEquivalence, HitsAndMissesSendWhatTheUncachedPathSends) {
    const auto snapshot = test::make_snapshot();
    std::mt19937 rng(20240101);
    std::uint16_t id = 0x100;
    std::size_t hit_cases = 0;
    for (const sitedns::test::QueryCase& c : sitedns::test::query_cases()) {
        for (const bool tcp : sitedns::test::case_transports(c)) {
            // A cache of its own: cases that share a question and a view (another client
            // of the same view) must not find each other's answer.
            PacketCache cache;
            const Transport transport = tcp ? Transport::Tcp : Transport::Udp;
            SCOPED_TRACE(describe(c, transport));
            const IpAddress client = test::ip(c.client);
            const Bytes first = sitedns::test::case_query(c, c.qname, ++id);
            AnswerKey key;
            ASSERT_TRUE(PacketCache::make_key(first, transport, key)) << "a plain query";

            // The miss: what handle() writes, and nothing found.
            const std::uint64_t hits0 = cache.hits();
            const std::uint64_t misses0 = cache.misses();
            const Sent want1 = uncached(*snapshot, first, client, transport);
            ASSERT_EQ(want1.action, Action::Send);
            const Sent got1 = cached(*snapshot, first, client, transport, cache);
            EXPECT_EQ(got1.action, Action::Send);
            EXPECT_EQ(got1.wire, want1.wire) << "first (miss) answer differs";
            EXPECT_EQ(cache.hits(), hits0);
            EXPECT_EQ(cache.misses(), misses0 + 1);
            const bool hit = want1.wire.size() <= PacketCache::kMaxAnswer;

            // Other packets: another ID, the name re-cased.
            for (int round = 0; round < 3; ++round) {
                const auto other_id = static_cast<std::uint16_t>(rng());
                const std::string qname = recase(c.qname, rng);
                const Bytes again = sitedns::test::case_query(c, qname, other_id);
                SCOPED_TRACE(qname + " id " + std::to_string(other_id));
                const Sent want = uncached(*snapshot, again, client, transport);
                const std::uint64_t hits = answered_from_cache(cache);
                const Sent got = cached(*snapshot, again, client, transport, cache);
                EXPECT_EQ(got.action, Action::Send);
                EXPECT_EQ(got.wire, want.wire) << "answer from the cache differs";
                EXPECT_EQ(answered_from_cache(cache), hits + (hit ? 1 : 0));
            }
            // And the first packet again: its own ID and case come back.
            const std::uint64_t hits = answered_from_cache(cache);
            EXPECT_EQ(cached(*snapshot, first, client, transport, cache).wire, want1.wire);
            EXPECT_EQ(answered_from_cache(cache), hits + (hit ? 1 : 0));
            if (hit) ++hit_cases;
        }
    }
    EXPECT_GE(hit_cases, 100u);
}

TEST(PacketCacheEquivalence, MissingFromTheCacheFillsDecisionLikeHandle) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    const Bytes q = sitedns::test::make_query("mail.example.test", "A", {.edns = true});
    const IpAddress client = test::ip(test::kParisClient);
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();
    for (int i = 0; i < 2; ++i) {
        Responder::handle(*snapshot, q, client, Transport::Udp, out, *decision, cache);
        EXPECT_EQ(decision->action, Action::Send);
        ASSERT_NE(decision->view, nullptr);
        EXPECT_EQ(decision->view->name, "paris");
        EXPECT_FALSE(decision->echo.ecs.has_value());
    }
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(cache.misses(), 1u);
}

TEST(PacketCacheEquivalence, QrSetIsDroppedAndNotStored) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    Bytes q = sitedns::test::make_query("mail.example.test", "A");
    q[2] |= 0x80;
    const IpAddress client = test::ip(test::kLondonClient);
    for (int i = 0; i < 2; ++i) {
        const Sent got = cached(*snapshot, q, client, Transport::Udp, cache);
        EXPECT_EQ(got.action, Action::Drop);
        EXPECT_TRUE(got.wire.empty());
    }
    EXPECT_EQ(cache.hits(), 0u);
}

// ------------------------------------------------------------------ invalidation

TEST(PacketCacheInvalidation, ANewSnapshotObjectIsNotAnsweredFromTheOld) {
    const auto old_snapshot = test::make_snapshot();
    // The same shape, but london serves paris's zone: a different answer for the same query.
    auto fresh = std::make_shared<query::Snapshot>();
    fresh->views.push_back(test::make_view("london", test::paris_zone_json()));
    ASSERT_TRUE(fresh->add_view_prefix(test::cidr("127.0.0.0/8"), 0));
    fresh->generation = old_snapshot->generation;

    PacketCache cache;
    const IpAddress client = test::ip(test::kLondonClient);
    const Bytes q = sitedns::test::make_query("mail.example.test", "A", {.edns = true});
    const Sent old_answer = cached(*old_snapshot, q, client, Transport::Udp, cache);
    ASSERT_EQ(cached(*old_snapshot, q, client, Transport::Udp, cache).wire, old_answer.wire);
    ASSERT_EQ(cache.hits(), 1u);

    const Sent want = uncached(*fresh, q, client, Transport::Udp);
    ASSERT_NE(want.wire, old_answer.wire);
    EXPECT_EQ(cached(*fresh, q, client, Transport::Udp, cache).wire, want.wire);
    EXPECT_EQ(cache.hits(), 1u) << "answered from the old snapshot's entry";
    EXPECT_EQ(cached(*fresh, q, client, Transport::Udp, cache).wire, want.wire);
    EXPECT_EQ(cache.hits(), 2u) << "the new snapshot's answer is cached in turn";

    // Identical zones in a distinct object: still a miss (the entry names its snapshot).
    const auto twin = test::make_snapshot();
    const std::uint64_t hits = cache.hits();
    EXPECT_EQ(cached(*twin, q, client, Transport::Udp, cache).wire, old_answer.wire);
    EXPECT_EQ(cache.hits(), hits);

    // A client in no view: the entry's view is null in every snapshot, only the snapshot
    // pointer tells the old entry from one of the twin.
    const IpAddress nobody = test::ip(test::kNoViewClient);
    const Sent refused = cached(*old_snapshot, q, nobody, Transport::Udp, cache);
    ASSERT_EQ(cached(*old_snapshot, q, nobody, Transport::Udp, cache).wire, refused.wire);
    ASSERT_EQ(cache.hits(), hits + 1);
    EXPECT_EQ(cached(*twin, q, nobody, Transport::Udp, cache).wire,
              uncached(*twin, q, nobody, Transport::Udp).wire);
    EXPECT_EQ(cache.hits(), hits + 1) << "answered from another snapshot's entry";
}

TEST(PacketCacheInvalidation, ANewGenerationAtTheSameAddressIsNotAnsweredFromTheOld) {
    // A snapshot object whose contents and generation change in place: what a new snapshot
    // allocated where a freed one was looks like to the cache (same pointer, same View*).
    auto snapshot = std::const_pointer_cast<query::Snapshot>(test::make_snapshot());
    snapshot->generation = 7;
    PacketCache cache;
    const IpAddress client = test::ip(test::kLondonClient);
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    const Sent before = cached(*snapshot, q, client, Transport::Udp, cache);
    ASSERT_EQ(cached(*snapshot, q, client, Transport::Udp, cache).wire, before.wire);
    ASSERT_EQ(cache.hits(), 1u);

    // Only the generation changes: a miss, then a hit under the new generation.
    snapshot->generation = 8;
    EXPECT_EQ(cached(*snapshot, q, client, Transport::Udp, cache).wire, before.wire);
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(cached(*snapshot, q, client, Transport::Udp, cache).wire, before.wire);
    EXPECT_EQ(cache.hits(), 2u);

    // The zones change too, the View object staying where it was.
    const query::View* london = &snapshot->views[0];
    snapshot->views[0] = test::make_view("london", test::paris_zone_json());
    ASSERT_EQ(&snapshot->views[0], london);
    snapshot->generation = 9;
    const Sent want = uncached(*snapshot, q, client, Transport::Udp);
    ASSERT_NE(want.wire, before.wire);
    EXPECT_EQ(cached(*snapshot, q, client, Transport::Udp, cache).wire, want.wire);
    EXPECT_EQ(cache.hits(), 2u);
}

// ------------------------------------------------------------------ not plain

TEST(PacketCacheNotPlain, IsNeverAHitAndNeverStored) {
    const auto snapshot = ecs_snapshot();
    const Bytes edns_mail = sitedns::test::make_query("mail.example.test", "A", {.edns = true});
    const Bytes question = mail_question();
    const Bytes opt = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    struct Packet {
        const char* what;
        Bytes bytes;
        const char* client;
    };
    const std::vector<Packet> packets = {
        {"ECS from a trusted sender", with_option(edns_mail, kEcsParis), kTrusted},
        {"ECS from an untrusted sender", with_option(edns_mail, kEcsParis), "127.0.0.1"},
        {"cookie", with_option(edns_mail, kCookie), "127.0.0.1"},
        {"cookie from a trusted sender", with_option(edns_mail, kCookie), kTrusted},
        // "mail" then a pointer to offset 0, where the ID's high byte 0 is the root.
        {"backward compression pointer", Bytes{0x00, 0x01, 0,   0,   0,   1,    0, 0, 0, 0, 0, 0,
                                               4,    'm',  'a', 'i', 'l', 0xc0, 0, 0, 1, 0, 1},
         "127.0.0.1"},
        {"forward compression pointer", header(0, 1) + Bytes{0xc0, 14, 0, 0, 1, 0, 1}, "127.0.0.1"},
        {"trailing garbage", header(0, 1) + question + Bytes{1, 2, 3}, "127.0.0.1"},
        {"trailing byte after the OPT", header(0, 1, 0, 0, 1) + question + opt + Bytes{0},
         "127.0.0.1"},
        {"QDCOUNT 2", header(0, 2) + question + question, "127.0.0.1"},
        {"QDCOUNT 0", header(0, 0), "127.0.0.1"},
        {"ANCOUNT 1",
         header(0, 1, 1) + question + Bytes{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1},
         "127.0.0.1"},
        {"NSCOUNT 1",
         header(0, 1, 0, 1) + question +
             Bytes{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1},
         "127.0.0.1"},
        {"two OPTs", header(0, 1, 0, 0, 2) + question + opt + opt, "127.0.0.1"},
        {"OPT not owned by the root",
         header(0, 1, 0, 0, 1) + question + Bytes{1, 'x', 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0},
         "127.0.0.1"},
        {"additional A record, not an OPT",
         header(0, 1, 0, 0, 1) + question + Bytes{0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0}, "127.0.0.1"},
        {"extended label type", header(0, 1) + Bytes{0x41, 'a', 0, 0, 1, 0, 1}, "127.0.0.1"},
        {"truncated question", header(0, 1) + Bytes{4, 'm', 'a', 'i', 'l', 0, 0, 1, 0},
         "127.0.0.1"},
    };
    PacketCache cache;
    for (const Packet& p : packets) {
        SCOPED_TRACE(p.what);
        const IpAddress client = test::ip(p.client);
        AnswerKey key;
        EXPECT_FALSE(plain_key(p.bytes, Transport::Udp, key));
        // Only a packet shaped as a plain query is looked up (and missed) before its
        // labels are read; anything else does not even ask the cache.
        const bool shaped = PacketCache::make_key(p.bytes, Transport::Udp, key);
        const std::uint64_t misses = cache.misses();
        for (const Transport transport : {Transport::Udp, Transport::Tcp}) {
            const Sent want = uncached(*snapshot, p.bytes, client, transport);
            for (int i = 0; i < 3; ++i) {
                const Sent got = cached(*snapshot, p.bytes, client, transport, cache);
                EXPECT_EQ(got.action, want.action);
                EXPECT_EQ(got.wire, want.wire);
            }
        }
        EXPECT_EQ(cache.hits(), 0u);
        EXPECT_EQ(cache.misses(), misses + (shaped ? 6u : 0u)) << "3 rounds, 2 transports";
    }
}

// make_key() reads no labels: a query only hits when its key equals one stored from a
// query whose name was checked. Every byte of the name of a cached query, replaced by
// every other value, must still be answered as without a cache.
TEST(PacketCacheNotPlain, AnyNameByteChangedAfterAHitIsAnsweredAsUncached) {
    const auto snapshot = ecs_snapshot();
    const IpAddress client = test::ip("127.0.0.1");
    const Bytes plain = sitedns::test::make_query("mail.example.test", "A");
    PacketCache cache;
    ASSERT_EQ(cached(*snapshot, plain, client, Transport::Udp, cache).wire,
              uncached(*snapshot, plain, client, Transport::Udp).wire);
    ASSERT_EQ(cached(*snapshot, plain, client, Transport::Udp, cache).wire,
              uncached(*snapshot, plain, client, Transport::Udp).wire);
    ASSERT_EQ(cache.hits(), 1u);
    const std::size_t name_end = plain.size() - 4;
    std::size_t compared = 0;
    for (std::size_t at = 12; at < name_end; ++at) {
        for (unsigned value = 0; value < 256; ++value) {
            if (value == plain[at]) continue;
            Bytes changed = plain;
            changed[at] = static_cast<std::uint8_t>(value);
            const Sent want = uncached(*snapshot, changed, client, Transport::Udp);
            const Sent got = cached(*snapshot, changed, client, Transport::Udp, cache);
            ASSERT_EQ(got.action, want.action) << "byte " << at << " = " << value;
            ASSERT_EQ(got.wire, want.wire) << "byte " << at << " = " << value;
            ++compared;
        }
    }
    EXPECT_EQ(compared, (name_end - 12) * 255);
}

TEST(PacketCacheNotPlain, EcsAnswerDoesNotLeakIntoThePlainQuery) {
    const auto snapshot = ecs_snapshot();
    PacketCache cache;
    const IpAddress trusted = test::ip(kTrusted);
    const Bytes plain = sitedns::test::make_query("mail.example.test", "A", {.edns = true});
    const Bytes ecs = with_option(plain, kEcsParis);

    // The ECS query picks paris (and echoes the option)...
    const Sent by_ecs = cached(*snapshot, ecs, trusted, Transport::Udp, cache);
    ASSERT_EQ(by_ecs.wire, uncached(*snapshot, ecs, trusted, Transport::Udp).wire);
    const Answer paris = sitedns::test::parse_answer(by_ecs.wire);
    ASSERT_EQ(paris.answer.size(), 1u);
    EXPECT_EQ(paris.answer[0], "mail.example.test. 60 IN A 198.51.100.10");

    // ...the plain one from the same sender gets the sender's own view, london.
    const Sent own = uncached(*snapshot, plain, trusted, Transport::Udp);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(cached(*snapshot, plain, trusted, Transport::Udp, cache).wire, own.wire);
        EXPECT_EQ(cached(*snapshot, ecs, trusted, Transport::Udp, cache).wire, by_ecs.wire);
    }
    EXPECT_EQ(sitedns::test::parse_answer(own.wire).answer.at(0),
              "mail.example.test. 300 IN A 192.0.2.10");
    EXPECT_EQ(cache.hits(), 1u) << "only the plain query's second call";
}

// ------------------------------------------------------------------ views and transports

TEST(PacketCacheViews, EachClientGetsItsOwnViewsAnswerForTheSameBytes) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    const Bytes q = sitedns::test::make_query("mail.example.test", "A", {.edns = true});
    // 10.1.2.3 is paris's /32 inside london's 10.1.0.0/16.
    const std::vector<const char*> clients = {"127.0.0.1",   "10.2.0.5", "10.1.0.9",     "10.1.2.3",
                                              "192.168.1.1", "10.9.1.1", "2001:db8:2::1"};
    std::vector<Sent> wants;
    for (const char* c : clients)
        wants.push_back(uncached(*snapshot, q, test::ip(c), Transport::Udp));
    // London, paris, no view and empty view each answer differently.
    EXPECT_NE(wants[0].wire, wants[1].wire);
    EXPECT_NE(wants[0].wire, wants[4].wire);
    EXPECT_NE(wants[1].wire, wants[5].wire);
    EXPECT_EQ(wants[0].wire, wants[2].wire);
    EXPECT_EQ(wants[1].wire, wants[3].wire);

    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < clients.size(); ++i) {
            SCOPED_TRACE(std::string(clients[i]) + " round " + std::to_string(round));
            EXPECT_EQ(cached(*snapshot, q, test::ip(clients[i]), Transport::Udp, cache).wire,
                      wants[i].wire);
        }
    }
    EXPECT_GT(cache.hits(), 0u);
}

TEST(PacketCacheViews, TwoViewsKeepAnEntryEachAndShareItWithinAView) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    // london, paris, london (another client), paris (a /32 inside london's /16).
    const std::vector<const char*> clients = {"127.0.0.1", "10.2.0.5", "10.1.0.9", "10.1.2.3"};
    const Sent london = uncached(*snapshot, q, test::ip(clients[0]), Transport::Udp);
    const Sent paris = uncached(*snapshot, q, test::ip(clients[1]), Transport::Udp);
    ASSERT_NE(london.wire, paris.wire);
    EXPECT_EQ(sitedns::test::parse_answer(paris.wire).answer.at(0),
              "mail.example.test. 60 IN A 198.51.100.10");
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < clients.size(); ++i) {
            SCOPED_TRACE(std::string(clients[i]) + " round " + std::to_string(round));
            EXPECT_EQ(cached(*snapshot, q, test::ip(clients[i]), Transport::Udp, cache).wire,
                      i % 2 == 0 ? london.wire : paris.wire);
        }
    }
    EXPECT_EQ(cache.misses(), 2u) << "one per view";
    EXPECT_EQ(cache.hits(), 3 * clients.size() - 2);
}

// The view is mixed into the set index: the same question asked from many views (a
// site's MX from each site) does not crowd one set.
TEST(PacketCacheViews, SameQueryFromFourViewsStaysCachedForEach) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    // london, paris, no view, empty view.
    const std::vector<const char*> clients = {"127.0.0.1", "10.2.0.5", "192.168.1.1", "10.9.1.1"};
    for (int round = 0; round < 3; ++round) {
        for (const char* c : clients) {
            EXPECT_EQ(cached(*snapshot, q, test::ip(c), Transport::Udp, cache).wire,
                      uncached(*snapshot, q, test::ip(c), Transport::Udp).wire);
        }
    }
    EXPECT_EQ(cache.misses(), 4u) << "one per view";
    EXPECT_EQ(cache.hits(), 8u);
}

TEST(PacketCacheTransport, UdpAndTcpAreKeyedApart) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    const IpAddress client = test::ip(test::kLondonClient);
    // big TXT: truncated over UDP (stored), whole over TCP (too big to store).
    const Bytes big = sitedns::test::make_query("big.example.test", "TXT");
    const Sent udp = cached(*snapshot, big, client, Transport::Udp, cache);
    ASSERT_TRUE(sitedns::test::parse_answer(udp.wire).tc);
    ASSERT_EQ(cached(*snapshot, big, client, Transport::Udp, cache).wire, udp.wire);
    ASSERT_EQ(cache.hits(), 1u);
    const Sent tcp_want = uncached(*snapshot, big, client, Transport::Tcp);
    const Sent tcp = cached(*snapshot, big, client, Transport::Tcp, cache);
    EXPECT_EQ(tcp.wire, tcp_want.wire);
    EXPECT_FALSE(sitedns::test::parse_answer(tcp.wire).tc);
    EXPECT_GT(tcp.wire.size(), 512u);
    EXPECT_EQ(cache.hits(), 1u);

    // medium TXT: whole over TCP first (too big to store), then truncated over UDP.
    const Bytes medium = sitedns::test::make_query("medium.example.test", "TXT");
    const Sent tcp_medium = cached(*snapshot, medium, client, Transport::Tcp, cache);
    EXPECT_FALSE(sitedns::test::parse_answer(tcp_medium.wire).tc);
    const Sent udp_medium = cached(*snapshot, medium, client, Transport::Udp, cache);
    EXPECT_TRUE(sitedns::test::parse_answer(udp_medium.wire).tc);
    EXPECT_EQ(udp_medium.wire, uncached(*snapshot, medium, client, Transport::Udp).wire);

    // A small answer: the UDP entry does not serve TCP, each gets its own.
    const Bytes mail = sitedns::test::make_query("mail.example.test", "A");
    const std::uint64_t hits = cache.hits();
    (void)cached(*snapshot, mail, client, Transport::Udp, cache);
    (void)cached(*snapshot, mail, client, Transport::Tcp, cache);
    EXPECT_EQ(cache.hits(), hits);
    (void)cached(*snapshot, mail, client, Transport::Udp, cache);
    (void)cached(*snapshot, mail, client, Transport::Tcp, cache);
    EXPECT_EQ(cache.hits(), hits + 2);
}

// ------------------------------------------------------------------ forwarding

TEST(PacketCacheForward, ForwardedDecisionsAreNeverStored) {
    auto snapshot = std::const_pointer_cast<query::Snapshot>(test::make_snapshot());
    snapshot->views[0].recursion = true;
    snapshot->views[0].upstreams.endpoints.push_back(*Endpoint::parse("192.0.2.53:53", {}));
    PacketCache cache;
    const IpAddress client = test::ip(test::kLondonClient);
    const Bytes outside =
        sitedns::test::make_query("www.outside.test", "A", {.id = 7, .rd = true, .edns = true});
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();
    for (int i = 0; i < 3; ++i) {
        Responder::handle(*snapshot, outside, client, Transport::Udp, out, *decision, cache);
        ASSERT_EQ(decision->action, Action::Forward);
        EXPECT_EQ(decision->size, 0u);
        EXPECT_EQ(decision->query.id, 7);
        EXPECT_EQ(decision->query.qname_lower.wire().size(), 18u) << "the query goes with it";
        EXPECT_EQ(decision->limit, 1232u);
    }
    EXPECT_EQ(cache.hits(), 0u);
    EXPECT_EQ(cache.misses(), 3u);

    // In-zone answers of the recursion view are cached, with RA.
    const Bytes inside = sitedns::test::make_query("mail.example.test", "A", {.rd = true});
    const Sent want = uncached(*snapshot, inside, client, Transport::Udp);
    EXPECT_TRUE(sitedns::test::parse_answer(want.wire).ra);
    EXPECT_EQ(cached(*snapshot, inside, client, Transport::Udp, cache).wire, want.wire);
    EXPECT_EQ(cached(*snapshot, inside, client, Transport::Udp, cache).wire, want.wire);
    EXPECT_EQ(cache.hits(), 1u);
}

// ------------------------------------------------------------------ the cache itself

/// The patch list the encoder gives an answer to the query `key` was made from.
wire::AnswerPatches question_of(const AnswerKey& key) {
    wire::AnswerPatches patches;
    patches.question_size = key.name_size;
    return patches;
}

/// An answer-shaped message: the query's header and question, QR set, padded to `size`.
Bytes fake_answer(const Bytes& query, std::size_t size, std::uint8_t fill) {
    Bytes a = query;
    a[2] |= 0x80;
    a[10] = 0;
    a[11] = 0;
    a.resize(size, fill);
    return a;
}

TEST(PacketCacheStore, KeepsAnswersUpToKMaxAnswer) {
    const auto snapshot = test::make_snapshot();
    const query::View* view = &snapshot->views[0];
    PacketCache cache;
    const Bytes q1 = sitedns::test::make_query("a.example.test", "A", {.id = 1});
    const Bytes q2 = sitedns::test::make_query("b.example.test", "A", {.id = 2});
    AnswerKey k1;
    AnswerKey k2;
    ASSERT_TRUE(PacketCache::make_key(q1, Transport::Udp, k1));
    ASSERT_TRUE(PacketCache::make_key(q2, Transport::Udp, k2));
    cache.store(*snapshot, view, k1, fake_answer(q1, PacketCache::kMaxAnswer, 0xaa),
                question_of(k1));
    cache.store(*snapshot, view, k2, fake_answer(q2, PacketCache::kMaxAnswer + 1, 0xbb),
                question_of(k2));
    std::vector<std::uint8_t> out(kMaxMessage);
    EXPECT_EQ(cache.find(*snapshot, view, k1, q1, out), PacketCache::kMaxAnswer);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + 512), fake_answer(q1, 512, 0xaa));
    EXPECT_EQ(cache.find(*snapshot, view, k2, q2, out), 0u) << "513 bytes: not stored";
    // Another view, a null view: not found.
    EXPECT_EQ(cache.find(*snapshot, &snapshot->views[1], k1, q1, out), 0u);
    EXPECT_EQ(cache.find(*snapshot, nullptr, k1, q1, out), 0u);
    // An output buffer too small for the answer: a miss, nothing written past it.
    std::vector<std::uint8_t> small(100, 0x5a);
    EXPECT_EQ(cache.find(*snapshot, view, k1, q1, std::span(small).first(50)), 0u);
    EXPECT_EQ(small[60], 0x5a);
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(cache.misses(), 4u);
}

TEST(PacketCacheStore, RefusesAnAnswerWhosePatchListHasNotTheQuestion) {
    const auto snapshot = test::make_snapshot();
    const query::View* view = &snapshot->views[0];
    PacketCache cache;
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    AnswerKey key;
    ASSERT_TRUE(PacketCache::make_key(q, Transport::Udp, key));
    std::vector<std::uint8_t> out(kMaxMessage);
    wire::AnswerPatches no_question;  // the encoder wrote no question
    cache.store(*snapshot, view, key, fake_answer(q, 100, 0), no_question);
    EXPECT_EQ(cache.find(*snapshot, view, key, q, out), 0u);
    wire::AnswerPatches other = question_of(key);
    other.question_size -= 1;  // another question than the key's
    cache.store(*snapshot, view, key, fake_answer(q, 100, 0), other);
    EXPECT_EQ(cache.find(*snapshot, view, key, q, out), 0u);
    cache.store(*snapshot, view, key, fake_answer(q, 100, 0), question_of(key));
    EXPECT_EQ(cache.find(*snapshot, view, key, q, out), 100u);
}

TEST(PacketCacheStore, ReplacesTheLeastRecentlyStoredEntryOfASet) {
    const auto snapshot = test::make_snapshot();
    const query::View* view = &snapshot->views[0];
    PacketCache cache(1);  // one set of kWays entries: every key shares it
    constexpr std::size_t kKeys = PacketCache::kWays + 1;
    std::vector<Bytes> queries;
    std::vector<AnswerKey> keys(kKeys);
    for (std::size_t i = 0; i < kKeys; ++i) {
        queries.push_back(
            sitedns::test::make_query("h" + std::to_string(i) + ".example.test", "A"));
        ASSERT_TRUE(PacketCache::make_key(queries.back(), Transport::Udp, keys[i]));
        cache.store(*snapshot, view, keys[i], fake_answer(queries.back(), 64, 0),
                    question_of(keys[i]));
    }
    std::vector<std::uint8_t> out(kMaxMessage);
    EXPECT_EQ(cache.find(*snapshot, view, keys[0], queries[0], out), 0u) << "the oldest went";
    for (std::size_t i = 1; i < kKeys; ++i) {
        EXPECT_EQ(cache.find(*snapshot, view, keys[i], queries[i], out), 64u) << i;
    }
    // Storing a key again replaces its own entry, not the oldest one.
    cache.store(*snapshot, view, keys[1], fake_answer(queries[1], 80, 0), question_of(keys[1]));
    EXPECT_EQ(cache.find(*snapshot, view, keys[1], queries[1], out), 80u);
    for (std::size_t i = 2; i < kKeys; ++i) {
        EXPECT_EQ(cache.find(*snapshot, view, keys[i], queries[i], out), 64u) << i;
    }
}

TEST(PacketCacheStore, HitTakesTheQuerysIdAndNameCase) {
    const auto snapshot = test::make_snapshot();
    const query::View* view = &snapshot->views[0];
    PacketCache cache;
    const Bytes stored = sitedns::test::make_query("mail.example.test", "A", {.id = 0x0102});
    const Bytes asked = sitedns::test::make_query("MaIl.ExAmPlE.tEsT", "A", {.id = 0xa0b0});
    AnswerKey k1;
    AnswerKey k2;
    ASSERT_TRUE(PacketCache::make_key(stored, Transport::Udp, k1));
    ASSERT_TRUE(PacketCache::make_key(asked, Transport::Udp, k2));
    cache.store(*snapshot, view, k1, fake_answer(stored, 80, 0x11), question_of(k1));
    std::vector<std::uint8_t> out(kMaxMessage);
    ASSERT_EQ(cache.find(*snapshot, view, k2, asked, out), 80u);
    Bytes want = fake_answer(asked, 80, 0x11);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + 80), want);
}

// ------------------------------------------------------------------ allocation

TEST(PacketCacheAllocation, HitsAndMissesDoNotTouchTheHeap) {
    if (!sitedns::test::counts_allocations) GTEST_SKIP() << "no allocation counter under TSan";
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    const QueryOptions edns{.edns = true, .do_bit = true};
    struct Kind {
        Bytes packet;
        IpAddress client;
        Transport transport;
    };
    std::vector<Kind> kinds = {
        {sitedns::test::make_query("example.test", "MX"), test::ip("127.0.0.1"), Transport::Udp},
        {sitedns::test::make_query("MAIL.example.test", "A", edns), test::ip("127.0.0.1"),
         Transport::Udp},
        {sitedns::test::make_query("foo.wild.example.test", "A"), test::ip("127.0.0.1"),
         Transport::Tcp},
        {sitedns::test::make_query("nothere.example.test", "A", edns), test::ip("127.0.0.1"),
         Transport::Udp},
        {sitedns::test::make_query("big.example.test", "TXT"), test::ip("127.0.0.1"),
         Transport::Udp},
        {sitedns::test::make_query("mail.example.test", "A"), test::ip("10.2.0.5"), Transport::Udp},
        {sitedns::test::make_query("mail.example.test", "A"), test::ip("192.168.1.1"),
         Transport::Udp},
    };
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();

    using sitedns::test::allocations;
    using sitedns::test::counting;
    allocations = 0;
    counting = true;
    for (const Kind& k : kinds) {  // misses: handle() and store
        Responder::handle(*snapshot, k.packet, k.client, k.transport, out, *decision, cache);
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0u) << "allocation on a miss";
    EXPECT_EQ(cache.misses(), kinds.size());

    constexpr int kRounds = 1000;
    std::size_t not_sent = 0;
    allocations = 0;
    counting = true;
    for (int i = 0; i < kRounds; ++i) {
        Kind& k = kinds[static_cast<std::size_t>(i) % kinds.size()];
        k.packet[0] = static_cast<std::uint8_t>(i);  // another ID
        k.packet[13] ^= 0x20;                        // the first letter's case flipped
        Responder::handle(*snapshot, k.packet, k.client, k.transport, out, *decision, cache);
        if (decision->action != Action::Send) ++not_sent;
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0u) << "allocation on a hit";
    EXPECT_EQ(not_sent, 0u);
    EXPECT_EQ(answered_from_cache(cache), static_cast<std::uint64_t>(kRounds));
    EXPECT_EQ(cache.misses(), kinds.size() + cache.templated());
}

// ------------------------------------------------------------------ make_key

/// An AnswerKey with guard bytes after it: make_key must write nothing past the key.
struct GuardedKey {
    AnswerKey key;
    std::array<std::uint8_t, 128> guard;
    GuardedKey() { guard.fill(0xa5); }
    bool guard_intact() const {
        for (const std::uint8_t b : guard) {
            if (b != 0xa5) return false;
        }
        return true;
    }
};

/// A query header (QDCOUNT 1) followed by `name` and type A, class IN.
Bytes query_with_name(const Bytes& name) {
    return header(0, 1) + name + Bytes{0, 1, 0, 1};
}

/// A wire name of labels of the given lengths (letters), root-terminated.
Bytes labels(const std::vector<std::size_t>& lengths) {
    Bytes out;
    for (const std::size_t n : lengths) {
        out.push_back(static_cast<std::uint8_t>(n));
        out.insert(out.end(), n, 'a');
    }
    out.push_back(0);
    return out;
}

TEST(PacketCacheMakeKey, RejectsPacketsShorterThanAHeaderOrQuestion) {
    AnswerKey key;
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    for (std::size_t n : {0u, 1u, 11u, 12u, 13u, 16u}) {
        EXPECT_FALSE(plain_key(std::span(q).first(n), Transport::Udp, key)) << n;
    }
    // Every prefix of a plain query is rejected, only the whole is a key.
    for (std::size_t n = 0; n < q.size(); ++n) {
        EXPECT_FALSE(plain_key(std::span(q).first(n), Transport::Udp, key)) << n;
    }
    EXPECT_TRUE(plain_key(q, Transport::Udp, key));
    // The smallest query: the root name.
    const Bytes root = query_with_name(Bytes{0});
    ASSERT_EQ(root.size(), 17u);
    EXPECT_TRUE(plain_key(root, Transport::Udp, key));
    EXPECT_EQ(key.name_size, 1u);
}

TEST(PacketCacheMakeKey, RejectsLabelsOver63) {
    AnswerKey key;
    EXPECT_TRUE(plain_key(query_with_name(labels({63, 4})), Transport::Udp, key));
    for (const std::uint8_t bad : {64, 0x41, 0x7f, 0x80, 0xc0, 0xff}) {
        Bytes name = labels({4});
        name[0] = bad;
        name.insert(name.end() - 1, 80, 'a');
        EXPECT_FALSE(plain_key(query_with_name(name), Transport::Udp, key)) << int(bad);
    }
}

TEST(PacketCacheMakeKey, AcceptsA255ByteNameAndRejectsLonger) {
    GuardedKey g;
    // 63 + 63 + 63 + 61 label bytes + 4 lengths + root = 255.
    const Bytes longest = labels({63, 63, 63, 61});
    ASSERT_EQ(longest.size(), 255u);
    EXPECT_TRUE(plain_key(query_with_name(longest), Transport::Udp, g.key));
    EXPECT_EQ(g.key.name_size, 255u);
    Bytes with_opt = query_with_name(longest);
    with_opt[11] = 1;
    with_opt = with_opt + Bytes{0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0};
    EXPECT_TRUE(plain_key(with_opt, Transport::Tcp, g.key));
    EXPECT_EQ(g.key.size, AnswerKey::kMaxSize);
    EXPECT_TRUE(g.guard_intact());

    for (const auto& lengths : std::vector<std::vector<std::size_t>>{{63, 63, 63, 62},
                                                                     {63, 63, 63, 63},
                                                                     {63, 63, 63, 63, 63},
                                                                     {63, 63, 63, 61, 1},
                                                                     {63, 63, 63, 61, 63},
                                                                     {63, 63, 63, 61, 63, 63}}) {
        GuardedKey guarded;
        const Bytes name = labels(lengths);
        SCOPED_TRACE(std::to_string(name.size()) + "-byte name");
        EXPECT_FALSE(plain_key(query_with_name(name), Transport::Udp, guarded.key));
        EXPECT_TRUE(guarded.guard_intact()) << "make_key wrote past the AnswerKey";
    }
}

TEST(PacketCacheMakeKey, RejectsATruncatedName) {
    AnswerKey key;
    const Bytes name = labels({4, 7, 4});  // mail.example.test-shaped
    for (std::size_t n = 1; n < name.size(); ++n) {
        // The name cut short, nothing after it: it never ends.
        EXPECT_FALSE(
            plain_key(header(0, 1) + Bytes(name.begin(), name.begin() + n), Transport::Udp, key))
            << n;
        // The name cut short, type and class after it: the label runs into them or past.
        EXPECT_FALSE(
            plain_key(header(0, 1) + Bytes(name.begin(), name.begin() + n) + Bytes{0, 1, 0, 1},
                      Transport::Udp, key))
            << n;
    }
    // A label longer than what is left of the packet.
    EXPECT_FALSE(plain_key(header(0, 1) + Bytes{20, 'a', 'b', 0, 0, 1, 0, 1}, Transport::Udp, key));
    // The name, but no type or class.
    EXPECT_FALSE(plain_key(header(0, 1) + name, Transport::Udp, key));
    EXPECT_FALSE(plain_key(header(0, 1) + name + Bytes{0, 1}, Transport::Udp, key));
}

TEST(PacketCacheMakeKey, KeyIgnoresIdAndCaseAndKeepsEverythingElse) {
    const auto key_of = [](const Bytes& packet, Transport transport) {
        auto k = std::make_unique<AnswerKey>();
        EXPECT_TRUE(PacketCache::make_key(packet, transport, *k));
        return Bytes(k->bytes, k->bytes + k->size);
    };
    const QueryOptions edns{.id = 1, .edns = true};
    const Bytes base =
        key_of(sitedns::test::make_query("mail.example.test", "A", edns), Transport::Udp);
    QueryOptions other_id = edns;
    other_id.id = 0xffff;
    EXPECT_EQ(key_of(sitedns::test::make_query("MAIL.Example.TEST", "A", other_id), Transport::Udp),
              base);
    AnswerKey a;
    AnswerKey b;
    ASSERT_TRUE(PacketCache::make_key(sitedns::test::make_query("mail.example.test", "A", edns),
                                      Transport::Udp, a));
    ASSERT_TRUE(PacketCache::make_key(sitedns::test::make_query("MAIL.example.TEST", "A", edns),
                                      Transport::Udp, b));
    EXPECT_EQ(a.hash, b.hash);
    EXPECT_EQ(a.name_size, 19u);

    // Everything else is part of the key.
    const std::vector<std::pair<const char*, Bytes>> others = {
        {"tcp", key_of(sitedns::test::make_query("mail.example.test", "A", edns), Transport::Tcp)},
        {"other name",
         key_of(sitedns::test::make_query("maim.example.test", "A", edns), Transport::Udp)},
        {"type",
         key_of(sitedns::test::make_query("mail.example.test", "AAAA", edns), Transport::Udp)},
        {"class", key_of(sitedns::test::make_query("mail.example.test", "A",
                                                   {.id = 1, .edns = true, .qclass = "CH"}),
                         Transport::Udp)},
        {"rd", key_of(sitedns::test::make_query("mail.example.test", "A",
                                                {.id = 1, .rd = true, .edns = true}),
                      Transport::Udp)},
        {"cd", key_of(sitedns::test::make_query("mail.example.test", "A",
                                                {.id = 1, .cd = true, .edns = true}),
                      Transport::Udp)},
        {"opcode", key_of(sitedns::test::make_query("mail.example.test", "A",
                                                    {.id = 1, .edns = true, .opcode = 4}),
                          Transport::Udp)},
        {"no edns",
         key_of(sitedns::test::make_query("mail.example.test", "A", {.id = 1}), Transport::Udp)},
        {"udp size", key_of(sitedns::test::make_query("mail.example.test", "A",
                                                      {.id = 1, .edns = true, .udp_size = 4096}),
                            Transport::Udp)},
        {"do bit", key_of(sitedns::test::make_query("mail.example.test", "A",
                                                    {.id = 1, .edns = true, .do_bit = true}),
                          Transport::Udp)},
        {"edns version",
         key_of(sitedns::test::make_query("mail.example.test", "A",
                                          {.id = 1, .edns = true, .edns_version = 1}),
                Transport::Udp)},
    };
    for (const auto& [what, key] : others) EXPECT_NE(key, base) << what;
}

}  // namespace
}  // namespace sitedns::query

// Forwarded answers (store_forwarded): copies of the forwarder's entries, good while the
// entry is fresh and unchanged, their TTLs counted down as the forwarder counts them.
namespace sitedns::query {
namespace {

PacketCache::Clock::time_point g_now{};
PacketCache::Clock::time_point now() {
    return g_now;
}

/// `query` answered: QR, ANCOUNT n, then n A records for the question name (a pointer
/// to offset 12) with the given TTLs, and an OPT whose TTL field carries DO.
Bytes answer_with(const Bytes& query, const std::vector<std::uint32_t>& ttls) {
    const std::size_t question_end = 12 + (query.size() - 12 - (query[11] == 1 ? 11 : 0));
    Bytes a(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(question_end));
    a[2] |= 0x80;
    a[6] = 0;
    a[7] = static_cast<std::uint8_t>(ttls.size());
    a[10] = 0;
    a[11] = 1;
    for (std::uint32_t ttl : ttls) {
        const Bytes rr{0xC0,
                       0x0C,
                       0,
                       1,
                       0,
                       1,
                       static_cast<std::uint8_t>(ttl >> 24),
                       static_cast<std::uint8_t>(ttl >> 16),
                       static_cast<std::uint8_t>(ttl >> 8),
                       static_cast<std::uint8_t>(ttl),
                       0,
                       4,
                       192,
                       0,
                       2,
                       1};
        a = a + rr;
    }
    return a + Bytes{0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0};
}

std::uint32_t ttl_at(const Bytes& m, std::size_t record) {
    const std::size_t at = m.size() - 11 - 16 * (record + 1) + 6;  // records before the OPT
    return std::uint32_t{m[at]} << 24 | std::uint32_t{m[at + 1]} << 16 |
           std::uint32_t{m[at + 2]} << 8 | m[at + 3];
}

struct Fixture {
    std::shared_ptr<const query::Snapshot> snapshot = test::make_snapshot();
    const query::View* view = &snapshot->views[0];
    PacketCache cache;
    base::Versions versions{16};  ///< the forwarder's cache's, for its one entry (hash 0)
    Bytes query = sitedns::test::make_query("fwd.example.org", "A", {.id = 7, .edns = true});
    AnswerKey key;
    Fixture() {
        g_now = PacketCache::Clock::time_point{} + std::chrono::hours(1);
        cache.set_clock(&now);
        EXPECT_TRUE(PacketCache::make_key(query, Transport::Udp, key));
    }
    /// What the forwarder says of `answer`, written from its entry stored `age` seconds
    /// ago (TTLs counted down by that much), fresh for `ttl` seconds from its storing.
    ForwardedCopy copy_of(const Bytes& answer, std::uint32_t ttl, std::uint32_t age = 0) {
        ForwardedCopy copy;
        copy.stored = g_now - std::chrono::seconds(age);
        copy.expires = copy.stored + std::chrono::seconds(ttl);
        copy.age = age;
        copy.version = versions.stamp(0);
        const std::size_t records = answer[7];
        const std::size_t first = answer.size() - 11 - 16 * records;
        for (std::size_t i = 0; i < records; ++i) {
            copy.ttl_offsets[i] = static_cast<std::uint16_t>(first + 16 * i + 6);
        }
        copy.ttl_count = static_cast<std::uint8_t>(records);
        return copy;
    }
    void store(const Bytes& answer, std::uint32_t ttl, std::uint32_t age = 0) {
        cache.store_forwarded(*snapshot, view, key, answer, copy_of(answer, ttl, age));
    }
    /// The cached answer to `packet` (same question, other ID and case), or empty.
    Bytes find(const Bytes& packet) {
        AnswerKey k;
        EXPECT_TRUE(PacketCache::make_key(packet, Transport::Udp, k));
        std::vector<std::uint8_t> out(kMaxMessage);
        const std::size_t n = cache.find(*snapshot, view, k, packet, out);
        return Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    }
};

TEST(PacketCacheForwarded, CountsTheTtlsDownAndKeepsTheOptAsItIs) {
    Fixture f;
    f.store(answer_with(f.query, {300, 600}), 300);
    g_now += std::chrono::seconds(10);
    const Bytes again = sitedns::test::make_query("FWD.example.ORG", "A", {.id = 9, .edns = true});
    const Bytes got = f.find(again);
    ASSERT_FALSE(got.empty());
    EXPECT_TRUE(f.cache.last_hit_forwarded());
    EXPECT_EQ(got[0], 0);
    EXPECT_EQ(got[1], 9);
    EXPECT_EQ(Bytes(got.begin() + 12, got.begin() + 29),
              Bytes(again.begin() + 12, again.begin() + 29));
    EXPECT_EQ(ttl_at(got, 1), 290u);
    EXPECT_EQ(ttl_at(got, 0), 590u);
    EXPECT_EQ(Bytes(got.end() - 11, got.end()), (Bytes{0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0}));
}

TEST(PacketCacheForwarded, CountsDownAsTheForwarderDoesFromItsEntrysAge) {
    // The entry was stored 0.6 s before the answer was written from it (age 0 then):
    // 0.5 s later the forwarder's age is 1 s, and so is the copy's, though only 0.5 s
    // passed since the copy was made.
    Fixture f;
    const Bytes answer = answer_with(f.query, {300});
    ForwardedCopy copy = f.copy_of(answer, 300);
    copy.stored -= std::chrono::milliseconds(600);
    copy.expires -= std::chrono::milliseconds(600);
    f.cache.store_forwarded(*f.snapshot, f.view, f.key, answer, copy);
    g_now += std::chrono::milliseconds(500);
    EXPECT_EQ(ttl_at(f.find(f.query), 0), 299u);
    // Written at age 40 (TTL 260 in the copy): 5 s later the forwarder writes 255.
    Fixture g;
    g.store(answer_with(g.query, {260}), 300, 40);
    g_now += std::chrono::seconds(5);
    EXPECT_EQ(ttl_at(g.find(g.query), 0), 255u);
}

TEST(PacketCacheForwarded, ExpiresWithTheForwardersEntry) {
    Fixture f;
    f.store(answer_with(f.query, {300}), 60, 20);  // stored 20 s ago, fresh for 60
    g_now += std::chrono::seconds(39);
    EXPECT_FALSE(f.find(f.query).empty());
    g_now += std::chrono::seconds(1);
    EXPECT_TRUE(f.find(f.query).empty()) << "the entry's 60 s are over";
}

TEST(PacketCacheForwarded, ARecordShorterLivedThanTheEntryStopsAtZero) {
    Fixture f;
    f.store(answer_with(f.query, {300, 10}), 300);
    g_now += std::chrono::seconds(25);
    const Bytes got = f.find(f.query);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(ttl_at(got, 1), 275u);
    EXPECT_EQ(ttl_at(got, 0), 0u) << "as the forwarder writes it, never wrapped round";
}

TEST(PacketCacheForwarded, ACopyGoesWhenTheForwardersEntryChanges) {
    Fixture f;
    f.store(answer_with(f.query, {300}), 300);
    EXPECT_FALSE(f.find(f.query).empty());
    f.versions.bump(0);  // the forwarder stored a new answer, or evicted the entry
    EXPECT_TRUE(f.find(f.query).empty());
    f.store(answer_with(f.query, {120}), 120);  // copied again from the new entry
    const Bytes got = f.find(f.query);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(ttl_at(got, 0), 120u);
    f.versions.bump_all();  // the forwarder's cache emptied
    EXPECT_TRUE(f.find(f.query).empty());
}

TEST(PacketCacheForwarded, KeepsOnlyWhatTheForwarderSaysMayBeCopied) {
    Fixture f;
    const Bytes answer = answer_with(f.query, {300});
    ForwardedCopy none = f.copy_of(answer, 300);
    none.ttl_count = 0;  // negative, truncated, too many records
    f.cache.store_forwarded(*f.snapshot, f.view, f.key, answer, none);
    EXPECT_TRUE(f.find(f.query).empty());
    AnswerKey not_plain;  // size 0: the query was not plain, or not handled through a cache
    f.cache.store_forwarded(*f.snapshot, f.view, not_plain, answer, f.copy_of(answer, 300));
    EXPECT_TRUE(f.find(f.query).empty());
    ForwardedCopy unstamped = f.copy_of(answer, 300);
    unstamped.version = {};
    f.cache.store_forwarded(*f.snapshot, f.view, f.key, answer, unstamped);
    EXPECT_TRUE(f.find(f.query).empty()) << "a copy without a version is never current";
    f.store(answer, 300);
    EXPECT_FALSE(f.find(f.query).empty());
}

TEST(PacketCacheForwarded, AnAuthoritativeAnswerStoredLaterIsNotAgedOrExpired) {
    Fixture f;
    f.store(answer_with(f.query, {300}), 10);
    const Bytes answer = answer_with(f.query, {300});
    f.cache.store(*f.snapshot, f.view, f.key, answer, question_of(f.key));
    g_now += std::chrono::hours(5);
    f.versions.bump(0);
    const Bytes got = f.find(f.query);
    ASSERT_FALSE(got.empty());
    EXPECT_FALSE(f.cache.last_hit_forwarded());
    EXPECT_EQ(ttl_at(got, 0), 300u);
}

TEST(PacketCacheForwarded, TheDecisionCarriesTheKeyOfAPlainQueryOnly) {
    Fixture f;
    std::vector<std::uint8_t> out(kMaxMessage);
    auto decision = std::make_unique<Decision>();
    Responder::handle(*f.snapshot, f.query, test::ip("127.0.0.1"), Transport::Udp, out, *decision,
                      f.cache);
    EXPECT_EQ(decision->key.size, f.key.size);
    EXPECT_EQ(std::memcmp(decision->key.bytes, f.key.bytes, f.key.size), 0);
    Bytes two_questions = f.query;
    two_questions[5] = 2;
    Responder::handle(*f.snapshot, two_questions, test::ip("127.0.0.1"), Transport::Udp, out,
                      *decision, f.cache);
    EXPECT_EQ(decision->key.size, 0u);
    Responder::handle(*f.snapshot, f.query, test::ip("127.0.0.1"), Transport::Udp, out, *decision);
    EXPECT_EQ(decision->key.size, 0u) << "not through a packet cache";
}

}  // namespace
}  // namespace sitedns::query

// ------------------------------------------------------------------ names that do not exist

namespace sitedns::query {
namespace {

/// Sends `qname` through the cache and through the uncached path; the bytes must match.
void expect_same_answer(const query::Snapshot& snapshot, PacketCache& cache,
                        const std::string& qname, const std::string& qtype,
                        QueryOptions opts = {}) {
    SCOPED_TRACE(qname + " " + qtype);
    const IpAddress client = test::ip(test::kLondonClient);
    const Bytes q = sitedns::test::make_query(qname, qtype, opts);
    const Sent want = uncached(snapshot, q, client, Transport::Udp);
    const Sent got = cached(snapshot, q, client, Transport::Udp, cache);
    ASSERT_EQ(got.action, Action::Send);
    EXPECT_EQ(got.wire, want.wire);
}

TEST(PacketCacheNonexistent, NamesOfAnyLengthGetTheAnswerOfTheFullPath) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    const std::string long_label(63, 'q');
    // NXDOMAIN below the apex, one label or several, short and long, cased at random.
    const std::vector<std::string> nxdomain = {
        "nothere.example.test", "A.example.test",
        "Zz.example.test",      long_label + ".example.test",
        "a.b.c.d.example.test", long_label + "." + long_label + "." + long_label + ".example.test",
        "NoThErE2.EXAMPLE.test"};
    for (const std::string& name : nxdomain) expect_same_answer(*snapshot, cache, name, "A");
    EXPECT_EQ(cache.templated(), nxdomain.size() - 1) << "the first one makes the template";
    // Synthesised from *.wild: A, TXT, and a CNAME (*.cw) with its target's records.
    const std::uint64_t before = cache.templated();
    const std::vector<std::string> wild = {"foo.wild.example.test", "F.WILD.example.test",
                                           long_label + ".wild.example.test",
                                           "a.b.c.wild.example.test"};
    for (const std::string& name : wild) {
        expect_same_answer(*snapshot, cache, name, "A");
        expect_same_answer(*snapshot, cache, name, "TXT", {.edns = true});
    }
    for (const char* name : {"x.cw.example.test", "yyyyyy.cw.example.test"}) {
        expect_same_answer(*snapshot, cache, name, "A");
    }
    EXPECT_EQ(cache.templated() - before, 2 * (wild.size() - 1) + 1);
    // The longest name there is: 255 bytes on the wire.
    std::string longest;
    while (longest.size() + 64 + 14 <= 253) longest += long_label + ".";
    longest += std::string(253 - longest.size() - 13, 'r') + ".example.test";
    ASSERT_EQ(longest.size(), 253u);
    expect_same_answer(*snapshot, cache, longest, "A");
}

TEST(PacketCacheNonexistent, TemplatesAreKeptApartByTypeFlagsViewAndTransport) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    expect_same_answer(*snapshot, cache, "one.example.test", "A");
    expect_same_answer(*snapshot, cache, "two.example.test", "AAAA");
    expect_same_answer(*snapshot, cache, "three.example.test", "A", {.edns = true});
    expect_same_answer(*snapshot, cache, "four.example.test", "A", {.edns = true, .do_bit = true});
    EXPECT_EQ(cache.templated(), 0u);
    // The paris view's zone of the same origin has its own SOA.
    const IpAddress paris = test::ip(test::kParisClient);
    const Bytes q = sitedns::test::make_query("five.example.test", "A");
    EXPECT_EQ(cached(*snapshot, q, paris, Transport::Udp, cache).wire,
              uncached(*snapshot, q, paris, Transport::Udp).wire);
    EXPECT_EQ(cached(*snapshot, q, paris, Transport::Tcp, cache).wire,
              uncached(*snapshot, q, paris, Transport::Tcp).wire);
    EXPECT_EQ(cache.templated(), 0u);
    expect_same_answer(*snapshot, cache, "seven.example.test", "A");
    EXPECT_EQ(cache.templated(), 1u);
    expect_same_answer(*snapshot, cache, "six.example.test", "A");
    EXPECT_EQ(cache.templated(), 2u);
}

TEST(PacketCacheNonexistent, AnRdataNameEqualToTheQuestionMakesNoTemplate) {
    const auto snapshot = test::make_snapshot();
    PacketCache cache;
    // The SOA's RNAME is hostmaster.example.test, which owns nothing: in its NXDOMAIN
    // answer the RNAME is a pointer to the question, which another name must not get.
    expect_same_answer(*snapshot, cache, "hostmaster.example.test", "A");
    expect_same_answer(*snapshot, cache, "ns1.example.test", "A");
    expect_same_answer(*snapshot, cache, "other.example.test", "A");
    EXPECT_EQ(cache.templated(), 0u);
    expect_same_answer(*snapshot, cache, "another.example.test", "A");
    EXPECT_EQ(cache.templated(), 1u);
    // From the template the RNAME is written out instead: the same records.
    const IpAddress client = test::ip(test::kLondonClient);
    const Bytes q = sitedns::test::make_query("HostMaster.example.test", "A");
    const Sent got = cached(*snapshot, q, client, Transport::Udp, cache);
    EXPECT_EQ(cache.templated(), 2u);
    // (The full path's RNAME points into the question, so it takes the question's case;
    // the first line, with the message's size, is left out.)
    const auto lowered = [](const Bytes& wire) {
        std::string text = sitedns::test::to_string(sitedns::test::parse_answer(wire));
        text.erase(0, text.find('\n'));
        for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return text;
    };
    EXPECT_EQ(lowered(got.wire), lowered(uncached(*snapshot, q, client, Transport::Udp).wire));
}

TEST(PacketCacheNonexistent, ANewSnapshotDropsTheTemplates) {
    auto snapshot = test::make_snapshot();
    PacketCache cache;
    expect_same_answer(*snapshot, cache, "one.example.test", "A");
    expect_same_answer(*snapshot, cache, "two.example.test", "A");
    EXPECT_EQ(cache.templated(), 1u);
    auto next = test::make_snapshot();
    expect_same_answer(*next, cache, "three.example.test", "A");
    EXPECT_EQ(cache.templated(), 1u);
}

}  // namespace
}  // namespace sitedns::query
