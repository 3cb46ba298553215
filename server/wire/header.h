#pragma once
// Threads: any thread; a view of the caller's packet.

#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/limits.h"

namespace sitedns::wire {

/// The 32-bit field (a TTL, an SOA counter) at `at` of a message, in network order.
inline std::uint32_t load_u32(std::span<const std::uint8_t> message, std::size_t at) {
    return std::uint32_t{message[at]} << 24 | std::uint32_t{message[at + 1]} << 16 |
           std::uint32_t{message[at + 2]} << 8 | message[at + 3];
}
inline void store_u32(std::span<std::uint8_t> message, std::size_t at, std::uint32_t v) {
    message[at] = static_cast<std::uint8_t>(v >> 24);
    message[at + 1] = static_cast<std::uint8_t>(v >> 16);
    message[at + 2] = static_cast<std::uint8_t>(v >> 8);
    message[at + 3] = static_cast<std::uint8_t>(v);
}

/// Named accessors over the 12-byte header (RFC 1035 §4.1.1) of a packet at least
/// kHeaderSize long. Read-only view; see MutableHeader to set fields.
class Header {
  public:
    explicit Header(std::span<const std::uint8_t> packet) : p_(packet.data()) {}
    std::uint16_t id() const { return u16(0); }
    bool qr() const { return p_[2] & 0x80; }
    std::uint8_t opcode() const { return (p_[2] >> 3) & 0x0f; }
    bool aa() const { return p_[2] & 0x04; }
    bool tc() const { return p_[2] & 0x02; }
    bool rd() const { return p_[2] & 0x01; }
    bool ra() const { return p_[3] & 0x80; }
    bool ad() const { return p_[3] & 0x20; }
    bool cd() const { return p_[3] & 0x10; }
    std::uint8_t rcode() const { return p_[3] & 0x0f; }
    std::uint16_t qdcount() const { return u16(4); }
    std::uint16_t ancount() const { return u16(6); }
    std::uint16_t nscount() const { return u16(8); }
    std::uint16_t arcount() const { return u16(10); }

  private:
    std::uint16_t u16(std::size_t at) const {
        return static_cast<std::uint16_t>(p_[at] << 8 | p_[at + 1]);
    }
    const std::uint8_t* p_;
};

/// Setters over the header of a packet being written.
class MutableHeader {
  public:
    explicit MutableHeader(std::span<std::uint8_t> packet) : p_(packet.data()) {}
    void set_id(std::uint16_t v) { put16(0, v); }
    void set_qr(bool v) { bit(2, 0x80, v); }
    void set_opcode(std::uint8_t v) {
        p_[2] = static_cast<std::uint8_t>((p_[2] & 0x87) | (v & 0x0f) << 3);
    }
    void set_aa(bool v) { bit(2, 0x04, v); }
    void set_tc(bool v) { bit(2, 0x02, v); }
    void set_rd(bool v) { bit(2, 0x01, v); }
    void set_ra(bool v) { bit(3, 0x80, v); }
    void set_ad(bool v) { bit(3, 0x20, v); }
    void set_cd(bool v) { bit(3, 0x10, v); }
    void set_rcode(std::uint8_t v) {
        p_[3] = static_cast<std::uint8_t>((p_[3] & 0xf0) | (v & 0x0f));
    }
    void set_qdcount(std::uint16_t v) { put16(4, v); }
    void set_ancount(std::uint16_t v) { put16(6, v); }
    void set_nscount(std::uint16_t v) { put16(8, v); }
    void set_arcount(std::uint16_t v) { put16(10, v); }

  private:
    void put16(std::size_t at, std::uint16_t v) {
        p_[at] = static_cast<std::uint8_t>(v >> 8);
        p_[at + 1] = static_cast<std::uint8_t>(v);
    }
    void bit(std::size_t at, std::uint8_t mask, bool v) {
        p_[at] = static_cast<std::uint8_t>(v ? (p_[at] | mask) : (p_[at] & ~mask));
    }
    std::uint8_t* p_;
};

}  // namespace sitedns::wire
