#pragma once
// The reply a rate limiter "slips" (BIND's and Knot's RRL): the query's header and
// question with QR and TC set and nothing else, so a real client retries over TCP
// (RFC 1035 §4.1.1, RFC 7766 §5) while the answer is no larger than the query.
// Threads: any thread; writes only the caller's buffer.

#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/cookie.h"

namespace sitedns::wire {

/// Writes the truncated reply to `query` into `out`: its header (ID, opcode, RD and CD
/// kept; QR and TC set; AA, RA, AD and RCODE cleared; one question, no records) and its
/// question, copied. Returns the reply's length, or 0 when there is none to give: a
/// packet shorter than a header, a response (QR set), not exactly one question, or a
/// question that cannot be read. `out` may not overlap `query`. Allocation-free.
[[nodiscard]] std::size_t write_truncated_reply(std::span<const std::uint8_t> query,
                                                std::span<std::uint8_t> out);

/// The same with an OPT record advertising `udp_size` that carries `cookie`: an answer to
/// a query with a COOKIE option carries one, a truncated answer too (RFC 7873 §5.2).
/// Without room for the OPT, the reply goes without it. Allocation-free.
[[nodiscard]] std::size_t write_truncated_reply(std::span<const std::uint8_t> query,
                                                std::span<std::uint8_t> out, const Cookie& cookie,
                                                std::uint16_t udp_size);

}  // namespace sitedns::wire
