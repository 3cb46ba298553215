#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sitedns {

/// An IPv4 or IPv6 address as plain bytes (IPv4 in the first 4), cheap to copy and
/// free of any socket library, so the query core and the config share it.
struct IpAddress {
    enum class Family : std::uint8_t { V4 = 4, V6 = 6 };
    Family family = Family::V4;
    std::array<std::uint8_t, 16> bytes{};

    /// "192.0.2.1" or "2001:db8::1" (IPv4-mapped IPv6 stays IPv6); nullopt if invalid.
    static std::optional<IpAddress> parse(std::string_view text);
    static IpAddress v4(std::uint32_t host_order);
    std::size_t bit_length() const { return family == Family::V4 ? 32 : 128; }
    bool is_loopback() const;  ///< 127.0.0.0/8 or ::1
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) or RFC 4193 unique local (fc00::/7).
    bool is_private() const;
    /// 0.0.0.0 or :: (RFC 1122 §3.2.1.3, RFC 4291 §2.5.2): no host's address.
    bool is_unspecified() const { return bytes == std::array<std::uint8_t, 16>{}; }
    std::string to_string() const;
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

/// `address` with every bit from `from` on cleared: a prefix's network address.
IpAddress masked(IpAddress address, std::size_t from);

/// A CIDR prefix such as "10.1.0.0/16" or "2001:db8::/32"; host bits are zero.
struct Cidr {
    IpAddress address;
    std::uint8_t length = 0;

    /// "10.1.0.0/16", a bare address (a host prefix), or "any" is not accepted here
    /// (the view reader expands it). Host bits set ("10.1.2.3/16") is an error: the
    /// message says so, because it usually hides a typo. nullopt + `error` on failure.
    static std::optional<Cidr> parse(std::string_view text, std::string* error = nullptr);
    bool contains(const IpAddress& address) const;
    /// True when the two prefixes share any address.
    bool overlaps(const Cidr& other) const;
    std::string to_string() const;
    friend bool operator==(const Cidr&, const Cidr&) = default;
};

/// An "ADDR:PORT" endpoint ("127.0.0.1:5353", "[::1]:53"); `default_port` when the
/// text has no port and the caller allows it.
struct Endpoint {
    IpAddress address;
    std::uint16_t port = 53;

    static std::optional<Endpoint> parse(std::string_view text,
                                         std::optional<std::uint16_t> default_port,
                                         std::string* error = nullptr);
    std::string to_string() const;  ///< "127.0.0.1:5353", "[::1]:53"
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace sitedns
