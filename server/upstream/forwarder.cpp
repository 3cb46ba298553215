// Threads: see server/upstream/forwarder.h.
#include "server/upstream/forwarder.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/base/keyed_hash.h"
#include "server/upstream/asio_address.h"
#include "server/upstream/forward_cache.h"
#include "server/upstream/message_edit.h"
#include "server/upstream/upstream_query.h"
#include "server/wire/header.h"
#include "server/wire/limits.h"
#include "zones/dns/types.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::upstream {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

/// What a merged client needs once the answer is in: its own ID, case, EDNS and limit,
/// and the thread its reply runs on.
struct Waiter {
    std::uint16_t id = 0;
    bool rd = false;
    bool cd = false;
    bool ad = false;
    bool edns = false;
    bool dnssec_ok = false;
    wire::NameBuffer qname;
    std::size_t limit = wire::kClassicUdpSize;
    wire::EdnsEcho echo;
    Reply reply;
    asio::io_context* home = nullptr;  ///< nullptr: the forwarder's own thread
};

Waiter waiter_of(const Request& r, Reply reply) {
    return Waiter{r.id,
                  r.rd,
                  r.cd,
                  r.ad,
                  r.edns,
                  r.question.dnssec_ok,
                  r.question.qname,
                  r.limit,
                  r.echo,
                  std::move(reply),
                  r.home};
}

/// Gives a waiter its answer: at once on the forwarder's thread, else posted home.
void deliver(Waiter& w, std::vector<std::uint8_t> bytes) {
    if (w.home == nullptr) return w.reply(bytes);
    asio::post(*w.home, [reply = std::move(w.reply), bytes = std::move(bytes)] { reply(bytes); });
}

ClientView view_of(const ClientQuery& client) {
    const wire::Query& q = *client.query;
    return ClientView{q.id,         q.rd,     q.cd,           q.qname.wire(),
                      q.qtype,      q.qclass, q.edns.present, q.edns.dnssec_ok,
                      client.limit, q.ad,     client.echo};
}

ClientView view_of(const Waiter& w, const Question& q) {
    return ClientView{w.id,   w.rd,        w.cd,    w.qname.wire(), q.qtype, q.qclass,
                      w.edns, w.dnssec_ok, w.limit, w.ad,           &w.echo};
}

CacheKey key_of(const wire::Query& q, std::uint64_t set_id) {
    return CacheKey{q.qname_lower.wire(), q.qtype, q.qclass, q.edns.dnssec_ok, set_id};
}

CacheKey key_of(const Question& q, std::uint64_t set_id) {
    return CacheKey{q.qname_lower.wire(), q.qtype, q.qclass, q.dnssec_ok, set_id};
}

/// The in-flight table's key: the cache key's bytes.
std::string flat_key(const CacheKey& k) {
    std::string s(k.qname_lower.begin(), k.qname_lower.end());
    const std::uint8_t tail[5] = {
        static_cast<std::uint8_t>(k.qtype >> 8), static_cast<std::uint8_t>(k.qtype),
        static_cast<std::uint8_t>(k.qclass >> 8), static_cast<std::uint8_t>(k.qclass), k.dnssec_ok};
    s.append(tail, tail + sizeof tail);
    for (int shift = 56; shift >= 0; shift -= 8) {
        s.push_back(static_cast<char>(k.set_id >> shift));
    }
    return s;
}

std::uint32_t seconds_u32(std::chrono::seconds s) {
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(s.count(), 0, 0x7FFFFFFF));
}

TtlCaps caps_of(const ForwarderOptions& o) {
    return {seconds_u32(o.max_ttl), seconds_u32(o.max_negative_ttl)};
}

/// An attempt after the first starts only with at least this much of the deadline left
/// (the smallest configurable attempt timeout): a shorter one is not worth a packet.
constexpr std::chrono::milliseconds kMinAttempt{50};

/// How long a bogus answer is kept (Unbound's val-bogus-ttl): long enough to spare the
/// upstreams a storm of retries, short enough that a fixed zone is seen soon.
constexpr std::uint32_t kBogusTtl = 60;

