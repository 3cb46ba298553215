// Threads: see server/net/rate_limiter.h.
#include "server/net/rate_limiter.h"

#include <algorithm>
#include <bit>

#include "server/base/keyed_hash.h"

namespace sitedns::net {

namespace {

using prefix_detail::mix;

/// Keys of IPv4 prefixes have this bit and no higher one; those of IPv6 the top bit.
constexpr std::uint64_t kV4Tag = std::uint64_t{1} << 32;
constexpr std::uint64_t kV6Tag = std::uint64_t{1} << 63;

}  // namespace

bool RateLimiter::configure(const std::optional<RateLimitConfig>& config) {
    if (!config) {
        if (buckets_.empty()) return false;
        buckets_ = {};
        exempt_ = {};
        mask_ = 0;
        return true;
    }
    if (!buckets_.empty() && *config == config_) return false;
    config_ = *config;
    // At least two buckets: a prefix may live in either of a pair.
    const std::size_t size = std::bit_ceil(std::max<std::size_t>(config_.table_size, 2));
    buckets_.assign(size, Bucket{});
    mask_ = size - 1;
    exempt_ = {};
    for (const Cidr& prefix : config_.exempt) exempt_.insert(prefix, true);
    return true;
}

std::uint64_t RateLimiter::key_of(const IpAddress& client) const {
    const std::uint8_t* bytes = client.bytes.data();
    if (client.family == IpAddress::Family::V4 || prefix_detail::is_v4_mapped(client)) {
        if (client.family == IpAddress::Family::V6) bytes += 12;
        return kV4Tag | prefix_detail::mask(prefix_detail::v4_key(bytes), config_.ipv4_prefix);
    }
    const prefix_detail::V6Key masked = prefix_detail::mask(
        prefix_detail::V6Key{prefix_detail::load64(bytes), prefix_detail::load64(bytes + 8)},
        config_.ipv6_prefix);
    return kV6Tag | mix(masked.hi ^ mix(masked.lo));
}

RateLimiter::Bucket& RateLimiter::bucket_for(std::uint64_t key, std::uint16_t second) {
    // Clients choose their addresses (and spoof them over UDP): the keyed hash.
    const std::size_t index = static_cast<std::size_t>(base::keyed_hash({}, key)) & mask_;
    Bucket& first = buckets_[index];
    Bucket& second_choice = buckets_[index ^ 1];
    if (first.key == key) return first;
    if (second_choice.key == key) return second_choice;
    // Take an idle one; else evict the quieter prefix, so a flood keeps its count
    // however many other prefixes pass through the pair.
    auto idle = [second](const Bucket& b) { return b.key == 0 || b.second != second; };
    Bucket* taken = &first;
    if (!idle(first) && (idle(second_choice) || second_choice.count < first.count)) {
        taken = &second_choice;
    }
    *taken = Bucket{key, 0, second, 0};
    return *taken;
}

RateVerdict RateLimiter::limit(const IpAddress& client, std::uint32_t now) {
    if (!exempt_.empty() && exempt_.lookup(client) != nullptr) return RateVerdict::Pass;
    const auto second = static_cast<std::uint16_t>(now);
    Bucket& bucket = bucket_for(key_of(client), second);
    if (bucket.second != second) {  // a new second: a new budget
        bucket.second = second;
        bucket.count = 0;
    }
    if (bucket.count < config_.responses_per_second) {
        ++bucket.count;
        return RateVerdict::Pass;
    }
    if (config_.slip == 0) return RateVerdict::Drop;
    if (++bucket.limited < config_.slip) return RateVerdict::Drop;
    bucket.limited = 0;
    return RateVerdict::Slip;
}

}  // namespace sitedns::net
