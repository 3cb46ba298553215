// The Forwarder against fake upstreams on 127.0.0.1: caching, failover, TCP retry,
// deadlines, serve-stale, RFC 5452 checks, merging and limits. Cache ages and down marks
// use an injected clock; attempt timers run on real time. No test times the machine
// (CI is a loaded 2-core box, TSan slows it further): a test asserts what the upstreams
// saw, what the forwarder counted and what it answered (its Extended DNS Error), and
// shows that a timer cut an exchange short by a reply that came too late to be taken.
// Timers a test does not mean to reach are far longer than any loopback exchange.

#include "server/upstream/forwarder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/steady_timer.hpp>

#include "tests/unit/upstream/fake_upstream.h"

namespace sitedns::upstream {
namespace {

using namespace std::chrono_literals;
using test::Answer;
using test::Bytes;
using test::FakeUpstream;
using test::read_answer;
using test::Received;
using test::Send;
using SteadyClock = std::chrono::steady_clock;

/// A client's query: its bytes and the parse the Forwarder reads.
struct ClientPacket {
    Bytes bytes;
    wire::Query query;
};

struct QueryShape {
    bool edns = true;
    bool dnssec_ok = false;
    Bytes options;
    std::uint16_t udp_size = 1232;
};

QueryShape no_edns() {
    QueryShape s;
    s.edns = false;
    return s;
}

QueryShape dnssec(Bytes options = {}) {
    QueryShape s;
    s.dnssec_ok = true;
    s.options = std::move(options);
    return s;
}

std::unique_ptr<ClientPacket> client_query(std::string_view name, std::uint16_t qtype,
                                           std::uint16_t id, const QueryShape& shape = {}) {
    auto p = std::make_unique<ClientPacket>();
    test::Builder b;
    b.header(id, 0x0100, 1, 0, 0, shape.edns ? 1 : 0).question(name, qtype);
    if (shape.edns) b.opt(shape.udp_size, shape.dnssec_ok ? 0x8000 : 0, shape.options);
    p->bytes = b;
    EXPECT_EQ(wire::parse_query(p->bytes, p->query), wire::ParseOutcome::Ok);
    return p;
}

Bytes wire_of(std::string_view name) {
    return wire::test::wire_name(name);
}

class ForwarderTest : public ::testing::Test {
  protected:
    /// Timers no loopback exchange reaches, however loaded the machine: where upstreams
    /// answer, no attempt times out.
    ForwarderOptions options() {
        ForwarderOptions o;
        o.attempt_timeout = 5s;
        o.query_deadline = 10s;
        o.down_time = 5s;
        o.serve_stale = 3600s;
        o.clock = [this] { return now; };
        return o;
    }
    /// Short timers, for upstreams that drop every query: each attempt times out.
    ForwarderOptions short_timers() {
        ForwarderOptions o = options();
        o.attempt_timeout = 100ms;
        o.query_deadline = 400ms;
        return o;
    }
    /// For a query whose first attempts are lost and a later one answers: an attempt
    /// short enough to wait out, long enough for a loopback answer on a loaded machine.
    ForwarderOptions lossy() {
        ForwarderOptions o = options();
        o.attempt_timeout = 500ms;
        return o;
    }
    Forwarder& forwarder() {
        if (!fwd) fwd = std::make_unique<Forwarder>(io, options());
        return *fwd;
    }
    void use(const ForwarderOptions& o) { fwd = std::make_unique<Forwarder>(io, o); }
    query::UpstreamSet both() { return query::UpstreamSet::make({up1.endpoint(), up2.endpoint()}); }

    /// Runs the io_context until `pred`; `limit` only guards against a hang (longer than
    /// any deadline a test sets), it is never what a test asserts.
    template <typename Pred>
    void run_until(Pred pred, std::chrono::milliseconds limit = 30s) {
        const auto end = SteadyClock::now() + limit;
        while (!pred() && SteadyClock::now() < end) {
            if (io.stopped()) io.restart();
            io.run_one_for(20ms);
        }
    }

    /// Runs the io_context until a timer of `wait` fires, then what became ready. A timer
    /// on the same io_context: every timer due earlier has fired by then, however late.
    void run_past(std::chrono::milliseconds wait) {
        boost::asio::steady_timer timer(io, wait);
        bool fired = false;
        timer.async_wait([&](const boost::system::error_code&) { fired = true; });
        run_until([&] { return fired; });
        timer.cancel();  // had the guard ended the wait, its handler runs now, with `fired`
        io.poll();
    }

    /// `script`, noting for each query the forwarder's failed attempts before it came: a
    /// query sent after an attempt timed out finds that failure counted.
    test::Script noting_failures(std::vector<std::uint64_t>& seen, test::Script script) {
        return [this, &seen, script](const Received& r) {
            seen.push_back(forwarder().stats().upstream_failures);
            return script(r);
        };
    }

    /// Sends one client query through resolve and waits for its answer.
    Bytes ask(std::string_view name, std::uint16_t qtype, std::uint16_t id,
              const query::UpstreamSet& set, const QueryShape& shape = {},
              std::size_t limit = 1232) {
        const auto q = client_query(name, qtype, id, shape);
        std::optional<Bytes> got;
        forwarder().resolve({&q->query, limit}, set, [&](std::span<const std::uint8_t> a) {
            EXPECT_FALSE(got.has_value()) << "reply called twice";
            got.emplace(a.begin(), a.end());
        });
        run_until([&] { return got.has_value(); });
        EXPECT_TRUE(got.has_value()) << "no reply";
        return got.value_or(Bytes{});
    }

    /// answer_from_cache for a client query; empty on a miss.
    Bytes cached(std::string_view name, std::uint16_t qtype, std::uint16_t id,
                 const query::UpstreamSet& set, const QueryShape& shape = {},
                 std::size_t limit = 1232) {
        const auto q = client_query(name, qtype, id, shape);
        Bytes out(4096);
        out.resize(
            forwarder().answer_from_cache({&q->query, limit}, set, out, &last_copy, &lookups));
        return out;
    }

