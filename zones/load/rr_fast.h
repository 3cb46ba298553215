#pragma once

// Private to zones/load: a reader for the plain one-line records that make up nearly all
// of a large master file (A, AAAA, NS, CNAME, PTR, MX, TXT and SOA), giving exactly
// what ldns gives for them, without ldns's allocations per record. It takes a line only
// when it is sure; anything else (directives, parentheses, escapes, other types and
// classes, malformed fields) it leaves to ldns, which reads it or says what is wrong.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zones/dns/name.h"

namespace sitedns::load::detail {

/// What the entries of one master file share (RFC 1035 §5.1), as ldns keeps it.
struct MasterState {
    std::span<const std::uint8_t> origin;    ///< $ORIGIN (or the origin given), wire form
    std::uint32_t default_ttl = 0;           ///< the TTL ldns was handed: 0 means 3600
    std::span<const std::uint8_t> previous;  ///< the last owner named; empty when none
};

/// One record read by read_plain_rr().
struct PlainRr {
    std::uint8_t owner[dns::kMaxNameWire];
    std::size_t owner_size = 0;
    /// The line named its owner (or "@"): it becomes the previous owner. A line that
    /// starts with a blank reuses the previous owner and leaves it as it is.
    bool owner_named = false;
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::vector<std::uint8_t> rdata;  ///< uncompressed wire, names in their given case
    /// Set (and false returned) when the line is plain but a number in it is out of
    /// range: ldns would silently wrap it (MX 70000 became 4464), so it is an error.
    std::string range_error;

    std::span<const std::uint8_t> owner_wire() const { return {owner, owner_size}; }
};

/// Reads one physical line of a master file (without its newline). True when the line
/// is one record of class IN in the plain form and `out` holds it as ldns would read it;
/// false when ldns must read the line (then `out` is unspecified). Blank and
/// comment-only lines are not records: false.
bool read_plain_rr(std::string_view line, const MasterState& state, PlainRr& out);

}  // namespace sitedns::load::detail