/// One upstream of a query's set, with its options.
struct Target {
    Endpoint endpoint;
    query::UpstreamOptions options;
};

/// The bytes of a reply for one client, written by `write` into a buffer of its own.
template <typename Write>
std::vector<std::uint8_t> answer_bytes(std::size_t limit, Write&& write) {
    std::vector<std::uint8_t> out(std::max<std::size_t>(limit, 1024));
    out.resize(write(std::span<std::uint8_t>(out)));
    return out;
}

/// What a thread's packet cache keeps of `e` with the answer written from it: where the
/// TTLs are (the stored message's own offsets, the question being the same size) when
/// the answer is a positive one, whole, of at most ForwardedCopy::kMaxTtls records.
void describe_copy(const ForwardCacheShard::Entry& e, std::uint32_t age,
                   base::Versions::Stamp version, std::span<const std::uint8_t> answer,
                   query::ForwardedCopy& copy) {
    copy.ttl_count = 0;
    if (answer.size() < wire::kHeaderSize) return;
    const wire::Header h(answer);
    if (h.rcode() != 0 || h.ancount() == 0 || h.tc() ||
        e.ttl_offsets.size() > query::ForwardedCopy::kMaxTtls) {
        return;
    }
    copy.stored = e.stored;
    copy.expires = e.stored + std::chrono::seconds(e.ttl);
    copy.age = age;
    copy.version = version;
    copy.ttl_count = static_cast<std::uint8_t>(e.ttl_offsets.size());
    std::copy(e.ttl_offsets.begin(), e.ttl_offsets.end(), copy.ttl_offsets);
}

/// One distinct question under way, with every client waiting for it. The upstreams are
/// tried in rounds: the first goes through all of them, each later one through those
/// that timed out in the round before (a lost packet), while the deadline allows.
struct Pending {
    std::string key;
    Question question;
    std::uint64_t set_id = 0;
    std::vector<Target> targets;     ///< the set's upstreams, in the configured order
    std::vector<std::size_t> order;  ///< this round: healthy targets first, then down ones
    std::vector<bool> timed_out;     ///< per target: timed out in this round
    std::size_t next = 0;            ///< into `order`
    std::size_t round = 1;
    std::size_t attempts = 0;
    std::size_t timeouts = 0;
    std::size_t errors = 0;
    std::chrono::milliseconds attempt_timeout{0};  ///< the default, as the query started
    SteadyClock::time_point deadline;
    std::vector<Waiter> waiters;
    std::shared_ptr<UpstreamQuery> exchange;
    /// Validated through libunbound (Validator) instead of the exchanges above.
    bool validating = false;
    std::uint64_t validation = 0;               ///< the Validator's handle, 0: none
    std::unique_ptr<asio::steady_timer> timer;  ///< the deadline of a validated query
    std::string failure;                        ///< why the validating resolver gave none

    CacheKey cache_key() const { return key_of(question, set_id); }
};

}  // namespace

struct Forwarder::State {
    using TimePoint = SteadyClock::time_point;

    struct DownMark {
        Endpoint endpoint;
        TimePoint until;
    };

    State(asio::io_context& io_context, ForwarderOptions opts, ForwarderStats& counters)
        : io(io_context),
          clock(opts.clock),
          options(std::move(opts)),
          stats(counters),
          cache(options.cache_entries),
          caps(caps_of(options)),
          validator(io_context) {}

    ~State() {
        for (auto& [key, pending] : in_flight) {
            if (pending->exchange) pending->exchange->cancel();
        }
        validator.cancel_all();
    }

    /// From any thread: `clock` never changes after construction.
    TimePoint now() const { return clock ? clock() : SteadyClock::now(); }

    static bool fresh(const ForwardCacheShard::Entry& e, TimePoint t) {
        return t < e.stored + std::chrono::seconds(e.ttl);
    }
    static std::uint32_t age(const ForwardCacheShard::Entry& e, TimePoint t) {
        const auto s = std::chrono::duration_cast<std::chrono::seconds>(t - e.stored).count();
        return s > 0 ? static_cast<std::uint32_t>(s) : 0;
    }
    bool on_own_thread() const { return io.get_executor().running_in_this_thread(); }

