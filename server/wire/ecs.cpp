#include "server/wire/ecs.h"

#include <algorithm>

#include "server/wire/edns.h"
#include "server/wire/header.h"
#include "server/wire/reader.h"
#include "zones/dns/types.h"

namespace sitedns::wire {
namespace {

/// Offset of RDLENGTH within an OPT record written by write_opt: owner (1), TYPE (2),
/// CLASS (2), TTL (4).
constexpr std::size_t kOptRdlengthAt = 9;

std::size_t max_prefix(std::uint16_t family) {
    return family == kEcsFamilyV4 ? 32 : 128;
}

/// True when no bit after the first `prefix` bits of `address` is set (RFC 7871 §6:
/// "MUST be truncated to the number of bits indicated by the SOURCE PREFIX-LENGTH").
bool zero_beyond(const std::array<std::uint8_t, 16>& address, std::size_t prefix) {
    for (std::size_t bit = prefix; bit < address.size() * 8; ++bit) {
        if ((address[bit / 8] >> (7 - bit % 8)) & 1u) return false;
    }
    return true;
}

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

}  // namespace

bool parse_client_subnet(std::span<const std::uint8_t> data, ClientSubnet& out) {
    // FAMILY (2), SOURCE PREFIX-LENGTH (1), SCOPE PREFIX-LENGTH (1), ADDRESS.
    if (data.size() < 4) return false;
    ClientSubnet ecs;
    ecs.family = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
    ecs.source_prefix = data[2];
    ecs.scope_prefix = data[3];
    if (ecs.family != kEcsFamilyV4 && ecs.family != kEcsFamilyV6) return false;
    if (ecs.source_prefix > max_prefix(ecs.family)) return false;
    const auto address = data.subspan(4);
    // RFC 7871 §6: too few or too many ADDRESS octets, or bits set beyond the source
    // prefix: the server SHOULD return FORMERR.
    if (address.size() != ecs.address_bytes()) return false;
    std::copy(address.begin(), address.end(), ecs.address.begin());
    if (!zero_beyond(ecs.address, ecs.source_prefix)) return false;
    out = ecs;
    return true;
}

EcsStatus find_client_subnet(std::span<const std::uint8_t> options, ClientSubnet& out) {
    WireReader r(options);
    EcsStatus status = EcsStatus::Absent;
    while (r.remaining() >= 4) {
        std::uint16_t code = 0;
        std::uint16_t length = 0;
        std::span<const std::uint8_t> data;
        if (r.u16(code) != WireError::Ok || r.u16(length) != WireError::Ok ||
            r.bytes(length, data) != WireError::Ok) {
            return EcsStatus::Malformed;
        }
        if (code != kEcsOptionCode) continue;
        if (status != EcsStatus::Absent || !parse_client_subnet(data, out)) {
            return EcsStatus::Malformed;
        }
        status = EcsStatus::Ok;
    }
    return r.remaining() == 0 ? status : EcsStatus::Malformed;
}

bool write_client_subnet(WireWriter& w, const ClientSubnet& ecs) {
    const auto mark = w.mark();
    const std::size_t bytes = std::min<std::size_t>(ecs.address_bytes(), ecs.address.size());
    const bool ok = w.u16(kEcsOptionCode) && w.u16(static_cast<std::uint16_t>(4 + bytes)) &&
                    w.u16(ecs.family) && w.u8(ecs.source_prefix) && w.u8(ecs.scope_prefix) &&
                    w.bytes(std::span(ecs.address).first(bytes));
    if (!ok) w.rollback(mark);
    return ok;
}

bool write_opt_with_ecs(WireWriter& w, std::uint16_t udp_size, std::uint8_t extended_rcode,
                        bool dnssec_ok, const ClientSubnet* ecs) {
    const auto mark = w.mark();
    if (!write_opt(w, udp_size, extended_rcode, dnssec_ok)) return false;
    if (ecs == nullptr) return true;
    if (!write_client_subnet(w, *ecs)) {
        w.rollback(mark);
        return false;
    }
    w.patch_u16(mark.size + kOptRdlengthAt, static_cast<std::uint16_t>(ecs->option_size()));
    return true;
}

std::size_t append_client_subnet(std::span<std::uint8_t> message, std::size_t length,
                                 std::size_t limit, const ClientSubnet& ecs) {
    limit = std::min(limit, message.size());
    if (length > limit) return length;
    const std::size_t rdlength_at = last_opt_rdlength(message.first(length));
    if (rdlength_at == 0) return length;
    WireWriter w(message.subspan(length), limit - length);
    if (!write_client_subnet(w, ecs)) return length;
    const std::size_t rdlength =
        static_cast<std::size_t>(message[rdlength_at] << 8 | message[rdlength_at + 1]) + w.size();
    if (rdlength > 0xFFFF) return length;
    message[rdlength_at] = static_cast<std::uint8_t>(rdlength >> 8);
    message[rdlength_at + 1] = static_cast<std::uint8_t>(rdlength);
    return length + w.size();
}

}  // namespace sitedns::wire
