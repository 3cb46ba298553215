// Threads: see server/query/packet_cache.h.
#include "server/query/packet_cache.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "server/query/responder.h"
#include "server/wire/header.h"
#include "server/wire/limits.h"
#include "zones/dns/name.h"
#include "zones/dns/types.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::query {

struct PacketCache::Entry {
    std::uint64_t hash;
    std::uint64_t stamp;  ///< 0: empty
    const Snapshot* snapshot;
    std::uint64_t generation;
    const View* view;
    std::uint16_t key_size;
    std::uint16_t answer_size;
    // Forwarded answers only (expires != 0): when the forwarder stored its entry and
    // until when it is fresh, in nanoseconds of the cache's clock, the seconds the copy's
    // TTLs were counted down by, and the entry's version.
    std::int64_t stored;
    std::int64_t expires;
    std::uint32_t age;
    base::Versions::Stamp version;
    // Forwarded answers: where the TTLs to count down are. Templates of names that do
    // not exist: where the pointers to move are and where they point (the encoder's
    // patch list), and the length of the question name the answer was written for.
    std::uint8_t offset_count;
    std::uint16_t offsets[std::max(kMaxTtls, wire::AnswerPatches::kMax)];
    std::uint16_t targets[wire::AnswerPatches::kMax];
    std::uint8_t question_size;
    std::uint8_t key[AnswerKey::kMaxSize];
    std::uint8_t answer[kMaxAnswer];
};

namespace {

constexpr std::size_t kNameAt = AnswerKey::kNameAt;  // after the transport, flags, counts

std::int64_t ticks(PacketCache::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// True when a forwarded `answer` fits an entry and repeats the question of `key` at
/// offset 12, where find() writes the query's own name.
bool holds_question(std::span<const std::uint8_t> answer, const AnswerKey& key) {
    if (answer.size() > PacketCache::kMaxAnswer ||
        answer.size() < wire::kHeaderSize + key.name_size || wire::Header(answer).qdcount() != 1) {
        return false;
    }
    // Both names have a header or the key's prefix before them.
    return dns::equal_lower_framed(answer.data() + wire::kHeaderSize, key.bytes + kNameAt,
                                   key.name_size);
}

/// The key of the template for `name`: the query's key with the node (and how the name
/// relates to it) in place of the name. A byte above 63 where a name's first label
/// length would be keeps it apart from every query's own key.
void nonexistent_key(const AnswerKey& key, Nonexistent name, AnswerKey& out) {
    std::memcpy(out.bytes, key.bytes, kNameAt);
    out.bytes[kNameAt] = static_cast<std::uint8_t>(0xC0 | static_cast<std::uint8_t>(name.match));
    std::memcpy(out.bytes + kNameAt + 1, &name.node, sizeof name.node);
    const std::size_t rest = key.size - kNameAt - key.name_size;  // type, class, OPT
    const std::size_t at = kNameAt + 1 + sizeof name.node;
    std::memcpy(out.bytes + at, key.bytes + kNameAt + key.name_size, rest);
    out.size = at + rest;
    out.name_size = key.name_size;
    // The hash covers the flags, type and OPT too: queries that differ only there (dig's
    // and a stub resolver's) would otherwise share one set.
    std::uint64_t words[3] = {};
    std::memcpy(words, key.bytes + 1, 2);
    std::memcpy(reinterpret_cast<std::uint8_t*>(words) + 2, key.bytes + kNameAt + key.name_size,
                rest);
    const auto node = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(name.node));
    std::uint64_t hash = node ^ static_cast<std::uint64_t>(name.match) << 60;
    for (std::uint64_t word : words) hash = (hash ^ word) * 0x9E3779B97F4A7C15ull;
    out.hash = hash;
}

/// True when an encoded answer fits an entry and its question is the one `key` was
/// made from (the encoder wrote the query's own name), where find() writes the name of
/// the query it answers.
bool fits_entry(std::span<const std::uint8_t> answer, const wire::AnswerPatches& patches,
                const AnswerKey& key) {
    return answer.size() <= PacketCache::kMaxAnswer && patches.question_size == key.name_size;
}

/// The pointers of a template that move with the question's length: those into the
/// encloser's labels of the question or past the question, with their targets. False
/// when a pointer makes the answer depend on the name's other labels: one into them, or
/// one to the whole name from anything but a record's owner (an RDATA name that happens
/// to equal it). All from the encoder's patch list: the answer is not read again.
bool movable_pointers(std::size_t question_size, std::size_t encloser_size,
                      const wire::AnswerPatches& patches, std::uint16_t* offsets,
                      std::uint16_t* targets, std::uint8_t& count) {
    const wire::PointerLog& pointers = patches.pointers;
    if (pointers.overflow) return false;
    const std::size_t encloser_at = wire::kHeaderSize + question_size - encloser_size;
    count = 0;
    for (std::size_t i = 0; i < pointers.count; ++i) {
        const std::size_t target = pointers.target[i];
        if (target >= encloser_at) {
            offsets[count] = pointers.at[i];
            targets[count++] = pointers.target[i];
        } else if (target != wire::kHeaderSize || !patches.ends_owner(pointers.at[i])) {
            return false;
        }
    }
    return true;
}

}  // namespace

