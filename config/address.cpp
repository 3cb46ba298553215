#include "config/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace sitedns {
namespace {

/// Longest text an IPv6 address can take, scope excluded (INET6_ADDRSTRLEN - 1).
constexpr std::size_t kMaxAddressText = 45;

/// The NUL-terminated copy inet_pton needs, or false when `text` is too long to be an
/// address or holds a NUL.
bool c_string(std::string_view text, char (&out)[kMaxAddressText + 1]) {
    if (text.empty() || text.size() > kMaxAddressText ||
        text.find('\0') != std::string_view::npos) {
        return false;
    }
    std::memcpy(out, text.data(), text.size());
    out[text.size()] = '\0';
    return true;
}

/// Parses a whole decimal number of at most `max_digits` digits; no sign, no spaces.
std::optional<unsigned> parse_decimal(std::string_view text, std::size_t max_digits) {
    if (text.empty() || text.size() > max_digits) return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

void set_error(std::string* error, std::string message) {
    if (error != nullptr) *error = std::move(message);
}

std::string in_quotes(std::string_view text) {
    std::string out = "\"";
    out.append(text);
    out.push_back('"');
    return out;
}

/// True when bits [from, bit_length) of `address` are all zero.
bool host_bits_zero(const IpAddress& address, std::size_t from) {
    for (std::size_t bit = from; bit < address.bit_length(); ++bit) {
        if ((address.bytes[bit / 8] >> (7 - bit % 8)) & 1U) return false;
    }
    return true;
}

/// True when the first `length` bits of `a` and `b` are equal (same family assumed).
bool same_prefix(const IpAddress& a, const IpAddress& b, std::size_t length) {
    std::size_t whole = length / 8;
    if (std::memcmp(a.bytes.data(), b.bytes.data(), whole) != 0) return false;
    std::size_t rest = length % 8;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xFFU << (8 - rest));
    return (a.bytes[whole] & mask) == (b.bytes[whole] & mask);
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    char buffer[kMaxAddressText + 1];
    if (!c_string(text, buffer)) return std::nullopt;
    IpAddress address;
    if (text.find(':') == std::string_view::npos) {
        address.family = Family::V4;
        if (inet_pton(AF_INET, buffer, address.bytes.data()) != 1) return std::nullopt;
    } else {
        address.family = Family::V6;
        if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
    }
    return address;
}

IpAddress masked(IpAddress address, std::size_t from) {
    for (std::size_t bit = from; bit < address.bit_length(); ++bit) {
        address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
    }
    return address;
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
    IpAddress address;
    address.family = Family::V4;
    address.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
    address.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
    address.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
    address.bytes[3] = static_cast<std::uint8_t>(host_order);
    return address;
}

bool IpAddress::is_loopback() const {
    if (family == Family::V4) return bytes[0] == 127;
    static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                             0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == kLoopback6;
}

bool IpAddress::is_private() const {
    if (family == Family::V6) return (bytes[0] & 0xfe) == 0xfc;  // RFC 4193 §3.1: fc00::/7
    // RFC 1918 §3: 10/8, 172.16/12, 192.168/16.
    return bytes[0] == 10 || (bytes[0] == 172 && (bytes[1] & 0xf0) == 16) ||
           (bytes[0] == 192 && bytes[1] == 168);
}

std::string IpAddress::to_string() const {
    char buffer[INET6_ADDRSTRLEN];
    int af = family == Family::V4 ? AF_INET : AF_INET6;
    if (inet_ntop(af, bytes.data(), buffer, sizeof buffer) == nullptr) return "?";
    return buffer;
}

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* error) {
    std::size_t slash = text.find('/');
    std::string_view address_text = text.substr(0, slash);
    auto address = IpAddress::parse(address_text);
    if (!address) {
        set_error(error,
                  "invalid address " + in_quotes(address_text) + " in CIDR " + in_quotes(text));
        return std::nullopt;
    }
    Cidr cidr;
    cidr.address = *address;
    cidr.length = static_cast<std::uint8_t>(address->bit_length());
    if (slash != std::string_view::npos) {
        std::string_view length_text = text.substr(slash + 1);
        auto length = parse_decimal(length_text, 3);
        if (!length || *length > address->bit_length()) {
            set_error(error, "invalid prefix length " + in_quotes(length_text) + " in " +
                                 in_quotes(text) + " (0.." + std::to_string(address->bit_length()) +
                                 ")");
            return std::nullopt;
        }
        cidr.length = static_cast<std::uint8_t>(*length);
    }
    if (!host_bits_zero(cidr.address, cidr.length)) {
        Cidr fixed{masked(cidr.address, cidr.length), cidr.length};
        set_error(error, std::string(text) + " has host bits set; did you mean " +
                             fixed.to_string() + "?");
        return std::nullopt;
    }
    return cidr;
}

bool Cidr::contains(const IpAddress& other) const {
    return other.family == address.family && same_prefix(address, other, length);
}

bool Cidr::overlaps(const Cidr& other) const {
    if (other.address.family != address.family) return false;
    return same_prefix(address, other.address, std::min(length, other.length));
}

std::string Cidr::to_string() const {
    return address.to_string() + "/" + std::to_string(length);
}

std::optional<Endpoint> Endpoint::parse(std::string_view text,
                                        std::optional<std::uint16_t> default_port,
                                        std::string* error) {
    std::string_view address_text = text;
    std::optional<std::string_view> port_text;
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            set_error(error, "missing \"]\" in " + in_quotes(text));
            return std::nullopt;
        }
        address_text = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                set_error(error, "expected \":PORT\" after \"]\" in " + in_quotes(text));
                return std::nullopt;
            }
            port_text = rest.substr(1);
        }
    } else if (std::size_t colon = text.find(':'); colon != std::string_view::npos) {
        if (text.find(':', colon + 1) == std::string_view::npos) {  // IPv4:PORT
            address_text = text.substr(0, colon);
            port_text = text.substr(colon + 1);
        } else if (!default_port) {  // a bare IPv6 address: where would its port go?
            set_error(error, "an IPv6 endpoint needs brackets and a port: \"[" + std::string(text) +
                                 "]:53\"");
            return std::nullopt;
        }
    }

    auto address = IpAddress::parse(address_text);
    if (!address) {
        set_error(error, "invalid address " + in_quotes(address_text) + " in " + in_quotes(text));
        return std::nullopt;
    }
    Endpoint endpoint;
    endpoint.address = *address;
    if (port_text) {
        auto port = parse_decimal(*port_text, 5);
        if (!port || *port > 65535) {
            set_error(error, "invalid port " + in_quotes(*port_text) + " in " + in_quotes(text) +
                                 " (0..65535)");
            return std::nullopt;
        }
        endpoint.port = static_cast<std::uint16_t>(*port);
    } else if (default_port) {
        endpoint.port = *default_port;
    } else {
        set_error(error, "missing port in " + in_quotes(text) + " (expected ADDR:PORT, " +
                             "IPv6 as [ADDR]:PORT)");
        return std::nullopt;
    }
    return endpoint;
}

std::string Endpoint::to_string() const {
    if (address.family == IpAddress::Family::V6) {
        return "[" + address.to_string() + "]:" + std::to_string(port);
    }
    return address.to_string() + ":" + std::to_string(port);
}

}  // namespace sitedns