    void resolve(Request request, Reply reply);
    bool answer_cached(const Request& request, Waiter& w);
    void start(Request request, Waiter waiter);
    void start_attempt(Pending& p);
    void start_validated(Pending& p, const query::UpstreamSet& upstreams);
    void on_validated(const std::string& key, const Validated& result);
    void fail_later(const std::string& key);
    void set_validation(ValidationOptions next);
    bool next_round(Pending& p);
    bool has_stale(const Pending& p, TimePoint t);
    void on_exchange(Pending& p, std::size_t target, ExchangeStatus status,
                     std::span<const std::uint8_t> reply);
    void succeed(Pending& p, const ScannedReply& reply, Security security = Security::Unchecked);
    void fail(Pending& p);
    template <typename Write>
    void finish(Pending& p, Write&& write);
    void post_servfail(Waiter w, const Question& q, const ExtendedError& error);

    std::vector<std::size_t> attempt_order(const std::vector<Target>& targets,
                                           const std::vector<bool>& only);
    void mark_down(const Endpoint& e);
    void mark_up(const Endpoint& e);
    UpstreamStats& upstream_stats(const Endpoint& e);

    // Set at construction, read from any thread.
    asio::io_context& io;
    const std::function<TimePoint()> clock;
    // The forwarder's thread only.
    ForwarderOptions options;
    ForwarderStats& stats;
    // Any thread: each shard locks itself.
    ForwardCache cache;
    // The forwarder's thread only, but for the counters, which a scrape reads.
    TtlCaps caps;
    // Keyed by the question, which clients choose: the keyed hash.
    std::unordered_map<std::string, std::unique_ptr<Pending>, base::KeyedHash> in_flight;
    std::vector<DownMark> down;
    bool stopping = false;  ///< cancel_all() was called
    /// Per-upstream counters for the metrics: entries [0, upstream_count) are published.
    std::array<UpstreamStats, kMaxUpstreamStats> upstream_counters;
    std::atomic<std::size_t> upstream_count{0};
    // The forwarder's thread only.
    Validator validator;
    std::unique_ptr<std::uint8_t[]> stripped;  ///< on_validated's answer without DNSSEC records
    /// Where finish() writes the answer of a client whose reply runs here (no home):
    /// made once, never cleared, so such an answer costs no allocation.
    std::unique_ptr<std::uint8_t[]> answer_buffer;
    ValidationOptions validation;
    InsecureNames insecure;  ///< validation.insecure, for the query path
};

/// The counters of `e`, added on first use (written on this thread only; a scrape reads
/// the published entries).
UpstreamStats& Forwarder::State::upstream_stats(const Endpoint& e) {
    const std::size_t n = upstream_count.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
        if (upstream_counters[i].endpoint == e) return upstream_counters[i];
    }
    if (n == kMaxUpstreamStats) {
        return upstream_counters[n - 1];  // full: the last entry counts the rest (port 0)
    }
    upstream_counters[n].endpoint = e;
    if (n == kMaxUpstreamStats - 1) upstream_counters[n].endpoint.port = 0;
    upstream_count.store(n + 1, std::memory_order_release);
    return upstream_counters[n];
}

// --- upstream health --------------------------------------------------------------

/// The indices of `targets` (those set in `only`, or all when it is empty): healthy
/// upstreams in the configured order, then the ones marked down (so that when all are
/// down they are still tried, in order, and re-probed).
std::vector<std::size_t> Forwarder::State::attempt_order(const std::vector<Target>& targets,
                                                         const std::vector<bool>& only) {
    const TimePoint t = now();
    const auto is_down = [&](const Endpoint& e) {
        return std::any_of(down.begin(), down.end(),
                           [&](const DownMark& m) { return m.endpoint == e && m.until > t; });
    };
    std::vector<std::size_t> order;
    order.reserve(targets.size());
    for (const bool want_down : {false, true}) {
        for (std::size_t i = 0; i < targets.size(); ++i) {
            if ((only.empty() || only[i]) && is_down(targets[i].endpoint) == want_down) {
                order.push_back(i);
            }
        }
    }
    return order;
}

