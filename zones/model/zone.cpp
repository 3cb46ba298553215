#include "zones/model/zone.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "zones/dns/name.h"
#include "zones/dns/types.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::model {
namespace {

std::string_view view_of(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// Offset of the name an MX, NS or SRV record points at (RFC 1035 §3.3, RFC 2782),
/// or -1 for other types.
int target_offset(std::uint16_t type) {
    switch (type) {
        case dns::rrtype::NS:
            return 0;
        case dns::rrtype::MX:
            return 2;
        case dns::rrtype::SRV:
            return 6;
        default:
            return -1;
    }
}

bool has_upper(std::span<const std::uint8_t> bytes) {
    return std::any_of(bytes.begin(), bytes.end(),
                       [](std::uint8_t c) { return c != dns::lower(c); });
}

std::size_t index_capacity(std::size_t names) {
    std::size_t capacity = 16;
    while (capacity < names + names / 2) capacity *= 2;
    return capacity;
}

}  // namespace

/// Compiles ZoneData into a Zone: nodes in one vector, RRsets in another, names and
/// RDATA in one block of bytes, the name index an open-addressing table. While it runs,
/// node names view the records' own owner names; they move into the block at the end.
class ZoneBuilder {
  public:
    ZoneBuilder(const ZoneData& data, Zone& zone) : data_(data), zone_(zone) {}

    void build(ZoneMode mode) {
        const std::size_t count = data_.records.size();
        zone_.transparent_ = mode == ZoneMode::Transparent;
        zone_.source_ = data_.source;
        zone_.generated_ = data_.generated;
        zone_.dnssec_dropped_ = data_.dnssec_dropped;
        zone_.dnssec_types_ = data_.dnssec_types;
        zone_.record_count_ = count;
        zone_.origin_ = data_.origin;
        zone_.key_ = data_.origin.key();
        zone_.origin_labels_ = data_.origin.label_count();
        zone_.index_.assign(index_capacity(count), Zone::Slot{Zone::kEmpty, 0});
        zone_.index_mask_ = zone_.index_.size() - 1;
        zone_.nodes_.reserve(count + 1);

        intern_owners();
        (void)intern(data_.origin.wire());  // a zone without SOA may have nothing there
        add_empty_non_terminals();
        group_records();
        add_rrsets();
        store_bytes();
        if (zone_.nodes_.capacity() > zone_.nodes_.size() + zone_.nodes_.size() / 8) {
            zone_.nodes_.shrink_to_fit();
        }
        // Sized for one name per record at first: smaller when owners have many records.
        if (index_capacity(zone_.nodes_.size()) < zone_.index_.size()) {
            rehash(index_capacity(zone_.nodes_.size()));
        }
        for (std::size_t i = 0; i < zone_.nodes_.size(); ++i) {
            zone_.nodes_[i].rrsets = std::span<const RRset>(zone_.rrsets_.data() + first_rrset_[i],
                                                            first_rrset_[i + 1] - first_rrset_[i]);
        }
        link();
    }

  private:
    [[noreturn]] void fail(const Record& record, const std::string& reason) const {
        throw ZoneError(data_.source + ": " + record.where + ": " + reason);
    }

    /// The node named `name` (any case), made when missing.
    std::uint32_t intern(std::span<const std::uint8_t> name) {
        const std::uint64_t hash = dns::hash_lower(name.data(), name.size());
        const auto tag = static_cast<std::uint32_t>(hash >> 32);
        auto& index = zone_.index_;
        std::size_t i = hash & zone_.index_mask_;
        for (;; i = (i + 1) & zone_.index_mask_) {
            const Zone::Slot slot = index[i];
            if (slot.node == Zone::kEmpty) break;
            if (slot.tag == tag && dns::equal_nocase(zone_.nodes_[slot.node].name.wire(), name)) {
                return slot.node;
            }
        }
        const auto id = static_cast<std::uint32_t>(zone_.nodes_.size());
        zone_.nodes_.push_back(Node{dns::NameRef(name), {}, {}, false});
        index[i] = Zone::Slot{id, tag};
        if ((zone_.nodes_.size() + 1) * 10 > index.size() * 7) rehash(index.size() * 2);
        return id;
    }

