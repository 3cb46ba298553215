// Threads: see server/upstream/forward_cache_shard.h.
#include "server/upstream/forward_cache_shard.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "server/base/keyed_hash.h"
#include "server/wire/header.h"
#include "zones/dns/name.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::upstream {

ForwardCacheShard::ForwardCacheShard(std::size_t capacity)
    : capacity_(std::min<std::size_t>(capacity, kNone - 1)) {
    buckets_.assign(std::bit_ceil(std::max<std::size_t>(capacity_ * 2, 16)), kNone);
    entries_.reserve(std::min<std::size_t>(capacity_, 1024));
}

std::uint64_t ForwardCacheShard::hash(const CacheKey& key) {
    // Clients choose the name, the type, the class and the DO bit: all of them go through
    // the keyed hash. The upstream set's id is ours; mixed into the same word.
    const std::uint64_t rest = std::uint64_t{key.qtype} << 32 | std::uint64_t{key.qclass} << 16 |
                               (key.dnssec_ok ? 1u : 0u);
    return base::keyed_hash(key.qname_lower, rest ^ key.set_id * 0x9e3779b97f4a7c15ull);
}

bool ForwardCacheShard::matches(const Entry& e, std::uint64_t h, const CacheKey& key) const {
    const std::size_t n = key.qname_lower.size();
    if (e.hash != h || e.qtype != key.qtype || e.qclass != key.qclass ||
        e.dnssec_ok != key.dnssec_ok || e.set_id != key.set_id ||
        e.message.size() < wire::kHeaderSize + n) {
        return false;
    }
    return dns::equal_lower(e.message.data() + wire::kHeaderSize, key.qname_lower.data(), n);
}

std::uint32_t ForwardCacheShard::lookup(std::uint64_t h, const CacheKey& key) const {
    std::uint32_t i = buckets_[h & (buckets_.size() - 1)];
    while (i != kNone && !matches(entries_[i], h, key)) i = entries_[i].chain;
    return i;
}

const ForwardCacheShard::Entry* ForwardCacheShard::find(const CacheKey& key, std::uint64_t h) {
    if (entries_.empty()) return nullptr;
    const std::uint32_t i = lookup(h, key);
    if (i == kNone) return nullptr;
    unlink_lru(i);
    push_front(i);
    return &entries_[i];
}

std::optional<std::uint64_t> ForwardCacheShard::store(const CacheKey& key, std::uint64_t h,
                                                      std::vector<std::uint8_t> message,
                                                      std::vector<std::uint16_t> ttl_offsets,
                                                      std::uint32_t ttl, TimePoint now,
                                                      Security security) {
    std::optional<std::uint64_t> evicted;
    if (capacity_ == 0) return evicted;
    std::uint32_t i = lookup(h, key);
    if (i != kNone) {
        unlink_lru(i);
    } else {
        i = take_slot(&evicted);
        Entry& e = entries_[i];
        e.hash = h;
        e.set_id = key.set_id;
        e.qtype = key.qtype;
        e.qclass = key.qclass;
        e.dnssec_ok = key.dnssec_ok;
        e.chain = std::exchange(bucket(h), i);
    }
    Entry& e = entries_[i];
    e.message = std::move(message);
    e.ttl_offsets = std::move(ttl_offsets);
    e.stored = now;
    e.ttl = ttl;
    e.security = security;
    push_front(i);
    return evicted;
}

void ForwardCacheShard::set_capacity(std::size_t capacity) {
    ForwardCacheShard next(capacity);
    // Oldest first, so that the last stored, the most recent, ends up in front again.
    std::vector<std::uint32_t> kept;
    for (std::uint32_t i = newest_; i != kNone && kept.size() < next.capacity_;
         i = entries_[i].older) {
        kept.push_back(i);
    }
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
        const std::uint32_t slot = next.take_slot();
        Entry& moved = next.entries_[slot];
        moved = std::move(entries_[*it]);  // its links are this shard's: set them for next
        moved.chain = std::exchange(next.bucket(moved.hash), slot);
        next.push_front(slot);
    }
    *this = std::move(next);
}

/// A free slot: a new one while under capacity, else the least recently used, taken
/// out of its bucket and the LRU list.
std::uint32_t ForwardCacheShard::take_slot(std::optional<std::uint64_t>* evicted) {
    if (entries_.size() < capacity_) {
        entries_.emplace_back();
        return static_cast<std::uint32_t>(entries_.size() - 1);
    }
    const std::uint32_t i = oldest_;
    if (evicted != nullptr) *evicted = entries_[i].hash;
    unlink_lru(i);
    unlink_chain(i);
    return i;
}

void ForwardCacheShard::unlink_lru(std::uint32_t i) {
    Entry& e = entries_[i];
    (e.newer != kNone ? entries_[e.newer].older : newest_) = e.older;
    (e.older != kNone ? entries_[e.older].newer : oldest_) = e.newer;
    e.newer = e.older = kNone;
}

void ForwardCacheShard::push_front(std::uint32_t i) {
    Entry& e = entries_[i];
    e.older = newest_;
    e.newer = kNone;
    if (newest_ != kNone) entries_[newest_].newer = i;
    newest_ = i;
    if (oldest_ == kNone) oldest_ = i;
}

void ForwardCacheShard::unlink_chain(std::uint32_t i) {
    std::uint32_t* link = &bucket(entries_[i].hash);
    while (*link != i) link = &entries_[*link].chain;
    *link = entries_[i].chain;
    entries_[i].chain = kNone;
}

}  // namespace sitedns::upstream
