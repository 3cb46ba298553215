#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "zones/dns/name.h"

namespace sitedns::load {

/// One resource record as read from a zone source, before compilation.
struct Record {
    dns::Name owner;
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    /// RDATA in uncompressed wire form; names inside keep the case of the source.
    std::vector<std::uint8_t> rdata;
    /// Where it came from, for messages: "record 3" (JSON index) or "line 12".
    std::string where;
};

/// A zone as read from one source: the SOA, when it has one, comes first in `records`.
struct ZoneData {
    dns::Name origin;
    std::string source;  ///< file path (or built-in name) for messages
    std::vector<Record> records;
};

/// A zone source that cannot be loaded. what() is the whole message:
/// "<source>: <where>: <reason>", e.g.
/// "zones/paris.json: record 4: CNAME beside other data at www.paris.example.local."
class ZoneError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Whether a zone source must have an SOA. Only a zone served transparently may go
/// without (SPEC §5: its names are answered as local data, never as a zone of its own).
enum class SoaRule : std::uint8_t { Required, Optional };

/// Reads a JSON zone (SPEC §4) from text. `source` names it in messages.
/// Checks: unknown keys, missing or bad SOA fields, names outside the origin, bad
/// RDATA (parsed with ldns), CNAME beside other data, duplicate records, class IN only.
/// "origin" (absolute) is required, and "soa" unless `soa` is Optional; "ttl" defaults
/// to 3600; "records" to []. The SOA record (owner = origin, TTL = the zone's "ttl") is
/// records[0], where = "soa"; the others follow in order, where = "record N" (the 0-based
/// array index).
ZoneData read_json_zone(std::string_view text, std::string_view source,
                        SoaRule soa = SoaRule::Required);

/// Reads an RFC 1035 master file with ldns ($ORIGIN, $TTL, $INCLUDE relative to the
/// file). `origin` may be empty (root) when the file sets $ORIGIN or uses absolute names;
/// the zone's origin is the SOA owner. Same checks as the JSON reader.
/// Exactly one SOA, anywhere in the file, becomes records[0]; where = "line N". Records
/// before any $TTL and without a TTL of their own get 3600.
ZoneData read_rfc1035_zone(const std::filesystem::path& file, const dns::Name& origin);

/// Reads a zone file, choosing the reader by extension: ".json" is JSON, anything
/// else (".zone", ".db", ...) is RFC 1035. `soa` applies to JSON zones: an RFC 1035
/// file takes its origin from its SOA, so it always needs one.
ZoneData read_zone_file(const std::filesystem::path& file, SoaRule soa = SoaRule::Required);

}  // namespace sitedns::load
