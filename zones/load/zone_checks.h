#pragma once

// Private to zones/load: checks and messages shared by the JSON and RFC 1035 readers.

#include <cstdint>
#include <string>
#include <string_view>

#include "zones/load/zone_readers.h"

namespace sitedns::load::detail {

/// Largest TTL (RFC 2181 §8: 0 .. 2^31 - 1).
inline constexpr std::uint32_t kMaxTtl = 0x7fffffff;

/// Throws ZoneError "<source>: <where>: <reason>".
[[noreturn]] void fail(std::string_view source, std::string_view where, std::string_view reason);

/// Checks every record of a zone whose records are all read and whose SOA is first:
/// owners inside the origin, no duplicate record (same owner, type and RDATA bytes),
/// no CNAME beside other data and no second CNAME at one owner (RFC 1034 §3.6.2,
/// RRSIG and NSEC excepted per RFC 4035 §2.5). Throws ZoneError naming the record.
void check_records(const model::ZoneData& zone);

/// Leaves out the zone's DNSSEC records (dns::dnssec_signing_type): sitedns serves every
/// zone unsigned (SPEC §5), so a signed zone's signatures, NSEC/NSEC3 chains and keys
/// would only be stale data beside unsigned answers. Counts them, with their types, in
/// `zone.dnssec_dropped` and `zone.dnssec_types`.
void drop_dnssec(model::ZoneData& zone);

}  // namespace sitedns::load::detail
