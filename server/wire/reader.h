#pragma once
// Threads: any thread; a Reader is used by the thread that made it.

#include <cstddef>
#include <cstdint>
#include <span>

#include "zones/dns/name.h"

namespace sitedns::wire {

/// Why a packet could not be read. Every value but Ok makes a query FORMERR.
enum class WireError : std::uint8_t {
    Ok,
    Truncated,       ///< data ends inside a field
    BadLabel,        ///< label type 0x40/0x80 (RFC 6891 §5 retired them)
    NameTooLong,     ///< over 255 bytes uncompressed
    PointerLoop,     ///< too many compression pointers followed
    ForwardPointer,  ///< a pointer to its own position or after it
};

/// A name read off the wire: uncompressed, the packet's case kept.
struct NameBuffer {
    std::uint8_t bytes[dns::kMaxNameWire];
    std::size_t size = 0;
    std::span<const std::uint8_t> wire() const { return {bytes, size}; }
};

/// Bounds-checked reader over one packet. Never reads outside it, never allocates.
class WireReader {
  public:
    explicit WireReader(std::span<const std::uint8_t> packet) : packet_(packet) {}

    [[nodiscard]] WireError u8(std::uint8_t& out);
    [[nodiscard]] WireError u16(std::uint16_t& out);
    [[nodiscard]] WireError u32(std::uint32_t& out);
    /// `n` bytes, as a view into the packet.
    [[nodiscard]] WireError bytes(std::size_t n, std::span<const std::uint8_t>& out);
    /// A name at the current position, following compression pointers (RFC 1035
    /// §4.1.4) only backwards, at most 127 of them; the position moves past the name
    /// as it stands in the packet.
    [[nodiscard]] WireError name(NameBuffer& out);
    /// Skips a name without copying it (same checks).
    [[nodiscard]] WireError skip_name();
    /// Moves to `offset` of the packet, back or forward; Truncated past its end.
    [[nodiscard]] WireError seek(std::size_t offset);
    /// One EDNS option of OPT RDATA (RFC 6891 §6.1.2): its code, and its data as a view.
    [[nodiscard]] WireError option(std::uint16_t& code, std::span<const std::uint8_t>& data);

    std::size_t offset() const { return offset_; }
    std::size_t remaining() const { return packet_.size() - offset_; }
    std::span<const std::uint8_t> packet() const { return packet_; }

  private:
    std::span<const std::uint8_t> packet_;
    std::size_t offset_ = 0;
};

}  // namespace sitedns::wire