void Forwarder::State::mark_down(const Endpoint& e) {
    const TimePoint t = now();
    std::erase_if(down, [&](const DownMark& m) { return m.until <= t || m.endpoint == e; });
    down.push_back({e, t + options.down_time});
}

void Forwarder::State::mark_up(const Endpoint& e) {
    std::erase_if(down, [&](const DownMark& m) { return m.endpoint == e; });
}

// --- one question -----------------------------------------------------------------

/// On the forwarder's thread: the one place a request meets the cache, the in-flight
/// table and the limits.
void Forwarder::State::resolve(Request request, Reply reply) {
    Waiter w = waiter_of(request, std::move(reply));
    // Stored since the caller's miss: the query that stored it has left the table.
    if (answer_cached(request, w)) return;
    ++stats.cache_misses;
    if (const auto it = in_flight.find(flat_key(key_of(request.question, request.upstreams.id)));
        it != in_flight.end()) {
        ++stats.merged;
        it->second->waiters.push_back(std::move(w));
        return;
    }
    if (request.upstreams.endpoints.empty()) {
        return post_servfail(std::move(w), request.question,
                             {Ede::NoReachableAuthority, "no upstreams"});
    }
    if (stopping)
        return post_servfail(std::move(w), request.question, {Ede::Other, "shutting down"});
    if (in_flight.size() >= options.max_in_flight) {
        ++stats.over_limit;
        return post_servfail(std::move(w), request.question,
                             {Ede::Other, "too many queries in flight"});
    }
    start(std::move(request), std::move(w));
}

/// A fresh cached answer for the request, posted to its waiter; false on a miss.
bool Forwarder::State::answer_cached(const Request& request, Waiter& w) {
    const TimePoint t = now();
    std::vector<std::uint8_t> bytes = answer_bytes(w.limit, [&](std::span<std::uint8_t> out) {
        return cache.with_entry(key_of(request.question, request.upstreams.id),
                                [&](const ForwardCacheShard::Entry* e) -> std::size_t {
                                    if (e == nullptr || !fresh(*e, t)) return 0;
                                    return write_answer(e->view(), view_of(w, request.question),
                                                        TtlRewrite{age(*e, t), false}, nullptr,
                                                        out);
                                });
    });
    if (bytes.empty()) return false;
    ++stats.cache_hits;
    // Posted even without a home: a reply is never called inside resolve().
    asio::post(io, [w = std::move(w), bytes = std::move(bytes)]() mutable {
        deliver(w, std::move(bytes));
    });
    return true;
}

void Forwarder::State::start(Request request, Waiter waiter) {
    auto p = std::make_unique<Pending>();
    p->question = std::move(request.question);
    p->set_id = request.upstreams.id;
    p->key = flat_key(p->cache_key());
    const query::UpstreamSet& upstreams = request.upstreams;
    p->targets.reserve(upstreams.endpoints.size());
    for (std::size_t i = 0; i < upstreams.endpoints.size(); ++i) {
        p->targets.push_back({upstreams.endpoints[i], upstreams.options_of(i)});
    }
    p->order = attempt_order(p->targets, {});
    p->timed_out.assign(p->targets.size(), false);
    p->attempt_timeout = options.attempt_timeout;
    p->deadline = SteadyClock::now() + options.query_deadline;
    p->waiters.push_back(std::move(waiter));
    p->validating = validation.enabled && !insecure.covers(p->question.qname_lower.wire());
    Pending& ref = *p;
    in_flight.emplace(ref.key, std::move(p));
    if (ref.validating) return start_validated(ref, upstreams);
    start_attempt(ref);
}

