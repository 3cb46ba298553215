// Threads: see server/wire/writer.h.
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
    // The question's suffixes remembered after `m` are gone with the rest: remembered
    // again when a name needs them.
    if (question_size_ != 0 && !question_pending_ && m.names <= question_first_) {
        question_pending_ = m.size > question_at_;
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

namespace {

/// Where each label of `wire_name` starts, checking the name on the way (RFC 1035 §3.1:
/// labels of at most 63 bytes, the root last, 255 bytes in all); the number of labels
/// before the root, or -1 when it is not one valid uncompressed name.
int label_starts(std::span<const std::uint8_t> wire_name, std::uint8_t* starts) {
    if (wire_name.empty() || wire_name.size() > dns::kMaxNameWire) return -1;
    int labels = 0;
    dns::LabelWalk walk(wire_name);
    while (walk.next()) starts[labels++] = static_cast<std::uint8_t>(walk.at());
    return walk.end() == wire_name.size() ? labels : -1;
}

/// Each suffix's case-blind hash, so a suffix is compared only with targets whose hash
/// matches: the scan costs a compare per target, not a name comparison.
void suffix_hashes(std::span<const std::uint8_t> wire_name, const std::uint8_t* starts, int labels,
                   std::uint64_t* hashes) {
    std::uint64_t hash = 0;  // the root's
    const std::uint8_t* end = wire_name.data() + wire_name.size();
    for (int i = labels; i-- > 0;) {
        hashes[i] = hash = dns::hash_label(wire_name.data() + starts[i], end, hash);
    }
}

}  // namespace

bool WireWriter::question_name(std::span<const std::uint8_t> wire_name) {
    std::uint8_t starts[dns::kMaxNameWire / 2];
    if (label_starts(wire_name, starts) < 0 || !fits(wire_name.size())) return false;
    question_at_ = size_;
    question_size_ = wire_name.size();
    question_pending_ = true;
    std::memcpy(buffer_.data() + size_, wire_name.data(), wire_name.size());
    size_ += wire_name.size();
    return true;
}

void WireWriter::remember_question() {
    question_pending_ = false;
    question_first_ = name_count_;
    const auto question = buffer_.subspan(question_at_, question_size_);
    std::uint8_t starts[dns::kMaxNameWire / 2];
    std::uint64_t hashes[dns::kMaxNameWire / 2];
    const int labels = label_starts(question, starts);
    suffix_hashes(question, starts, labels, hashes);
    remember_suffixes(question_at_, question, starts, labels, hashes, question_size_);
}

bool WireWriter::name(std::span<const std::uint8_t> wire_name, bool compress) {
    if (question_pending_) {
        // Most names of an answer that repeat the question are the question's name itself
        // (the owner of the records asked for): a pointer, without hashing or a table.
        // (Not the root: a pointer would be longer than its one byte.)
        if (compress && question_size_ > 1 && wire_name.size() == question_size_ &&
            dns::equal_lower(buffer_.data() + question_at_, wire_name.data(), question_size_)) {
            if (!fits(2)) return false;
            write_pointer(question_at_);
            return true;
        }
        remember_question();
    }
    std::uint8_t starts[dns::kMaxNameWire / 2];
    const int labels = label_starts(wire_name, starts);
    if (labels < 0) return false;
    std::uint64_t hashes[dns::kMaxNameWire / 2];
    suffix_hashes(wire_name, starts, labels, hashes);
    // The longest suffix already in the message wins: try suffixes from the whole
    // name down, leaving out the root (a pointer to it would be longer than it).
    std::size_t literal = wire_name.size();
    std::size_t target = 0;
    for (int i = 0; compress && i < labels; ++i) {
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
    if (target != 0) write_pointer(target);
    remember_suffixes(start, wire_name, starts, labels, hashes, literal);
    return true;
}

void WireWriter::write_pointer(std::size_t target) {
    if (log_ != nullptr) note_pointer(size_, target);
    const auto pointer = static_cast<std::uint16_t>(0xC000 | target);
    buffer_[size_++] = static_cast<std::uint8_t>(pointer >> 8);
    buffer_[size_++] = static_cast<std::uint8_t>(pointer);
}

/// Every label written literally starts a suffix later names may point to.
void WireWriter::remember_suffixes(std::size_t start, std::span<const std::uint8_t> wire_name,
                                   const std::uint8_t* starts, int labels,
                                   const std::uint64_t* hashes, std::size_t literal) {
    if (labels == 0 || starts[0] >= literal || seen_size_ + wire_name.size() > kSeenBytes) {
        return;
    }
    if (!table_ready_) {
        std::memset(slots_, 0, sizeof slots_);
        table_ready_ = true;
    }
    std::uint8_t* copy = names_seen_ + seen_size_;
    std::memcpy(copy, wire_name.data(), wire_name.size());
    seen_size_ += wire_name.size();
    for (int i = 0; i < labels && starts[i] < literal; ++i) {
        remember(start + starts[i], std::span(copy + starts[i], wire_name.size() - starts[i]),
                 hashes[i]);
    }
}

void WireWriter::note_pointer(std::size_t at, std::size_t target) {
    if (log_->count == PointerLog::kMax) {
        log_->overflow = true;
        return;
    }
    log_->target[log_->count] = static_cast<std::uint16_t>(target);
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
    if (!table_ready_) return 0;
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
