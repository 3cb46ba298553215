// Threads: see server/wire/ecs.h.
#include "server/wire/ecs.h"

#include <algorithm>

#include "server/wire/reader.h"

namespace sitedns::wire {
namespace {

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
        std::span<const std::uint8_t> data;
        if (r.option(code, data) != WireError::Ok) return EcsStatus::Malformed;
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

}  // namespace sitedns::wire