    boost::asio::io_context io;
    FakeUpstream up1{io};
    FakeUpstream up2{io};
    SteadyClock::time_point now = SteadyClock::time_point{} + 1000h;
    std::unique_ptr<Forwarder> fwd;
    CacheCounters lookups;  ///< cached()'s, as a worker thread counts them
    query::ForwardedCopy last_copy;  ///< what the last cached() said a copy keeps
};

std::vector<Send> drop(const Received&) {
    return {};
}

/// What the fakes answer by default: one A record, TTL 300.
std::vector<Send> answer_a(const Received& r) {
    return {{test::answer_a(r, 300)}};
}

/// Answers with `ttl` (which tells the upstreams apart) after `delay`.
test::Script answer_after(std::chrono::milliseconds delay, std::uint32_t ttl) {
    return [delay, ttl](const Received& r) {
        return std::vector<Send>{{test::answer_a(r, ttl), false, delay}};
    };
}

// --- cache ------------------------------------------------------------------------

TEST_F(ForwarderTest, MissThenHitWithClientIdCaseAndCountedDownTtl) {
    const query::UpstreamSet set = both();
    const Answer first = read_answer(ask("www.Example.TEST", test::kA, 0x1111, set));
    EXPECT_EQ(first.id, 0x1111);
    EXPECT_EQ(first.rcode, 0);
    EXPECT_TRUE(first.ra);
    EXPECT_EQ(first.an, 1);
    EXPECT_EQ(first.ttls, std::vector<std::uint32_t>{300});
    EXPECT_TRUE(first.has_opt);
    EXPECT_EQ(first.qname, wire_of("www.Example.TEST"));
    EXPECT_EQ(up1.udp_count(), 1u);

    now += 100s;
    const Answer hit = read_answer(cached("WWW.example.test", test::kA, 0x2222, set));
    EXPECT_EQ(hit.id, 0x2222);
    EXPECT_EQ(hit.qname, wire_of("WWW.example.test"));
    EXPECT_EQ(hit.ttls, std::vector<std::uint32_t>{200});
    EXPECT_TRUE(hit.ra);
    EXPECT_EQ(hit.an, 1);
    EXPECT_TRUE(hit.has_opt);
    EXPECT_EQ(lookups.hits, 1u);

    const Answer plain = read_answer(cached("www.example.test", test::kA, 7, set, no_edns()));
    EXPECT_FALSE(plain.has_opt);
    EXPECT_EQ(plain.ar, 0);

    now += 200s;  // the TTL is spent
    EXPECT_TRUE(cached("www.example.test", test::kA, 3, set).empty());
    EXPECT_EQ(up1.udp_count(), 1u);
    EXPECT_EQ(forwarder().stats().cache_misses, 1u) << "the first ask, on the forwarder's thread";
}

TEST_F(ForwarderTest, CacheIsKeyedByTypeDoBitAndUpstreamSet) {
    const query::UpstreamSet set = both();
    ask("k.test", test::kA, 1, set);
    EXPECT_FALSE(cached("k.test", test::kA, 2, set).empty());
    EXPECT_TRUE(cached("k.test", test::kAaaa, 2, set).empty());
    EXPECT_TRUE(cached("k.test", test::kA, 2, set, dnssec()).empty());
    EXPECT_TRUE(cached("k.test", test::kA, 2, query::UpstreamSet::make({up2.endpoint()})).empty());
    EXPECT_TRUE(cached("other.test", test::kA, 2, set).empty());
}

TEST_F(ForwarderTest, AHitSaysWhatAThreadsCopyOfItKeeps) {
    const query::UpstreamSet set = both();
    ask("copy.test", test::kA, 1, set);
    now += 40s;
    const Bytes hit = cached("copy.test", test::kA, 2, set);
    ASSERT_FALSE(hit.empty());
    // The entry's own times and TTL offsets: the answer's TTL sits where it does in it.
    EXPECT_EQ(last_copy.age, 40u);
    EXPECT_EQ(last_copy.expires - last_copy.stored, 300s);
    EXPECT_EQ(last_copy.stored, now - 40s);
    ASSERT_EQ(last_copy.ttl_count, 1u);
    EXPECT_EQ(wire::load_u32(hit, last_copy.ttl_offsets[0]), 260u);
    EXPECT_TRUE(base::Versions::current(last_copy.version));

    // Truncated for this client: nothing to copy.
    up1.script([](const Received& r) { return std::vector<Send>{{test::answer_a(r, 300, 40)}}; });
    ask("many.test", test::kA, 3, set);
    EXPECT_FALSE(cached("many.test", test::kA, 4, set, no_edns(), 512).empty());
    EXPECT_EQ(last_copy.ttl_count, 0u) << "truncated";
    EXPECT_FALSE(cached("many.test", test::kA, 5, set, {}, 1232).empty());
    EXPECT_EQ(last_copy.ttl_count, 0u) << "40 records: more than a copy counts down";
    // Negative answers stay with the forwarder.
    up1.script([](const Received& r) { return std::vector<Send>{{test::nxdomain(r, 300, 300)}}; });
    ask("gone.test", test::kA, 6, set);
    EXPECT_FALSE(cached("gone.test", test::kA, 7, set).empty());
    EXPECT_EQ(last_copy.ttl_count, 0u) << "NXDOMAIN";
}

TEST_F(ForwarderTest, ACopyIsNoLongerCurrentOnceTheEntryIsReplaced) {
    const query::UpstreamSet set = both();
    ask("moved.test", test::kA, 1, set);
    ASSERT_FALSE(cached("moved.test", test::kA, 2, set).empty());
    const base::Versions::Stamp first = last_copy.version;
    EXPECT_TRUE(base::Versions::current(first));
    // The entry expires and the next miss stores the upstream's new answer.
    now += 301s;
    EXPECT_TRUE(cached("moved.test", test::kA, 3, set).empty());
    EXPECT_TRUE(base::Versions::current(first)) << "expiry alone changes nothing stored";
    ask("moved.test", test::kA, 4, set);
    EXPECT_FALSE(base::Versions::current(first));
    ASSERT_FALSE(cached("moved.test", test::kA, 5, set).empty());
    EXPECT_TRUE(base::Versions::current(last_copy.version));
    // A reload that keeps the cache's bound keeps every copy; a new bound drops them
    // (entries beyond it are gone, and which ones is the shards' business).
    ForwarderOptions same = options();
    forwarder().set_options(same);
    EXPECT_TRUE(base::Versions::current(last_copy.version));
    same.cache_entries = 100;
    forwarder().set_options(same);
    EXPECT_FALSE(base::Versions::current(last_copy.version));
}

struct NegativeCase {
    const char* what;
    std::function<Bytes(const Received&)> reply;
    std::uint8_t rcode;
    std::uint32_t cache_ttl;  ///< 0: not cached
};

TEST_F(ForwarderTest, NegativeAnswersAreCachedBySoaMinimum) {
    const std::vector<NegativeCase> cases = {
        {"NXDOMAIN, MINIMUM lower", [](const Received& r) { return test::nxdomain(r, 3600, 60); },
         3, 60},
        {"NXDOMAIN, SOA TTL lower", [](const Received& r) { return test::nxdomain(r, 45, 900); }, 3,
         45},
        {"NODATA", [](const Received& r) { return test::nodata(r, 30, 600); }, 0, 30},
        {"capped by max_negative_ttl",
         [](const Received& r) { return test::nxdomain(r, 86400, 86400); }, 3, 3600},
        {"NXDOMAIN without SOA", [](const Received& r) { return test::rcode_only(r, 3); }, 3, 0},
        {"NOTIMP", [](const Received& r) { return test::rcode_only(r, 4); }, 4, 0},
    };
    std::uint16_t id = 100;
    for (const NegativeCase& c : cases) {
        SCOPED_TRACE(c.what);
        // A name of its own per case: no answer cached by an earlier case.
        const std::string name = "gone" + std::to_string(id) + ".test";
        up1.script([&](const Received& r) { return std::vector<Send>{{c.reply(r)}}; });
        const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint()});
        const Answer a = read_answer(ask(name, test::kA, ++id, set));
        EXPECT_EQ(a.rcode, c.rcode);
        EXPECT_EQ(a.id, id);
        if (c.cache_ttl == 0) {
            EXPECT_TRUE(cached(name, test::kA, 1, set).empty());
            continue;
        }
        now += std::chrono::seconds(c.cache_ttl - 1);
        const Answer hit = read_answer(cached(name, test::kA, 1, set));
        EXPECT_EQ(hit.rcode, c.rcode);
        ASSERT_EQ(hit.ttls.size(), 1u);
        EXPECT_EQ(hit.ttls[0], 1u);  // the SOA's TTL is clamped to the negative TTL
        now += 1s;
        EXPECT_TRUE(cached(name, test::kA, 1, set).empty());
    }
}

