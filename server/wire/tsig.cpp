// Threads: see server/wire/tsig.h.
#include "server/wire/tsig.h"

#include "server/wire/limits.h"
#include "zones/dns/types.h"

namespace sitedns::wire {

namespace {

/// RDATA after the algorithm name (RFC 8945 §4.2): Time Signed (6), Fudge (2), MAC Size
/// (2), then, after the MAC, Original ID (2), Error (2), Other Len (2).
constexpr std::size_t kFixedBeforeMac = 10;
constexpr std::size_t kFixedAfterMac = 6;

}  // namespace

bool read_tsig(std::span<const std::uint8_t> packet, std::size_t rdata_at, std::size_t rdata_size,
               const NameBuffer& key, Tsig& out) {
    WireReader r(packet);
    std::span<const std::uint8_t> skipped;
    std::uint16_t time_high = 0;
    std::uint32_t time_low = 0;
    std::uint16_t mac_size = 0;
    std::uint16_t error = 0;
    std::uint16_t other_size = 0;
    if (r.seek(rdata_at) != WireError::Ok || r.name(out.algorithm) != WireError::Ok ||
        r.u16(time_high) != WireError::Ok || r.u32(time_low) != WireError::Ok ||
        r.u16(out.fudge) != WireError::Ok || r.u16(mac_size) != WireError::Ok ||
        r.bytes(mac_size, skipped) != WireError::Ok || r.u16(out.original_id) != WireError::Ok ||
        r.u16(error) != WireError::Ok || r.u16(other_size) != WireError::Ok ||
        r.bytes(other_size, skipped) != WireError::Ok) {
        return false;
    }
    if (r.offset() != rdata_at + rdata_size) return false;
    out.present = true;
    out.key = key;
    out.time_signed = std::uint64_t{time_high} << 32 | time_low;
    return true;
}

std::size_t tsig_error_size(const Tsig& tsig) {
    return tsig.key.size + kRecordFixed + tsig.algorithm.size + kFixedBeforeMac + kFixedAfterMac;
}

bool write_tsig_error(WireWriter& w, const Tsig& tsig, std::uint16_t error) {
    if (w.size() + tsig_error_size(tsig) > w.limit()) return false;
    const auto rdata_size =
        static_cast<std::uint16_t>(tsig.algorithm.size + kFixedBeforeMac + kFixedAfterMac);
    // RFC 8945 §4.2: CLASS ANY, TTL 0; names are not compressed (RFC 3597 §4).
    const bool written = w.name(tsig.key.wire(), false) && w.u16(dns::rrtype::TSIG) &&
                         w.u16(dns::rrclass::ANY) && w.u32(0) && w.u16(rdata_size) &&
                         w.name(tsig.algorithm.wire(), false) &&
                         w.u16(static_cast<std::uint16_t>(tsig.time_signed >> 32)) &&
                         w.u32(static_cast<std::uint32_t>(tsig.time_signed)) && w.u16(tsig.fudge) &&
                         w.u16(0) /* MAC Size */ && w.u16(tsig.original_id) && w.u16(error) &&
                         w.u16(0) /* Other Len */;
    return written;  // the size was checked first: every put fits
}

}  // namespace sitedns::wire
