// Fuzz target: one packet through the whole query core (server/query/responder.h).
//
// Input: one selector byte, then the packet. The selector picks the client address
// (bits 0-2, kClients), the transport (bit 3: TCP) and the entry point (bit 4:
// Responder::respond, else Responder::handle, whose Forward verdict is finished as the
// forwarder would: a SERVFAIL in the decision's limit, then the ECS echo).
//
// The snapshot is built once: the built-in configuration (three sites, SPEC §3.3) plus a
// recursion view "fuzz" with the differential test's RFC 1035 zones, and an ECS-trusted
// prefix without a view of its own, so that the ECS option chooses the view.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "config/config.h"
#include "server/query/responder.h"
#include "server/runtime/snapshot_builder.h"
#include "server/upstream/message_edit.h"
#include "server/wire/header.h"

namespace {

using namespace sitedns;

/// The client addresses the selector chooses from.
constexpr const char* kClients[8] = {
    "127.0.0.1",       // london (sites)
    "10.2.0.5",        // paris
    "10.3.0.7",        // madrid
    "192.168.1.1",     // no view: REFUSED
    "::1",             // IPv6, no view
    "10.77.0.1",       // the recursion view "fuzz"
    "10.88.0.1",       // ECS trusted, no view of its own
    "2001:db8:88::1",  // ECS trusted, IPv6
};

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_query: %s\n", what);
    std::abort();
}

Cidr cidr(const char* text) {
    const auto prefix = Cidr::parse(text);
    if (!prefix) fail("bad prefix in the fuzz snapshot");
    return *prefix;
}

std::shared_ptr<const query::Snapshot> make_snapshot() {
    Config config = default_config();
    ViewConfig view;
    view.name = "fuzz";
    view.match_clients = {cidr("10.77.0.0/16"), cidr("2001:db8:77::/48")};
    for (const char* zone : {"example.test.zone", "other.test.zone", "deleg.example.test.zone"}) {
        view.zones.push_back(ZoneSource{
            std::filesystem::path(SITEDNS_SOURCE_DIR) / "tests/differential/zones" / zone,
            {},
            nullptr});
    }
    view.recursion = true;
    view.upstreams = std::vector<Endpoint>{*Endpoint::parse("127.0.0.1:9", std::nullopt)};
    config.views.insert(config.views.begin(), std::move(view));
    config.ecs_trust = {cidr("10.88.0.0/16"), cidr("2001:db8:88::/48")};
    auto snapshot = runtime::build_snapshot(std::move(config), 1);
    if (snapshot->has_errors()) fail("the fuzz snapshot has errors");
    return snapshot;
}

struct State {
    std::shared_ptr<const query::Snapshot> snapshot = make_snapshot();
    IpAddress clients[8];
    State() {
        for (std::size_t i = 0; i < 8; ++i) clients[i] = *IpAddress::parse(kClients[i]);
    }
};

const State& state() {
    static const State s;
    return s;
}

/// What every answer must be: a header with QR set and the query's ID.
void check_answer(std::span<const std::uint8_t> packet, std::span<const std::uint8_t> answer) {
    if (answer.size() < wire::kHeaderSize) fail("answer shorter than a header");
    const wire::Header h(answer);
    if (!h.qr()) fail("answer without QR");
    if (h.id() != wire::Header(packet).id()) fail("answer with another ID");
}

/// The forwarder's side of a Forward verdict, without a socket: an answer with the
/// echoed options, written within the decision's limit.
void finish_forward(const query::Decision& d, std::vector<std::uint8_t>& buffer) {
    if (d.view == nullptr) fail("Forward without a view");
    const wire::Query& q = d.query;
    const upstream::ClientView client{q.id,    q.rd,     q.cd,           q.qname.wire(),
                                      q.qtype, q.qclass, q.edns.present, q.edns.dnssec_ok,
                                      d.limit, q.ad,     &d.echo};
    buffer.assign(upstream::kMaxMessage, 0);
    const upstream::ExtendedError error{upstream::Ede::NetworkError, "fuzz"};
    const std::size_t n = upstream::write_servfail(client, error, buffer);
    // Header, question, and with EDNS the OPT: the EDE option (4 + 2 + "fuzz") and the echo.
    const std::size_t opt =
        q.edns.present ? wire::kOptSize + 4 + 2 + error.text.size() + d.echo.size() : 0;
    if (n != wire::kHeaderSize + q.qname.wire().size() + 4 + opt)
        fail("a SERVFAIL of the wrong size");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const State& s = state();
    if (size < 1) return 0;
    const std::uint8_t selector = data[0];
    const std::span<const std::uint8_t> packet(data + 1, size - 1);
    const IpAddress& client = s.clients[selector & 7];
    const auto transport = (selector & 8) != 0 ? query::Transport::Tcp : query::Transport::Udp;
    // Exactly as large as the transport needs, so that ASan sees any write past it.
    std::vector<std::uint8_t> out(transport == query::Transport::Tcp ? query::kMaxMessage : 4096);

    if ((selector & 16) != 0) {
        const std::size_t n =
            query::Responder::respond(*s.snapshot, packet, client, transport, out);
        if (n > out.size()) fail("answer longer than the buffer");
        if (n != 0) check_answer(packet, std::span(out).first(n));
        return 0;
    }
    query::Decision decision;
    query::Responder::handle(*s.snapshot, packet, client, transport, out, decision);
    switch (decision.action) {
        case query::Action::Send:
            if (decision.size > decision.limit) fail("answer above the client's limit");
            check_answer(packet, std::span(out).first(decision.size));
            break;
        case query::Action::Forward: {
            std::vector<std::uint8_t> buffer;
            finish_forward(decision, buffer);
            break;
        }
        case query::Action::Drop:
            break;
    }
    return 0;
}
