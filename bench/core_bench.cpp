// bench_core: the query core alone, no sockets (issue 6, `make bench`, bench/core.sh).
//
//   bench_core CONFIG QUERIES [--rounds N] [--no-cache] [--client ADDR]
//
// Loads CONFIG as the server does (read_config_file, then build_snapshot), encodes each
// "name type" line of QUERIES once into a wire query as dnsperf sends it (a random ID,
// RD set, one question of class IN, no EDNS), answers every query once to warm up
// (the answer cache fills, the pages are touched), then N more rounds through
// sitedns_bench_answer_all(): exactly what a UDP worker does per datagram,
// Responder::handle() with the worker's Decision and PacketCache (--no-cache: the
// cacheless overload, i.e. the full lookup and encoding every time).
//
// Instructions per query: run it under
//   valgrind --tool=callgrind --toggle-collect='sitedns_bench_answer_all*' bench_core ...
// and divide the collected Ir by `measured` (the line printed on stdout): loading and
// the warm-up round are excluded. ns_per_q is wall-clock time, for information only.
//
// Prints one line: "core queries=Q rounds=N measured=M cache=on|off answered=A
// dropped=D forwarded=F hits=H misses=M templated=T ns_per_q=T rcodes=NOERROR:n,..."
// (templated: misses answered from the template of a name that does not exist; the
// rcodes and actions are counted in the warm-up round, outside the measured loop).

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
};

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "bench_core: %s\n", what.c_str());
    std::exit(1);
}

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x & 0xff));
}

/// Appends the query `name type` as dnsperf writes it (RFC 1035 §4.1, RD set).
void append_query(Batch& batch, std::string_view name, std::string_view type, std::uint16_t id) {
    const auto qtype = sitedns::dns::type_from_text(type);
    if (!qtype) fail("unknown query type '" + std::string(type) + "'");
    const sitedns::dns::Name qname = sitedns::dns::Name::parse_absolute(name);
    std::vector<std::uint8_t>& v = batch.bytes;
    put16(v, id);
    put16(v, 0x0100);  // QUERY, RD
    put16(v, 1);       // QDCOUNT
    put16(v, 0);
    put16(v, 0);
    put16(v, 0);
    v.insert(v.end(), qname.wire().begin(), qname.wire().end());
    put16(v, *qtype);
    put16(v, sitedns::dns::rrclass::IN);
    batch.offsets.push_back(v.size());
}

Batch read_queries(const char* path) {
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
        append_query(batch, name, type, static_cast<std::uint16_t>(seed >> 16));
    }
    if (batch.size() == 0) fail(std::string("no queries in ") + path);
    return batch;
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
}

/// The warm-up round, which also counts what the core did with the queries.
std::string warm_up(Worker& w, const Batch& batch, std::size_t (&actions)[3]) {
    std::array<std::size_t, 16> rcodes{};
    for (std::size_t i = 0; i < batch.size(); ++i) {
        answer(w, std::span(batch.bytes)
                      .subspan(batch.offsets[i], batch.offsets[i + 1] - batch.offsets[i]));
        ++actions[static_cast<int>(w.decision.action)];
        if (w.decision.action == sitedns::query::Action::Send && w.decision.size >= 4)
            ++rcodes[w.out[3] & 0x0f];
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
                     "[--client ADDR]\n");
        return 2;
    }
    std::size_t rounds = 1;
    std::string client_text = "127.0.0.1";
    auto worker = std::make_unique<Worker>();
    for (int i = 3; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--rounds" && i + 1 < argc) {
            rounds = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--client" && i + 1 < argc) {
            client_text = argv[++i];
        } else if (arg == "--no-cache") {
            worker->use_cache = false;
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
    Batch batch = read_queries(argv[2]);

    std::size_t actions[3] = {};  // Send, Drop, Forward
    const std::string rcodes = warm_up(*worker, batch, actions);
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
        "rcodes=%s\n",
        batch.size(), rounds, measured, worker->use_cache ? "on" : "off",
        actions[static_cast<int>(sitedns::query::Action::Send)],
        actions[static_cast<int>(sitedns::query::Action::Drop)],
        actions[static_cast<int>(sitedns::query::Action::Forward)],
        static_cast<unsigned long long>(worker->cache.hits() - hits0),
        static_cast<unsigned long long>(worker->cache.misses() - misses0),
        static_cast<unsigned long long>(worker->cache.templated() - templated0),
        static_cast<unsigned long long>(bytes), measured > 0 ? ns / measured : 0.0, rcodes.c_str());
    return 0;
}
