#pragma once
// Word-at-a-time helpers for wire names on the query path: ASCII lowercasing of eight
// bytes at once (SWAR), the process's one fast hash (hash_bytes) and its form that
// ignores case. Names are a few dozen bytes, so taking them eight bytes per step beats a
// byte loop (FNV-1a) several times.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace sitedns::dns {

/// `word` with every byte in 'A'..'Z' lowercased (RFC 4343: ASCII only); other bytes,
/// label lengths (at most 63, below 'A') and bytes >= 0x80 included, stay as they are.
constexpr std::uint64_t lower_word(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHigh = 0x8080808080808080ull;
    const std::uint64_t seven = word & ~kHigh;
    const std::uint64_t at_least_a = seven + (0x80 - 'A') * kOnes;   // high bit: >= 'A'
    const std::uint64_t above_z = seven + (0x80 - 'Z' - 1) * kOnes;  // high bit: > 'Z'
    const std::uint64_t upper = at_least_a & ~above_z & ~word & kHigh;
    return word | (upper >> 2);  // 0x80 >> 2 == 0x20, the case bit
}

/// `word` with bit 5 of every byte set: 'A' and 'a' become the same byte (so do a few
/// non-letters, e.g. '@' and '`'). One operation instead of lower_word's ten, for
/// hashing only: equal names hash equal, and a match is always confirmed by comparing.
constexpr std::uint64_t fold_case(std::uint64_t word) {
    return word | 0x2020202020202020ull;
}

/// The `n` (< 8) bytes at `p` as the low bytes of a word, the rest zero. A byte loop:
/// a memcpy of variable length would be a library call.
inline std::uint64_t load_tail(const std::uint8_t* p, std::size_t n) {
    std::uint64_t tail = 0;
    for (std::size_t i = 0; i < n; ++i) tail |= std::uint64_t{p[i]} << (8 * i);
    return tail;
}

/// The `n` (1 to 7) bytes that end at `end` as the low bytes of a word, the rest zero,
/// read as the one word that ends there: the caller promises that 8 bytes before `end`
/// may be read (a name with a header or a key's prefix before it).
inline std::uint64_t load_tail_before(const std::uint8_t* end, std::size_t n) {
    std::uint64_t word;
    std::memcpy(&word, end - 8, 8);
    return word >> (8 * (8 - n));  // little-endian: the last n bytes
}

/// Copies `n` bytes from `from` to `to` lowercased and returns a hash of them (not
/// hash_lower's: its own, computed in the same pass). `to` and `from` may be the same.
/// With `framed`, the caller promises that the 7 bytes before `from` may be read (a
/// question name has the 12-byte DNS header before it) and that `to` has room for `n`
/// rounded up to 8: the last bytes are then read as the one word that ends at
/// `from + n` and written as one word (the bytes written past n are zero).
inline std::uint64_t copy_lower_hash(std::uint8_t* to, const std::uint8_t* from, std::size_t n,
                                     bool framed = false) {
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
    std::uint64_t h = n;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, from + i, 8);
        word = lower_word(word);
        std::memcpy(to + i, &word, 8);
        h = (h ^ word) * kMul;
    }
    if (i == n) return h ^ (h >> 29);
    std::uint64_t tail;
    if (framed) {
        tail = lower_word(load_tail_before(from + n, n - i));
        std::memcpy(to + i, &tail, 8);
    } else {
        tail = lower_word(load_tail(from + i, n - i));
        for (std::size_t k = 0; i + k < n; ++k) {
            to[i + k] = static_cast<std::uint8_t>(tail >> (8 * k));
        }
    }
    h = (h ^ tail) * kMul;
    return h ^ (h >> 29);
}

/// Copies `n` bytes from `from` to `to`, lowercased. `to` and `from` may be the same.
inline void copy_lower(std::uint8_t* to, const std::uint8_t* from, std::size_t n) {
    (void)copy_lower_hash(to, from, n);
}

/// True when words `x` and `y` are equal ignoring ASCII case.
constexpr bool same_lower(std::uint64_t x, std::uint64_t y) {
    return x == y || lower_word(x) == lower_word(y);
}

