// Threads: see server/wire/cookie.h.
#include "server/wire/cookie.h"

#include <algorithm>

#include "server/wire/reader.h"

namespace sitedns::wire {

CookieStatus find_cookie(std::span<const std::uint8_t> options, Cookie& out) {
    WireReader r(options);
    while (r.remaining() >= 4) {
        std::uint16_t code = 0;
        std::span<const std::uint8_t> data;
        if (r.option(code, data) != WireError::Ok) return CookieStatus::Malformed;
        if (code != kCookieOptionCode) continue;
        // RFC 7873 §5.2.2: shorter than a client cookie, or a server cookie outside
        // 8..32 bytes, is FORMERR.
        const std::size_t server = data.size() - std::min(data.size(), kClientCookieSize);
        const bool client_only = data.size() == kClientCookieSize;
        if (!client_only && (data.size() < kClientCookieSize || server < kMinServerCookieSize ||
                             server > kMaxServerCookieSize)) {
            return CookieStatus::Malformed;
        }
        std::copy_n(data.begin(), kClientCookieSize, out.client.begin());
        std::copy(data.begin() + kClientCookieSize, data.end(), out.server.begin());
        out.server_size = static_cast<std::uint8_t>(server);
        return CookieStatus::Ok;
    }
    return CookieStatus::Absent;
}

bool write_cookie(WireWriter& w, const Cookie& cookie) {
    const auto mark = w.mark();
    const bool ok = w.u16(kCookieOptionCode) &&
                    w.u16(static_cast<std::uint16_t>(kClientCookieSize + cookie.server_size)) &&
                    w.bytes(cookie.client) && w.bytes(cookie.server_cookie());
    if (!ok) w.rollback(mark);
    return ok;
}

}  // namespace sitedns::wire
