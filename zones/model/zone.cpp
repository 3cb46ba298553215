#include "zones/model/zone.h"

#include "zones/dns/wire_hash.h"

#include <algorithm>
#include <map>

#include "zones/dns/types.h"

namespace sitedns::model {
namespace {

/// Lowercased wire bytes of a name.
std::string key_of(const dns::Name& name) {
    return name.key();
}

std::string_view view_of(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// Length of the uncompressed wire name at the start of `rdata`, or 0 if it is not one.
std::size_t name_length(std::span<const std::uint8_t> rdata) {
    std::size_t at = 0;
    while (at < rdata.size()) {
        const std::uint8_t label = rdata[at];
        if (label == 0) return at + 1;
        if (label > dns::kMaxLabel) return 0;
        at += label + 1;
    }
    return 0;
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

}  // namespace

std::size_t KeyHash::operator()(std::string_view key) const noexcept {
    // Eight bytes per step: every query hashes its name once per suffix tried.
    return static_cast<std::size_t>(
        dns::hash_lower(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
}

const RRset* Node::find(std::uint16_t type) const {
    for (const RRset& set : rrsets) {
        if (set.type == type) return &set;
    }
    return nullptr;
}

namespace {

/// Collects nodes and RRsets before the zone's vectors are frozen.
class ZoneBuilder {
  public:
    explicit ZoneBuilder(const load::ZoneData& data)
        : data_(data), origin_key_(key_of(data.origin)) {}

    void add_records() {
        for (const load::Record& record : data_.records) add_record(record);
        add_empty_non_terminals();
    }
    std::map<std::string, Node>& nodes() { return nodes_; }

  private:
    [[noreturn]] void fail(const load::Record& record, const std::string& reason) const {
        throw load::ZoneError(data_.source + ": " + record.where + ": " + reason);
    }

    void add_record(const load::Record& record) {
        if (!record.owner.is_subdomain_of(data_.origin)) {
            fail(record,
                 record.owner.to_text() + " is outside the origin " + data_.origin.to_text());
        }
        Node& node = node_for(record.owner);
        RRset* set = nullptr;
        for (RRset& existing : node.rrsets) {
            if (existing.type == record.type) set = &existing;
        }
        if (set == nullptr) {
            node.rrsets.push_back(RRset{record.type, record.ttl, {}, {}});
            set = &node.rrsets.back();
        }
        // RFC 2181 §5.2: one TTL per RRset; differing ones are reduced to the lowest.
        set->ttl = std::min(set->ttl, record.ttl);
        set->rdatas.push_back(record.rdata);
    }

    Node& node_for(const dns::Name& owner) {
        auto [it, inserted] = nodes_.try_emplace(key_of(owner));
        if (inserted) {
            it->second.name = owner;
            it->second.key = it->first;
        }
        return it->second;
    }

    // Every name between an owner and the origin exists (RFC 4592 §2.2.2), even
    // without data, so NXDOMAIN and wildcard matching see it.
    void add_empty_non_terminals() {
        std::vector<dns::Name> owners;
        for (const auto& [key, node] : nodes_) owners.push_back(node.name);
        for (const dns::Name& owner : owners) {
            for (dns::Name name = owner.parent(); name.label_count() > data_.origin.label_count();
                 name = name.parent()) {
                node_for(name);
            }
        }
    }

    const load::ZoneData& data_;
    std::string origin_key_;
    std::map<std::string, Node> nodes_;
};

}  // namespace

std::shared_ptr<const Zone> Zone::compile(const load::ZoneData& data) {
    ZoneBuilder builder(data);
    builder.add_records();

    std::shared_ptr<Zone> zone(new Zone());
    zone->source_ = data.source;
    zone->record_count_ = data.records.size();
    zone->nodes_.reserve(builder.nodes().size());
    for (auto& [key, node] : builder.nodes()) {
        zone->index_.emplace(key, static_cast<std::uint32_t>(zone->nodes_.size()));
        zone->nodes_.push_back(std::move(node));
    }
    zone->link(data);
    return zone;
}

void Zone::link(const load::ZoneData& data) {
    const std::string origin_key = data.origin.key();
    apex_ = find_node(
        std::span(reinterpret_cast<const std::uint8_t*>(origin_key.data()), origin_key.size()));
    soa_ = apex_ != nullptr ? apex_->find(dns::rrtype::SOA) : nullptr;
    origin_labels_ = data.origin.label_count();
    if (soa_ == nullptr || soa_->rdatas.size() != 1) {
        throw load::ZoneError(data.source + ": zone " + data.origin.to_text() +
                              " needs exactly one SOA at its origin");
    }
    const auto& soa_rdata = soa_->rdatas.front();
    if (soa_rdata.size() < 20) throw load::ZoneError(data.source + ": malformed SOA");
    const std::size_t m = soa_rdata.size() - 4;
    const std::uint32_t minimum = std::uint32_t{soa_rdata[m]} << 24 |
                                  std::uint32_t{soa_rdata[m + 1]} << 16 |
                                  std::uint32_t{soa_rdata[m + 2]} << 8 | soa_rdata[m + 3];
    negative_ttl_ = std::min(soa_->ttl, minimum);

    for (Node& node : nodes_) {
        node.delegation = &node != apex_ && node.find(dns::rrtype::NS) != nullptr;
    }
    for (Node& node : nodes_) {
        for (RRset& set : node.rrsets) link_additional(set);
    }
}

bool Zone::occluded(const Node& node) const {
    // A name at or below a zone cut is not authoritative data (RFC 1034 §4.2.1).
    for (dns::Name name = node.name; name.label_count() > apex_->name.label_count();
         name = name.parent()) {
        const std::string key = name.key();
        const Node* above =
            find_node(std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
        if (above != nullptr && above->delegation) return true;
    }
    return false;
}

void Zone::link_additional(RRset& set) {
    const int offset = target_offset(set.type);
    if (offset < 0) return;
    for (const auto& rdata : set.rdatas) {
        if (rdata.size() <= static_cast<std::size_t>(offset)) continue;
        const auto target = std::span(rdata).subspan(static_cast<std::size_t>(offset));
        const std::size_t length = name_length(target);
        if (length == 0) continue;
        std::string key(reinterpret_cast<const char*>(target.data()), length);
        for (char& c : key) c = static_cast<char>(dns::lower(static_cast<std::uint8_t>(c)));
        const auto it = index_.find(key);
        if (it == index_.end()) continue;
        const Node* node = &nodes_[it->second];
        if (node->find(dns::rrtype::A) == nullptr && node->find(dns::rrtype::AAAA) == nullptr)
            continue;
        // NS targets below a cut are glue and go out; other occluded names do not.
        if (set.type != dns::rrtype::NS && occluded(*node)) continue;
        if (std::find(set.additional.begin(), set.additional.end(), node) == set.additional.end()) {
            set.additional.push_back(node);
        }
    }
}

const Node* Zone::find_node(std::span<const std::uint8_t> lowercase_name) const {
    const auto it = index_.find(view_of(lowercase_name));
    return it == index_.end() ? nullptr : &nodes_[it->second];
}

LookupResult Zone::lookup(std::span<const std::uint8_t> name) const {
    // Label starts of the name, so suffixes can be tried from the origin down.
    std::size_t starts[128];
    std::size_t labels = 0;
    for (std::size_t at = 0; at < name.size() && name[at] != 0 && labels < 128;
         at += name[at] + 1) {
        starts[labels++] = at;
    }
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
    std::uint8_t wildcard[dns::kMaxNameWire];
    if (encloser.key.size() + 2 > sizeof wildcard) return {Match::NxDomain, &encloser};
    wildcard[0] = 1;
    wildcard[1] = '*';
    std::copy(encloser.key.begin(), encloser.key.end(), wildcard + 2);
    const Node* source = find_node(std::span(wildcard, encloser.key.size() + 2));
    if (source != nullptr) return {Match::Wildcard, source};
    return {Match::NxDomain, &encloser};
}

void ZoneSet::reserve(std::size_t count) {
    zones_.reserve(count);
    by_origin_.reserve(count);
}

bool ZoneSet::add(std::shared_ptr<const Zone> zone) {
    const auto [it, inserted] = by_origin_.emplace(std::string_view(zone->key()), zone.get());
    if (inserted) zones_.push_back(std::move(zone));
    return inserted;
}

const Zone* ZoneSet::find(std::span<const std::uint8_t> name) const {
    // The longest suffix first: the deepest zone wins (RFC 1034 §4.3.2 step 2).
    for (std::size_t at = 0; at < name.size();) {
        const auto it = by_origin_.find(view_of(name.subspan(at)));
        if (it != by_origin_.end()) return it->second;
        if (name[at] == 0) break;
        at += name[at] + 1;
    }
    return nullptr;
}

}  // namespace sitedns::model
