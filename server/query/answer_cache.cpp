#include "server/query/answer_cache.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "server/query/responder.h"
#include "server/wire/header.h"
#include "zones/dns/name.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::query {

struct AnswerCache::Entry {
    std::uint64_t hash;
    std::uint64_t stamp;  ///< 0: empty
    const runtime::Snapshot* snapshot;
    std::uint64_t generation;
    const runtime::View* view;
    std::uint16_t key_size;
    std::uint16_t answer_size;
    // Forwarded answers only (expires != 0): when stored and until when fresh, in
    // nanoseconds of the cache's clock, and where the TTLs to count down are.
    std::int64_t stored;
    std::int64_t expires;
    std::uint8_t ttl_count;
    std::uint16_t ttls[kMaxTtls];
    std::uint8_t key[AnswerKey::kMaxSize];
    std::uint8_t answer[kMaxAnswer];
};

namespace {

constexpr std::size_t kOptSize = 11;  // root owner, type, class, TTL, RDLENGTH 0
constexpr std::uint16_t kOptType = 41;
constexpr std::size_t kNameAt = 11;  // in the key: after the transport, flags and counts

std::uint16_t u16_at(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

/// The length of the uncompressed question name at packet[12, ...), or 0 unless it is
/// one well-formed uncompressed name (pointers and retired label types take the full
/// path).
std::size_t name_size(std::span<const std::uint8_t> packet) {
    std::size_t at = wire::kHeaderSize;
    while (at < packet.size() && packet[at] != 0) {
        if (packet[at] > dns::kMaxLabel) return 0;
        at += 1 + std::size_t{packet[at]};
    }
    const std::size_t size = at + 1 - wire::kHeaderSize;
    return at < packet.size() && size <= dns::kMaxNameWire ? size : 0;
}

std::int64_t ticks(AnswerCache::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::uint32_t u32_at(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

/// Skips the (maybe compressed) name at `at`; the offset past it, or 0 if malformed.
std::size_t skip_name(std::span<const std::uint8_t> m, std::size_t at) {
    while (at < m.size()) {
        const std::uint8_t length = m[at];
        if (length == 0) return at + 1;
        if ((length & 0xC0) == 0xC0) return at + 2 <= m.size() ? at + 2 : 0;
        if (length > dns::kMaxLabel) return 0;
        at += 1 + std::size_t{length};
    }
    return 0;
}

/// Where the TTLs of a forwarded answer are (every record but the OPT), and the
/// smallest; false unless it is a positive answer of at most kMaxTtls well-formed records.
bool find_ttls(std::span<const std::uint8_t> m, std::uint16_t* offsets, std::uint8_t& count,
               std::uint32_t& smallest) {
    if (m.size() < wire::kHeaderSize || (m[3] & 0x0F) != 0 || u16_at(&m[6]) == 0) return false;
    const std::size_t records = std::size_t{u16_at(&m[6])} + u16_at(&m[8]) + u16_at(&m[10]);
    std::size_t at = skip_name(m, wire::kHeaderSize);
    if (at == 0 || (at += 4) > m.size()) return false;
    count = 0;
    smallest = UINT32_MAX;
    for (std::size_t i = 0; i < records; ++i) {
        at = skip_name(m, at);
        if (at == 0 || at + 10 > m.size()) return false;
        const std::size_t end = at + 10 + u16_at(&m[at + 8]);
        if (end > m.size()) return false;
        if (u16_at(&m[at]) != kOptType) {
            if (count == AnswerCache::kMaxTtls) return false;
            offsets[count++] = static_cast<std::uint16_t>(at + 4);
            smallest = std::min(smallest, u32_at(&m[at + 4]));
        }
        at = end;
    }
    return at == m.size() && count != 0;
}

/// True for an OPT record owned by the root with no options: all an ordinary resolver
/// sends (options such as ECS or cookies make the answer depend on more than the bytes).
bool plain_opt(const std::uint8_t* p) {
    return p[0] == 0 && u16_at(p + 1) == kOptType && u16_at(p + 9) == 0;
}

/// True when `answer` fits an entry and repeats the question of `key` at offset 12,
/// where find() writes the query's own name.
bool holds_question(std::span<const std::uint8_t> answer, const AnswerKey& key) {
    if (answer.size() > AnswerCache::kMaxAnswer ||
        answer.size() < wire::kHeaderSize + key.name_size || u16_at(answer.data() + 4) != 1) {
        return false;
    }
    return dns::equal_lower(answer.data() + wire::kHeaderSize, key.bytes + kNameAt, key.name_size);
}

}  // namespace

void AnswerCache::FreeEntries::operator()(Entry* entries) const {
    std::free(entries);
}

AnswerCache::AnswerCache(std::size_t entries) {
    std::size_t sets = 1;
    while (sets * 2 < entries) sets *= 2;
    // calloc: fresh zero pages, backed by memory only once an entry is written.
    auto* memory = static_cast<Entry*>(std::calloc(sets * 2, sizeof(Entry)));
    if (memory == nullptr) throw std::bad_alloc();
    entries_.reset(memory);
    set_mask_ = sets - 1;
}

AnswerCache::~AnswerCache() = default;

AnswerCache::Entry* AnswerCache::set_of(std::uint64_t hash, const runtime::View* view) const {
    // The view too: the same question from many sites' views must not share one set.
    const auto mixed = hash ^ (reinterpret_cast<std::uintptr_t>(view) * 0x9E3779B97F4A7C15ull);
    return entries_.get() + 2 * ((mixed ^ (mixed >> 32)) & set_mask_);
}

bool AnswerCache::make_key(std::span<const std::uint8_t> packet, Transport transport,
                           AnswerKey& key) {
    if (packet.size() < wire::kHeaderSize + 5) return false;
    const std::uint8_t* p = packet.data();
    // One question, nothing else but maybe an OPT (QDCOUNT 1, ANCOUNT 0, NSCOUNT 0).
    if (u16_at(p + 4) != 1 || u16_at(p + 6) != 0 || u16_at(p + 8) != 0) return false;
    const std::uint16_t additional = u16_at(p + 10);
    if (additional > 1) return false;
    // Key: the transport, then flags and counts, the name lowercased, type and class, OPT.
    key.bytes[0] = static_cast<std::uint8_t>(transport);
    std::memcpy(key.bytes + 1, p + 2, 10);
    const std::size_t name = name_size(packet);
    if (name == 0) return false;
    const std::size_t rest = packet.size() - wire::kHeaderSize - name;
    if (rest != 4 + additional * kOptSize) return false;
    const std::uint8_t* tail = p + wire::kHeaderSize + name;
    if (additional == 1 && !plain_opt(tail + 4)) return false;
    // The hash covers the name and type, which tell most keys apart; find() compares
    // the whole key.
    // The packet holds the name and at least 4 more bytes, the key room for 7 past it: the
    // name's last bytes are copied as one word whenever the packet has them.
    const std::uint64_t name_hash = dns::copy_lower_hash(key.bytes + kNameAt, p + wire::kHeaderSize,
                                                         name, packet.size() - wire::kHeaderSize);
    // Type and class, then the OPT if there is one: fixed-size copies, no library call.
    std::memcpy(key.bytes + kNameAt + name, tail, 4);
    if (additional == 1) std::memcpy(key.bytes + kNameAt + name + 4, tail + 4, kOptSize);
    key.name_size = name;
    key.size = kNameAt + name + rest;
    key.hash = (name_hash ^ u16_at(tail)) * 0x9E3779B97F4A7C15ull;
    return true;
}

std::size_t AnswerCache::find(const runtime::Snapshot& snapshot, const runtime::View* view,
                              const AnswerKey& key, std::span<const std::uint8_t> packet,
                              std::span<std::uint8_t> out) {
    Entry* set = set_of(key.hash, view);
    for (int way = 0; way < 2; ++way) {
        const Entry& e = set[way];
        if (!same_key(e, snapshot, view, key) || e.answer_size > out.size()) continue;
        std::memcpy(out.data(), e.answer, e.answer_size);
        // The query's own ID, and its name as sent: answer names that repeat it are
        // compression pointers into the question, so they follow its case too.
        std::memcpy(out.data(), packet.data(), 2);
        std::memcpy(out.data() + wire::kHeaderSize, packet.data() + wire::kHeaderSize,
                    key.name_size);
        last_hit_forwarded_ = e.expires != 0;
        if (last_hit_forwarded_ && !count_down(e, out)) break;  // no longer fresh
        ++hits_;
        return e.answer_size;
    }
    ++misses_;
    return 0;
}

bool AnswerCache::same_key(const Entry& e, const runtime::Snapshot& snapshot,
                           const runtime::View* view, const AnswerKey& key) {
    return e.stamp != 0 && e.hash == key.hash && e.view == view && e.snapshot == &snapshot &&
           e.generation == snapshot.generation && e.key_size == key.size &&
           std::memcmp(e.key, key.bytes, key.size) == 0;
}

bool AnswerCache::count_down(const Entry& e, std::span<std::uint8_t> out) const {
    const std::int64_t now = ticks(clock_());
    if (now >= e.expires) return false;
    const auto age = static_cast<std::uint32_t>((now - e.stored) / 1'000'000'000);
    for (std::size_t i = 0; i < e.ttl_count; ++i) {
        std::uint8_t* field = out.data() + e.ttls[i];
        const std::uint32_t ttl = u32_at(field) - age;  // the smallest TTL bounds the age
        field[0] = static_cast<std::uint8_t>(ttl >> 24);
        field[1] = static_cast<std::uint8_t>(ttl >> 16);
        field[2] = static_cast<std::uint8_t>(ttl >> 8);
        field[3] = static_cast<std::uint8_t>(ttl);
    }
    return true;
}

void AnswerCache::remember_forwarded(const runtime::Snapshot& snapshot, const runtime::View* view,
                                     const AnswerKey& key) {
    forwarded_snapshot_ = &snapshot;
    forwarded_view_ = view;
    std::memcpy(forwarded_key_.get(), &key, sizeof key);
}

void AnswerCache::store_forwarded(std::span<const std::uint8_t> answer, std::uint32_t fresh_for) {
    if (forwarded_snapshot_ == nullptr) return;
    const runtime::Snapshot& snapshot = *forwarded_snapshot_;
    forwarded_snapshot_ = nullptr;  // one answer per forwarded query
    std::uint16_t ttls[kMaxTtls];
    std::uint8_t count = 0;
    std::uint32_t smallest = 0;
    if (!find_ttls(answer, ttls, count, smallest)) return;
    const std::uint32_t seconds = std::min(fresh_for, smallest);
    if (seconds == 0) return;
    Entry* e = store_entry(snapshot, forwarded_view_, *forwarded_key_, answer);
    if (e == nullptr) return;
    e->stored = ticks(clock_());
    e->expires = e->stored + std::int64_t{seconds} * 1'000'000'000;
    e->ttl_count = count;
    std::copy_n(ttls, count, e->ttls);
}

void AnswerCache::store(const runtime::Snapshot& snapshot, const runtime::View* view,
                        const AnswerKey& key, std::span<const std::uint8_t> answer) {
    if (Entry* e = store_entry(snapshot, view, key, answer); e != nullptr) e->expires = 0;
}

AnswerCache::Entry* AnswerCache::store_entry(const runtime::Snapshot& snapshot,
                                             const runtime::View* view, const AnswerKey& key,
                                             std::span<const std::uint8_t> answer) {
    if (!holds_question(answer, key)) return nullptr;
    Entry* set = set_of(key.hash, view);
    // The entry of the same question if there is one (an answer replaces its older
    // self), else the least recently stored of the set.
    Entry* slot = set[0].stamp <= set[1].stamp ? &set[0] : &set[1];
    for (int way = 0; way < 2; ++way) {
        if (same_key(set[way], snapshot, view, key)) slot = &set[way];
    }
    Entry& e = *slot;
    e.hash = key.hash;
    e.stamp = ++stamp_;
    e.snapshot = &snapshot;
    e.generation = snapshot.generation;
    e.view = view;
    e.key_size = static_cast<std::uint16_t>(key.size);
    e.answer_size = static_cast<std::uint16_t>(answer.size());
    std::memcpy(e.key, key.bytes, key.size);
    std::memcpy(e.answer, answer.data(), answer.size());
    return &e;
}

}  // namespace sitedns::query
