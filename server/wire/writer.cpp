#include "server/wire/writer.h"

#include <algorithm>
#include <cstring>

#include "zones/dns/name.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::wire {

namespace {

/// Pointers are 14 bits wide (RFC 1035 §4.1.4): names past this cannot be targets.
constexpr std::size_t kMaxPointerTarget = 0x3FFF;

}  // namespace

WireWriter::WireWriter(std::span<std::uint8_t> buffer, std::size_t limit)
    : buffer_(buffer), limit_(std::min(limit, buffer.size())) {}

void WireWriter::rollback(Mark m) {
    if (m.size <= size_) {
        size_ = m.size;
    }
    if (m.names <= name_count_) {
        name_count_ = m.names;
    }
    if (m.seen <= seen_size_) {
        seen_size_ = m.seen;
    }
    while (log_ != nullptr && log_->count != 0 && log_->at[log_->count - 1] >= size_) {
        --log_->count;
    }
}

bool WireWriter::u8(std::uint8_t v) {
    if (!fits(1)) {
        return false;
    }
    buffer_[size_++] = v;
    return true;
}

bool WireWriter::u16(std::uint16_t v) {
    if (!fits(2)) {
        return false;
    }
    buffer_[size_++] = static_cast<std::uint8_t>(v >> 8);
    buffer_[size_++] = static_cast<std::uint8_t>(v);
    return true;
}

bool WireWriter::u32(std::uint32_t v) {
    if (!fits(4)) {
        return false;
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
        buffer_[size_++] = static_cast<std::uint8_t>(v >> shift);
    }
    return true;
}

bool WireWriter::bytes(std::span<const std::uint8_t> data) {
    if (!fits(data.size())) {
        return false;
    }
    if (!data.empty()) {
        std::memcpy(buffer_.data() + size_, data.data(), data.size());
    }
    size_ += data.size();
    return true;
}

bool WireWriter::name(std::span<const std::uint8_t> wire_name, bool compress) {
    // Where each label starts, checking the name on the way (RFC 1035 §3.1: labels of
    // at most 63 bytes, the root last, 255 bytes in all).
    std::uint8_t starts[dns::kMaxNameWire / 2];
    std::size_t labels = 0;
    if (wire_name.empty() || wire_name.size() > dns::kMaxNameWire) return false;
    std::size_t off = 0;
    for (; off < wire_name.size() && wire_name[off] != 0; off += 1 + std::size_t{wire_name[off]}) {
        if (wire_name[off] > dns::kMaxLabel) return false;
        starts[labels++] = static_cast<std::uint8_t>(off);
    }
    if (off + 1 != wire_name.size()) return false;
    // Each suffix's case-blind hash, so a suffix is compared only with targets whose
    // hash matches: the scan costs a compare per target, not a name comparison.
    std::uint64_t hashes[dns::kMaxNameWire / 2];
    std::uint64_t hash = 0;  // the root's
    const std::uint8_t* end = wire_name.data() + wire_name.size();
    for (std::size_t i = labels; i-- > 0;) {
        hashes[i] = hash = dns::hash_label(wire_name.data() + starts[i], end, hash);
    }
    // The longest suffix already in the message wins: try suffixes from the whole
    // name down, leaving out the root (a pointer to it would be longer than it).
    std::size_t literal = wire_name.size();
    std::size_t target = 0;
    for (std::size_t i = 0; compress && i < labels; ++i) {
        target = find_suffix(wire_name.subspan(starts[i]), hashes[i]);
        if (target != 0) {
            literal = starts[i];
            break;
        }
    }
    if (!fits(literal + (target != 0 ? 2 : 0))) {
        return false;
    }
    const std::size_t start = size_;
    std::memcpy(buffer_.data() + size_, wire_name.data(), literal);
    size_ += literal;
    if (target != 0) {
        if (log_ != nullptr) note_pointer(size_);
        const auto pointer = static_cast<std::uint16_t>(0xC000 | target);
        buffer_[size_++] = static_cast<std::uint8_t>(pointer >> 8);
        buffer_[size_++] = static_cast<std::uint8_t>(pointer);
    }
    // Every label written literally starts a suffix later names may point to.
    if (labels == 0 || starts[0] >= literal || seen_size_ + wire_name.size() > kSeenBytes) {
        return true;
    }
    std::uint8_t* copy = names_seen_ + seen_size_;
    std::memcpy(copy, wire_name.data(), wire_name.size());
    seen_size_ += wire_name.size();
    for (std::size_t i = 0; i < labels && starts[i] < literal; ++i) {
        remember(start + starts[i], std::span(copy + starts[i], wire_name.size() - starts[i]),
                 hashes[i]);
    }
    return true;
}

void WireWriter::note_pointer(std::size_t at) {
    if (log_->count == PointerLog::kMax) {
        log_->overflow = true;
        return;
    }
    log_->at[log_->count++] = static_cast<std::uint16_t>(at);
}

void WireWriter::patch_u16(std::size_t at, std::uint16_t v) {
    if (at + 2 > size_) {
        return;
    }
    buffer_[at] = static_cast<std::uint8_t>(v >> 8);
    buffer_[at + 1] = static_cast<std::uint8_t>(v);
}

void WireWriter::set_limit(std::size_t limit) {
    limit_ = std::min(limit, buffer_.size());
}

std::size_t WireWriter::find_suffix(std::span<const std::uint8_t> suffix,
                                    std::uint64_t hash) const {
    std::size_t slot = hash % kSlots;
    for (std::size_t probes = 0; probes < kSlots; ++probes, slot = (slot + 1) % kSlots) {
        const std::size_t index = slots_[slot];
        if (index == 0) return 0;
        const NameTarget& target = names_[index - 1];
        if (index <= name_count_ && target.hash == hash && target.size == suffix.size() &&
            dns::equal_lower(target.suffix, suffix.data(), suffix.size())) {
            return target.offset;
        }
    }
    return 0;
}

/// Offset 0 is never recorded (0 means "not found" to find_suffix), nor any offset a
/// pointer cannot hold, nor more than kMaxTargets. kSlots is twice that, so a probe
/// normally ends at a free slot; rollbacks leave stale slots, which inserts reuse and
/// lookups pass over, and both give up after kSlots probes (the name then just stays
/// uncompressed, or is not remembered).
void WireWriter::remember(std::size_t offset, std::span<const std::uint8_t> suffix,
                          std::uint64_t hash) {
    if (offset == 0 || offset > kMaxPointerTarget || name_count_ == kMaxTargets) {
        return;
    }
    std::size_t slot = hash % kSlots;
    for (std::size_t probes = 0; slots_[slot] != 0 && slots_[slot] <= name_count_;
         ++probes, slot = (slot + 1) % kSlots) {
        if (probes == kSlots) return;
    }
    names_[name_count_++] = {hash, suffix.data(), static_cast<std::uint16_t>(offset),
                             static_cast<std::uint8_t>(suffix.size())};
    slots_[slot] = static_cast<std::uint16_t>(name_count_);
}

}  // namespace sitedns::wire
