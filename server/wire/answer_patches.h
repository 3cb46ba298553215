#pragma once
// Threads: any thread; an AnswerPatches is used by the thread that fills it.
// What a copy of an encoded answer must change to answer another query with the same
// key: the packet cache's hits and its templates of names that do not exist
// (server/query/packet_cache.h). The encoder notes it while it writes, so the copy's
// owner patches bytes at known offsets and never parses the answer again.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "server/wire/limits.h"
#include "server/wire/writer.h"

namespace sitedns::wire {

/// The patch list of one encoded answer. The ID needs no entry: it is always the first
/// two bytes (RFC 1035 §4.1.1); the question's name is always at kHeaderSize. TTLs need
/// none either: an authoritative answer's TTLs are the zone's until a reload, which
/// starts the cache afresh (forwarded answers, whose TTLs count down, are not encoded
/// here: the packet cache finds their TTLs with RrIterator).
struct AnswerPatches {
    static constexpr std::size_t kMax = PointerLog::kMax;
    /// Length of the question's name, whose case a copy takes from its own query; 0 when
    /// the answer has no question.
    std::size_t question_size = 0;
    /// Every compression pointer, all after the question (whose name is never
    /// compressed), with its target: WireWriter logs them.
    PointerLog pointers;
    /// Which pointers end a record's owner name (the others are in RDATA).
    std::uint16_t owner_pointer_at[kMax];
    std::size_t owner_pointers = 0;

    /// Notes the pointer just logged last as ending an owner name.
    void note_owner_pointer();
    /// Forgets the notes at or past `size`, where the writer rolled back to (its pointer
    /// log rolls back with it).
    void roll_back(std::size_t size);
    /// True when the pointer at `at` ends an owner name.
    bool ends_owner(std::size_t at) const;
};

/// Gives `answer`, a copy of an answer to a query with the same key, the ID of `query`
/// and the case of its question name, `name_size` bytes at kHeaderSize in both (RFC 4343:
/// names that repeat it are pointers into it, so they follow its case too).
inline void take_id_and_name(std::span<std::uint8_t> answer, std::span<const std::uint8_t> query,
                             std::size_t name_size) {
    std::memcpy(answer.data(), query.data(), 2);
    std::memcpy(answer.data() + kHeaderSize, query.data() + kHeaderSize, name_size);
}

/// Writes a compression pointer to `target` at `at` of `message` (RFC 1035 §4.1.4).
void write_pointer(std::span<std::uint8_t> message, std::size_t at, std::size_t target);

/// Lowers the TTL at `at` of `message` by `age` seconds (RFC 1035 §3.2.1: a cached
/// record's TTL counts down), never below 0.
void count_down_ttl(std::span<std::uint8_t> message, std::size_t at, std::uint32_t age);

}  // namespace sitedns::wire
