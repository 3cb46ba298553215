#pragma once
// DNS Cookies, the server's side (RFC 7873 §5.2) with the interoperable server cookie of
// RFC 9018: Version 1, three reserved bytes, a 32-bit timestamp and a SipHash-2-4 over
// the client cookie, those eight bytes and the client's address, keyed by a 16-byte
// secret. Several servers behind one address that share the secret accept each other's
// cookies. The query core calls answer_cookie() for every query with a COOKIE option;
// a Valid result is what lets the UDP rate limiter pass the query (like BIND).
// Threads: any worker or UDP receive thread; pure functions of their arguments.

#include <cstdint>

#include "config/address.h"
#include "server/base/siphash.h"
#include "server/wire/cookie.h"

namespace sitedns::query {

/// The server cookie's secret: the SipHash key.
using CookieSecret = base::SipKey;

/// The length of the server cookies sitedns makes (RFC 9018 §4.2).
inline constexpr std::size_t kServerCookieSize = 16;
/// RFC 9018 §4.3: a server cookie older than this is answered with a fresh one...
inline constexpr std::uint32_t kCookieRefreshAge = 1800;
/// ... older than this, or further ahead than kCookieMaxSkew (clocks of servers that
/// share the secret differ), it is no longer valid.
inline constexpr std::uint32_t kCookieMaxAge = 3600;
inline constexpr std::uint32_t kCookieMaxSkew = 300;

/// What a query's COOKIE option says of its sender (sitedns_cookies_total{result}).
enum class CookieResult : std::uint8_t {
    None,       ///< no COOKIE option, or cookies are off
    New,        ///< a client cookie only: the answer hands out a server cookie
    Valid,      ///< our server cookie for this address, current: the address is proven
    Invalid,    ///< a server cookie not ours, for another address or too old: a fresh one
    Malformed,  ///< a bad option length: FORMERR (RFC 7873 §5.2.2)
};

/// Sets `cookie.server` to the server cookie of RFC 9018 §4.2 for `cookie.client` from
/// `client` at `now` (seconds since the epoch, taken modulo 2^32). Allocation-free.
void make_server_cookie(const CookieSecret& secret, const IpAddress& client, std::uint32_t now,
                        wire::Cookie& cookie);

/// True when `cookie.server` is a Version 1 server cookie made with `secret` for
/// `cookie.client` and `client`, its timestamp no more than kCookieMaxAge seconds
/// before `now` and no more than kCookieMaxSkew after (RFC 9018 §4.3). Allocation-free.
bool server_cookie_valid(const CookieSecret& secret, const IpAddress& client, std::uint32_t now,
                         const wire::Cookie& cookie);

/// RFC 7873 §5.2.3-5.2.5: checks the COOKIE option received from `client` and turns it
/// into the one the answer carries: a valid server cookie younger than kCookieRefreshAge
/// is echoed as it came; otherwise the answer gets a fresh server cookie. Never Malformed
/// or None (find_cookie says those). Allocation-free.
CookieResult answer_cookie(const CookieSecret& secret, const IpAddress& client, std::uint32_t now,
                           wire::Cookie& cookie);

/// The cookies' clock: the wall clock's seconds since the epoch, modulo 2^32 (the
/// timestamps are compared in serial number arithmetic, RFC 1982).
std::uint32_t cookie_clock();

}  // namespace sitedns::query