// --- failover, TCP, deadlines ---------------------------------------------------------

TEST_F(ForwarderTest, FailsOverPastADeadUpstreamAndMarksItDown) {
    // up1 drops, with a short timeout of its own; up2 answers well within the default.
    up1.script(drop);
    std::vector<std::uint64_t> failures_seen;
    up2.script(noting_failures(failures_seen, answer_a));
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint(), up2.endpoint()},
                                                            {query::UpstreamOptions{100ms, false}});
    const Answer a = read_answer(ask("a.test", test::kA, 1, set));
    EXPECT_EQ(a.rcode, 0);
    EXPECT_EQ(a.an, 1);
    EXPECT_EQ(up1.udp_count(), 1u);
    EXPECT_EQ(up2.udp_count(), 1u);
    EXPECT_EQ(failures_seen, std::vector<std::uint64_t>{1}) << "up2 asked once up1 had failed";
    EXPECT_EQ(forwarder().stats().upstream_failures, 1u);

    // Down: the next query goes straight to the healthy upstream.
    EXPECT_EQ(read_answer(ask("b.test", test::kA, 2, set)).an, 1);
    EXPECT_EQ(up1.udp_count(), 1u);
    EXPECT_EQ(up2.udp_count(), 2u);
    EXPECT_EQ(failures_seen, (std::vector<std::uint64_t>{1, 1})) << "no attempt at up1 first";

    // After down_time it is probed again, and, answering, preferred again (the default
    // timeout now: its answer is the one waited for).
    up1.script([](const Received& r) { return std::vector<Send>{{test::answer_a(r, 60)}}; });
    now += 6s;
    EXPECT_EQ(read_answer(ask("c.test", test::kA, 3, both())).ttls, std::vector<std::uint32_t>{60});
    EXPECT_EQ(up1.udp_count(), 2u);
    EXPECT_EQ(up2.udp_count(), 2u);
}

TEST_F(ForwarderTest, ServfailOrRefusedFromAnUpstreamFailsOver) {
    up1.script([](const Received& r) { return std::vector<Send>{{test::rcode_only(r, 2)}}; });
    const Answer a = read_answer(ask("a.test", test::kA, 1, both()));
    EXPECT_EQ(a.rcode, 0);
    EXPECT_EQ(a.an, 1);
    EXPECT_EQ(up2.udp_count(), 1u);
}

TEST_F(ForwarderTest, RetriesOverTcpWhenTruncated) {
    up1.script([](const Received& r) {
        return std::vector<Send>{{r.tcp ? test::answer_a(r, 300, 3) : test::truncated(r)}};
    });
    const Answer a = read_answer(ask("big.test", test::kA, 9, both()));
    EXPECT_EQ(a.id, 9);
    EXPECT_FALSE(a.tc);
    EXPECT_EQ(a.an, 3);
    EXPECT_EQ(up1.udp_count(), 1u);
    EXPECT_EQ(up1.tcp_count(), 1u);
    EXPECT_EQ(up2.udp_count(), 0u);
    EXPECT_EQ(forwarder().stats().upstream_queries, 2u);
    ASSERT_EQ(up1.received.size(), 2u);
    EXPECT_NE(up1.received[0].query.id, up1.received[1].query.id);  // a fresh ID for TCP
    EXPECT_FALSE(cached("big.test", test::kA, 1, both()).empty());
}