    /// Rebuilds the name index with `capacity` slots (a power of two).
    void rehash(std::size_t capacity) {
        auto& index = zone_.index_;
        index.assign(capacity, Zone::Slot{Zone::kEmpty, 0});
        index.shrink_to_fit();
        zone_.index_mask_ = index.size() - 1;
        for (std::uint32_t id = 0; id < zone_.nodes_.size(); ++id) {
            const auto name = zone_.nodes_[id].name.wire();
            const std::uint64_t hash = dns::hash_lower(name.data(), name.size());
            std::size_t i = hash & zone_.index_mask_;
            while (index[i].node != Zone::kEmpty) i = (i + 1) & zone_.index_mask_;
            index[i] = Zone::Slot{id, static_cast<std::uint32_t>(hash >> 32)};
        }
    }

    void intern_owners() {
        const auto origin = data_.origin.wire();
        node_of_.resize(data_.records.size());
        for (std::size_t r = 0; r < data_.records.size(); ++r) {
            const Record& record = data_.records[r];
            if (!dns::at_or_below(record.owner.wire(), origin)) {
                fail(record,
                     record.owner.to_text() + " is outside the origin " + data_.origin.to_text());
            }
            node_of_[r] = intern(record.owner.wire());
        }
    }

    // Every name between an owner and the origin exists (RFC 4592 §2.2.2), even
    // without data, so NXDOMAIN and wildcard matching see it. A parent is a suffix of
    // its child's bytes; each node makes its parent, which in turn makes its own.
    void add_empty_non_terminals() {
        const std::size_t origin_size = data_.origin.wire().size();
        for (std::uint32_t id = 0; id < zone_.nodes_.size(); ++id) {
            const auto name = zone_.nodes_[id].name.wire();
            if (name.size() <= origin_size) continue;
            const auto parent = name.subspan(1u + name[0]);
            if (parent.size() > origin_size) intern(parent);
        }
    }

    /// order_: record numbers grouped by node, in file order within a node.
    void group_records() {
        const std::size_t nodes = zone_.nodes_.size();
        std::vector<std::uint32_t> start(nodes + 1, 0);
        for (const std::uint32_t node : node_of_) ++start[node + 1];
        for (std::size_t i = 0; i < nodes; ++i) start[i + 1] += start[i];
        order_.resize(node_of_.size());
        group_start_ = start;
        for (std::uint32_t r = 0; r < node_of_.size(); ++r) order_[start[node_of_[r]]++] = r;
    }

    /// The RRset of `type` among rrsets_[first, last), or -1.
    std::ptrdiff_t find_set(std::size_t first, std::size_t last, std::uint16_t type) const {
        for (std::size_t s = first; s < last; ++s) {
            if (zone_.rrsets_[s].type == type) return static_cast<std::ptrdiff_t>(s);
        }
        return -1;
    }

    /// One RRset per owner and type, in the order the types first appear; RDATA sizes
    /// counted (the bytes are placed by store_bytes()).
    void add_rrsets() {
        const std::size_t nodes = zone_.nodes_.size();
        zone_.rrsets_.reserve(nodes);
        first_rrset_.resize(nodes + 1);
        for (std::size_t n = 0; n < nodes; ++n) {
            first_rrset_[n] = static_cast<std::uint32_t>(zone_.rrsets_.size());
            for (std::uint32_t i = group_start_[n]; i < group_start_[n + 1]; ++i) {
                const Record& record = data_.records[order_[i]];
                if (record.rdata.size() > std::numeric_limits<std::uint16_t>::max()) {
                    fail(record, "RDATA longer than 65535 octets");
                }
                std::ptrdiff_t s = find_set(first_rrset_[n], zone_.rrsets_.size(), record.type);
                if (s < 0) {
                    s = static_cast<std::ptrdiff_t>(zone_.rrsets_.size());
                    zone_.rrsets_.push_back(RRset{record.type, record.ttl, {}, {}});
                    set_bytes_.push_back(0);
                    set_count_.push_back(0);
                }
                const auto at = static_cast<std::size_t>(s);
                RRset& set = zone_.rrsets_[at];
                // RFC 2181 §5.2: one TTL per RRset; differing ones are reduced to the lowest.
                set.ttl = std::min(set.ttl, record.ttl);
                set_bytes_[at] += 2 + record.rdata.size();
                ++set_count_[at];
            }
        }
        first_rrset_[nodes] = static_cast<std::uint32_t>(zone_.rrsets_.size());
        if (zone_.rrsets_.capacity() > zone_.rrsets_.size() + zone_.rrsets_.size() / 8) {
            zone_.rrsets_.shrink_to_fit();
        }
    }

