#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// DNS constants shared by the zone library and the server (RFC 1035 §3.2, IANA registries).
namespace sitedns::dns {

/// Resource record types that the code names; any other 16-bit value is valid data too.
namespace rrtype {
inline constexpr std::uint16_t A = 1;
inline constexpr std::uint16_t NS = 2;
inline constexpr std::uint16_t CNAME = 5;
inline constexpr std::uint16_t SOA = 6;
inline constexpr std::uint16_t PTR = 12;
inline constexpr std::uint16_t HINFO = 13;
inline constexpr std::uint16_t MX = 15;
inline constexpr std::uint16_t TXT = 16;
inline constexpr std::uint16_t AAAA = 28;
inline constexpr std::uint16_t SRV = 33;
inline constexpr std::uint16_t NAPTR = 35;
inline constexpr std::uint16_t DNAME = 39;
inline constexpr std::uint16_t OPT = 41;
inline constexpr std::uint16_t DS = 43;
inline constexpr std::uint16_t RRSIG = 46;
inline constexpr std::uint16_t NSEC = 47;
inline constexpr std::uint16_t DNSKEY = 48;
inline constexpr std::uint16_t NSEC3 = 50;
inline constexpr std::uint16_t NSEC3PARAM = 51;
inline constexpr std::uint16_t CDS = 59;
inline constexpr std::uint16_t CDNSKEY = 60;
inline constexpr std::uint16_t SVCB = 64;
inline constexpr std::uint16_t HTTPS = 65;
inline constexpr std::uint16_t TSIG = 250;
inline constexpr std::uint16_t IXFR = 251;
inline constexpr std::uint16_t AXFR = 252;
inline constexpr std::uint16_t MAILB = 253;
inline constexpr std::uint16_t MAILA = 254;
inline constexpr std::uint16_t ANY = 255;
inline constexpr std::uint16_t CAA = 257;
}  // namespace rrtype

/// Classes (RFC 1035 §3.2.4); sitedns serves IN only.
namespace rrclass {
inline constexpr std::uint16_t IN = 1;
inline constexpr std::uint16_t CH = 3;
inline constexpr std::uint16_t NONE = 254;
inline constexpr std::uint16_t ANY = 255;
}  // namespace rrclass

/// Response codes (RFC 1035 §4.1.1; NOTAUTH of RFC 8945 §5.2.1; the extended BADVERS of
/// RFC 6891 §9 and BADCOOKIE of RFC 7873 §8, whose upper bits go in the OPT record).
enum class RCode : std::uint16_t {
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    NotAuth = 9,
    BadVers = 16,
    BadCookie = 23,
};

/// Opcodes (RFC 1035 §4.1.1); only QUERY is implemented.
namespace opcode {
inline constexpr std::uint8_t QUERY = 0;
}

/// Mnemonic for a type ("MX", or "TYPE65280" per RFC 3597 §5).
std::string type_to_text(std::uint16_t type);

/// Type from its mnemonic or "TYPEnnn", case-insensitive; nullopt when unknown.
std::optional<std::uint16_t> type_from_text(std::string_view text);

/// Mnemonic for an RCODE ("NOERROR", "NXDOMAIN", ...).
std::string_view rcode_to_text(RCode rcode);

/// True for the records only a signed zone holds: signatures, denial of existence and
/// keys (RFC 4034 §2-4, RFC 5155 §3-4), and the child's CDS/CDNSKEY (RFC 7344 §3). DS,
/// the parent side of a delegation, is not one of them.
constexpr bool dnssec_signing_type(std::uint16_t type) {
    return type == rrtype::RRSIG || type == rrtype::NSEC || type == rrtype::DNSKEY ||
           type == rrtype::NSEC3 || type == rrtype::NSEC3PARAM || type == rrtype::CDS ||
           type == rrtype::CDNSKEY;
}

/// True for the types whose RDATA names may be compressed on the wire (RFC 3597 §4:
/// the RFC 1035 types only). SRV and later types are always written uncompressed.
constexpr bool rdata_names_compressible(std::uint16_t type) {
    return type == rrtype::NS || type == rrtype::CNAME || type == rrtype::SOA ||
           type == rrtype::PTR || type == rrtype::MX;
}

}  // namespace sitedns::dns
