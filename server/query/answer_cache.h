#pragma once
// A worker's cache of finished answers, the packet cache of PowerDNS and Knot: a query
// whose bytes after the ID (its name lowercased) match a query answered before from
// the same view and snapshot gets that answer's bytes again, with its own ID and the
// case of its own name. Most of a site's traffic asks the same few names (the domain's
// MX, the mail hosts), so most answers become a copy instead of a parse, a lookup and
// an encoding. Only plain queries are cached: one question, no compression, no OPT
// options (so no ECS, whose echo depends on the sender); answers of a forwarded query
// are never stored here (their TTLs count down: upstream::MessageCache).
//
// Not thread-safe: one per worker. Allocation-free after construction; the entries are
// zero pages until used, so an idle cache costs address space, not memory.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "server/runtime/snapshot.h"

namespace sitedns::query {

enum class Transport : std::uint8_t;

/// A plain query's cache key: its bytes from the flags on, the name lowercased.
struct AnswerKey {
    /// Transport (1) + flags and counts (10) + name (255) + type and class (4) + an OPT
    /// without options (11).
    static constexpr std::size_t kMaxSize = 281;
    std::uint8_t bytes[kMaxSize];
    std::size_t size = 0;
    std::size_t name_size = 0;  ///< the question name's length: packet[12, 12 + name_size)
    std::uint64_t hash = 0;
};

class AnswerCache {
  public:
    /// Answers up to this size are kept (the classic UDP bound; larger ones are rare).
    static constexpr std::size_t kMaxAnswer = 512;
    static constexpr std::size_t kDefaultEntries = 8192;

    /// `entries` is rounded up to a power of two, at least 2.
    explicit AnswerCache(std::size_t entries = kDefaultEntries);
    ~AnswerCache();
    AnswerCache(const AnswerCache&) = delete;
    AnswerCache& operator=(const AnswerCache&) = delete;

    /// Fills `key` from a plain query (see above) received over `transport`; false when
    /// the packet is anything else, which then always takes the full path.
    static bool make_key(std::span<const std::uint8_t> packet, Transport transport, AnswerKey& key);

    /// Writes the answer stored for `key` from `view` of `snapshot` into `out`, with the
    /// ID and name case of `packet` (the query `key` was made from); returns its length,
    /// 0 on a miss.
    std::size_t find(const runtime::Snapshot& snapshot, const runtime::View* view,
                     const AnswerKey& key, std::span<const std::uint8_t> packet,
                     std::span<std::uint8_t> out);

    /// Keeps `answer` (if small enough) for `key` from `view` of `snapshot`, in place of
    /// the least recently stored entry of its set.
    void store(const runtime::Snapshot& snapshot, const runtime::View* view, const AnswerKey& key,
               std::span<const std::uint8_t> answer);

    /// snapshot.view_for(client), remembered for the last client asked: a resolver or
    /// mail host sends its queries from one address, so this is usually a compare
    /// instead of a prefix-table lookup.
    const runtime::View* view_for(const runtime::Snapshot& snapshot, const IpAddress& client) {
        if (&snapshot != view_snapshot_ || snapshot.generation != view_generation_ ||
            !(client == view_client_)) [[unlikely]] {
            view_snapshot_ = &snapshot;
            view_generation_ = snapshot.generation;
            view_client_ = client;
            view_ = snapshot.view_for(client);
        }
        return view_;
    }

    /// Hits and misses since construction (this thread only).
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }

  private:
    struct Entry;
    Entry* set_of(std::uint64_t hash, const runtime::View* view) const;

    struct FreeEntries {
        void operator()(Entry* entries) const;
    };
    std::unique_ptr<Entry, FreeEntries> entries_;
    std::size_t set_mask_ = 0;  ///< sets - 1; two entries per set
    std::uint64_t stamp_ = 0;   ///< store counter: the smaller stamp is replaced
    const runtime::Snapshot* view_snapshot_ = nullptr;
    std::uint64_t view_generation_ = 0;
    IpAddress view_client_;
    const runtime::View* view_ = nullptr;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
};

}  // namespace sitedns::query
