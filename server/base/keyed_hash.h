#pragma once
// The hash of tables whose keys clients choose (the forward cache, the in-flight
// questions, the rate limiter's buckets, the TCP connections per client): SipHash-2-4
// under a key drawn once per process, so that no client can aim keys at one bucket. A
// seeded fast hash is no keyed hash: its collisions do not depend on the seed. Tables of
// our own keys (zone names, upstream sets) use the fast hash of zones/dns/wire_hash.h.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "server/base/siphash.h"

namespace sitedns::base {

/// The process's SipHash key: random (random.h), drawn on first use, then fixed.
const SipKey& process_key();

/// SipHash-2-4 of `data` under process_key().
inline std::uint64_t keyed_hash(std::span<const std::uint8_t> data) {
    return siphash24(process_key(), data);
}

/// SipHash-2-4 of `data` and `extra` (siphash24) under process_key().
inline std::uint64_t keyed_hash(std::span<const std::uint8_t> data, std::uint64_t extra) {
    return siphash24(process_key(), data, extra);
}

/// For unordered containers keyed by strings that clients choose. (Addresses:
/// net::ClientAddressHash, server/net/tcp_connections.h.)
struct KeyedHash {
    std::size_t operator()(std::string_view bytes) const noexcept {
        return keyed_hash({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    }
};

}  // namespace sitedns::base
