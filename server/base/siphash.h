#pragma once
// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): the
// keyed hash RFC 9018 §4.4 prescribes for interoperable DNS server cookies. A few dozen
// lines; written here rather than taken from a library, as no Debian package offers it
// on its own.
// Threads: any thread; a pure function.

#include <array>
#include <cstdint>
#include <span>

namespace sitedns::base {

/// The 128-bit SipHash key.
using SipKey = std::array<std::uint8_t, 16>;

/// SipHash-2-4 of `data` under `key`: the 64-bit result, whose little-endian bytes are
/// the hash as the paper's test vectors and RFC 9018 write it. Allocation-free.
std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data);

/// SipHash-2-4 of `data` with the 8 little-endian bytes of `extra` inserted after its
/// last whole 8-byte word: a key of bytes and a number hashed as one message, with one
/// more compression and no copy. Allocation-free.
std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data, std::uint64_t extra);

}  // namespace sitedns::base