    /// Moves every name (and its lowercased key when it has capitals) and every RDATA
    /// into one block.
    void store_bytes() {
        std::size_t total = 0;
        for (const Node& node : zone_.nodes_) {
            const auto name = node.name.wire();
            total += name.size() * (has_upper(name) ? 2 : 1);
        }
        for (const std::size_t bytes : set_bytes_) total += bytes;
        zone_.arena_.push_back(std::make_unique_for_overwrite<std::uint8_t[]>(total));
        std::uint8_t* at = zone_.arena_.back().get();

        for (Node& node : zone_.nodes_) {
            const auto name = node.name.wire();
            std::copy(name.begin(), name.end(), at);
            node.name = dns::NameRef(std::span<const std::uint8_t>(at, name.size()));
            std::uint8_t* key = at;
            at += name.size();
            if (has_upper(name)) {
                dns::copy_lower(at, key, name.size());
                key = at;
                at += name.size();
            }
            node.key = std::string_view(reinterpret_cast<const char*>(key), name.size());
        }

        std::vector<std::uint8_t*> cursor(zone_.rrsets_.size());
        for (std::size_t s = 0; s < zone_.rrsets_.size(); ++s) {
            cursor[s] = at;
            zone_.rrsets_[s].rdatas =
                RdataList(at, static_cast<std::uint32_t>(set_bytes_[s]), set_count_[s]);
            at += set_bytes_[s];
        }
        for (std::size_t n = 0; n < zone_.nodes_.size(); ++n) {
            for (std::uint32_t i = group_start_[n]; i < group_start_[n + 1]; ++i) {
                const Record& record = data_.records[order_[i]];
                const auto s = static_cast<std::size_t>(
                    find_set(first_rrset_[n], first_rrset_[n + 1], record.type));
                const auto length = static_cast<std::uint16_t>(record.rdata.size());
                std::memcpy(cursor[s], &length, sizeof length);
                std::copy(record.rdata.begin(), record.rdata.end(), cursor[s] + 2);
                cursor[s] += 2 + record.rdata.size();
            }
        }
    }

    void link() {
        zone_.apex_ = zone_.find_node(
            std::span(reinterpret_cast<const std::uint8_t*>(zone_.key_.data()), zone_.key_.size()));
        link_soa();
        for (Node& node : zone_.nodes_) {
            node.delegation = &node != zone_.apex_ && node.find(dns::rrtype::NS) != nullptr;
        }
        for (const Node& node : zone_.nodes_) {
            const std::string_view key = node.key;
            if (key.size() < 3 || key[0] != 1 || key[1] != '*') continue;
            const std::string_view parent = key.substr(2);
            const Node* above = zone_.find_node(
                std::span(reinterpret_cast<const std::uint8_t*>(parent.data()), parent.size()));
            if (above != nullptr)
                zone_.nodes_[static_cast<std::size_t>(above - zone_.nodes_.data())].wildcard =
                    &node;
        }
        std::vector<std::pair<std::size_t, std::size_t>> ranges(zone_.rrsets_.size());
        for (std::size_t s = 0; s < zone_.rrsets_.size(); ++s) {
            const std::size_t begin = zone_.additional_.size();
            link_additional(zone_.rrsets_[s]);
            ranges[s] = {begin, zone_.additional_.size() - begin};
        }
        for (std::size_t s = 0; s < zone_.rrsets_.size(); ++s) {
            if (ranges[s].second == 0) continue;
            zone_.rrsets_[s].additional = std::span<const Node* const>(
                zone_.additional_.data() + ranges[s].first, ranges[s].second);
        }
    }

