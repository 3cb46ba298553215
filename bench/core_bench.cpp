// bench_core: the query core alone, no sockets (issue 6, `make bench`, bench/core.sh).
//
//   bench_core CONFIG QUERIES [--rounds N] [--no-cache] [--client ADDR] [--dnssec-ok]
//              [--trust-anchor FILE]
//
// Loads CONFIG as the server does (read_config_file, then build_snapshot), encodes each
// "name type" line of QUERIES once into a wire query as dnsperf sends it (a random ID,
// RD set, one question of class IN, no EDNS), answers every query once to warm up
// (the answer cache fills, the pages are touched), then N more rounds through
// sitedns_bench_answer_all(): exactly what a UDP worker does per datagram,
// Responder::handle() with the worker's Decision and PacketCache (--no-cache: the
// cacheless overload, i.e. the full lookup and encoding every time).
//
// A configuration that forwards (a view with recursion and upstreams) gets the process's
// Forwarder, as the server has, and each forwarded query goes on as UdpListener::answer
// takes it: a miss in the worker's cache asks the forwarder's cache
// (Forwarder::answer_from_cache, then store_forwarded), and a miss
// there is resolved through the real upstreams before the next query. So the warm-up
// is two rounds (the first fills the forwarder's cache from the upstreams, the second
// the worker's), and the measured rounds are forwarded cache hits. --trust-anchor FILE
// has the forwarder validate through libunbound with that anchor ("dnssec": {"validate":
// true}), so that what is cached is each answer with its security; --dnssec-ok sends every
// query with an OPT (payload 1232) and the DO bit, as a validating stub does.
//
// Instructions per query: run it under
//   valgrind --tool=callgrind --toggle-collect='sitedns_bench_answer_all*' bench_core ...
// and divide the collected Ir by `measured` (the line printed on stdout): loading and
// the warm-up round are excluded. ns_per_q is wall-clock time, for information only.
//
// Prints one line: "core queries=Q rounds=N measured=M cache=on|off answered=A
// dropped=D forwarded=F hits=H misses=M templated=T ns_per_q=T rcodes=NOERROR:n,...
// fwd_hits=H fwd_misses=M ad=A" (templated: misses answered from the template of a name
// that does not exist; the rcodes, actions and AD bits are counted in the last warm-up
// round, outside the measured loop; fwd_hits and fwd_misses are the measured loop's
// lookups in the forwarder's cache, fwd_misses answered SERVFAIL-less: dropped).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"
#include "config/config.h"
#include "server/query/packet_cache.h"
#include "server/query/responder.h"
#include "server/runtime/snapshot_builder.h"
#include "server/upstream/forwarder.h"
#include "zones/dns/name.h"
#include "zones/dns/types.h"

namespace {

/// Every query of the file, encoded once, back to back.
struct Batch {
    std::vector<std::uint8_t> bytes;
    std::vector<std::size_t> offsets;  ///< query i is bytes[offsets[i], offsets[i + 1])
    std::size_t size() const { return offsets.size() - 1; }
};

/// What one round of the loop needs: the snapshot, the client, the per-worker state.
struct Worker {
    const sitedns::query::Snapshot* snapshot = nullptr;
    sitedns::IpAddress client;
    bool use_cache = true;
    sitedns::query::PacketCache cache;
    sitedns::query::Decision decision;
    std::array<std::uint8_t, 4096> out{};
    /// The process's forwarder, when the configuration forwards; nullptr otherwise.
    sitedns::upstream::Forwarder* forwarder = nullptr;
    sitedns::upstream::CacheCounters forward_hits;
    std::uint64_t forward_misses = 0;
};

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "bench_core: %s\n", what.c_str());
    std::exit(1);
}

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x & 0xff));
}

/// Appends the query `name type` as dnsperf writes it (RFC 1035 §4.1, RD set), with
/// `dnssec_ok` an OPT record of payload 1232 and the DO bit (RFC 6891 §6.1.2, RFC 3225).
void append_query(Batch& batch, std::string_view name, std::string_view type, std::uint16_t id,
                  bool dnssec_ok) {
    const auto qtype = sitedns::dns::type_from_text(type);
    if (!qtype) fail("unknown query type '" + std::string(type) + "'");
    const sitedns::dns::Name qname = sitedns::dns::Name::parse_absolute(name);
    std::vector<std::uint8_t>& v = batch.bytes;
    put16(v, id);
    put16(v, 0x0100);  // QUERY, RD
    put16(v, 1);       // QDCOUNT
    put16(v, 0);
    put16(v, 0);
    put16(v, dnssec_ok ? 1 : 0);  // ARCOUNT
    v.insert(v.end(), qname.wire().begin(), qname.wire().end());
    put16(v, *qtype);
    put16(v, sitedns::dns::rrclass::IN);
    if (dnssec_ok) {
        v.push_back(0);  // the root name
        put16(v, 41);    // OPT
        put16(v, 1232);  // payload size
        put16(v, 0);     // extended RCODE, version 0
        put16(v, 0x8000);  // DO
        put16(v, 0);       // no options
    }
    batch.offsets.push_back(v.size());
}