struct FailureCase {
    const char* what;
    QueryShape shape;
    test::Script script;
    std::uint16_t ede;
    const char* text;
};

TEST_F(ForwarderTest, AllUpstreamsFailingGiveServfailWithExtendedErrorInTime) {
    const std::vector<FailureCase> cases = {
        {"all drop", {}, drop, 22, "all 2 upstreams failed"},
        {"all SERVFAIL",
         {},
         [](const Received& r) { return std::vector<Send>{{test::rcode_only(r, 2)}}; },
         23,
         "all 2 upstreams failed"},
        {"no EDNS: no OPT", no_edns(), drop, 0, ""},
    };
    std::uint16_t id = 0;
    for (const FailureCase& c : cases) {
        SCOPED_TRACE(c.what);
        use(short_timers());  // a new forwarder: no down marks carried over
        up1.script(c.script);
        up2.script(c.script);
        // Ended by the deadline (ask's guard would report "no reply"); how long that took
        // is the machine's business.
        const Answer a = read_answer(ask("x.test", test::kA, ++id, both(), c.shape));
        EXPECT_EQ(a.rcode, 2);
        EXPECT_EQ(a.id, id);
        EXPECT_TRUE(a.ra);
        EXPECT_EQ(a.qname, wire_of("x.test"));
        EXPECT_EQ(a.has_opt, c.shape.edns);
        if (c.shape.edns) {
            EXPECT_EQ(a.ede, c.ede);
            EXPECT_EQ(a.ede_text, c.text);
        }
        EXPECT_EQ(forwarder().stats().servfails, 1u);
        EXPECT_TRUE(cached("x.test", test::kA, 1, both()).empty());
    }
}

TEST_F(ForwarderTest, TheQueryDeadlineCutsAttemptsShort) {
    // up1 refuses at once; up2's attempt (5 s) would outlast the 400 ms deadline, and
    // up2 answers after 1 s: past the deadline, within its attempt. Taken only if the
    // deadline did not cut the attempt (its timer is due first, so fires first).
    FakeUpstream up3{io};
    up1.script([](const Received& r) { return std::vector<Send>{{test::rcode_only(r, 5)}}; });
    up2.script(answer_after(1s, 222));
    ForwarderOptions o = options();
    o.query_deadline = 400ms;
    use(o);
    const Answer a = read_answer(
        ask("x.test", test::kA, 1,
            query::UpstreamSet::make({up1.endpoint(), up2.endpoint(), up3.endpoint()})));
    EXPECT_EQ(a.rcode, 2) << "up2's late answer taken: the deadline did not cut its attempt";
    EXPECT_EQ(a.ede, 23) << "Network Error: up1's REFUSED, not a timeout";
    EXPECT_EQ(a.ede_text, "deadline reached after 2 of 3 upstreams");
    EXPECT_EQ(up1.udp_count(), 1u);
    EXPECT_EQ(up2.udp_count(), 1u);
    EXPECT_EQ(up3.udp_count(), 0u);
}

TEST_F(ForwarderTest, ServesStaleWhenEveryUpstreamIsDown) {
    use(short_timers());
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint()});
    up1.script([](const Received& r) { return std::vector<Send>{{test::answer_a(r, 10)}}; });
    ask("s.test", test::kA, 1, set);
    up1.script(drop);
    now += 20s;
    EXPECT_TRUE(cached("s.test", test::kA, 2, set).empty());

    const Answer stale = read_answer(ask("S.test", test::kA, 3, set));
    EXPECT_EQ(stale.id, 3);
    EXPECT_EQ(stale.rcode, 0);
    EXPECT_EQ(stale.an, 1);
    EXPECT_EQ(stale.ttls, std::vector<std::uint32_t>{30});
    EXPECT_EQ(stale.ede, 3);
    EXPECT_EQ(stale.qname, wire_of("S.test"));
    EXPECT_EQ(forwarder().stats().stale_answers, 1u);

    now += 3600s;  // past the serve-stale window
    EXPECT_EQ(read_answer(ask("s.test", test::kA, 4, set)).rcode, 2);
}

// --- RFC 5452 -----------------------------------------------------------------------

TEST_F(ForwarderTest, SpoofedRepliesAreDroppedAndCountedThenTheRealOneTaken) {
    up1.script([](const Received& r) {
        Bytes wrong_id = test::answer_a(r, 1);
        wrong_id[0] ^= 0x5a;
        Bytes wrong_question = test::answer_a(r, 1);
        wrong_question[12 + r.query.qname.size + 1] = test::kAaaa;  // QTYPE A -> AAAA
        Bytes wrong_name = test::answer_a(r, 1);
        wrong_name[13] = 'z';
        Bytes not_a_reply = test::answer_a(r, 1);
        not_a_reply[2] &= 0x7f;  // QR clear
        return std::vector<Send>{{wrong_id},
                                 {wrong_question},
                                 {wrong_name},
                                 {not_a_reply},
                                 {test::answer_a(r, 1), true},  // from another port
                                 {test::answer_a(r, 77), false, 20ms}};
    });
    const Answer a = read_answer(ask("spoof.test", test::kA, 5, both()));
    EXPECT_EQ(a.rcode, 0);
    EXPECT_EQ(a.ttls, std::vector<std::uint32_t>{77});
    EXPECT_EQ(forwarder().stats().dropped_replies, 5u);
    EXPECT_EQ(up2.udp_count(), 0u);
}

