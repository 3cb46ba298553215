// Threads: see server/upstream/forward_cache.h.
#include "server/upstream/forward_cache.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace sitedns::upstream {

namespace {

/// Below this many entries a shard would hold too few for its LRU order to mean much.
constexpr std::size_t kMinPerShard = 256;

std::size_t shards_for(std::size_t capacity) {
    return std::clamp<std::size_t>(
        std::bit_floor(std::max<std::size_t>(capacity / kMinPerShard, 1)), 1,
        ForwardCache::kMaxShards);
}

}  // namespace

ForwardCache::ForwardCache(std::size_t capacity) {
    const std::size_t count = shards_for(capacity);
    shards_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        shards_.push_back(std::make_unique<Shard>(0));
    }
    set_capacity(capacity);
}

std::size_t ForwardCache::share(std::size_t capacity, std::size_t i) const {
    if (capacity == 0) return 0;
    const std::size_t n = shards_.size();
    return std::max<std::size_t>(capacity / n + (i < capacity % n ? 1 : 0), 1);
}

void ForwardCache::store(const CacheKey& key, std::vector<std::uint8_t> message,
                         std::vector<std::uint16_t> ttl_offsets, std::uint32_t ttl, TimePoint now,
                         Security security) {
    const std::uint64_t h = ForwardCacheShard::hash(key);
    Shard& shard = shard_of(h);
    std::lock_guard lock(shard.mutex);
    const auto evicted =
        shard.table.store(key, h, std::move(message), std::move(ttl_offsets), ttl, now, security);
    versions_.bump(h);
    if (evicted) versions_.bump(*evicted);
}

void ForwardCache::clear() {
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        shard->table = ForwardCacheShard(shard->table.capacity());
    }
    versions_.bump_all();  // after the last shard: no copy of an entry dropped stays good
}

void ForwardCache::set_capacity(std::size_t capacity) {
    bool changed = false;
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        Shard& shard = *shards_[i];
        const std::size_t wanted = share(capacity, i);
        std::lock_guard lock(shard.mutex);
        if (shard.table.capacity() == wanted) continue;
        shard.table.set_capacity(wanted);
        changed = true;
    }
    if (changed) versions_.bump_all();  // entries beyond the new bound are gone
}

std::size_t ForwardCache::size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        total += shard->table.size();
    }
    return total;
}

}  // namespace sitedns::upstream
