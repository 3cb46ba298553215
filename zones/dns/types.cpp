#include "zones/dns/types.h"

#include <array>
#include <charconv>
#include <span>
#include <utility>

namespace sitedns::dns {

namespace {

/// IANA "Resource Record (RR) TYPEs" mnemonics that a zone may hold or a query may ask
/// (RFC 1035 §3.2.2-3 and later registrations), in runs of consecutive type numbers;
/// "" where sitedns names no type (it writes those as TYPEnnn, RFC 3597 §5).
constexpr std::array<std::string_view, 65> kFrom1 = {
    "A",     "NS",   "MD",     "MF",    "CNAME", "SOA",        "MB",         "MG",     "MR",
    "NULL",  "WKS",  "PTR",    "HINFO", "MINFO", "MX",         "TXT",        "RP",     "AFSDB",
    "X25",   "ISDN", "RT",     "",      "",      "SIG",        "KEY",        "",       "",
    "AAAA",  "LOC",  "",       "",      "",      "SRV",        "",           "NAPTR",  "KX",
    "CERT",  "",     "DNAME",  "",      "OPT",   "APL",        "DS",         "SSHFP",  "IPSECKEY",
    "RRSIG", "NSEC", "DNSKEY", "DHCID", "NSEC3", "NSEC3PARAM", "TLSA",       "SMIMEA", "",
    "",      "",     "",       "",      "CDS",   "CDNSKEY",    "OPENPGPKEY", "CSYNC",  "ZONEMD",
    "SVCB",  "HTTPS"};
constexpr std::array<std::string_view, 1> kFrom99 = {"SPF"};
constexpr std::array<std::string_view, 7> kFrom251 = {"IXFR", "AXFR", "MAILB", "MAILA",
                                                      "ANY",  "URI",  "CAA"};

struct TypeRun {
    std::uint16_t first;
    std::span<const std::string_view> names;
};
constexpr std::array<TypeRun, 3> kTypeRuns = {{{1, kFrom1}, {99, kFrom99}, {251, kFrom251}}};

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
    for (const auto& run : kTypeRuns) {
        const std::size_t at = type - std::size_t{run.first};  // wraps below the run
        if (at < run.names.size() && !run.names[at].empty()) return std::string(run.names[at]);
    }
    return "TYPE" + std::to_string(type);  // RFC 3597 §5
}

std::optional<std::uint16_t> type_from_text(std::string_view text) {
    if (text.empty()) return std::nullopt;
    for (const auto& run : kTypeRuns) {
        for (std::size_t at = 0; at < run.names.size(); ++at) {
            if (iequals(text, run.names[at])) return static_cast<std::uint16_t>(run.first + at);
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
    static constexpr std::array<std::pair<RCode, std::string_view>, 9> kNames{{
        {RCode::NoError, "NOERROR"},
        {RCode::FormErr, "FORMERR"},
        {RCode::ServFail, "SERVFAIL"},
        {RCode::NXDomain, "NXDOMAIN"},
        {RCode::NotImp, "NOTIMP"},
        {RCode::Refused, "REFUSED"},
        {RCode::NotAuth, "NOTAUTH"},
        {RCode::BadVers, "BADVERS"},
        {RCode::BadCookie, "BADCOOKIE"},
    }};
    for (const auto& [code, text] : kNames) {
        if (code == rcode) return text;
    }
    return "UNKNOWN";
}

}  // namespace sitedns::dns