TEST_F(ForwarderTest, ClientOptionsNeverGoUpstream) {
    const Bytes ecs = wire::test::edns_option(8, {0, 1, 24, 0, 10, 1, 2});
    const Bytes cookie = wire::test::edns_option(10, {1, 2, 3, 4, 5, 6, 7, 8});
    Bytes options = ecs;
    options.insert(options.end(), cookie.begin(), cookie.end());
    ask("Opt.Test", test::kA, 1, both(), dnssec(options));
    ask("plain.test", test::kA, 2, both(), no_edns());
    ASSERT_EQ(up1.received.size(), 2u);
    for (const Received& r : up1.received) {
        EXPECT_TRUE(r.query.rd);
        EXPECT_TRUE(r.query.edns.present);
        EXPECT_EQ(r.query.edns.udp_size, 1232);
        EXPECT_TRUE(r.query.edns.options.empty());
        EXPECT_EQ(wire::Header(r.packet).arcount(), 1);
    }
    EXPECT_TRUE(up1.received[0].query.edns.dnssec_ok);
    EXPECT_FALSE(up1.received[1].query.edns.dnssec_ok);
    EXPECT_EQ(
        Bytes(up1.received[0].query.qname.wire().begin(), up1.received[0].query.qname.wire().end()),
        wire_of("Opt.Test"));
}

TEST_F(ForwarderTest, EveryUpstreamQueryHasItsOwnRandomIdAndPort) {
    constexpr int kQueries = 24;
    std::size_t replies = 0;
    std::vector<std::unique_ptr<ClientPacket>> queries;
    for (int i = 0; i < kQueries; ++i) {
        queries.push_back(client_query("n" + std::to_string(i) + ".test", test::kA, 7));
        forwarder().resolve({&queries.back()->query, 1232}, both(),
                            [&](std::span<const std::uint8_t>) { ++replies; });
    }
    run_until([&] { return replies == kQueries; });
    ASSERT_EQ(up1.received.size(), std::size_t{kQueries});
    std::set<std::uint16_t> ids;
    std::set<std::uint16_t> ports;
    for (const Received& r : up1.received) {
        ids.insert(r.query.id);
        ports.insert(r.source_port);
    }
    // 16 random bits: a repeat among 24 is possible (p ~ 0.4%), two are not plausible.
    EXPECT_GE(ids.size(), std::size_t{kQueries - 1});
    EXPECT_EQ(ports.size(), std::size_t{kQueries});  // all open at once: all different
}

// --- merging and limits -------------------------------------------------------------------

TEST_F(ForwarderTest, IdenticalQueriesInFlightAreMergedIntoOne) {
    up1.script([](const Received& r) {
        return std::vector<Send>{{test::answer_a(r, 300), false, 30ms}};
    });
    constexpr int kClients = 100;
    std::vector<std::unique_ptr<ClientPacket>> queries;
    std::vector<Bytes> answers;
    for (int i = 0; i < kClients; ++i) {
        const std::string name = i % 2 == 0 ? "merge.test" : "MERGE.test";
        queries.push_back(client_query(name, test::kA, static_cast<std::uint16_t>(1000 + i),
                                       i % 3 != 0 ? QueryShape{} : no_edns()));
        forwarder().resolve(
            {&queries.back()->query, 1232}, both(),
            [&](std::span<const std::uint8_t> a) { answers.emplace_back(a.begin(), a.end()); });
    }
    io.poll();  // resolve() from another thread posts; the forwarder's thread starts them
    EXPECT_EQ(forwarder().in_flight(), 1u);
    run_until([&] { return answers.size() == kClients; });
    ASSERT_EQ(answers.size(), std::size_t{kClients});
    EXPECT_EQ(up1.udp_count(), 1u);
    EXPECT_EQ(forwarder().stats().merged, std::size_t{kClients - 1});
    std::set<std::uint16_t> ids;
    for (const Bytes& b : answers) {
        const Answer a = read_answer(b);
        ids.insert(a.id);
        const int i = a.id - 1000;
        EXPECT_EQ(a.an, 1);
        EXPECT_EQ(a.has_opt, i % 3 != 0);
        EXPECT_EQ(a.qname, wire_of(i % 2 == 0 ? "merge.test" : "MERGE.test"));
    }
    EXPECT_EQ(ids.size(), std::size_t{kClients});
    EXPECT_EQ(forwarder().in_flight(), 0u);
}

TEST_F(ForwarderTest, BeyondMaxInFlightTheClientGetsServfailAtOnce) {
    up1.script([](const Received& r) {
        return std::vector<Send>{{test::answer_a(r, 300), false, 50ms}};
    });
    ForwarderOptions o = options();
    o.max_in_flight = 2;
    fwd = std::make_unique<Forwarder>(io, o);
    std::vector<std::unique_ptr<ClientPacket>> queries;
    std::vector<Answer> answers;
    std::uint16_t id = 0;
    for (const char* name : {"one.test", "two.test", "three.test"}) {
        queries.push_back(client_query(name, test::kA, id++));
        fwd->resolve({&queries.back()->query, 1232}, both(),
                     [&](std::span<const std::uint8_t> a) { answers.push_back(read_answer(a)); });
    }
    EXPECT_TRUE(answers.empty());  // never inside resolve
    run_until([&] { return answers.size() == 3; });
    ASSERT_EQ(answers.size(), 3u);
    EXPECT_EQ(answers[0].rcode, 2);  // the overflow, first out
    EXPECT_EQ(answers[0].id, 2);
    EXPECT_EQ(answers[0].ede, 0);
    EXPECT_EQ(answers[0].ede_text, "too many queries in flight");
    EXPECT_EQ(fwd->stats().over_limit.get(), 1u);
    EXPECT_EQ(answers[1].rcode, 0);
    EXPECT_EQ(answers[2].rcode, 0);
    EXPECT_EQ(up1.udp_count(), 2u);
}

