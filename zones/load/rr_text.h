#pragma once

// Presentation format of compiled records, for `sitedns export` and messages. The ldns
// conversion stays in rr_text.cpp (zones/load is the only place that includes ldns).

#include <cstdint>
#include <span>
#include <string>

#include "zones/dns/name.h"

namespace sitedns::load {

/// One resource record of class IN in RFC 1035 §5.1 presentation format,
/// "owner TTL IN TYPE rdata" (fields separated by tabs, no trailing newline), with
/// absolute names. Types ldns does not know, and RDATA that does not fit its type, come
/// out in the RFC 3597 §5 generic form ("TYPE65280 \# 2 abcd"). Never throws for bad
/// RDATA; throws std::bad_alloc only.
std::string record_to_text(const dns::Name& owner, std::uint16_t type, std::uint32_t ttl,
                           std::span<const std::uint8_t> rdata);

}  // namespace sitedns::load