/// Hands the query to libunbound, which forwards to the same upstreams, fetches what
/// the chain of trust needs and validates; the deadline still holds (SPEC §5).
void Forwarder::State::start_validated(Pending& p, const query::UpstreamSet& upstreams) {
    const std::string key = p.key;
    p.validation = validator.resolve(
        p.question, upstreams, [this, key](const Validated& result) { on_validated(key, result); },
        p.failure);
    if (p.validation == 0) return fail_later(key);
    p.timer = std::make_unique<asio::steady_timer>(io, p.deadline);
    p.timer->async_wait([this, key](const boost::system::error_code& ec) {
        const auto it = in_flight.find(key);
        if (ec || it == in_flight.end()) return;
        Pending& q = *it->second;
        validator.cancel(q.validation);
        q.failure = "no answer within the deadline";
        fail(q);
    });
}

/// Fails the query on a later turn: a reply is never called inside resolve().
void Forwarder::State::fail_later(const std::string& key) {
    asio::post(io, [this, key] {
        const auto it = in_flight.find(key);
        if (it != in_flight.end()) fail(*it->second);
    });
}

/// libunbound's answer: stored with its security, without the DNSSEC records for a
/// question without DO. Its SERVFAIL means the upstreams failed (a bogus answer comes
/// with its data): a stale answer or SERVFAIL, as for the exchanges.
void Forwarder::State::on_validated(const std::string& key, const Validated& result) {
    const auto it = in_flight.find(key);
    if (it == in_flight.end()) return;
    Pending& p = *it->second;
    p.validation = 0;
    if (!result.error.empty()) {
        p.failure = result.error;
        return fail(p);
    }
    std::span<const std::uint8_t> packet = result.packet;
    if (!p.question.dnssec_ok) {
        // One buffer for every miss, made once and never cleared: strip_dnssec writes
        // what it returns.
        if (!stripped) stripped = std::make_unique_for_overwrite<std::uint8_t[]>(kMaxMessage);
        const std::size_t size =
            strip_dnssec(packet, p.question.qtype, {stripped.get(), kMaxMessage});
        if (size == 0) {
            p.failure = "an unreadable answer";
            return fail(p);
        }
        packet = {stripped.get(), size};
    }
    const bool bogus = result.security == Security::Bogus;
    const TtlCaps bogus_caps{std::min(caps.max_ttl, kBogusTtl),
                             std::min(caps.max_negative_ttl, kBogusTtl)};
    ScannedReply scanned;
    if (!scan_reply(packet, bogus ? bogus_caps : caps, scanned)) {
        p.failure = "an unreadable answer";
        return fail(p);
    }
    if (static_cast<dns::RCode>(scanned.rcode) == dns::RCode::ServFail) {
        p.failure = "no upstream answered";
        return fail(p);
    }
    ++stats.validated;
    if (bogus) ++stats.bogus;
    succeed(p, scanned, result.security);
}

/// New validation options. New negative trust anchors apply to the queries started from
/// now on; turning validation on or off or a new trust anchor also ends the queries being
/// validated (SERVFAIL) and empties the cache, whose answers were stored under the old rule.
void Forwarder::State::set_validation(ValidationOptions next) {
    if (next == validation) return;
    const bool rule_changed =
        next.enabled != validation.enabled || next.trust_anchor != validation.trust_anchor;
    validation = std::move(next);
    insecure = InsecureNames(validation.insecure);
    if (!rule_changed) return;
    std::vector<std::string> validating;
    for (const auto& [key, pending] : in_flight) {
        if (pending->validating) validating.push_back(key);
    }
    validator.configure(validation.enabled ? validation.trust_anchor : std::string());
    cache.clear();
    for (const std::string& key : validating) {
        const auto it = in_flight.find(key);
        if (it == in_flight.end()) continue;
        it->second->failure = "validation options changed";
        fail(*it->second);
    }
}