TEST_F(ForwarderTest, AnswersAboveTheClientLimitAreTruncated) {
    up1.script([](const Received& r) { return std::vector<Send>{{test::answer_a(r, 300, 40)}}; });
    const Answer small = read_answer(ask("many.test", test::kA, 1, both(), no_edns(), 512));
    EXPECT_TRUE(small.tc);
    EXPECT_EQ(small.an, 0);
    EXPECT_EQ(small.id, 1);
    EXPECT_EQ(small.qname, wire_of("many.test"));
    const Bytes big = cached("many.test", test::kA, 2, both(), no_edns(), 512);
    EXPECT_TRUE(read_answer(big).tc);
    EXPECT_LE(big.size(), 512u);
    const Answer full = read_answer(cached("many.test", test::kA, 3, both(), {}, 1232));
    EXPECT_FALSE(full.tc);
    EXPECT_EQ(full.an, 40);
}

TEST_F(ForwarderTest, NoUpstreamsMeansServfail) {
    const Answer a = read_answer(ask("x.test", test::kA, 1, query::UpstreamSet::make({})));
    EXPECT_EQ(a.rcode, 2);
    EXPECT_EQ(a.ede, 22);
}

// --- DNSSEC validation --------------------------------------------------------------

/// One A record with the AD bit set, as a validating upstream sends it.
std::vector<Send> answer_a_with_ad(const Received& r) {
    Bytes a = test::answer_a(r, 300);
    a[3] |= 0x20;
    return {{a}};
}

TEST_F(ForwarderTest, ANegativeTrustAnchorSkipsValidationAndABadAnchorFailsClosed) {
    // libunbound cannot read this anchor: every validated query fails, none unvalidated.
    forwarder().set_validation({true, "/nonexistent/root.key", {"corp.test."}});
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint()});
    up1.script(answer_a_with_ad);
    QueryShape dnssec;
    dnssec.dnssec_ok = true;
    const Answer exempt = read_answer(ask("dc1.Corp.test", test::kA, 1, set, dnssec));
    EXPECT_EQ(exempt.rcode, 0);
    EXPECT_EQ(exempt.an, 1);
    EXPECT_FALSE(exempt.ad) << "an upstream's AD never passes";
    EXPECT_EQ(up1.udp_count(), 1u);

    const Answer validated = read_answer(ask("www.other.test", test::kA, 2, set, dnssec));
    EXPECT_EQ(validated.rcode, 2);
    EXPECT_EQ(validated.ede, 22);
    EXPECT_NE(validated.ede_text.find("validating resolver"), std::string::npos)
        << validated.ede_text;
    EXPECT_EQ(up1.udp_count(), 1u) << "never sent unvalidated";
    EXPECT_EQ(forwarder().stats().validated, 0u);

    forwarder().set_validation({});  // off: the same name goes straight upstream
    EXPECT_EQ(read_answer(ask("www.other.test", test::kA, 3, set, dnssec)).rcode, 0);
    EXPECT_EQ(up1.udp_count(), 2u);
}

// --- rounds: a lost packet is asked again -------------------------------------------

/// Drops the first `n` queries it sees, then answers.
test::Script drop_first(std::size_t n) {
    auto seen = std::make_shared<std::size_t>(0);
    return [seen, n](const Received& r) {
        return ++*seen <= n ? std::vector<Send>{} : std::vector<Send>{{test::answer_a(r, 300)}};
    };
}

TEST_F(ForwarderTest, TheOnlyUpstreamIsAskedAgainAfterALostPacket) {
    use(lossy());
    std::vector<std::uint64_t> failures_seen;
    up1.script(noting_failures(failures_seen, drop_first(1)));
    const Answer a =
        read_answer(ask("lost.test", test::kA, 1, query::UpstreamSet::make({up1.endpoint()})));
    EXPECT_EQ(a.rcode, 0);
    EXPECT_EQ(a.an, 1);
    EXPECT_EQ(up1.udp_count(), 2u);
    EXPECT_NE(up1.received[0].query.id, up1.received[1].query.id);  // a fresh query
    EXPECT_EQ(failures_seen, (std::vector<std::uint64_t>{0, 1}))
        << "asked again once the first attempt had timed out, not before";
    EXPECT_EQ(forwarder().stats().servfails, 0u);
}

TEST_F(ForwarderTest, RoundsGoOnUntilTheDeadlineThenServfail) {
    ForwarderOptions o = short_timers();
    o.query_deadline = 1s;
    use(o);
    up1.script(drop);
    const Answer a =
        read_answer(ask("gone.test", test::kA, 1, query::UpstreamSet::make({up1.endpoint()})));
    EXPECT_EQ(a.rcode, 2);
    EXPECT_EQ(a.ede, 22) << "every attempt timed out";
    EXPECT_EQ(a.ede_text, "all 1 upstreams failed");
    // 100 ms attempts in a 1 s deadline: 10 at most (none ends early); late timers make
    // fewer, but round after round, not one.
    EXPECT_GE(up1.udp_count(), 3u);
    EXPECT_LE(up1.udp_count(), 10u);
    EXPECT_EQ(forwarder().stats().upstream_failures, up1.udp_count());
}

TEST_F(ForwarderTest, LaterRoundsRetryOnlyUpstreamsThatTimedOut) {
    use(lossy());
    up1.script([](const Received& r) { return std::vector<Send>{{test::rcode_only(r, 5)}}; });
    up2.script(drop_first(2));
    const Answer a = read_answer(ask("r.test", test::kA, 1, both()));
    EXPECT_EQ(a.rcode, 0);
    EXPECT_EQ(a.an, 1);
    EXPECT_EQ(up1.udp_count(), 1u) << "REFUSED is not asked again";
    EXPECT_EQ(up2.udp_count(), 3u);

    // Nothing timed out: no second round, SERVFAIL at once (each asked once more).
    up2.script([](const Received& r) { return std::vector<Send>{{test::rcode_only(r, 2)}}; });
    const Answer b = read_answer(ask("r2.test", test::kA, 2, both()));
    EXPECT_EQ(b.rcode, 2);
    EXPECT_EQ(b.ede, 23);
    EXPECT_EQ(b.ede_text, "all 2 upstreams failed");
    EXPECT_EQ(up1.udp_count(), 2u);
    EXPECT_EQ(up2.udp_count(), 4u);
    EXPECT_EQ(forwarder().stats().upstream_failures, 5u) << "3 on r.test, 2 on r2.test";
}