Batch read_queries(const char* path, bool dnssec_ok) {
    std::ifstream in(path);
    if (!in) fail(std::string("cannot read ") + path);
    Batch batch;
    batch.offsets.push_back(0);
    std::uint32_t seed = 42;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name, type;
        if (!(fields >> name >> type)) continue;
        seed = seed * 1664525u + 1013904223u;  // any ID will do; dnsperf's vary too
        append_query(batch, name, type, static_cast<std::uint16_t>(seed >> 16), dnssec_ok);
    }
    if (batch.size() == 0) fail(std::string("no queries in ") + path);
    return batch;
}

/// A forwarded query as UdpListener::answer and Worker::cached_forward take it: the
/// forwarder's cache writes the answer with the echoed options, and the worker's cache
/// keeps a copy of the entry. On a miss decision.size stays 0.
inline void answer_forwarded(Worker& w) {
    sitedns::query::Decision& d = w.decision;
    const sitedns::upstream::ClientQuery client{&d.query, d.limit, &d.echo};
    sitedns::query::ForwardedCopy copy;
    const std::size_t length =
        w.forwarder->answer_from_cache(client, *d.upstreams, w.out, &copy, &w.forward_hits);
    if (length == 0) {
        ++w.forward_misses;
        return;
    }
    d.size = length;
    if (w.use_cache) {
        w.cache.store_forwarded(*w.snapshot, d.view, d.key, std::span(w.out).first(length), copy);
    }
}

/// One query through the core, as UdpListener::answer does it.
inline void answer(Worker& w, std::span<const std::uint8_t> packet) {
    if (w.use_cache) {
        sitedns::query::Responder::handle(*w.snapshot, packet, w.client,
                                          sitedns::query::Transport::Udp, w.out, w.decision,
                                          w.cache);
    } else {
        sitedns::query::Responder::handle(*w.snapshot, packet, w.client,
                                          sitedns::query::Transport::Udp, w.out, w.decision);
    }
    if (w.decision.action == sitedns::query::Action::Forward && w.forwarder != nullptr)
        answer_forwarded(w);
}

/// A forwarded query that missed both caches, resolved through the upstreams before the
/// next one is asked: its answer lands in the forwarder's cache (the warm-up's first
/// round). False when no reply came within the forwarder's deadline and a second.
bool resolve(Worker& w, boost::asio::io_context& io) {
    bool done = false;
    const sitedns::upstream::ClientQuery client{&w.decision.query, w.decision.limit};
    w.forwarder->resolve(client, *w.decision.upstreams,
                         [&done](std::span<const std::uint8_t>) { done = true; });
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(3500);
    while (!done && std::chrono::steady_clock::now() < end)
        io.run_one_for(std::chrono::milliseconds(20));
    return done;
}

/// The warm-up round, which also counts what the core did with the queries (a forwarded
/// query answered from the forwarder's cache counts as forwarded), and the answers with
/// the AD bit.
std::string warm_up(Worker& w, const Batch& batch, std::size_t (&actions)[3], std::size_t& ad) {
    std::array<std::size_t, 16> rcodes{};
    for (std::size_t i = 0; i < batch.size(); ++i) {
        answer(w, std::span(batch.bytes)
                      .subspan(batch.offsets[i], batch.offsets[i + 1] - batch.offsets[i]));
        const bool forwarded = w.decision.action == sitedns::query::Action::Forward;
        ++actions[static_cast<int>(w.decision.action)];
        if ((w.decision.action == sitedns::query::Action::Send || forwarded) &&
            w.decision.size >= 4) {
            ++rcodes[w.out[3] & 0x0f];
            if ((w.out[3] & 0x20) != 0) ++ad;  // AD (RFC 4035 §3.2.3)
        }
    }
    std::string text;
    for (std::size_t rc = 0; rc < rcodes.size(); ++rc) {
        if (rcodes[rc] == 0) continue;
        if (!text.empty()) text += ',';
        text += sitedns::dns::rcode_to_text(static_cast<sitedns::dns::RCode>(rc));
        text += ':' + std::to_string(rcodes[rc]);
    }
    return text;
}

}  // namespace

// Not inlined nor cloned (GCC's IPA would make a .constprop copy), so that callgrind's
// --toggle-collect finds the loop by its unmangled name.
#if defined(__clang__)
#define SITEDNS_BENCH_LOOP [[gnu::noinline]]
#else
#define SITEDNS_BENCH_LOOP [[gnu::noipa]]
#endif