    /// Finds the SOA and the negative TTL (RFC 2308 §5). Only a transparent zone may have
    /// none: its negative answers never come from it alone (SPEC §5).
    void link_soa() {
        zone_.soa_ = zone_.apex_->find(dns::rrtype::SOA);
        if (zone_.soa_ == nullptr && zone_.transparent_) return;
        if (zone_.soa_ == nullptr || zone_.soa_->rdatas.size() != 1) {
            throw ZoneError(data_.source + ": zone " + data_.origin.to_text() +
                            " needs exactly one SOA at its origin");
        }
        const Rdata soa_rdata = zone_.soa_->rdatas.front();
        if (soa_rdata.size() < 20) throw ZoneError(data_.source + ": malformed SOA");
        const std::size_t m = soa_rdata.size() - 4;
        const std::uint32_t minimum = std::uint32_t{soa_rdata[m]} << 24 |
                                      std::uint32_t{soa_rdata[m + 1]} << 16 |
                                      std::uint32_t{soa_rdata[m + 2]} << 8 | soa_rdata[m + 3];
        zone_.negative_ttl_ = std::min(zone_.soa_->ttl, minimum);
    }

    /// True when the node is at or below a zone cut: not authoritative data (RFC 1034
    /// §4.2.1).
    bool occluded(const Node& node) const {
        const auto key =
            std::span(reinterpret_cast<const std::uint8_t*>(node.key.data()), node.key.size());
        for (dns::SuffixWalk walk(key); walk.next() && walk.suffix().size() > zone_.key_.size();) {
            const Node* above = zone_.find_node(walk.suffix());
            if (above != nullptr && above->delegation) return true;
        }
        return false;
    }

    /// Appends the targets of one RRset's RDATA to the zone's additional_ list.
    void link_additional(const RRset& set) {
        const int offset = target_offset(set.type);
        if (offset < 0) return;
        const std::size_t begin = zone_.additional_.size();
        for (const Rdata rdata : set.rdatas) {
            if (rdata.size() <= static_cast<std::size_t>(offset)) continue;
            const auto target = rdata.subspan(static_cast<std::size_t>(offset));
            const std::size_t length = dns::name_length(target);
            if (length == 0) continue;
            std::uint8_t key[dns::kMaxNameWire];
            if (length > sizeof key) continue;
            dns::copy_lower(key, target.data(), length);
            const Node* node = zone_.find_node(std::span<const std::uint8_t>(key, length));
            if (node == nullptr) continue;
            if (node->find(dns::rrtype::A) == nullptr && node->find(dns::rrtype::AAAA) == nullptr)
                continue;
            // NS targets below a cut are glue and go out; other occluded names do not.
            if (set.type != dns::rrtype::NS && occluded(*node)) continue;
            const auto first = zone_.additional_.begin() + static_cast<std::ptrdiff_t>(begin);
            if (std::find(first, zone_.additional_.end(), node) == zone_.additional_.end()) {
                zone_.additional_.push_back(node);
            }
        }
    }

