#pragma once
// A worker's cache of finished answers, the packet cache of PowerDNS and Knot: a query
// whose bytes after the ID (its name lowercased) match a query answered before from
// the same view and snapshot gets that answer's bytes again, with its own ID and the
// case of its own name. Most of a site's traffic asks the same few names (the domain's
// MX, the mail hosts), so most answers become a copy instead of a parse, a lookup and
// an encoding. Only plain queries are cached: one question, no compression, no OPT
// options (so no ECS, whose echo depends on the sender). Positive forwarded answers
// the forwarder answered from its cache are kept too, as copies of its entries: a copy
// answers only while the forwarder's entry is fresh and is still the one it was made
// from (base::Versions), with its TTLs counted down as the forwarder counts them, so no
// thread answers what the process's cache no longer holds.
//
// Not thread-safe: one per worker. Allocation-free after construction; the entries are
// zero pages until used, so an idle cache costs address space, not memory.
// Threads: one per worker and one per UDP receive thread, each used by its owner only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "server/base/versions.h"
#include "server/query/snapshot.h"
#include "server/wire/answer_patches.h"
#include "server/wire/limits.h"
#include "server/wire/plain_query.h"
#include "zones/model/zone.h"

namespace sitedns::query {

enum class Transport : std::uint8_t;

/// A plain query's cache key: its bytes from the flags on, the name lowercased.
struct AnswerKey {
    /// Transport (1) + flags and counts (10) + name (255) + type and class (4) + an OPT
    /// without options (11).
    static constexpr std::size_t kMaxSize =
        1 + (wire::kHeaderSize - 2) + dns::kMaxNameWire + wire::kQuestionTail + wire::kOptSize;
    std::uint8_t bytes[kMaxSize];
    std::size_t size = 0;
    std::size_t name_size = 0;  ///< the question name's length: packet[12, 12 + name_size)
    std::uint64_t hash = 0;
    /// Where the lowercased name starts in `bytes`.
    static constexpr std::size_t kNameAt = 1 + (wire::kHeaderSize - 2);
    /// The packet's shape, as server/wire checked it (make_key, plain_name).
    wire::PlainQuery plain;
    const std::uint8_t* lowered_name() const { return bytes + kNameAt; }
};

/// A question whose name does not exist in its zone (AnswerPlan::nonexistent_under):
/// NXDOMAIN below `node`, the closest encloser, or an answer synthesised from `node`, a
/// wildcard. Its answer is the same for every such name but for the name itself.
struct Nonexistent {
    const model::Node* node = nullptr;
    model::Match match = model::Match::NxDomain;
};

/// What a copy of a forwarded answer keeps of the forwarder's entry it was written
/// from (Forwarder::answer_from_cache fills it; the times are the forwarder's clock).
struct ForwardedCopy {
    using Clock = std::chrono::steady_clock;
    /// Records whose TTLs a copy counts down, at most: larger answers are not copied.
    static constexpr std::size_t kMaxTtls = 16;
    Clock::time_point stored;   ///< when the entry was stored
    Clock::time_point expires;  ///< when it stops being fresh
    std::uint32_t age = 0;      ///< seconds the answer's TTLs were counted down by
    base::Versions::Stamp version;
    /// Where the answer's TTLs are; 0 of them: the answer is not to be copied (not a
    /// positive answer, truncated, more than kMaxTtls records, or a miss).
    std::uint8_t ttl_count = 0;
    std::uint16_t ttl_offsets[kMaxTtls];
};

class PacketCache {
  public:
    /// Answers up to this size are kept (the classic UDP bound; larger ones are rare).
    static constexpr std::size_t kMaxAnswer = wire::kClassicUdpSize;
    static constexpr std::size_t kDefaultEntries = 8192;
    /// Entries per set. Two left 3% of conflict misses among the 2,000 names asked of a
    /// 1,000-site view (bench_core, sites scenario); four hold them.
    static constexpr std::size_t kWays = 4;

    /// `entries` is rounded up to a power of two, at least kWays.
    explicit PacketCache(std::size_t entries = kDefaultEntries);
    ~PacketCache();
    PacketCache(const PacketCache&) = delete;
    PacketCache& operator=(const PacketCache&) = delete;

    /// Fills `key` from a packet shaped as a plain query (wire::PlainQuery::match)
    /// received over `transport`; false when it is anything else, which then always takes
    /// the full path. The name's labels are not read here: a key equal to a stored one is
    /// a query whose name was checked, so only a miss asks plain_name() before the key is
    /// used further.
    static bool make_key(std::span<const std::uint8_t> packet, Transport transport, AnswerKey& key);
    /// True when the name of the packet make_key() made `key` from is one well-formed
    /// uncompressed name (wire::PlainQuery::check_name).
    static bool plain_name(AnswerKey& key);