TEST_F(ForwarderTest, AStaleAnswerIsGivenAfterOneRoundRatherThanWaiting) {
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint()});
    up1.script([](const Received& r) { return std::vector<Send>{{test::answer_a(r, 10)}}; });
    ask("s.test", test::kA, 1, set);
    up1.script(drop);
    now += 20s;
    forwarder().set_options(short_timers());  // 100 ms attempts, 4 in the deadline
    const Answer stale = read_answer(ask("s.test", test::kA, 2, set));
    EXPECT_EQ(stale.ede, 3);
    EXPECT_EQ(stale.ttls, std::vector<std::uint32_t>{30});
    EXPECT_EQ(up1.udp_count(), 2u) << "one attempt for s.test, then the stale answer";
    EXPECT_EQ(forwarder().stats().stale_answers, 1u);
}

// --- per-upstream options -----------------------------------------------------------

TEST_F(ForwarderTest, AnUpstreamsOwnTimeoutShortensItsAttempts) {
    // up1 answers after 150 ms: within the 5 s default, past its own 50 ms, whose timer
    // is due first and so fires first. Its answer (TTL 111) would be taken under the
    // default; under its own timeout up2 (TTL 300) answers.
    up1.script(answer_after(150ms, 111));
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint(), up2.endpoint()},
                                                            {query::UpstreamOptions{50ms, false}});
    const Answer a = read_answer(ask("fast.test", test::kA, 1, set));
    EXPECT_EQ(a.an, 1);
    EXPECT_EQ(a.ttls, std::vector<std::uint32_t>{300}) << "up2's answer, not up1's late one";
    EXPECT_EQ(up1.udp_count(), 1u);
    EXPECT_EQ(up2.udp_count(), 1u);
    ASSERT_EQ(forwarder().upstream_stats()[0].endpoint, up1.endpoint());
    EXPECT_EQ(forwarder().upstream_stats()[0].errors.get(), 1u) << "up1's timeout";
}

TEST_F(ForwarderTest, ATcpUpstreamIsAskedOverTcpOnly) {
    up1.script([](const Received& r) { return std::vector<Send>{{test::answer_a(r, 300, 2)}}; });
    const query::UpstreamSet set =
        query::UpstreamSet::make({up1.endpoint()}, {query::UpstreamOptions{0ms, true}});
    const Answer a = read_answer(ask("tcp.test", test::kA, 4, set));
    EXPECT_EQ(a.id, 4);
    EXPECT_EQ(a.an, 2);
    EXPECT_EQ(up1.udp_count(), 0u);
    EXPECT_EQ(up1.tcp_count(), 1u);
    ASSERT_EQ(up1.received.size(), 1u);
    EXPECT_TRUE(up1.received[0].query.edns.present);
    EXPECT_FALSE(cached("tcp.test", test::kA, 5, set).empty());
}

TEST_F(ForwarderTest, TheSetIdCoversTheOptions) {
    const Endpoint e = up1.endpoint();
    const std::uint64_t plain = query::UpstreamSet::make({e}).id;
    EXPECT_EQ(query::UpstreamSet::make({e}, {query::UpstreamOptions{}}).id, plain)
        << "defaults: the same set";
    EXPECT_NE(query::UpstreamSet::make({e}, {query::UpstreamOptions{300ms, false}}).id, plain);
    EXPECT_NE(query::UpstreamSet::make({e}, {query::UpstreamOptions{0ms, true}}).id, plain);
    EXPECT_NE(query::UpstreamSet::make({e}, {query::UpstreamOptions{300ms, false}}).id,
              query::UpstreamSet::make({e}, {query::UpstreamOptions{301ms, false}}).id);
    const query::UpstreamSet tcp =
        query::UpstreamSet::make({e}, {query::UpstreamOptions{0ms, true}});
    ask("k.test", test::kA, 1, tcp);
    EXPECT_FALSE(cached("k.test", test::kA, 2, tcp).empty());
    EXPECT_TRUE(cached("k.test", test::kA, 2, query::UpstreamSet::make({e})).empty());
}

// --- new options on reload, cancel on shutdown -----------------------------------------

TEST_F(ForwarderTest, SetOptionsKeepsTheCacheAndShrinksItToTheNewBound) {
    ForwarderOptions small = options();
    small.cache_entries = 3;  // one shard: the bound and the LRU order are exact
    fwd = std::make_unique<Forwarder>(io, small);
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint()});
    for (const char* name : {"a.test", "b.test", "c.test"}) ask(name, test::kA, 1, set);
    ASSERT_EQ(forwarder().cache_size(), 3u);
    ForwarderOptions o = options();
    o.cache_entries = 2;
    o.max_ttl = 60s;
    forwarder().set_options(o);
    EXPECT_EQ(forwarder().cache_size(), 2u);
    EXPECT_TRUE(cached("a.test", test::kA, 1, set).empty()) << "the least recently used";
    const Answer kept = read_answer(cached("c.test", test::kA, 1, set));
    EXPECT_EQ(kept.ttls, std::vector<std::uint32_t>{300}) << "kept as stored";
    // New queries use the new options: their TTL capped at 60.
    const Answer capped = read_answer(ask("d.test", test::kA, 1, set));
    EXPECT_EQ(capped.ttls, std::vector<std::uint32_t>{60});
    EXPECT_EQ(forwarder().cache_size(), 2u);
    EXPECT_EQ(up1.udp_count(), 4u);
}

