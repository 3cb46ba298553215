#pragma once
// The process's one cache of forwarded answers (SPEC §5): every worker and UDP receive
// thread reads it, the forwarder's thread stores into it. Split into shards chosen by
// the key's hash, each an ForwardCacheShard behind its own lock (Unbound's slabs), so that
// threads answering different names rarely wait for each other.
// Threads: any worker or UDP receive thread reads, the forwarder's thread writes;
// each shard behind its lock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "server/base/versions.h"
#include "server/upstream/forward_cache_shard.h"

namespace sitedns::upstream {

class ForwardCache {
  public:
    using TimePoint = ForwardCacheShard::TimePoint;

    /// At most `capacity` entries in all (0 disables it). The number of shards is set
    /// here, from the capacity (one for small caches, up to kMaxShards), and kept.
    explicit ForwardCache(std::size_t capacity);
    ForwardCache(const ForwardCache&) = delete;
    ForwardCache& operator=(const ForwardCache&) = delete;

    /// Calls `use(entry)` with the entry for `key` (nullptr on a miss) while its shard
    /// is locked, marking it most recently used; returns what `use` returns. `use` must
    /// not touch the cache. From any thread.
    template <typename Use>
    auto with_entry(const CacheKey& key, Use&& use) {
        return with_entry_stamped(
            key, [&](const ForwardCacheShard::Entry* e, base::Versions::Stamp) { return use(e); });
    }
    /// The same, giving `use(entry, stamp)` the entry's version too: a copy of the entry
    /// made there stays good while base::Versions::current(stamp).
    template <typename Use>
    auto with_entry_stamped(const CacheKey& key, Use&& use) {
        const std::uint64_t h = ForwardCacheShard::hash(key);
        Shard& shard = shard_of(h);
        std::lock_guard lock(shard.mutex);
        return use(shard.table.find(key, h), versions_.stamp(h));
    }

    /// Stores a reply for `key` (ForwardCacheShard::store). From any thread.
    void store(const CacheKey& key, std::vector<std::uint8_t> message,
               std::vector<std::uint16_t> ttl_offsets, std::uint32_t ttl, TimePoint now,
               Security security = Security::Unchecked);
    /// Drops every entry (validation turned on or off: answers stored under the other
    /// rule must not be served). Not per query.
    void clear();

    /// At most `capacity` entries in all from now on, split evenly over the shards (at
    /// least one each); each keeps its most recently used entries. Not per query.
    void set_capacity(std::size_t capacity);
    /// Entries in all, fresh or stale.
    std::size_t size() const;
    std::size_t shard_count() const { return shards_.size(); }

    /// Most shards: enough that a few busy threads seldom meet on one lock.
    static constexpr std::size_t kMaxShards = 16;

  private:
    struct alignas(64) Shard {  // a line of its own: threads locking two shards do not share it
        explicit Shard(std::size_t capacity) : table(capacity) {}
        mutable std::mutex mutex;
        ForwardCacheShard table;  ///< guarded by `mutex`
    };

    Shard& shard_of(std::uint64_t h) {
        // The table uses the hash's low bits for its buckets; the shard takes the high ones.
        return *shards_[(h >> 32) & (shards_.size() - 1)];
    }
    /// Shard i's share of `capacity`.
    std::size_t share(std::size_t capacity, std::size_t i) const;

    std::vector<std::unique_ptr<Shard>> shards_;  ///< a power of two of them; fixed
    /// Bumped under the lock of the shard that changes an entry (stored, replaced,
    /// evicted, dropped): what copies of entries kept elsewhere check.
    base::Versions versions_;
};

}  // namespace sitedns::upstream