/// The next upstream in order, bounded by the query's deadline; each exchange has its
/// own timeout (STYLE rule 9): the upstream's own `timeout`, else the default.
void Forwarder::State::start_attempt(Pending& p) {
    // The first attempt always starts (its timer is bounded by the deadline), so that
    // no reply is ever given inside resolve itself.
    if (p.attempts > 0 && p.deadline - SteadyClock::now() < kMinAttempt) return fail(p);
    if (p.next >= p.order.size() && !next_round(p)) return fail(p);
    const std::size_t index = p.order[p.next++];
    const Target& target = p.targets[index];
    ++p.attempts;
    upstream_stats(target.endpoint).queries.add();
    const asio::ip::udp::endpoint to(upstream::to_asio(target.endpoint.address),
                                     target.endpoint.port);
    p.exchange = std::make_shared<UpstreamQuery>(
        io, to, p.question, ExchangeCounters{&stats.upstream_queries, &stats.dropped_replies});
    const auto timeout =
        target.options.timeout.count() > 0 ? target.options.timeout : p.attempt_timeout;
    p.exchange->start(
        timeout, p.deadline,
        [this, &p, index](ExchangeStatus status, std::span<const std::uint8_t> reply) {
            on_exchange(p, index, status, reply);
        },
        target.options.tcp);
}

/// Every upstream of the round failed: goes around again through those that timed out
/// (their packet may have been lost), in order, unless a stale answer can be given now
/// (RFC 8767 §5: a stale answer beats waiting) or none timed out (an upstream that
/// answered SERVFAIL or REFUSED, or could not be reached, would only say so again).
bool Forwarder::State::next_round(Pending& p) {
    if (std::none_of(p.timed_out.begin(), p.timed_out.end(), [](bool b) { return b; })) {
        return false;
    }
    if (has_stale(p, now())) return false;
    p.order = attempt_order(p.targets, p.timed_out);
    std::fill(p.timed_out.begin(), p.timed_out.end(), false);
    p.next = 0;
    ++p.round;
    return true;
}

/// True when the cache holds an answer for the query, fresh or within the serve-stale
/// window.
bool Forwarder::State::has_stale(const Pending& p, TimePoint t) {
    return cache.with_entry(p.cache_key(), [&](const ForwardCacheShard::Entry* e) {
        return e != nullptr && t < e->stored + std::chrono::seconds(e->ttl) + options.serve_stale;
    });
}

/// A usable reply ends the query; a timeout, an error, a malformed reply, SERVFAIL or
/// REFUSED marks the upstream down and moves on.
void Forwarder::State::on_exchange(Pending& p, std::size_t target, ExchangeStatus status,
                                   std::span<const std::uint8_t> reply) {
    const Endpoint& upstream = p.targets[target].endpoint;
    if (status == ExchangeStatus::Answer) {
        ScannedReply scanned;
        if (scan_reply(reply, caps, scanned)) {
            const auto rcode = static_cast<dns::RCode>(scanned.rcode);
            if (rcode != dns::RCode::ServFail && rcode != dns::RCode::Refused) {
                mark_up(upstream);
                return succeed(p, scanned);
            }
        }
    }
    (status == ExchangeStatus::Timeout ? p.timeouts : p.errors) += 1;
    if (status == ExchangeStatus::Timeout) p.timed_out[target] = true;
    ++stats.upstream_failures;
    upstream_stats(upstream).errors.add();
    mark_down(upstream);
    start_attempt(p);
}

void Forwarder::State::succeed(Pending& p, const ScannedReply& reply, Security security) {
    if (reply.cacheable) {
        cache.store(p.cache_key(), reply.message, reply.ttl_offsets, reply.ttl, now(), security);
    }
    const StoredMessage stored{reply.message, reply.ttl_offsets, security};
    finish(p, [&](const Waiter& w, const Question& q, std::span<std::uint8_t> out) {
        return write_answer(stored, view_of(w, q), TtlRewrite{}, nullptr, out);
    });
}

