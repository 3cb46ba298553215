#pragma once

#include <cstdint>

#include "server/wire/writer.h"

namespace sitedns::wire {

/// Size of the OPT record that write_opt writes (no options).
inline constexpr std::size_t kOptSize = 11;

/// Appends an OPT record (RFC 6891 §6.1.2) advertising `udp_size`, with the upper 8
/// bits of an extended RCODE, version 0 and the DO bit as given. False if it does not fit.
[[nodiscard]] bool write_opt(WireWriter& w, std::uint16_t udp_size, std::uint8_t extended_rcode,
                             bool dnssec_ok);

}  // namespace sitedns::wire
