#pragma once
// The TSIG record (RFC 8945 §4.2) of a query: read as far as an answer echoes it, and the
// unsigned error TSIG that answers a key sitedns does not know (§5.2.1, §5.3.2). sitedns
// holds no TSIG keys: it verifies and signs nothing.
// Threads: any thread; works on the caller's buffers only.

#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/reader.h"
#include "server/wire/writer.h"

namespace sitedns::wire {

/// The TSIG error of an unknown key (RFC 8945 §5.2.1, IANA "DNS RCODEs": BADKEY).
inline constexpr std::uint16_t kTsigBadKey = 17;

/// What a query's TSIG record holds that its error answer echoes (RFC 8945 §4.2): the
/// key's name (the owner), the algorithm, Time Signed, Fudge and Original ID. The MAC
/// and Other Data are not kept: the answer has neither.
struct Tsig {
    bool present = false;
    NameBuffer key;
    NameBuffer algorithm;
    std::uint64_t time_signed = 0;  ///< 48 bits, seconds since 1970
    std::uint16_t fudge = 0;
    std::uint16_t original_id = 0;
};

/// Reads the RDATA of a TSIG record owned by `key` into `out`; the RDATA is
/// `packet[rdata_at, rdata_at + rdata_size)`, so that a compressed algorithm name can be
/// followed. False when it is not one whole TSIG RDATA (RFC 8945 §5.2: FORMERR).
[[nodiscard]] bool read_tsig(std::span<const std::uint8_t> packet, std::size_t rdata_at,
                             std::size_t rdata_size, const NameBuffer& key, Tsig& out);

/// Bytes the error TSIG of `tsig` takes (write_tsig_error).
std::size_t tsig_error_size(const Tsig& tsig);

/// Appends the unsigned TSIG that answers `tsig` with `error` (RFC 8945 §5.3.2): the key
/// name and algorithm (uncompressed), Time Signed and Fudge echoed, MAC Size 0, the
/// Original ID, `error`, no Other Data; CLASS ANY, TTL 0. False, nothing written, when
/// it does not fit.
[[nodiscard]] bool write_tsig_error(WireWriter& w, const Tsig& tsig, std::uint16_t error);

}  // namespace sitedns::wire
