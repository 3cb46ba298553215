#pragma once
// Threads: any thread; a Writer is used by the thread that made it.

#include <cstddef>
#include <cstdint>
#include <span>

namespace sitedns::wire {

/// Where a message's compression pointers went, for a caller that moves its names
/// afterwards (the answer cache's templates, server/query/packet_cache.h).
struct PointerLog {
    static constexpr std::size_t kMax = 16;
    std::uint16_t at[kMax];      ///< offset of each pointer, in writing order
    std::uint16_t target[kMax];  ///< the offset each points to
    std::size_t count = 0;
    bool overflow = false;  ///< more than kMax pointers were written
};

/// Writes a message into a caller-owned buffer, never past `limit` bytes, with name
/// compression (RFC 1035 §4.1.4). Every put returns false and writes nothing when it
/// would pass the limit; the caller then rolls back to the last whole RRset and sets
/// TC (decide, then encode: this class owns the size limit). Never allocates.
class WireWriter {
  public:
    /// Writes into `buffer`, at most `limit` bytes (limit <= buffer.size()).
    WireWriter(std::span<std::uint8_t> buffer, std::size_t limit);

    /// A point to come back to: the length and the compression table's size.
    struct Mark {
        std::size_t size;
        std::size_t names;
        std::size_t seen;  ///< bytes of names_seen_ in use
    };
    Mark mark() const { return {size_, name_count_, seen_size_}; }
    /// Forgets everything written after `m`, names remembered for compression too.
    void rollback(Mark m);

    [[nodiscard]] bool u8(std::uint8_t v);
    [[nodiscard]] bool u16(std::uint16_t v);
    [[nodiscard]] bool u32(std::uint32_t v);
    [[nodiscard]] bool bytes(std::span<const std::uint8_t> data);
    /// Writes an uncompressed wire name. With `compress`, its longest suffix already in
    /// the message (compared case-insensitively) becomes a pointer; either way its
    /// suffixes are remembered as targets for later names (until kMaxTargets suffix
    /// offsets or kSeenBytes of names are held; offsets past 0x3FFF never are). False,
    /// nothing written, if it does not fit or `wire_name` is not one valid uncompressed
    /// name.
    [[nodiscard]] bool name(std::span<const std::uint8_t> wire_name, bool compress = true);
    /// Writes the question's name, uncompressed. Later names that are this name become
    /// pointers to it at once; its suffixes join the compression targets only when a
    /// name that is not the question's name is written (an answer often repeats only it).
    [[nodiscard]] bool question_name(std::span<const std::uint8_t> wire_name);
    /// Overwrites a 16-bit value at `at` (< size()): RDLENGTH, counts.
    void patch_u16(std::size_t at, std::uint16_t v);

    std::size_t size() const { return size_; }
    std::size_t limit() const { return limit_; }
    /// Lowers or raises the limit (never above the buffer), e.g. to reserve OPT room.
    void set_limit(std::size_t limit);
    std::span<std::uint8_t> written() { return buffer_.first(size_); }
    /// Records every pointer written from now on in `log` (rolled back with the rest).
    void log_pointers(PointerLog* log) { log_ = log; }

  private:
    struct NameTarget {
        std::uint64_t hash;          // dns::hash_label chain of the suffix
        const std::uint8_t* suffix;  // its uncompressed bytes, in names_seen_
        std::uint16_t offset;        // where it starts in the message
        std::uint8_t size;           // its length, root label included
    };
    static constexpr std::size_t kMaxTargets = 256;
    /// Open-addressed index over the targets by hash: a suffix is found with a probe or
    /// two, not a scan of every name written so far.
    static constexpr std::size_t kSlots = 512;

    bool fits(std::size_t n) const { return size_ + n <= limit_; }
    /// Where `suffix` (whose hash_label chain is `hash`) was written, or 0.
    std::size_t find_suffix(std::span<const std::uint8_t> suffix, std::uint64_t hash) const;
    void note_pointer(std::size_t at, std::size_t target);
    void write_pointer(std::size_t target);
    void remember_question();
    void remember_suffixes(std::size_t start, std::span<const std::uint8_t> wire_name,
                           const std::uint8_t* starts, int labels, const std::uint64_t* hashes,
                           std::size_t literal);
    void remember(std::size_t offset, std::span<const std::uint8_t> suffix, std::uint64_t hash);

    std::span<std::uint8_t> buffer_;
    std::size_t limit_;
    std::size_t size_ = 0;
    NameTarget names_[kMaxTargets];
    std::size_t name_count_ = 0;
    /// names_ index + 1 per slot, 0 when empty; entries at or past name_count_ (rolled
    /// back) are skipped by lookups and reused by inserts.
    std::uint16_t slots_[kSlots];
    bool table_ready_ = false;  ///< slots_ zeroed (on first use: many answers need none)
    /// Copies of the names remembered, uncompressed: a suffix is compared with these a
    /// word at a time, not by walking labels and pointers in the message.
    static constexpr std::size_t kSeenBytes = 4096;
    std::uint8_t names_seen_[kSeenBytes];
    std::size_t seen_size_ = 0;
    PointerLog* log_ = nullptr;
    // The question's name (question_name()): where, how long, whether its suffixes are
    // still to be remembered, and the first names_ entry they took.
    std::size_t question_at_ = 0;
    std::size_t question_size_ = 0;
    bool question_pending_ = false;
    std::size_t question_first_ = 0;
};

}  // namespace sitedns::wire