    /// Writes the answer stored for `key` from `view` of `snapshot` into `out`, with the
    /// ID and name case of `packet` (the query `key` was made from); returns its length,
    /// 0 on a miss.
    std::size_t find(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                     std::span<const std::uint8_t> packet, std::span<std::uint8_t> out);

    /// Keeps `answer`, encoded for `key` with `patches` noted, from `view` of `snapshot`
    /// (if small enough and it holds the question), in place of the least recently stored
    /// entry of its set.
    void store(const Snapshot& snapshot, const View* view, const AnswerKey& key,
               std::span<const std::uint8_t> answer, const wire::AnswerPatches& patches);

    /// Answers for names that do not exist, as templates: unique names (typos, random
    /// labels, wildcard hosts) would each take an entry of their own and push known
    /// answers out. One template per node, view, transport and the query's type, flags
    /// and OPT; the query's own name goes into it and the compression pointers that
    /// point past it move with it. Returns the answer's length, 0 on a miss or when it
    /// would not fit `out`.
    std::size_t find_nonexistent(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                                 Nonexistent name, std::span<const std::uint8_t> packet,
                                 std::span<std::uint8_t> out);
    /// Keeps `answer`, encoded for `key` with `patches` noted, as the template of `name`
    /// (see find_nonexistent): unless some name of it points into the question's own
    /// labels, or a longer name could have made it truncate within `limit`.
    void store_nonexistent(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                           Nonexistent name, std::span<const std::uint8_t> answer,
                           const wire::AnswerPatches& patches, std::size_t limit);

    /// Keeps `answer`, a forwarded answer to the plain query of `key` from `view` of
    /// `snapshot`, as a copy of the forwarder's entry `copy` describes: found while that
    /// entry is fresh and unchanged, with its TTLs counted down as the forwarder does
    /// (RFC 1035 §3.2.1). Nothing is kept when `copy` has no TTLs.
    void store_forwarded(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                         std::span<const std::uint8_t> answer, const ForwardedCopy& copy);
    /// True when the last find() that hit gave a forwarded answer.
    bool last_hit_forwarded() const { return last_hit_forwarded_; }
    /// Records kept per forwarded answer (each TTL is counted down).
    static constexpr std::size_t kMaxTtls = ForwardedCopy::kMaxTtls;
    /// The clock forwarded answers age by (a test sets its own).
    using Clock = std::chrono::steady_clock;
    void set_clock(Clock::time_point (*now)()) { clock_ = now; }

    /// snapshot.view_for(client), remembered for the last client asked: a resolver or
    /// mail host sends its queries from one address, so this is usually a compare
    /// instead of a prefix-table lookup.
    const View* view_for(const Snapshot& snapshot, const IpAddress& client) {
        if (&snapshot != view_snapshot_ || snapshot.generation != view_generation_ ||
            !same_address(client, view_client_)) [[unlikely]] {
            view_snapshot_ = &snapshot;
            view_generation_ = snapshot.generation;
            view_client_ = client;
            view_ = snapshot.view_for(client);
        }
        return view_;
    }

    /// Hits and misses since construction (this thread only), and the misses answered
    /// from a template of find_nonexistent().
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }
    std::uint64_t templated() const { return templated_; }

  private:
    /// a == b in two word compares (IpAddress's == compares its bytes with a call).
    static bool same_address(const IpAddress& a, const IpAddress& b) {
        std::uint64_t x[2];
        std::uint64_t y[2];
        std::memcpy(x, a.bytes.data(), sizeof x);
        std::memcpy(y, b.bytes.data(), sizeof y);
        return a.family == b.family && x[0] == y[0] && x[1] == y[1];
    }
    struct Entry;
    Entry* set_of(std::uint64_t hash, const View* view) const;

    struct FreeEntries {
        void operator()(Entry* entries) const;
    };
    std::unique_ptr<Entry, FreeEntries> entries_;
    std::size_t set_mask_ = 0;  ///< sets - 1; kWays entries per set
    std::uint64_t stamp_ = 0;   ///< store counter: the smaller stamp is replaced
    static bool same_key(const Entry& e, const Snapshot& snapshot, const View* view,
                         const AnswerKey& key);
    /// Counts the TTLs of forwarded entry `e`, copied into `out`, down by its age;
    /// false when the forwarder's entry is no longer fresh or no longer the same.
    bool count_down(const Entry& e, std::span<std::uint8_t> out) const;
    /// The entry `answer` now fills (callers check it with holds_question first).
    Entry* store_entry(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                       std::span<const std::uint8_t> answer);

    Clock::time_point (*clock_)() = &Clock::now;
    bool last_hit_forwarded_ = false;
    const Snapshot* view_snapshot_ = nullptr;
    std::uint64_t view_generation_ = 0;
    IpAddress view_client_;
    const View* view_ = nullptr;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
    std::uint64_t templated_ = 0;
};

}  // namespace sitedns::query
