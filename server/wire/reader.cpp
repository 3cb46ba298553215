// Threads: see server/wire/reader.h.
#include "server/wire/reader.h"

#include <cstring>

namespace sitedns::wire {

namespace {

/// Most compression pointers one name may follow. Pointers only go backwards, so a
/// loop is impossible; this bounds the work on a long backward chain.
constexpr unsigned kMaxPointerHops = 127;

/// Walks the name at `start` (RFC 1035 §3.1, §4.1.4). Copies its labels into `out`
/// when it is not null, and sets `end` to the offset just past the name as it stands
/// in the packet (after the first pointer, or after the root label).
/// A pointer must point strictly before the start of the label sequence that holds
/// it, which rules out loops and forward references.
WireError walk_name(std::span<const std::uint8_t> packet, std::size_t start, NameBuffer* out,
                    std::size_t& end) {
    std::size_t pos = start;
    std::size_t seq_start = start;  // where the label sequence being followed begins
    std::size_t length = 0;         // uncompressed length so far, root excluded
    std::size_t after = 0;          // end of the name in the packet, once known
    unsigned hops = 0;
    for (;;) {
        if (pos >= packet.size()) {
            return WireError::Truncated;
        }
        const std::uint8_t len = packet[pos];
        if ((len & 0xC0) == 0xC0) {
            if (pos + 1 >= packet.size()) {
                return WireError::Truncated;
            }
            const std::size_t target = static_cast<std::size_t>(len & 0x3F) << 8 | packet[pos + 1];
            if (target >= seq_start) {
                return WireError::ForwardPointer;
            }
            if (++hops > kMaxPointerHops) {
                return WireError::PointerLoop;
            }
            if (after == 0) {
                after = pos + 2;
            }
            pos = target;
            seq_start = target;
            continue;
        }
        if ((len & 0xC0) != 0) {
            return WireError::BadLabel;  // 0x40 (RFC 6891 §5) or the reserved 0x80
        }
        // Room for this label and the root label still to come (checked when it comes).
        if (len != 0 && length + 1 + len + 1 > dns::kMaxNameWire) {
            return WireError::NameTooLong;
        }
        if (pos + 1 + len > packet.size()) {
            return WireError::Truncated;
        }
        if (out != nullptr) {
            std::memcpy(out->bytes + length, packet.data() + pos, 1 + std::size_t{len});
        }
        length += 1 + std::size_t{len};
        pos += 1 + std::size_t{len};
        if (len == 0) {
            break;
        }
    }
    end = after != 0 ? after : pos;
    if (out != nullptr) {
        out->size = length;
    }
    return WireError::Ok;
}

}  // namespace

WireError WireReader::u8(std::uint8_t& out) {
    if (remaining() < 1) {
        return WireError::Truncated;
    }
    out = packet_[offset_];
    offset_ += 1;
    return WireError::Ok;
}

WireError WireReader::u16(std::uint16_t& out) {
    if (remaining() < 2) {
        return WireError::Truncated;
    }
    out = static_cast<std::uint16_t>(packet_[offset_] << 8 | packet_[offset_ + 1]);
    offset_ += 2;
    return WireError::Ok;
}

WireError WireReader::u32(std::uint32_t& out) {
    if (remaining() < 4) {
        return WireError::Truncated;
    }
    out = static_cast<std::uint32_t>(packet_[offset_]) << 24 |
          static_cast<std::uint32_t>(packet_[offset_ + 1]) << 16 |
          static_cast<std::uint32_t>(packet_[offset_ + 2]) << 8 |
          static_cast<std::uint32_t>(packet_[offset_ + 3]);
    offset_ += 4;
    return WireError::Ok;
}

WireError WireReader::bytes(std::size_t n, std::span<const std::uint8_t>& out) {
    if (remaining() < n) {
        return WireError::Truncated;
    }
    out = packet_.subspan(offset_, n);
    offset_ += n;
    return WireError::Ok;
}

WireError WireReader::seek(std::size_t offset) {
    if (offset > packet_.size()) {
        return WireError::Truncated;
    }
    offset_ = offset;
    return WireError::Ok;
}

WireError WireReader::option(std::uint16_t& code, std::span<const std::uint8_t>& data) {
    std::uint16_t length = 0;
    if (remaining() < 4) return WireError::Truncated;
    (void)u16(code);
    (void)u16(length);
    return bytes(length, data);
}

WireError WireReader::name(NameBuffer& out) {
    std::size_t end = 0;
    const WireError err = walk_name(packet_, offset_, &out, end);
    if (err == WireError::Ok) {
        offset_ = end;
    }
    return err;
}

WireError WireReader::skip_name() {
    std::size_t end = 0;
    const WireError err = walk_name(packet_, offset_, nullptr, end);
    if (err == WireError::Ok) {
        offset_ = end;
    }
    return err;
}

}  // namespace sitedns::wire