void PacketCache::FreeEntries::operator()(Entry* entries) const {
    std::free(entries);
}

PacketCache::PacketCache(std::size_t entries) {
    std::size_t sets = 1;
    while (sets * kWays < entries) sets *= 2;
    // calloc: fresh zero pages, backed by memory only once an entry is written.
    auto* memory = static_cast<Entry*>(std::calloc(sets * kWays, sizeof(Entry)));
    if (memory == nullptr) throw std::bad_alloc();
    entries_.reset(memory);
    set_mask_ = sets - 1;
}

PacketCache::~PacketCache() = default;

PacketCache::Entry* PacketCache::set_of(std::uint64_t hash, const View* view) const {
    // A fast hash of names that clients choose, not SipHash (keyed_hash.h), on purpose:
    // the table is a fixed array of sets of kWays entries, with no chains and no
    // resizing, so names aimed at one set can only evict that set's kWays entries. An
    // evicted answer is answered again in full, correctly, at a lookup's cost; and any
    // client can evict as much by sending enough different names, colliding or not.
    // SipHash here would add its cost to every hit and change none of these bounds.
    // The view too: the same question from many sites' views must not share one set.
    const auto mixed = hash ^ (reinterpret_cast<std::uintptr_t>(view) * 0x9E3779B97F4A7C15ull);
    return entries_.get() + kWays * ((mixed ^ (mixed >> 32)) & set_mask_);
}

bool PacketCache::make_key(std::span<const std::uint8_t> packet, Transport transport,
                           AnswerKey& key) {
    // The shape (server/wire/plain_query.h). Its labels are not walked here
    // (plain_name() does, on a miss): a hit matched a key made from a query that had
    // them checked, and a label length (at most 63) is never a letter, so equal keys are
    // the same labels.
    if (!key.plain.match(packet)) return false;
    const std::uint8_t* p = packet.data();
    const std::size_t name = key.plain.name_size();
    const std::uint8_t* tail = key.plain.tail().data();
    const std::size_t rest = key.plain.tail().size();
    // Key: the transport, then flags and counts, the name lowercased, type and class, OPT.
    key.bytes[0] = static_cast<std::uint8_t>(transport);
    std::memcpy(key.bytes + 1, p + 2, wire::kHeaderSize - 2);
    // The hash covers the name and type, which tell most keys apart; find() compares
    // the whole key. The header is before the name and the key has room past it, so
    // the name's last bytes go as one word (framed).
    const std::uint64_t name_hash =
        dns::copy_lower_hash(key.bytes + kNameAt, p + wire::kHeaderSize, name, true);
    // Type and class, then the OPT if there is one: fixed-size copies, no library call.
    std::memcpy(key.bytes + kNameAt + name, tail, wire::kQuestionTail);
    if (key.plain.has_opt()) {
        std::memcpy(key.bytes + kNameAt + name + wire::kQuestionTail, tail + wire::kQuestionTail,
                    wire::kOptSize);
    }
    key.name_size = name;
    key.size = kNameAt + name + rest;
    key.hash = (name_hash ^ key.plain.qtype()) * 0x9E3779B97F4A7C15ull;
    return true;
}

bool PacketCache::plain_name(AnswerKey& key) {
    return key.plain.check_name();
}

std::size_t PacketCache::find(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                              std::span<const std::uint8_t> packet, std::span<std::uint8_t> out) {
    Entry* set = set_of(key.hash, view);
    for (std::size_t way = 0; way < kWays; ++way) {
        const Entry& e = set[way];
        if (!same_key(e, snapshot, view, key) || e.answer_size > out.size()) continue;
        std::memcpy(out.data(), e.answer, e.answer_size);
        wire::take_id_and_name(out, packet, key.name_size);
        last_hit_forwarded_ = e.expires != 0;
        if (last_hit_forwarded_ && !count_down(e, out)) break;  // no longer fresh
        ++hits_;
        return e.answer_size;
    }
    ++misses_;
    return 0;
}

bool PacketCache::same_key(const Entry& e, const Snapshot& snapshot, const View* view,
                           const AnswerKey& key) {
    return e.stamp != 0 && e.hash == key.hash && e.view == view && e.snapshot == &snapshot &&
           e.generation == snapshot.generation && e.key_size == key.size &&
           std::memcmp(e.key, key.bytes, key.size) == 0;
}