TEST_F(ForwarderTest, SetOptionsChangesTheTimersOfNewQueries) {
    // up1 answers every query after 75 ms: within the first options' 100 ms attempts,
    // past the new 50 ms ones (whose timers are due first, so fire first).
    up1.script(answer_after(75ms, 300));
    use(short_timers());
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint()});
    ForwarderOptions o = short_timers();
    o.attempt_timeout = 50ms;
    o.query_deadline = 150ms;
    forwarder().set_options(o);
    const Answer a = read_answer(ask("t.test", test::kA, 1, set));
    EXPECT_EQ(a.rcode, 2) << "a 75 ms answer taken: not the new 50 ms attempts";
    EXPECT_EQ(a.ede_text, "all 1 upstreams failed");
    // No attempt ends before 50 ms, and none starts with less than 50 ms of the deadline
    // left: 3 at most in 150 ms, where the first options' 400 ms allow 8.
    EXPECT_GE(up1.udp_count(), 1u);
    EXPECT_LE(up1.udp_count(), 3u) << "not the 400 ms deadline of the first options";
}

TEST_F(ForwarderTest, CancelAllAnswersEveryWaitingClientAndStopsTheUpstreams) {
    ForwarderOptions o = options();
    o.attempt_timeout = 500ms;  // outlasts the start of the queries, waited out below
    use(o);
    up1.script(drop);
    up2.script(drop);
    std::vector<std::unique_ptr<ClientPacket>> queries;
    std::vector<Answer> answers;
    for (const char* name : {"one.test", "two.test", "ONE.test"}) {
        queries.push_back(client_query(name, test::kA, static_cast<std::uint16_t>(answers.size())));
        forwarder().resolve(
            {&queries.back()->query, 1232}, both(),
            [&](std::span<const std::uint8_t> a) { answers.push_back(read_answer(a)); });
    }
    run_until([&] { return up1.udp_count() == 2; });
    ASSERT_EQ(forwarder().in_flight(), 2u);
    forwarder().cancel_all();
    ASSERT_EQ(answers.size(), 3u) << "answered before cancel_all returns";
    for (const Answer& a : answers) {
        EXPECT_EQ(a.rcode, 2);
        EXPECT_EQ(a.ede, 0);
        EXPECT_EQ(a.ede_text, "shutting down");
    }
    EXPECT_EQ(forwarder().in_flight(), 0u);
    EXPECT_EQ(forwarder().stats().servfails, 3u);

    // Later queries are answered at once (never inside resolve) and go nowhere.
    queries.push_back(client_query("three.test", test::kA, 9));
    forwarder().resolve(
        {&queries.back()->query, 1232}, both(),
        [&](std::span<const std::uint8_t> a) { answers.push_back(read_answer(a)); });
    EXPECT_EQ(answers.size(), 3u);
    run_past(700ms);  // past every attempt timer: a live one would fail over to up2
    ASSERT_EQ(answers.size(), 4u);
    EXPECT_EQ(answers[3].id, 9);
    EXPECT_EQ(answers[3].ede_text, "shutting down");
    EXPECT_EQ(up1.udp_count(), 2u);
    EXPECT_EQ(up2.udp_count(), 0u);
}

// --- one forwarder for every thread ---------------------------------------------------

// Four threads ask the same cold question 25 times each, with the forwarder on a thread
// of its own: one upstream query answers all 100, each on its asker's thread; then
// every thread finds the answer in the cache.
TEST_F(ForwarderTest, IdenticalQuestionsFromManyThreadsShareOneUpstreamQueryAndOneCache) {
    up1.script([](const Received& r) {
        return std::vector<Send>{{test::answer_a(r, 300), false, 200ms}};  // still in flight
    });
    const query::UpstreamSet set = query::UpstreamSet::make({up1.endpoint()});
    forwarder();  // made here, before any thread asks; its 5 s attempts outlast the delay
    auto guard = boost::asio::make_work_guard(io);
    std::thread forwarder_thread([this] { io.run(); });
    constexpr std::size_t kThreads = 4;
    constexpr std::size_t kEach = 25;
    std::atomic<std::size_t> answered{0};
    std::atomic<std::size_t> hits{0};
    // Each asker's io_context outlives the forwarder's thread, which may still be inside
    // the post() of an answer the asker has already run.
    std::array<boost::asio::io_context, kThreads> homes;
    std::vector<std::thread> clients;
    for (std::size_t t = 0; t < kThreads; ++t) {
        clients.emplace_back([&, t] {
            boost::asio::io_context& home = homes[t];
            std::vector<std::unique_ptr<ClientPacket>> queries;
            std::size_t mine = 0;
            for (std::size_t i = 0; i < kEach; ++i) {
                const auto id = static_cast<std::uint16_t>(t * kEach + i);
                queries.push_back(client_query("Shared.test", test::kA, id));
                forwarder().resolve(Request::of({&queries.back()->query, 1232}, set, &home),
                                    [&, id](std::span<const std::uint8_t> a) {
                                        const Answer got = read_answer(a);
                                        if (got.id == id && got.rcode == 0 && got.an == 1) ++mine;
                                    });
            }
            const auto end = SteadyClock::now() + 30s;  // a guard against a hang only
            while (mine < kEach && SteadyClock::now() < end) {
                home.restart();
                home.run_for(20ms);
            }
            answered += mine;
            CacheCounters counters;
            Bytes out(1232);
            if (forwarder().answer_from_cache({&queries.front()->query, 1232}, set, out, nullptr,
                                              &counters) != 0) {
                ++hits;
            }
        });
    }
    for (auto& client : clients) client.join();
    guard.reset();
    io.stop();
    forwarder_thread.join();
    EXPECT_EQ(answered, kThreads * kEach);
    EXPECT_EQ(up1.udp_count(), 1u) << "one upstream query for the whole process";
    EXPECT_EQ(hits, kThreads);
    // Each of the others joined the query in flight, or came after it and found the cache.
    EXPECT_EQ(forwarder().stats().merged + forwarder().stats().cache_hits, kThreads * kEach - 1);
}

}  // namespace
}  // namespace sitedns::upstream
