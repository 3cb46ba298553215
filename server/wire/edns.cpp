// Threads: see server/wire/edns.h.
#include "server/wire/edns.h"

#include <algorithm>
#include <array>

#include "server/wire/header.h"
#include "server/wire/reader.h"
#include "zones/dns/types.h"

namespace sitedns::wire {
namespace {

/// Offset of RDLENGTH within an OPT record written by write_opt: owner (1), TYPE (2),
/// CLASS (2), TTL (4).
constexpr std::size_t kOptRdlengthAt = 9;

/// Skips one resource record; sets `type` and where its RDLENGTH field sits.
bool skip_record(WireReader& r, std::uint16_t& type, std::size_t& rdlength_at) {
    std::uint16_t rrclass = 0;
    std::uint32_t ttl = 0;
    std::uint16_t rdlength = 0;
    std::span<const std::uint8_t> rdata;
    if (r.skip_name() != WireError::Ok || r.u16(type) != WireError::Ok ||
        r.u16(rrclass) != WireError::Ok || r.u32(ttl) != WireError::Ok) {
        return false;
    }
    rdlength_at = r.offset();
    return r.u16(rdlength) == WireError::Ok && r.bytes(rdlength, rdata) == WireError::Ok;
}

/// Where the RDLENGTH of the message's OPT record is, when the OPT is its last record
/// and ends the message; 0 otherwise.
std::size_t last_opt_rdlength(std::span<const std::uint8_t> message) {
    if (message.size() < kHeaderSize) return 0;
    const Header h(message);
    WireReader r(message);
    std::span<const std::uint8_t> skipped;
    (void)r.bytes(kHeaderSize, skipped);
    for (std::uint16_t i = 0; i < h.qdcount(); ++i) {
        if (r.skip_name() != WireError::Ok || r.bytes(4, skipped) != WireError::Ok) return 0;
    }
    const std::uint32_t records = std::uint32_t{h.ancount()} + h.nscount() + h.arcount();
    std::uint16_t type = 0;
    std::size_t rdlength_at = 0;
    for (std::uint32_t i = 0; i < records; ++i) {
        if (!skip_record(r, type, rdlength_at)) return 0;
    }
    const bool opt_last = records > 0 && h.arcount() > 0 && type == dns::rrtype::OPT;
    return opt_last && r.remaining() == 0 ? rdlength_at : 0;
}

/// Writes the options of `echo`, ECS first; false (and a partial write) if they do not fit.
bool write_options(WireWriter& w, const EdnsEcho& echo) {
    return (!echo.ecs || write_client_subnet(w, *echo.ecs)) &&
           (!echo.cookie || write_cookie(w, *echo.cookie));
}

}  // namespace

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

std::size_t append_options(std::span<std::uint8_t> message, std::size_t length, std::size_t limit,
                           const EdnsEcho& echo) {
    limit = std::min(limit, message.size());
    if (length > limit || echo.empty()) return length;
    const std::size_t rdlength_at = last_opt_rdlength(message.first(length));
    if (rdlength_at == 0) return length;
    WireWriter w(message.subspan(length), limit - length);
    if (!write_options(w, echo)) return length;
    const std::size_t rdlength =
        static_cast<std::size_t>(message[rdlength_at] << 8 | message[rdlength_at + 1]) + w.size();
    if (rdlength > 0xFFFF) return length;
    message[rdlength_at] = static_cast<std::uint8_t>(rdlength >> 8);
    message[rdlength_at + 1] = static_cast<std::uint8_t>(rdlength);
    return length + w.size();
}

}  // namespace sitedns::wire
