#include "zones/dns/types.h"

#include <array>
#include <charconv>
#include <utility>

namespace sitedns::dns {

namespace {

struct TypeName {
    std::uint16_t type;
    std::string_view text;
};

/// IANA "Resource Record (RR) TYPEs" mnemonics that a zone may hold or a query may ask
/// (RFC 1035 §3.2.2-3 and later registrations).
constexpr std::array<TypeName, 58> kTypes = {{
    {rrtype::A, "A"},
    {rrtype::NS, "NS"},
    {3, "MD"},
    {4, "MF"},
    {rrtype::CNAME, "CNAME"},
    {rrtype::SOA, "SOA"},
    {7, "MB"},
    {8, "MG"},
    {9, "MR"},
    {10, "NULL"},
    {11, "WKS"},
    {rrtype::PTR, "PTR"},
    {rrtype::HINFO, "HINFO"},
    {14, "MINFO"},
    {rrtype::MX, "MX"},
    {rrtype::TXT, "TXT"},
    {17, "RP"},
    {18, "AFSDB"},
    {19, "X25"},
    {20, "ISDN"},
    {21, "RT"},
    {24, "SIG"},
    {25, "KEY"},
    {rrtype::AAAA, "AAAA"},
    {29, "LOC"},
    {rrtype::SRV, "SRV"},
    {rrtype::NAPTR, "NAPTR"},
    {36, "KX"},
    {37, "CERT"},
    {rrtype::DNAME, "DNAME"},
    {rrtype::OPT, "OPT"},
    {42, "APL"},
    {rrtype::DS, "DS"},
    {44, "SSHFP"},
    {45, "IPSECKEY"},
    {rrtype::RRSIG, "RRSIG"},
    {rrtype::NSEC, "NSEC"},
    {rrtype::DNSKEY, "DNSKEY"},
    {49, "DHCID"},
    {50, "NSEC3"},
    {51, "NSEC3PARAM"},
    {52, "TLSA"},
    {53, "SMIMEA"},
    {59, "CDS"},
    {60, "CDNSKEY"},
    {61, "OPENPGPKEY"},
    {62, "CSYNC"},
    {63, "ZONEMD"},
    {rrtype::SVCB, "SVCB"},
    {rrtype::HTTPS, "HTTPS"},
    {99, "SPF"},
    {rrtype::IXFR, "IXFR"},
    {rrtype::AXFR, "AXFR"},
    {rrtype::MAILB, "MAILB"},
    {rrtype::MAILA, "MAILA"},
    {rrtype::ANY, "ANY"},
    {256, "URI"},
    {rrtype::CAA, "CAA"},
}};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = (a[i] >= 'a' && a[i] <= 'z') ? static_cast<char>(a[i] - 32) : a[i];
        if (x != b[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string type_to_text(std::uint16_t type) {
    for (const auto& entry : kTypes) {
        if (entry.type == type) {
            return std::string(entry.text);
        }
    }
    return "TYPE" + std::to_string(type);  // RFC 3597 §5
}

std::optional<std::uint16_t> type_from_text(std::string_view text) {
    for (const auto& entry : kTypes) {
        if (iequals(text, entry.text)) {
            return entry.type;
        }
    }
    if (text.size() > 4 && iequals(text.substr(0, 4), "TYPE")) {
        const std::string_view digits = text.substr(4);
        std::uint16_t value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec == std::errc() && end == digits.data() + digits.size()) {
            return value;
        }
    }
    return std::nullopt;
}

std::string_view rcode_to_text(RCode rcode) {
    // The mnemonics of IANA's "DNS RCODEs" registry that sitedns sends.
    static constexpr std::array<std::pair<RCode, std::string_view>, 8> kNames{{
        {RCode::NoError, "NOERROR"},
        {RCode::FormErr, "FORMERR"},
        {RCode::ServFail, "SERVFAIL"},
        {RCode::NXDomain, "NXDOMAIN"},
        {RCode::NotImp, "NOTIMP"},
        {RCode::Refused, "REFUSED"},
        {RCode::BadVers, "BADVERS"},
        {RCode::BadCookie, "BADCOOKIE"},
    }};
    for (const auto& [code, text] : kNames) {
        if (code == rcode) return text;
    }
    return "UNKNOWN";
}

}  // namespace sitedns::dns
