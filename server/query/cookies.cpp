// Threads: see server/query/cookies.h.
#include "server/query/cookies.h"

#include <algorithm>
#include <chrono>

#include "config/prefix_table.h"
#include "server/wire/header.h"

namespace sitedns::query {
namespace {

constexpr std::uint8_t kCookieVersion = 1;
/// Version, reserved and timestamp: the part of the server cookie that is hashed.
constexpr std::size_t kStampSize = 8;

/// SipHash-2-4 over client cookie | version | reserved | timestamp | client address
/// (RFC 9018 §4.4), the address in 4 bytes for IPv4 (IPv4-mapped included), 16 for IPv6.
std::uint64_t cookie_hash(const CookieSecret& secret, const IpAddress& client,
                          const wire::Cookie& cookie) {
    std::array<std::uint8_t, wire::kClientCookieSize + kStampSize + 16> input{};
    auto at = std::copy(cookie.client.begin(), cookie.client.end(), input.begin());
    at = std::copy_n(cookie.server.begin(), kStampSize, at);
    const std::uint8_t* address = client.bytes.data();
    if (client.family == IpAddress::Family::V4) {
        at = std::copy_n(address, 4, at);
    } else if (prefix_detail::is_v4_mapped(client)) {
        at = std::copy_n(address + 12, 4, at);
    } else {
        at = std::copy_n(address, 16, at);
    }
    return base::siphash24(secret,
                           std::span(input).first(static_cast<std::size_t>(at - input.begin())));
}

std::uint32_t timestamp_of(const wire::Cookie& cookie) {
    return wire::load_u32(cookie.server, 4);
}

/// Seconds from the cookie's timestamp to `now`, in serial number arithmetic: negative
/// for a timestamp ahead of `now`.
std::int64_t age_of(const wire::Cookie& cookie, std::uint32_t now) {
    return static_cast<std::int32_t>(now - timestamp_of(cookie));
}

}  // namespace

void make_server_cookie(const CookieSecret& secret, const IpAddress& client, std::uint32_t now,
                        wire::Cookie& cookie) {
    auto& s = cookie.server;
    std::fill(s.begin(), s.end(), 0);
    s[0] = kCookieVersion;  // then three reserved bytes, zero
    s[4] = static_cast<std::uint8_t>(now >> 24);
    s[5] = static_cast<std::uint8_t>(now >> 16);
    s[6] = static_cast<std::uint8_t>(now >> 8);
    s[7] = static_cast<std::uint8_t>(now);
    cookie.server_size = kServerCookieSize;
    const std::uint64_t hash = cookie_hash(secret, client, cookie);
    for (std::size_t i = 0; i < 8; ++i)
        s[kStampSize + i] = static_cast<std::uint8_t>(hash >> (8 * i));
}

bool server_cookie_valid(const CookieSecret& secret, const IpAddress& client, std::uint32_t now,
                         const wire::Cookie& cookie) {
    if (cookie.server_size != kServerCookieSize || cookie.server[0] != kCookieVersion) return false;
    const std::int64_t age = age_of(cookie, now);
    if (age > kCookieMaxAge || -age > kCookieMaxSkew) return false;
    // The reserved bytes are hashed as received (RFC 9018 §4.3: they may be non-zero).
    const std::uint64_t hash = cookie_hash(secret, client, cookie);
    std::uint8_t differ = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        differ |= static_cast<std::uint8_t>(cookie.server[kStampSize + i] ^
                                            static_cast<std::uint8_t>(hash >> (8 * i)));
    }
    return differ == 0;
}

CookieResult answer_cookie(const CookieSecret& secret, const IpAddress& client, std::uint32_t now,
                           wire::Cookie& cookie) {
    if (cookie.server_size == 0) {
        make_server_cookie(secret, client, now, cookie);
        return CookieResult::New;
    }
    if (!server_cookie_valid(secret, client, now, cookie)) {
        make_server_cookie(secret, client, now, cookie);
        return CookieResult::Invalid;
    }
    if (age_of(cookie, now) > kCookieRefreshAge) make_server_cookie(secret, client, now, cookie);
    return CookieResult::Valid;
}

std::uint32_t cookie_clock() {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count());
}

}  // namespace sitedns::query
