#pragma once
// Threads: any worker or UDP receive thread, read-only on the snapshot; writes only
// the caller's buffers and cache.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "config/address.h"
#include "server/query/cookies.h"
#include "server/query/packet_cache.h"
#include "server/query/snapshot.h"
#include "server/wire/edns.h"
#include "server/wire/limits.h"
#include "server/wire/message.h"

namespace sitedns::query {

enum class Transport : std::uint8_t { Udp, Tcp };

/// Largest answer the responder writes: TCP's 16-bit length bound.
using wire::kMaxMessage;

/// What the transport does with a packet after the query core has seen it.
enum class Action : std::uint8_t {
    Send,     ///< the answer is in `out`, `size` bytes
    Drop,     ///< nothing must be sent (QR set, no header)
    Forward,  ///< resolve `query` through the view's upstreams (SPEC §5)
};

/// The query core's verdict on one packet.
struct Decision {
    Action action = Action::Drop;
    std::size_t size = 0;  ///< Send: the answer's length
    /// Send: a forwarded answer, from the cache of finished answers (counted as a
    /// forwarded query answered from the cache).
    bool forwarded = false;
    const View* view = nullptr;  ///< the view chosen (Forward: never null)
    /// Forward: where the name goes, in the snapshot: a forward zone's upstreams (the
    /// deepest that holds the name) or the view's own (SPEC §5). Never null then.
    const UpstreamSet* upstreams = nullptr;
    /// The largest answer the client takes (RFC 1035 §4.2.1, RFC 6891 §6.2.5, 65535 over
    /// TCP), echoed options included: what a forwarded answer must fit.
    std::size_t limit = wire::kClassicUdpSize;
    /// The options the answer's OPT carries: ECS with its scope (trusted senders only,
    /// RFC 7871 §7.2.1) and COOKIE (RFC 7873 §5.2); the forwarder writes them into a
    /// forwarded answer (upstream::ClientQuery::echo).
    wire::EdnsEcho echo;
    /// What the query's COOKIE option said; Valid exempts it from rate limiting.
    CookieResult cookie = CookieResult::None;
    wire::Query query;  ///< the parsed query (Forward: what the forwarder resolves)
    /// The packet cache's key of a plain query handled through a PacketCache (`key.size`
    /// 0 for any other): with `view`, where its forwarded answer is kept
    /// (PacketCache::store_forwarded).
    AnswerKey key;
};

/// The query core (STYLE rule 1): bytes, the client's address and a snapshot in,
/// bytes out. No sockets, no locks, no heap allocation on the authoritative path.
class Responder {
  public:
    /// Decides what to do with one query and, unless it is to be forwarded or dropped,
    /// answers it into `out` (at least kMaxMessage bytes for TCP, 4096 suffice for UDP).
    /// Forward, to `decision.upstreams`, when the name is at or below one of the view's
    /// forward zones (the deepest) and no deeper zone of the view answers it, or when the
    /// view has recursion and upstreams and no zone answers the name (a transparent zone
    /// answers only names it has records for; SPEC §5). Every answer from a recursion
    /// view has RA set. The view is
    /// chosen by `client`, or by the EDNS Client Subnet option when `client` is in
    /// `ecs_trust` (SPEC §5). Allocation-free.
    static void handle(const Snapshot& snapshot, std::span<const std::uint8_t> packet,
                       const IpAddress& client, Transport transport, std::span<std::uint8_t> out,
                       Decision& decision);

    /// The same, through a worker's cache of finished answers: a plain query asked
    /// before from the same view is answered by copying (PacketCache); what handle()
    /// answers otherwise is stored. The bytes sent are those handle() writes; on a hit
    /// `decision.query` is not filled (it is only read for Forward). Allocation-free.
    static void handle(const Snapshot& snapshot, std::span<const std::uint8_t> packet,
                       const IpAddress& client, Transport transport, std::span<std::uint8_t> out,
                       Decision& decision, PacketCache& cache);

    /// Answers one query into `out`; returns the answer's length, or 0 when nothing must
    /// be sent. A query handle() would forward is answered SERVFAIL here (no forwarder):
    /// for callers and tests of the authoritative path.
    static std::size_t respond(const Snapshot& snapshot, std::span<const std::uint8_t> query,
                               const IpAddress& client, Transport transport,
                               std::span<std::uint8_t> out);
};

}  // namespace sitedns::query
