#pragma once
// The forwarder's answer cache: finished upstream replies keyed by their question,
// patched per client (dnsdist's packet cache). One table, no locks: ForwardCache holds
// several behind a lock each, for the whole process.
//
// It is a message cache: an entry is only ever used to answer the very question it was
// the reply to. No record of one reply answers another name, so records outside the
// question's bailiwick (RFC 5452 §6) that an upstream adds are never served on their
// own: they are not cached in any usable sense.
// Threads: any thread that holds its ForwardCache shard's lock; never
// unlocked.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "server/upstream/message_edit.h"

namespace sitedns::upstream {

/// What identifies a cached answer: the question (name lowercased), the DO bit and the
/// upstreams that gave it (UpstreamSet::id).
struct CacheKey {
    std::span<const std::uint8_t> qname_lower;
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;
    bool dnssec_ok = false;
    std::uint64_t set_id = 0;
};

/// A bounded table of stored replies with least-recently-used eviction. Lookups never
/// allocate: an open hash table of indices and an intrusive LRU list over one vector.
/// Expired entries stay for serve-stale until evicted.
class ForwardCacheShard {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    /// One stored reply.
    struct Entry {
        std::vector<std::uint8_t> message;
        std::vector<std::uint16_t> ttl_offsets;
        TimePoint stored{};
        std::uint32_t ttl = 0;  ///< seconds it stays fresh
        Security security = Security::Unchecked;
        StoredMessage view() const { return {message, ttl_offsets, security}; }

      private:
        friend class ForwardCacheShard;
        std::uint64_t hash = 0;
        std::uint64_t set_id = 0;
        std::uint16_t qtype = 0;
        std::uint16_t qclass = 0;
        bool dnssec_ok = false;
        std::uint32_t newer = kNone;  // LRU neighbours
        std::uint32_t older = kNone;
        std::uint32_t chain = kNone;  // next in the hash bucket
    };

    /// Holds at most `capacity` entries (0 disables it).
    explicit ForwardCacheShard(std::size_t capacity);

    /// The entry for `key`, marked most recently used; nullptr if there is none.
    const Entry* find(const CacheKey& key) { return find(key, hash(key)); }
    /// The same with the key's hash(key) already taken.
    const Entry* find(const CacheKey& key, std::uint64_t h);
    /// Stores a reply for `key`, replacing the one there or evicting the least recently
    /// used. The message must hold the key's question uncompressed at offset 12.
    void store(const CacheKey& key, std::vector<std::uint8_t> message,
               std::vector<std::uint16_t> ttl_offsets, std::uint32_t ttl, TimePoint now,
               Security security = Security::Unchecked) {
        store(key, hash(key), std::move(message), std::move(ttl_offsets), ttl, now, security);
    }
    /// The same with the key's hash(key) already taken; returns the hash of the entry
    /// evicted to make room, if one was.
    std::optional<std::uint64_t> store(const CacheKey& key, std::uint64_t h,
                                       std::vector<std::uint8_t> message,
                                       std::vector<std::uint16_t> ttl_offsets, std::uint32_t ttl,
                                       TimePoint now, Security security = Security::Unchecked);
    /// The hash `key` is filed under: the keyed hash (server/base/keyed_hash.h), as
    /// clients choose the names, so that none can aim names at one bucket. Its low bits
    /// pick the bucket, so a caller choosing among several caches uses the high ones.
    static std::uint64_t hash(const CacheKey& key);
    /// Holds at most `capacity` entries from now on: the table is rebuilt, keeping the
    /// most recently used entries (and their order) up to the new bound. Not per query.
    void set_capacity(std::size_t capacity);
    std::size_t capacity() const { return capacity_; }
    std::size_t size() const { return entries_.size(); }

  private:
    static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

    bool matches(const Entry& e, std::uint64_t h, const CacheKey& key) const;
    std::uint32_t lookup(std::uint64_t h, const CacheKey& key) const;
    std::uint32_t& bucket(std::uint64_t h) { return buckets_[h & (buckets_.size() - 1)]; }
    void unlink_lru(std::uint32_t i);
    void push_front(std::uint32_t i);
    void unlink_chain(std::uint32_t i);
    /// A free slot; `evicted` gets the hash of the entry it held, if one was evicted.
    std::uint32_t take_slot(std::optional<std::uint64_t>* evicted = nullptr);

    std::size_t capacity_;
    std::vector<Entry> entries_;
    std::vector<std::uint32_t> buckets_;  // power of two, heads of chains
    std::uint32_t newest_ = kNone;
    std::uint32_t oldest_ = kNone;
};

}  // namespace sitedns::upstream
