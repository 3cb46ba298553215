#include "server/query/answer_cache.h"

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

/// Copies the `n` bytes of a name lowercased into `to` (which has room for n + 7) and
/// returns a hash of them; `readable` bytes may be read from `from` (n and what follows
/// it in the packet), so the name's last bytes are read as one word whenever there are
/// eight to read.
std::uint64_t copy_name(std::uint8_t* to, const std::uint8_t* from, std::size_t n,
                        std::size_t readable) {
    if (readable < (n + 7) / 8 * 8) return dns::copy_lower_hash(to, from, n);
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
    std::uint64_t h = n;
    for (std::size_t i = 0; i < n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, from + i, 8);
        if (n - i < 8) word &= (std::uint64_t{1} << (8 * (n - i))) - 1;  // little-endian
        word = dns::lower_word(word);
        std::memcpy(to + i, &word, 8);  // bytes past the name are overwritten after
        h = (h ^ word) * kMul;
    }
    return h ^ (h >> 29);
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
    for (std::size_t i = 0; i < key.name_size; ++i) {
        if (dns::lower(answer[wire::kHeaderSize + i]) != key.bytes[kNameAt + i]) return false;
    }
    return true;
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
    const std::uint64_t name_hash = copy_name(key.bytes + kNameAt, p + wire::kHeaderSize, name,
                                              packet.size() - wire::kHeaderSize);
    std::memcpy(key.bytes + kNameAt + name, tail, rest);
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
        if (e.stamp == 0 || e.hash != key.hash || e.view != view || e.snapshot != &snapshot ||
            e.generation != snapshot.generation || e.key_size != key.size ||
            std::memcmp(e.key, key.bytes, key.size) != 0 || e.answer_size > out.size()) {
            continue;
        }
        std::memcpy(out.data(), e.answer, e.answer_size);
        // The query's own ID, and its name as sent: answer names that repeat it are
        // compression pointers into the question, so they follow its case too.
        std::memcpy(out.data(), packet.data(), 2);
        std::memcpy(out.data() + wire::kHeaderSize, packet.data() + wire::kHeaderSize,
                    key.name_size);
        ++hits_;
        return e.answer_size;
    }
    ++misses_;
    return 0;
}

void AnswerCache::store(const runtime::Snapshot& snapshot, const runtime::View* view,
                        const AnswerKey& key, std::span<const std::uint8_t> answer) {
    if (!holds_question(answer, key)) return;
    Entry* set = set_of(key.hash, view);
    Entry& e = set[0].stamp <= set[1].stamp ? set[0] : set[1];
    e.hash = key.hash;
    e.stamp = ++stamp_;
    e.snapshot = &snapshot;
    e.generation = snapshot.generation;
    e.view = view;
    e.key_size = static_cast<std::uint16_t>(key.size);
    e.answer_size = static_cast<std::uint16_t>(answer.size());
    std::memcpy(e.key, key.bytes, key.size);
    std::memcpy(e.answer, answer.data(), answer.size());
}

}  // namespace sitedns::query
