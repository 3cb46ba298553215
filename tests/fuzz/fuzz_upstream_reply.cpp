// Fuzz target: a forwarded reply through the socket-free half of the forwarder
// (server/upstream/message_edit.h, cache.h), as Forwarder::State::on_exchange and
// answer_from_cache use it: match, scan, store, look up, answer the client.
//
// Input: two control bytes, then the reply as an upstream sent it.
//   byte 0: bit 0 client EDNS, bit 1 DO, bit 2 RD, bit 3 CD, bits 4-5 the client's
//           limit (512, 1232, 4096, 65535), bit 6 stale, bit 7 the client's name in
//           another case;
//   byte 1: the entry's age, in units of 97 seconds.
// The question asked upstream is the reply's own (uncompressed at offset 12), so that
// most inputs pass reply_matches as a real reply does.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "server/upstream/forward_cache_shard.h"
#include "server/upstream/message_edit.h"
#include "server/wire/header.h"
#include "server/wire/reader.h"
#include "zones/dns/name.h"

namespace {

using namespace sitedns;

constexpr std::size_t kLimits[4] = {512, 1232, 4096, 65535};

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_upstream_reply: %s\n", what);
    std::abort();
}

/// The question of `reply` as the forwarder would have asked it; false when there is
/// none to read.
bool question_of(std::span<const std::uint8_t> reply, upstream::Question& q) {
    wire::WireReader r(reply);
    std::span<const std::uint8_t> header;
    if (r.bytes(wire::kHeaderSize, header) != wire::WireError::Ok ||
        r.name(q.qname) != wire::WireError::Ok || r.u16(q.qtype) != wire::WireError::Ok ||
        r.u16(q.qclass) != wire::WireError::Ok) {
        return false;
    }
    q.qname_lower.size = q.qname.size;
    for (std::size_t i = 0; i < q.qname.size; ++i) {
        q.qname_lower.bytes[i] = dns::lower(q.qname.bytes[i]);
    }
    return true;
}

/// The client's name: the same name, its letters' case flipped when asked to.
wire::NameBuffer client_name(const upstream::Question& q, bool flip) {
    wire::NameBuffer name = q.qname;
    if (!flip) return name;
    for (std::size_t i = 0; i < name.size; ++i) {
        const std::uint8_t c = name.bytes[i];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') name.bytes[i] = c ^ 0x20;
    }
    return name;
}

/// Writes the client's answer from `stored` into a buffer sized as the forwarder sizes
/// it, and checks what must hold of any answer.
void answer(const upstream::StoredMessage& stored, const upstream::ClientView& client,
            upstream::TtlRewrite ttl, const upstream::ExtendedError* error) {
    std::vector<std::uint8_t> out(std::max<std::size_t>(client.limit, 1024));
    const std::size_t n = upstream::write_answer(stored, client, ttl, error, out);
    if (n == 0) return;
    if (n > out.size()) fail("answer longer than the buffer");
    const wire::Header h(out);
    if (h.id() != client.id || !h.qr()) fail("answer with another ID or without QR");
    if (n > client.limit && !h.tc()) fail("answer above the limit without TC");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t flags = data[0];
    const std::uint32_t age = std::uint32_t{data[1]} * 97;
    const std::span<const std::uint8_t> reply(data + 2, size - 2);

    upstream::Question q;
    if (!question_of(reply, q)) return 0;
    q.dnssec_ok = (flags & 2) != 0;
    const std::uint16_t id = wire::Header(reply).id();
    if (!upstream::reply_matches(reply, id, q)) return 0;

    const upstream::TtlCaps caps{86400, 3600};
    upstream::ScannedReply scanned;
    if (!upstream::scan_reply(reply, caps, scanned)) return 0;

    const wire::NameBuffer name = client_name(q, (flags & 0x80) != 0);
    const upstream::ClientView client{static_cast<std::uint16_t>(id ^ 0x5a5a),
                                      (flags & 4) != 0,
                                      (flags & 8) != 0,
                                      name.wire(),
                                      q.qtype,
                                      q.qclass,
                                      (flags & 1) != 0,
                                      q.dnssec_ok,
                                      kLimits[(flags >> 4) & 3]};
    // The reply relayed as it came (Forwarder::State::succeed).
    answer({scanned.message, scanned.ttl_offsets}, client, {}, nullptr);
    if (!scanned.cacheable) return 0;

    // Stored, found again, and answered aged or stale (answer_from_cache, fail()).
    upstream::ForwardCacheShard cache(4);
    const upstream::CacheKey key{q.qname_lower.wire(), q.qtype, q.qclass, q.dnssec_ok, 1};
    cache.store(key, scanned.message, scanned.ttl_offsets, scanned.ttl,
                std::chrono::steady_clock::time_point{});
    const upstream::ForwardCacheShard::Entry* e = cache.find(key);
    if (e == nullptr) fail("a stored reply is not found");
    const bool stale = (flags & 0x40) != 0;
    const upstream::ExtendedError error{upstream::Ede::StaleAnswer, "upstreams unreachable"};
    answer(e->view(), client, {age, stale}, stale ? &error : nullptr);

    upstream::CacheKey other = key;
    other.qtype = static_cast<std::uint16_t>(q.qtype + 1);
    if (cache.find(other) != nullptr) fail("a lookup of another type finds the entry");
    return 0;
}