/// Every upstream failed or the deadline passed: a stale answer within the serve-stale
/// window (RFC 8767 §4, EDE 3), else SERVFAIL with EDE 22 or 23 (RFC 8914 §4).
void Forwarder::State::fail(Pending& p) {
    const TimePoint t = now();
    // Copied under the shard's lock: a reply callback may touch the cache.
    std::vector<std::uint8_t> message;
    std::vector<std::uint16_t> ttls;
    Security security = Security::Unchecked;
    bool is_fresh = false;
    TtlRewrite rewrite{};
    cache.with_entry(p.cache_key(), [&](const ForwardCacheShard::Entry* e) {
        if (e == nullptr || t >= e->stored + std::chrono::seconds(e->ttl) + options.serve_stale) {
            return;
        }
        message = e->message;
        ttls = e->ttl_offsets;
        security = e->security;
        is_fresh = fresh(*e, t);
        rewrite = TtlRewrite{age(*e, t), !is_fresh};
    });
    if (!message.empty()) {
        const ExtendedError stale{Ede::StaleAnswer, "upstreams unreachable"};
        if (!is_fresh) stats.stale_answers += p.waiters.size();
        return finish(p, [&](const Waiter& w, const Question& q, std::span<std::uint8_t> out) {
            return write_answer({message, ttls, security}, view_of(w, q), rewrite,
                                is_fresh ? nullptr : &stale, out);
        });
    }
    if (p.validating) {
        const std::string text = "validating resolver: " + p.failure;
        stats.servfails += p.waiters.size();
        return finish(p, [&](const Waiter& w, const Question& q, std::span<std::uint8_t> out) {
            return write_servfail(view_of(w, q), {Ede::NoReachableAuthority, text}, out);
        });
    }
    const std::size_t n = p.targets.size();
    const std::string text = p.round > 1 || p.next >= p.order.size()
                                 ? "all " + std::to_string(n) + " upstreams failed"
                                 : "deadline reached after " + std::to_string(p.next) + " of " +
                                       std::to_string(n) + " upstreams";
    const ExtendedError error{p.errors == 0 ? Ede::NoReachableAuthority : Ede::NetworkError, text};
    stats.servfails += p.waiters.size();
    finish(p, [&](const Waiter& w, const Question& q, std::span<std::uint8_t> out) {
        return write_servfail(view_of(w, q), error, out);
    });
}

/// Takes the query out of the in-flight table, then answers each waiter with its own
/// bytes (a reply may start a new resolve of the same question).
template <typename Write>
void Forwarder::State::finish(Pending& p, Write&& write) {
    auto node = in_flight.extract(p.key);
    const std::unique_ptr<Pending> owned = std::move(node.mapped());
    if (owned->validation != 0) validator.cancel(owned->validation);
    for (Waiter& w : owned->waiters) {
        if (w.home != nullptr) {
            deliver(w, answer_bytes(w.limit, [&](std::span<std::uint8_t> out) {
                        return write(w, owned->question, out);
                    }));
            continue;
        }
        // The reply runs here and is done with the bytes when it returns (a UDP answer
        // is sent from inside it), so one buffer serves every waiter.
        if (!answer_buffer)
            answer_buffer = std::make_unique_for_overwrite<std::uint8_t[]>(kMaxMessage);
        const std::span<std::uint8_t> out(answer_buffer.get(), kMaxMessage);
        w.reply(out.first(write(w, owned->question, out)));
    }
}

void Forwarder::State::post_servfail(Waiter w, const Question& q, const ExtendedError& error) {
    ++stats.servfails;
    std::vector<std::uint8_t> bytes = answer_bytes(w.limit, [&](std::span<std::uint8_t> out) {
        return write_servfail(view_of(w, q), error, out);
    });
    // Posted even without a home: a reply is never called inside resolve().
    asio::post(io, [w = std::move(w), bytes = std::move(bytes)]() mutable {
        deliver(w, std::move(bytes));
    });
}

// --- the public face --------------------------------------------------------------