bool PacketCache::count_down(const Entry& e, std::span<std::uint8_t> out) const {
    const std::int64_t now = ticks(clock_());
    if (now >= e.expires || !base::Versions::current(e.version)) return false;
    // The forwarder's age of its entry, less what the copy was counted down by already:
    // the TTLs are those the forwarder would write now.
    const auto age = static_cast<std::uint32_t>((now - e.stored) / 1'000'000'000);
    const std::uint32_t more = age > e.age ? age - e.age : 0;
    for (std::size_t i = 0; i < e.offset_count; ++i) wire::count_down_ttl(out, e.offsets[i], more);
    return true;
}

std::size_t PacketCache::find_nonexistent(const Snapshot& snapshot, const View* view,
                                          const AnswerKey& key, Nonexistent name,
                                          std::span<const std::uint8_t> packet,
                                          std::span<std::uint8_t> out) {
    AnswerKey template_key;
    nonexistent_key(key, name, template_key);
    const Entry* set = set_of(template_key.hash, view);
    for (std::size_t way = 0; way < kWays; ++way) {
        const Entry& e = set[way];
        if (!same_key(e, snapshot, view, template_key)) continue;
        const std::size_t old_end = wire::kHeaderSize + e.question_size;
        const std::size_t size = e.answer_size - e.question_size + key.name_size;
        if (size > out.size()) return 0;
        // The stored header, the query's ID and name, then everything after the name.
        std::memcpy(out.data(), e.answer, wire::kHeaderSize);
        wire::take_id_and_name(out, packet, key.name_size);
        std::memcpy(out.data() + wire::kHeaderSize + key.name_size, e.answer + old_end,
                    e.answer_size - old_end);
        const std::ptrdiff_t shift =
            std::ptrdiff_t(key.name_size) - std::ptrdiff_t(e.question_size);
        for (std::size_t i = 0; i < e.offset_count; ++i) {
            wire::write_pointer(out, e.offsets[i] + shift, e.targets[i] + shift);
        }
        ++templated_;
        return size;
    }
    return 0;
}

void PacketCache::store_nonexistent(const Snapshot& snapshot, const View* view,
                                    const AnswerKey& key, Nonexistent name,
                                    std::span<const std::uint8_t> answer,
                                    const wire::AnswerPatches& patches, std::size_t limit) {
    // The longest name must fit as well: then no answer from the template truncates
    // or leaves records out where the full path would not.
    if (answer.size() - key.name_size + dns::kMaxNameWire > std::min(limit, kMaxAnswer) ||
        wire::Header(answer).tc() || !fits_entry(answer, patches, key)) {
        return;
    }
    const std::size_t encloser_size =
        name.match == model::Match::Wildcard ? name.node->key.size() - 2 : name.node->key.size();
    std::uint16_t offsets[wire::AnswerPatches::kMax];
    std::uint16_t targets[wire::AnswerPatches::kMax];
    std::uint8_t count = 0;
    if (!movable_pointers(key.name_size, encloser_size, patches, offsets, targets, count)) return;
    AnswerKey template_key;
    nonexistent_key(key, name, template_key);
    Entry* e = store_entry(snapshot, view, template_key, answer);
    e->expires = 0;
    e->question_size = static_cast<std::uint8_t>(key.name_size);
    e->offset_count = count;
    std::copy_n(offsets, count, e->offsets);
    std::copy_n(targets, count, e->targets);
}

void PacketCache::store_forwarded(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                                  std::span<const std::uint8_t> answer, const ForwardedCopy& copy) {
    if (copy.ttl_count == 0 || key.size == 0 || !holds_question(answer, key)) return;
    Entry* e = store_entry(snapshot, view, key, answer);
    e->stored = ticks(copy.stored);
    e->expires = ticks(copy.expires);
    e->age = copy.age;
    e->version = copy.version;
    e->offset_count = copy.ttl_count;
    std::copy_n(copy.ttl_offsets, copy.ttl_count, e->offsets);
}

void PacketCache::store(const Snapshot& snapshot, const View* view, const AnswerKey& key,
                        std::span<const std::uint8_t> answer, const wire::AnswerPatches& patches) {
    if (!fits_entry(answer, patches, key)) return;
    store_entry(snapshot, view, key, answer)->expires = 0;
}

PacketCache::Entry* PacketCache::store_entry(const Snapshot& snapshot, const View* view,
                                             const AnswerKey& key,
                                             std::span<const std::uint8_t> answer) {
    Entry* set = set_of(key.hash, view);
    // The entry of the same question if there is one (an answer replaces its older
    // self), else the least recently stored of the set.
    Entry* slot = &set[0];
    for (std::size_t way = 0; way < kWays; ++way) {
        if (set[way].stamp < slot->stamp) slot = &set[way];
    }
    for (std::size_t way = 0; way < kWays; ++way) {
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
