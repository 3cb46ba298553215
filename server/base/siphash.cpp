// Threads: see server/base/siphash.h.
#include "server/base/siphash.h"

#include <bit>

namespace sitedns::base {
namespace {

/// The eight bytes at `p` as a little-endian word.
std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return v;
}

/// The SipHash state and its ARX round (paper §2.1).
struct SipState {
    std::uint64_t v0, v1, v2, v3;

    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }

    /// One message word through c = 2 rounds.
    void compress(std::uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

/// SipHash-2-4 of `data`, with `extra` (when given) as 8 little-endian bytes inserted
/// after the last whole word of `data`.
std::uint64_t sip(const SipKey& key, std::span<const std::uint8_t> data,
                  const std::uint64_t* extra) {
    const std::uint64_t k0 = load_le64(key.data());
    const std::uint64_t k1 = load_le64(key.data() + 8);
    // "somepseudorandomlygeneratedbytes", the paper's initialisation constants.
    SipState s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
               k1 ^ 0x7465646279746573ull};
    const std::size_t whole = data.size() / 8 * 8;
    for (std::size_t at = 0; at < whole; at += 8) s.compress(load_le64(data.data() + at));
    std::size_t length = data.size();
    if (extra != nullptr) {
        s.compress(*extra);
        length += 8;
    }
    // The last word: the remaining bytes, and the length modulo 256 in the top byte.
    std::uint64_t last = static_cast<std::uint64_t>(length & 0xff) << 56;
    for (std::size_t i = whole; i < data.size(); ++i) {
        last |= static_cast<std::uint64_t>(data[i]) << (8 * (i - whole));
    }
    s.compress(last);
    // Finalisation: d = 4 rounds.
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data) {
    return sip(key, data, nullptr);
}

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data,
                        std::uint64_t extra) {
    return sip(key, data, &extra);
}

}  // namespace sitedns::base