/// True when the first `whole` bytes (a multiple of 8) at `a` and `b` are equal
/// ignoring ASCII case.
inline bool equal_lower_words(const std::uint8_t* a, const std::uint8_t* b, std::size_t whole) {
    for (std::size_t i = 0; i < whole; i += 8) {
        std::uint64_t x;
        std::uint64_t y;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        if (!same_lower(x, y)) return false;
    }
    return true;
}

/// True when the `n` bytes at `a` and `b` are equal ignoring ASCII case (RFC 4343).
/// Always inlined: out of line in WireWriter::name, the call cost 30 instructions per
/// uncached answer (bench_core).
[[gnu::always_inline]] inline bool equal_lower(const std::uint8_t* a, const std::uint8_t* b,
                                               std::size_t n) {
    const std::size_t whole = n & ~std::size_t{7};
    if (!equal_lower_words(a, b, whole)) return false;
    if (whole == n) return true;
    return same_lower(load_tail(a + whole, n - whole), load_tail(b + whole, n - whole));
}

/// equal_lower() where at least 7 bytes before `a` and before `b` may be read (a name
/// after a message's header or a cache key's prefix): the last bytes are compared as
/// the one word that ends at `a + n` and `b + n`, not byte by byte.
inline bool equal_lower_framed(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
    const std::size_t whole = n & ~std::size_t{7};
    if (!equal_lower_words(a, b, whole)) return false;
    if (whole == n) return true;
    return same_lower(load_tail_before(a + n, n - whole), load_tail_before(b + n, n - whole));
}

namespace wire_hash_detail {

constexpr std::uint64_t as_is(std::uint64_t word) {
    return word;
}

/// The hash of hash_bytes and hash_lower: eight bytes per step, each word through `Fold`.
template <std::uint64_t (*Fold)(std::uint64_t)>
inline std::uint64_t hash_words(const std::uint8_t* p, std::size_t n) {
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
    std::uint64_t h = (n + 1) * kMul;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        h = (h ^ Fold(word)) * kMul;
        h ^= h >> 29;
    }
    if (i < n) h = (h ^ Fold(load_tail(p + i, n - i))) * kMul;
    return h ^ (h >> 32);
}

}  // namespace wire_hash_detail

/// The fast hash, 64 bits of `bytes` taken eight at a time, for tables of our own keys
/// (zone names, upstream sets). Not keyed: the tables whose keys clients choose use the
/// keyed hash (SipHash) of server/base/keyed_hash.h. Not stable across versions either:
/// nothing that is stored or compared between versions may use it.
inline std::uint64_t hash_bytes(std::span<const std::uint8_t> bytes) {
    return wire_hash_detail::hash_words<wire_hash_detail::as_is>(bytes.data(), bytes.size());
}

/// hash_bytes() made the same whatever the bytes' ASCII case (a few non-letters collide
/// too: fold_case).
inline std::uint64_t hash_lower(const std::uint8_t* p, std::size_t n) {
    return wire_hash_detail::hash_words<fold_case>(p, n);
}

/// The hash of a name's suffix from the hash of the suffix one label shorter: hashing a
/// name right to left, label by label, gives the hash of every suffix for the cost of
/// one. `label` points at the label's length byte; the name's bytes end at `end` (a
/// label of up to 7 bytes is then read as one word when 8 bytes are there to read).
inline std::uint64_t hash_label(const std::uint8_t* label, const std::uint8_t* end,
                                std::uint64_t suffix_hash) {
    constexpr std::uint64_t kMul = 0xC2B2AE3D27D4EB4Full;
    std::uint64_t h = suffix_hash * kMul + label[0];
    std::size_t n = std::size_t{label[0]} + 1;
    const std::uint8_t* p = label;
    if (n < 8 && end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        word &= (std::uint64_t{1} << (8 * n)) - 1;  // little-endian: the first n bytes
        h = (h ^ fold_case(word)) * kMul;
        return h ^ (h >> 29);
    }
    for (; n >= 8; n -= 8, p += 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        h = (h ^ fold_case(word)) * kMul;
        h ^= h >> 31;
    }
    if (n != 0) h = (h ^ fold_case(load_tail(p, n))) * kMul;
    return h ^ (h >> 29);
}

}  // namespace sitedns::dns
