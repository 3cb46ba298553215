#pragma once

// Test helpers that build DNS packets field by field, so cases read as DNS rather than hex.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sitedns::wire::test {

using Bytes = std::vector<std::uint8_t>;

/// Uncompressed wire form of a dotted name ("www.Example.com", "." or "" for the root).
/// No escapes; labels are taken as given, so over-long ones can be built on purpose.
inline Bytes wire_name(std::string_view text) {
    Bytes out;
    while (!text.empty() && text != ".") {
        const std::size_t dot = text.find('.');
        const std::string_view label = text.substr(0, dot);
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    }
    out.push_back(0);
    return out;
}

/// A label of `n` copies of `c`, for length limits.
inline std::string label_of(std::size_t n, char c = 'a') {
    return std::string(n, c);
}

/// Appends fields in network order.
class Builder {
  public:
    Builder& u8(std::uint8_t v) {
        b_.push_back(v);
        return *this;
    }
    Builder& u16(std::uint16_t v) {
        return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
    }
    Builder& u32(std::uint32_t v) {
        return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
    }
    Builder& bytes(const Bytes& v) {
        b_.insert(b_.end(), v.begin(), v.end());
        return *this;
    }
    Builder& bytes(std::initializer_list<std::uint8_t> v) { return bytes(Bytes(v)); }
    /// A dotted name, uncompressed.
    Builder& name(std::string_view text) { return bytes(wire_name(text)); }
    /// Labels without the root label, to end with a pointer().
    Builder& labels(std::string_view text) {
        Bytes n = wire_name(text);
        n.pop_back();
        return bytes(n);
    }
    /// A compression pointer to `offset`.
    Builder& pointer(std::uint16_t offset) {
        return u16(static_cast<std::uint16_t>(0xC000 | offset));
    }
    /// The 12-byte header (RFC 1035 §4.1.1); `flags` is bytes 2-3.
    Builder& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an,
                    std::uint16_t ns, std::uint16_t ar) {
        return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }
    /// A question entry.
    Builder& question(std::string_view qname, std::uint16_t qtype = 1, std::uint16_t qclass = 1) {
        return name(qname).u16(qtype).u16(qclass);
    }
    /// A resource record with an uncompressed owner.
    Builder& rr(std::string_view owner, std::uint16_t type, std::uint16_t rrclass,
                std::uint32_t ttl, const Bytes& rdata) {
        return name(owner).rr_tail(type, rrclass, ttl, rdata);
    }
    /// Type, class, TTL, RDLENGTH and RDATA, after an owner written some other way.
    Builder& rr_tail(std::uint16_t type, std::uint16_t rrclass, std::uint32_t ttl,
                     const Bytes& rdata) {
        return u16(type)
            .u16(rrclass)
            .u32(ttl)
            .u16(static_cast<std::uint16_t>(rdata.size()))
            .bytes(rdata);
    }
    /// An OPT record (RFC 6891 §6.1.2) owned by the root.
    Builder& opt(std::uint16_t udp_size, std::uint32_t ttl = 0, const Bytes& options = {}) {
        return rr(".", 41, udp_size, ttl, options);
    }

    std::size_t size() const { return b_.size(); }
    const Bytes& get() const { return b_; }
    operator Bytes() const { return b_; }  // NOLINT: convenient in tables

  private:
    Bytes b_;
};

/// Header flag bits (bytes 2-3 of the header).
inline constexpr std::uint16_t kQr = 0x8000;
inline constexpr std::uint16_t kRd = 0x0100;
inline constexpr std::uint16_t kCd = 0x0010;
inline constexpr std::uint16_t opcode_bits(unsigned opcode) {
    return static_cast<std::uint16_t>((opcode & 0x0f) << 11);
}

/// An EDNS option: code, length, data (RFC 6891 §6.1.2).
inline Bytes edns_option(std::uint16_t code, const Bytes& data) {
    return Builder().u16(code).u16(static_cast<std::uint16_t>(data.size())).bytes(data);
}

}  // namespace sitedns::wire::test
