#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "config/address.h"
#include "server/runtime/snapshot.h"

namespace sitedns::query {

enum class Transport : std::uint8_t { Udp, Tcp };

/// Largest answer the responder writes: TCP's 16-bit length bound.
inline constexpr std::size_t kMaxMessage = 65535;

/// The query core (STYLE rule 1): bytes, the client's address and a snapshot in,
/// bytes out. No sockets, no locks, no heap allocation on the authoritative path.
class Responder {
public:
    /// Answers one query into `out` (at least kMaxMessage bytes for TCP, 4096 suffice
    /// for UDP: the answer is bounded by the client's EDNS size there). Returns the
    /// answer's length, or 0 when nothing must be sent (QR set, no header).
    static std::size_t respond(const runtime::Snapshot& snapshot, std::span<const std::uint8_t> query,
                               const IpAddress& client, Transport transport,
                               std::span<std::uint8_t> out);
};

}  // namespace sitedns::query