/// The measured loop: `rounds` passes over the batch, nothing else.
extern "C" SITEDNS_BENCH_LOOP std::uint64_t sitedns_bench_answer_all(Worker& w, Batch& batch,
                                                                     std::size_t rounds) {
    std::uint64_t bytes = 0;
    std::uint16_t id = 1;
    for (std::size_t r = 0; r < rounds; ++r) {
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::uint8_t* p = batch.bytes.data() + batch.offsets[i];
            p[0] = static_cast<std::uint8_t>(id >> 8);  // a new ID each time, as on the wire
            p[1] = static_cast<std::uint8_t>(id);
            ++id;
            answer(w, std::span<const std::uint8_t>(p, batch.offsets[i + 1] - batch.offsets[i]));
            bytes += w.decision.size;
        }
    }
    return bytes;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr,
                     "usage: bench_core CONFIG QUERIES [--rounds N] [--no-cache] "
                     "[--client ADDR] [--dnssec-ok] [--trust-anchor FILE]\n");
        return 2;
    }
    std::size_t rounds = 1;
    std::string client_text = "127.0.0.1";
    bool dnssec_ok = false;
    std::string trust_anchor;
    auto worker = std::make_unique<Worker>();
    for (int i = 3; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--rounds" && i + 1 < argc) {
            rounds = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--client" && i + 1 < argc) {
            client_text = argv[++i];
        } else if (arg == "--no-cache") {
            worker->use_cache = false;
        } else if (arg == "--dnssec-ok") {
            dnssec_ok = true;
        } else if (arg == "--trust-anchor" && i + 1 < argc) {
            trust_anchor = argv[++i];
        } else {
            fail("unknown argument " + std::string(arg));
        }
    }
    const auto client = sitedns::IpAddress::parse(client_text);
    if (!client) fail("bad --client " + client_text);
    worker->client = *client;

    std::shared_ptr<const sitedns::query::Snapshot> snapshot;
    try {
        snapshot = sitedns::runtime::build_snapshot(sitedns::read_config_file(argv[1]), 1);
    } catch (const std::exception& e) {
        fail(e.what());
    }
    if (snapshot->has_errors()) fail(std::string(argv[1]) + ": the configuration has errors");
    worker->snapshot = snapshot.get();
    Batch batch = read_queries(argv[2], dnssec_ok);

    // The process's forwarder, as the server makes it, used from this one thread.
    boost::asio::io_context io;
    sitedns::upstream::Forwarder forwarder(io, sitedns::upstream::ForwarderOptions{});
    if (!trust_anchor.empty()) forwarder.set_validation({true, trust_anchor, {}});
    worker->forwarder = &forwarder;
    std::size_t unresolved = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {  // fills the forwarder's cache
        answer(*worker, std::span(batch.bytes)
                            .subspan(batch.offsets[i], batch.offsets[i + 1] - batch.offsets[i]));
        if (worker->decision.action == sitedns::query::Action::Forward &&
            worker->decision.size == 0 && !resolve(*worker, io))
            ++unresolved;
    }
    if (unresolved > 0) fail(std::to_string(unresolved) + " forwarded queries got no answer");

    std::size_t actions[3] = {};  // Send, Drop, Forward
    std::size_t ad = 0;
    const std::string rcodes = warm_up(*worker, batch, actions, ad);
    const std::uint64_t fwd_hits0 = worker->forward_hits.hits, fwd_misses0 = worker->forward_misses;
    const std::uint64_t hits0 = worker->cache.hits(), misses0 = worker->cache.misses();
    const std::uint64_t templated0 = worker->cache.templated();

    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t bytes = sitedns_bench_answer_all(*worker, batch, rounds);
    const auto t1 = std::chrono::steady_clock::now();
    const std::size_t measured = batch.size() * rounds;
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();

    std::printf(
        "core queries=%zu rounds=%zu measured=%zu cache=%s answered=%zu dropped=%zu "
        "forwarded=%zu hits=%llu misses=%llu templated=%llu bytes=%llu ns_per_q=%.0f "
        "rcodes=%s fwd_hits=%llu fwd_misses=%llu ad=%zu\n",
        batch.size(), rounds, measured, worker->use_cache ? "on" : "off",
        actions[static_cast<int>(sitedns::query::Action::Send)],
        actions[static_cast<int>(sitedns::query::Action::Drop)],
        actions[static_cast<int>(sitedns::query::Action::Forward)],
        static_cast<unsigned long long>(worker->cache.hits() - hits0),
        static_cast<unsigned long long>(worker->cache.misses() - misses0),
        static_cast<unsigned long long>(worker->cache.templated() - templated0),
        static_cast<unsigned long long>(bytes), measured > 0 ? ns / measured : 0.0, rcodes.c_str(),
        static_cast<unsigned long long>(worker->forward_hits.hits - fwd_hits0),
        static_cast<unsigned long long>(worker->forward_misses - fwd_misses0), ad);
    return 0;
}
