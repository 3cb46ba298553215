#pragma once
// Longest-prefix match over IPv4 and IPv6 prefixes: the view choice (SPEC §3.2).
// Built at load time; lookup takes no lock and allocates nothing.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/address.h"

namespace sitedns {

namespace prefix_detail {

/// An IPv6 address (or prefix) as two 64-bit halves, the table's key.
struct V6Key {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    friend bool operator==(const V6Key&, const V6Key&) = default;
};

/// A 64-bit finaliser (splitmix64): masked prefixes have many zero low bits, so the
/// identity hash of std::hash<integer> would crowd the buckets.
constexpr std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

struct KeyHash {
    std::size_t operator()(std::uint32_t key) const { return static_cast<std::size_t>(mix(key)); }
    std::size_t operator()(const V6Key& key) const {
        return static_cast<std::size_t>(mix(key.hi ^ mix(key.lo)));
    }
};

inline std::uint32_t v4_key(const std::uint8_t* bytes) {
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

inline std::uint64_t load64(const std::uint8_t* bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
    return value;
}

/// The first `length` bits of `key`, the rest cleared.
inline std::uint32_t mask(std::uint32_t key, std::size_t length) {
    return length == 0 ? 0 : key & (~std::uint32_t{0} << (32 - length));
}

inline V6Key mask(V6Key key, std::size_t length) {
    auto mask64 = [](std::uint64_t half, std::size_t bits) {
        if (bits == 0) return std::uint64_t{0};
        if (bits >= 64) return half;
        return half & (~std::uint64_t{0} << (64 - bits));
    };
    return {mask64(key.hi, length), mask64(key.lo, length > 64 ? length - 64 : 0)};
}

/// True for ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), whose IPv4 address sits in bytes 12..15.
inline bool is_v4_mapped(const IpAddress& address) {
    if (address.family != IpAddress::Family::V6) return false;
    for (int i = 0; i < 10; ++i) {
        if (address.bytes[i] != 0) return false;
    }
    return address.bytes[10] == 0xFF && address.bytes[11] == 0xFF;
}

}  // namespace prefix_detail

/// A longest-prefix-match table from CIDR prefixes to values of type T.
///
/// IPv4 and IPv6 are kept apart: an IPv4 client never matches an IPv6 prefix. An
/// IPv4-mapped IPv6 client (::ffff:a.b.c.d, RFC 4291 §2.5.5.2, as a dual-stack socket
/// reports it) is looked up as the IPv4 address it carries, and a prefix inside
/// ::ffff:0:0/96 is stored as the IPv4 prefix it covers.
///
/// One hash map per prefix length, probed from the longest length present to the
/// shortest: a lookup costs at most one probe per distinct length in use (a few in
/// practice, at most 33 or 129), whatever the number of prefixes. Built once at load
/// time; lookup is const, takes no lock and allocates nothing, so a built table may be
/// shared by any number of reader threads.
template <class T>
class PrefixTable {
  public:
    /// Adds `prefix` -> `value`; false (and no change) when that exact prefix is there.
    bool insert(const Cidr& prefix, T value) {
        bool added = false;
        if (auto v4 = as_v4(prefix)) {
            added = v4_.insert(prefix_detail::v4_key(v4->address.bytes.data()), v4->length,
                               std::move(value));
        } else {
            added = v6_.insert(v6_key(prefix.address), prefix.length, std::move(value));
        }
        if (added) ++size_;
        return added;
    }

    /// The value of the longest prefix containing `address`, or nullptr.
    const T* lookup(const IpAddress& address) const {
        if (address.family == IpAddress::Family::V4) {
            return v4_.lookup(prefix_detail::v4_key(address.bytes.data()));
        }
        if (prefix_detail::is_v4_mapped(address)) {
            return v4_.lookup(prefix_detail::v4_key(address.bytes.data() + 12));
        }
        return v6_.lookup(v6_key(address));
    }

    /// The value stored for exactly `prefix`, or nullptr.
    const T* find(const Cidr& prefix) const {
        if (auto v4 = as_v4(prefix)) {
            return v4_.find(prefix_detail::v4_key(v4->address.bytes.data()), v4->length);
        }
        return v6_.find(v6_key(prefix.address), prefix.length);
    }

    /// Number of prefixes stored.
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

  private:
    /// The prefixes of one address family, `Bits` long at most.
    template <class Key, std::size_t Bits>
    class Family {
      public:
        bool insert(Key key, std::size_t length, T value) {
            bool added = by_length_[length]
                             .try_emplace(prefix_detail::mask(key, length), std::move(value))
                             .second;
            if (added && by_length_[length].size() == 1) {
                lengths_.push_back(static_cast<std::uint8_t>(length));
                std::sort(lengths_.begin(), lengths_.end(), std::greater<>());
            }
            return added;
        }

        const T* lookup(Key key) const {
            for (std::uint8_t length : lengths_) {
                const auto& map = by_length_[length];
                auto it = map.find(prefix_detail::mask(key, length));
                if (it != map.end()) return &it->second;
            }
            return nullptr;
        }

        const T* find(Key key, std::size_t length) const {
            const auto& map = by_length_[length];
            auto it = map.find(prefix_detail::mask(key, length));
            return it == map.end() ? nullptr : &it->second;
        }

      private:
        std::array<std::unordered_map<Key, T, prefix_detail::KeyHash>, Bits + 1> by_length_;
        std::vector<std::uint8_t> lengths_;  ///< lengths in use, longest first
    };

    /// `prefix` as an IPv4 prefix when it is one, or lies inside ::ffff:0:0/96.
    static std::optional<Cidr> as_v4(const Cidr& prefix) {
        if (prefix.address.family == IpAddress::Family::V4) return prefix;
        if (prefix.length < 96 || !prefix_detail::is_v4_mapped(prefix.address)) {
            return std::nullopt;
        }
        Cidr v4;
        v4.address.family = IpAddress::Family::V4;
        std::copy_n(prefix.address.bytes.begin() + 12, 4, v4.address.bytes.begin());
        v4.length = static_cast<std::uint8_t>(prefix.length - 96);
        return v4;
    }

    static prefix_detail::V6Key v6_key(const IpAddress& address) {
        return {prefix_detail::load64(address.bytes.data()),
                prefix_detail::load64(address.bytes.data() + 8)};
    }

    Family<std::uint32_t, 32> v4_;
    Family<prefix_detail::V6Key, 128> v6_;
    std::size_t size_ = 0;
};

}  // namespace sitedns
