#pragma once
// The DNS COOKIE option (RFC 7873 §4): an 8-byte client cookie, then, once the client
// has learnt one, the server's cookie of 8 to 32 bytes. Reading it from a query and
// writing it into an answer; what a server cookie means is server/query/cookies.h's.
// Threads: any thread; works on the caller's buffers only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/writer.h"

namespace sitedns::wire {

/// The EDNS option code of COOKIE (RFC 7873 §8, IANA "EDNS0 Option Codes").
inline constexpr std::uint16_t kCookieOptionCode = 10;
/// Sizes of the option's parts (RFC 7873 §4).
inline constexpr std::size_t kClientCookieSize = 8;
inline constexpr std::size_t kMinServerCookieSize = 8;
inline constexpr std::size_t kMaxServerCookieSize = 32;
/// Largest COOKIE option: code, length, client and the longest server cookie.
inline constexpr std::size_t kMaxCookieOptionSize = 4 + kClientCookieSize + kMaxServerCookieSize;

/// One COOKIE option, parts copied out of the packet.
struct Cookie {
    std::array<std::uint8_t, kClientCookieSize> client{};
    std::array<std::uint8_t, kMaxServerCookieSize> server{};
    std::uint8_t server_size = 0;  ///< 0: a client cookie only

    std::span<const std::uint8_t> server_cookie() const {
        return std::span(server).first(server_size);
    }
    /// The whole option on the wire: code, length and data.
    std::size_t option_size() const { return 4 + kClientCookieSize + server_size; }
};

/// What find_cookie found among a query's EDNS options.
enum class CookieStatus : std::uint8_t {
    Absent,     ///< no COOKIE option
    Ok,         ///< a well-formed option (its server cookie not yet checked)
    Malformed,  ///< a length other than 8 or 16..40: answer FORMERR (RFC 7873 §5.2.2)
};

/// Looks for COOKIE in `options` (OPT RDATA, already known to be well framed). Only the
/// first COOKIE option counts, as in BIND and Knot; RFC 7873 does not foresee two.
[[nodiscard]] CookieStatus find_cookie(std::span<const std::uint8_t> options, Cookie& out);

/// Appends the whole option (code, length, client and server cookie); false and nothing
/// written when it does not fit.
[[nodiscard]] bool write_cookie(WireWriter& w, const Cookie& cookie);

}  // namespace sitedns::wire
