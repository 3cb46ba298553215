#pragma once
// A zone as the readers (zones/load) hand it over and model::Zone::compile takes it. It
// is declared here, below both, so that the model never includes the readers; its
// namespace is its folder's.
// Threads: the main thread at start-up and in the offline commands; the reload thread on
// reload.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "zones/dns/name.h"
#include "zones/dns/text.h"

namespace sitedns::model {

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
    bool generated = false;  ///< made by the sites topology (SPEC §3.3), not read from a file
    /// DNSSEC records the source held and the reader left out (SPEC §5: a signed zone is
    /// served unsigned), and their types, each once, in file order.
    std::size_t dnssec_dropped = 0;
    std::vector<std::uint16_t> dnssec_types;
};

/// A zone source that cannot be loaded. what() is the whole message:
/// "<source>: <where>: <reason>", e.g.
/// "zones/paris.json: record 4: CNAME beside other data at www.paris.example.local."
class ZoneError : public std::runtime_error {
  public:
    /// `message` through dns::printable(): it may quote the file's text.
    explicit ZoneError(const std::string& message) : std::runtime_error(dns::printable(message)) {}
};

}  // namespace sitedns::model
