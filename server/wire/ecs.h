#pragma once
// EDNS Client Subnet (RFC 7871): the option a load balancer or resolver adds to say
// which client network a query is for. sitedns reads it from trusted senders to choose
// the view (SPEC §5) and echoes it, with its scope, in the answer.
// Threads: any thread; works on the caller's buffers only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/writer.h"

namespace sitedns::wire {

/// The EDNS option code of Client Subnet (RFC 7871 §6, IANA "EDNS0 Option Codes").
inline constexpr std::uint16_t kEcsOptionCode = 8;

/// Address families of the option (RFC 7871 §6: the IANA Address Family Numbers).
inline constexpr std::uint16_t kEcsFamilyV4 = 1;
inline constexpr std::uint16_t kEcsFamilyV6 = 2;

/// Largest ECS option as written: code, length, family, two prefix lengths, 16 bytes.
inline constexpr std::size_t kMaxEcsOptionSize = 4 + 4 + 16;

/// One Client Subnet option (RFC 7871 §6). `address` holds the first
/// ceil(source_prefix / 8) bytes as sent, the rest zero.
struct ClientSubnet {
    std::uint16_t family = kEcsFamilyV4;
    std::uint8_t source_prefix = 0;
    std::uint8_t scope_prefix = 0;
    std::array<std::uint8_t, 16> address{};

    /// Bytes of ADDRESS the option carries: just enough for the source prefix.
    std::size_t address_bytes() const { return (source_prefix + 7u) / 8u; }
    /// The whole option on the wire: code, length and data.
    std::size_t option_size() const { return 4 + 4 + address_bytes(); }
};

/// What find_client_subnet found among a query's EDNS options.
enum class EcsStatus : std::uint8_t {
    Absent,     ///< no ECS option
    Ok,         ///< one valid option
    Malformed,  ///< answer FORMERR (RFC 7871 §7.1.1)
};

/// Parses the DATA of one ECS option (RFC 7871 §6): a known family, a source prefix no
/// longer than the family's addresses, exactly as many address bytes as that prefix
/// needs and no bit set beyond it. False for anything else.
[[nodiscard]] bool parse_client_subnet(std::span<const std::uint8_t> data, ClientSubnet& out);

/// Looks for ECS in `options` (OPT RDATA, already known to be well framed). Two ECS
/// options are Malformed: the view choice must not depend on which one is read.
[[nodiscard]] EcsStatus find_client_subnet(std::span<const std::uint8_t> options,
                                           ClientSubnet& out);

/// Appends the whole option (code, length, family, prefixes, address bytes); false and
/// nothing written when it does not fit.
[[nodiscard]] bool write_client_subnet(WireWriter& w, const ClientSubnet& ecs);

}  // namespace sitedns::wire
