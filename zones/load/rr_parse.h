#pragma once

// Private to zones/load: the bridge to ldns, with no ldns type in sight except a
// forward declaration, so only rr_parse.cpp and rfc1035_zone.cpp include ldns.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "zones/dns/name.h"

struct ldns_struct_rr;  // ldns_rr

namespace sitedns::load::detail {

/// One resource record as ldns parsed it, converted to sitedns types.
struct ParsedRr {
    dns::Name owner;
    std::uint16_t type = 0;
    std::uint16_t rrclass = 0;
    std::uint32_t ttl = 0;
    std::vector<std::uint8_t> rdata;  ///< uncompressed wire, case kept
};

/// Converts an ldns RR. Returns the reason as text when it cannot be represented
/// (a relative owner name, an RDATA field ldns cannot write).
std::variant<ParsedRr, std::string> convert_rr(const ldns_struct_rr* rr);

/// Parses one RR in presentation format ("<owner> <ttl> <class> <type> <rdata>"), names
/// completed with `origin`. Returns the ldns reason as text on failure.
std::variant<ParsedRr, std::string> parse_rr_text(const std::string& text, const dns::Name& origin);

/// The type for a mnemonic or "TYPEnnn" (case-insensitive), from sitedns's table or else
/// ldns's; 0 when neither knows it.
std::uint16_t lookup_type(const std::string& text);

/// "CH", "HS", "CLASS7": the mnemonic of a class for messages.
std::string class_to_text(std::uint16_t rrclass);

/// Why a type cannot appear in zone data (meta and query types, RFC 6895 §3.1), or "".
std::string forbidden_type_reason(std::uint16_t type);

}  // namespace sitedns::load::detail