    const ZoneData& data_;
    Zone& zone_;
    std::vector<std::uint32_t> node_of_;      ///< record -> node
    std::vector<std::uint32_t> order_;        ///< records grouped by node
    std::vector<std::uint32_t> group_start_;  ///< node -> its first entry in order_
    std::vector<std::uint32_t> first_rrset_;  ///< node -> its first RRset
    std::vector<std::size_t> set_bytes_;      ///< RRset -> RDATA bytes, prefixes included
    std::vector<std::uint32_t> set_count_;    ///< RRset -> RDATAs
};

std::size_t KeyHash::operator()(std::string_view key) const noexcept {
    // Eight bytes per step: every query hashes its name once per suffix tried.
    return static_cast<std::size_t>(
        dns::hash_lower(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
}

std::shared_ptr<const Zone> Zone::compile(const ZoneData& data, ZoneMode mode) {
    std::shared_ptr<Zone> zone(new Zone());
    ZoneBuilder(data, *zone).build(mode);
    return zone;
}

const Node* Zone::find_node(std::span<const std::uint8_t> lowercase_name) const {
    const std::uint64_t hash = dns::hash_lower(lowercase_name.data(), lowercase_name.size());
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    const std::string_view want = view_of(lowercase_name);
    for (std::size_t i = hash & index_mask_;; i = (i + 1) & index_mask_) {
        const Slot slot = index_[i];
        if (slot.node == kEmpty) return nullptr;
        if (slot.tag == tag && nodes_[slot.node].key == want) return &nodes_[slot.node];
    }
}

LookupResult Zone::lookup(std::span<const std::uint8_t> name) const {
    // Label starts of the name, so suffixes can be tried from the origin down.
    std::size_t starts[128];
    std::size_t labels = 0;
    dns::LabelWalk walk(name);
    while (labels < 128 && walk.next()) starts[labels++] = walk.at();
    const std::size_t origin_labels = origin_labels_;
    if (labels < origin_labels) return {Match::NxDomain, apex_};

    const Node* encloser = apex_;
    for (std::size_t depth = labels - origin_labels; depth-- > 0;) {
        const Node* node = find_node(name.subspan(starts[depth]));
        if (node == nullptr) return match_wildcard(*encloser);
        if (node->delegation) return {Match::Delegation, node};
        encloser = node;
    }
    return {Match::Exact, encloser};
}

LookupResult Zone::match_wildcard(const Node& encloser) const {
    // RFC 4592 §3.3.1: the source of synthesis is "*" directly below the closest encloser.
    if (encloser.wildcard != nullptr) return {Match::Wildcard, encloser.wildcard};
    return {Match::NxDomain, &encloser};
}

ZoneSet::ZoneSet(std::shared_ptr<const ZoneSet> base, std::size_t skip_first,
                 std::size_t skip_count)
    : base_(std::move(base)), skip_first_(skip_first), skip_count_(skip_count) {}

void ZoneSet::reserve(std::size_t count) {
    zones_.reserve(count);
    if (count > kFewZones) by_origin_.reserve(count);
}

bool ZoneSet::add(std::shared_ptr<const Zone> zone) {
    const std::string_view key = zone->key();
    if (find_own(key) != nullptr || find_in_base(key) != nullptr) return false;
    own_records_ += zone->record_count();
    zones_.push_back(std::move(zone));
    if (zones_.size() > kFewZones) {
        if (by_origin_.empty()) {
            for (const auto& held : zones_) by_origin_.emplace(held->key(), held.get());
        } else {
            by_origin_.emplace(key, zones_.back().get());
        }
    }
    return true;
}

std::size_t ZoneSet::record_count() const {
    if (!base_) return own_records_;
    std::size_t records = base_->own_records_ + own_records_;
    for (std::size_t i = skip_first_; i < skip_first_ + skip_count_; ++i) {
        records -= base_->zones_[i]->record_count();
    }
    return records;
}

const Zone* ZoneSet::find_own(std::string_view key) const {
    // A set of a few zones compares keys (no hashing); a set of many asks the map.
    if (zones_.size() <= kFewZones) {
        for (const auto& zone : zones_) {
            const std::string_view held = zone->key();
            if (held.size() == key.size() &&
                std::memcmp(held.data(), key.data(), key.size()) == 0) {
                return zone.get();
            }
        }
        return nullptr;
    }
    const auto it = by_origin_.find(key);
    return it == by_origin_.end() ? nullptr : it->second;
}

const Zone* ZoneSet::find_in_base(std::string_view key) const {
    if (!base_) return nullptr;
    const Zone* zone = base_->find_own(key);
    if (zone == nullptr) return nullptr;
    for (std::size_t i = skip_first_; i < skip_first_ + skip_count_; ++i) {
        if (base_->zones_[i].get() == zone) return nullptr;  // the run this set leaves out
    }
    return zone;
}

const Zone* ZoneSet::find(std::span<const std::uint8_t> name) const {
    // The longest suffix first: the deepest zone wins (RFC 1034 §4.3.2 step 2). The set's
    // own zones and the base's never share an origin (add refuses it), so at each suffix
    // at most one of them answers.
    for (dns::SuffixWalk walk(name); walk.next();) {
        const std::string_view suffix = view_of(walk.suffix());
        if (const Zone* zone = find_own(suffix)) return zone;
        if (const Zone* zone = find_in_base(suffix)) return zone;
    }
    return nullptr;
}

}  // namespace sitedns::model
