#pragma once
// The zone readers: JSON (SPEC §4) and RFC 1035 master files, into model::ZoneData.
// Threads: the main thread at start-up and in the offline commands; the reload thread on
// reload.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "zones/dns/name.h"
#include "zones/load/file_text.h"
#include "zones/model/zone_data.h"

namespace sitedns::load {

/// Whether a zone source must have an SOA. Only a zone served transparently may go
/// without (SPEC §5: its names are answered as local data, never as a zone of its own).
enum class SoaRule : std::uint8_t { Required, Optional };

/// The default of `limits.zone_bytes`: every zone file of one load together.
inline constexpr std::uint64_t kDefaultZoneBytes = std::uint64_t{1} << 30;

/// The zone files of one load (start-up, a reload, `check`), $INCLUDEd ones too, held
/// together to `limits.zone_bytes`, so that an oversized zone fails naming its file
/// instead of taking the process's memory.
class ZoneFiles {
  public:
    explicit ZoneFiles(std::uint64_t max_bytes = kDefaultZoneBytes,
                       TextReader reader = read_file_text)
        : max_bytes_(max_bytes), reader_(reader) {}

    /// The whole text of `file`, counted against the limit. Throws ZoneError naming the
    /// file: cannot open or read it, past the limit, or out of memory (std::bad_alloc).
    std::string read(const std::filesystem::path& file);

  private:
    std::uint64_t max_bytes_;
    std::uint64_t read_bytes_ = 0;  ///< what the files read so far hold together
    TextReader reader_;
};

/// Reads a JSON zone (SPEC §4) from text. `source` names it in messages.
/// Checks: unknown keys, missing or bad SOA fields, names outside the origin, bad
/// RDATA (parsed with ldns), CNAME beside other data, duplicate records, class IN only.
/// "origin" (absolute) is required, and "soa" unless `soa` is Optional; "ttl" defaults
/// to 3600; "records" to []. The SOA record (owner = origin, TTL = the zone's "ttl") is
/// records[0], where = "soa"; the others follow in order, where = "record N" (the 0-based
/// array index).
model::ZoneData read_json_zone(std::string_view text, std::string_view source,
                               SoaRule soa = SoaRule::Required);

/// Reads an RFC 1035 master file with ldns ($ORIGIN, $TTL, $INCLUDE relative to the
/// file). `origin` may be empty (root) when the file sets $ORIGIN or uses absolute names;
/// the zone's origin is the SOA owner. Same checks as the JSON reader.
/// Exactly one SOA, anywhere in the file, becomes records[0]; where = "line N". Records
/// before any $TTL and without a TTL of their own get 3600.
/// Its files, $INCLUDEd ones too, are read through `files`; std::bad_alloc while loading
/// becomes a ZoneError naming the file.
model::ZoneData read_rfc1035_zone(const std::filesystem::path& file, const dns::Name& origin,
                                  ZoneFiles& files);
/// The same, with a ZoneFiles of its own (the default limit).
model::ZoneData read_rfc1035_zone(const std::filesystem::path& file, const dns::Name& origin);

/// Reads a zone file, choosing the reader by extension: ".json" is JSON, anything
/// else (".zone", ".db", ...) is RFC 1035. `soa` applies to JSON zones: an RFC 1035
/// file takes its origin from its SOA, so it always needs one.
/// The file is read through `files`; std::bad_alloc while loading becomes a ZoneError
/// naming the file.
model::ZoneData read_zone_file(const std::filesystem::path& file, SoaRule soa, ZoneFiles& files);
/// The same, with a ZoneFiles of its own (the default limit).
model::ZoneData read_zone_file(const std::filesystem::path& file, SoaRule soa = SoaRule::Required);

}  // namespace sitedns::load