Request Request::of(const ClientQuery& client, const query::UpstreamSet& upstreams,
                    asio::io_context* home) {
    const wire::Query& q = *client.query;
    Request r;
    r.question.qname = q.qname;
    r.question.qname_lower = q.qname_lower;
    r.question.qtype = q.qtype;
    r.question.qclass = q.qclass;
    r.question.dnssec_ok = q.edns.dnssec_ok;
    r.id = q.id;
    r.rd = q.rd;
    r.cd = q.cd;
    r.ad = q.ad;
    r.edns = q.edns.present;
    r.limit = client.limit;
    if (client.echo != nullptr) r.echo = *client.echo;
    r.upstreams = upstreams;
    r.home = home;
    return r;
}

Forwarder::Forwarder(asio::io_context& io, ForwarderOptions options)
    : state_(std::make_unique<State>(io, std::move(options), stats_)) {}

Forwarder::~Forwarder() = default;

std::size_t Forwarder::answer_from_cache(const ClientQuery& client,
                                         const query::UpstreamSet& upstreams,
                                         std::span<std::uint8_t> out, query::ForwardedCopy* copy,
                                         CacheCounters* counters) {
    const wire::Query& q = *client.query;
    const auto t = state_->now();
    const std::size_t n = state_->cache.with_entry_stamped(
        key_of(q, upstreams.id),
        [&](const ForwardCacheShard::Entry* e, base::Versions::Stamp version) -> std::size_t {
            if (e == nullptr || !State::fresh(*e, t)) return 0;
            const std::uint32_t age = State::age(*e, t);
            const std::size_t length =
                write_answer(e->view(), view_of(client), TtlRewrite{age, false}, nullptr, out);
            if (copy != nullptr) describe_copy(*e, age, version, out.first(length), *copy);
            return length;
        });
    if (counters != nullptr && n != 0) ++counters->hits;
    return n;
}

void Forwarder::resolve(Request request, Reply reply) {
    State& s = *state_;
    if (s.on_own_thread()) return s.resolve(std::move(request), std::move(reply));
    asio::post(s.io, [&s, request = std::move(request), reply = std::move(reply)]() mutable {
        s.resolve(std::move(request), std::move(reply));
    });
}

void Forwarder::resolve(const ClientQuery& client, const query::UpstreamSet& upstreams,
                        Reply reply) {
    resolve(Request::of(client, upstreams), std::move(reply));
}

void Forwarder::set_options(ForwarderOptions options) {
    State& s = *state_;
    s.cache.set_capacity(options.cache_entries);
    auto apply = [&s, options = std::move(options)]() mutable {
        s.options = std::move(options);
        s.caps = caps_of(s.options);
    };
    if (s.on_own_thread()) return apply();
    asio::post(s.io, std::move(apply));
}

void Forwarder::set_validation(ValidationOptions options) {
    State& s = *state_;
    if (s.on_own_thread()) return s.set_validation(std::move(options));
    asio::post(s.io, [&s, options = std::move(options)]() mutable {
        s.set_validation(std::move(options));
    });
}

void Forwarder::cancel_all() {
    State& s = *state_;
    s.stopping = true;
    s.validator.cancel_all();
    // Taken out first: a reply may call resolve(), which now answers at once.
    auto pending = std::move(s.in_flight);
    s.in_flight.clear();
    const ExtendedError error{Ede::Other, "shutting down"};
    for (auto& entry : pending) {
        auto& p = entry.second;  // not a structured binding: clang 14 cannot capture those
        if (p->exchange) p->exchange->cancel();
        stats_.servfails += p->waiters.size();
        for (Waiter& w : p->waiters) {
            deliver(w, answer_bytes(w.limit, [&](std::span<std::uint8_t> out) {
                        return write_servfail(view_of(w, p->question), error, out);
                    }));
        }
    }
}

std::size_t Forwarder::cache_size() const {
    return state_->cache.size();
}

std::size_t Forwarder::in_flight() const {
    return state_->in_flight.size();
}

asio::io_context& Forwarder::context() const {
    return state_->io;
}

std::span<const UpstreamStats> Forwarder::upstream_stats() const {
    const std::size_t n = state_->upstream_count.load(std::memory_order_acquire);
    return {state_->upstream_counters.data(), n};
}

}  // namespace sitedns::upstream
