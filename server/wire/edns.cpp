// Threads: see server/wire/edns.h.
#include "server/wire/edns.h"

#include <array>

#include "zones/dns/types.h"

namespace sitedns::wire {
namespace {

/// Offset of RDLENGTH within an OPT record written by write_opt: owner (1), TYPE (2),
/// CLASS (2), TTL (4).
constexpr std::size_t kOptRdlengthAt = 9;

}  // namespace

bool write_options(WireWriter& w, const EdnsEcho& echo) {
    return (!echo.ecs || write_client_subnet(w, *echo.ecs)) &&
           (!echo.cookie || write_cookie(w, *echo.cookie));
}

bool write_opt(WireWriter& w, std::uint16_t udp_size, std::uint8_t extended_rcode, bool dnssec_ok) {
    // RFC 6891 §6.1.2-6.1.3: root owner, TYPE 41, CLASS = payload size, TTL = extended
    // RCODE (8 bits) | VERSION (8 bits, 0) | DO | Z (15 bits, 0), RDLENGTH 0.
    const auto hi = [](std::uint16_t v) { return static_cast<std::uint8_t>(v >> 8); };
    const auto lo = [](std::uint16_t v) { return static_cast<std::uint8_t>(v); };
    const std::uint8_t flags = dnssec_ok ? 0x80 : 0x00;  // DO is the top bit of the flags
    // clang-format off
    const std::array<std::uint8_t, kOptSize> opt = {
        0x00,                                   // owner: root
        hi(dns::rrtype::OPT), lo(dns::rrtype::OPT),
        hi(udp_size), lo(udp_size),             // CLASS: payload size
        extended_rcode, 0x00, flags, 0x00,      // TTL: ext. RCODE, VERSION, DO|Z
        0x00, 0x00,                             // RDLENGTH
    };
    // clang-format on
    return w.bytes(opt);
}

bool write_opt(WireWriter& w, std::uint16_t udp_size, std::uint8_t extended_rcode, bool dnssec_ok,
               const EdnsEcho& echo) {
    const auto mark = w.mark();
    if (!write_opt(w, udp_size, extended_rcode, dnssec_ok)) return false;
    if (echo.empty()) return true;
    if (!write_options(w, echo)) {
        w.rollback(mark);
        return false;
    }
    w.patch_u16(mark.size + kOptRdlengthAt, static_cast<std::uint16_t>(echo.size()));
    return true;
}

}  // namespace sitedns::wire
