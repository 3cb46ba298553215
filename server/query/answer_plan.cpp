// Threads: see server/query/answer_plan.h.
#include "server/query/answer_plan.h"

#include <algorithm>
#include <cstring>

#include "zones/dns/name.h"

namespace sitedns::query {
namespace {

namespace rrtype = dns::rrtype;

/// The uncompressed name at the start of `rdata` (CNAME RDATA is exactly one name).
std::span<const std::uint8_t> rdata_name(std::span<const std::uint8_t> rdata) {
    return rdata.first(dns::name_length(rdata));
}

/// True when `suffix` is the bytes of `origin`: both are lowercased, so no case folding.
bool same_bytes(std::span<const std::uint8_t> suffix, std::string_view origin) {
    return suffix.size() == origin.size() &&
           std::memcmp(suffix.data(), origin.data(), origin.size()) == 0;
}

/// True when the lowercased wire name is the zone's origin (its key) or below it: the
/// first suffix no longer than the origin decides.
bool in_zone(std::span<const std::uint8_t> name, std::string_view origin) {
    for (dns::SuffixWalk walk(name); walk.next();) {
        if (walk.suffix().size() <= origin.size()) return same_bytes(walk.suffix(), origin);
    }
    return false;
}

void add_additional(const model::RRset& set, AnswerPlan& plan) {
    for (const model::Node* target : set.additional) {
        for (std::uint16_t type : {rrtype::A, rrtype::AAAA}) {
            if (const model::RRset* address = target->find(type)) {
                plan.additional.add({target->name.wire(), address, address->ttl});
            }
        }
    }
}

void add_answer(std::span<const std::uint8_t> owner, const model::RRset& set, AnswerPlan& plan) {
    plan.answer.add({owner, &set, set.ttl});
    add_additional(set, plan);
}

/// NXDOMAIN and NODATA carry the SOA, with the negative TTL (RFC 2308 §3, §5); a
/// transparent zone without one answers NODATA with an empty authority section.
void add_soa(const model::Zone& zone, AnswerPlan& plan) {
    if (!zone.has_soa()) return;
    plan.authority.add({zone.origin().wire(), &zone.soa(), zone.negative_ttl()});
}

/// A referral: the cut's NS in authority, glue in additional, AA clear (RFC 1034 §4.3.2 3b).
/// Glue for servers below the cut comes first and is required (RFC 9471 §3.1); sibling
/// glue follows as optional data.
void add_referral(const model::Node& cut, AnswerPlan& plan) {
    const model::RRset* ns = cut.find(rrtype::NS);
    plan.authority.add({cut.name.wire(), ns, ns->ttl});
    for (const model::Node* target : ns->additional) {
        if (!in_zone(std::span(reinterpret_cast<const std::uint8_t*>(target->key.data()),
                               target->key.size()),
                     cut.key)) {
            continue;
        }
        for (std::uint16_t type : {rrtype::A, rrtype::AAAA}) {
            const model::RRset* address = target->find(type);
            if (address != nullptr &&
                plan.additional.add({target->name.wire(), address, address->ttl})) {
                ++plan.required_additional;
            }
        }
    }
    add_additional(*ns, plan);
}

/// RFC 8482 §4.2: one RRset stands for the whole node.
const model::RRset* pick_for_any(const model::Node& node) {
    return node.rrsets.empty() ? nullptr : &node.rrsets.front();
}

}  // namespace

void plan_answer(const model::Zone& zone, std::span<const std::uint8_t> qname,
                 std::span<const std::uint8_t> qname_lower, std::uint16_t qtype, AnswerPlan& plan) {
    std::uint8_t lower_buffer[dns::kMaxNameWire];
    std::span<const std::uint8_t> owner = qname;
    std::span<const std::uint8_t> key = qname_lower;

    for (std::size_t hop = 0; hop <= kMaxChain; ++hop) {
        model::LookupResult found = zone.lookup(key);
        // The parent side of a cut answers DS itself (RFC 4035 §3.1.4.1).
        const bool ds_at_cut =
            found.match == model::Match::Delegation && qtype == rrtype::DS &&
            found.node->key ==
                std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
        if (found.match == model::Match::Delegation && !ds_at_cut) {
            // A referral for the question itself; a chain into a cut ends with one.
            if (hop == 0) plan.authoritative = false;
            add_referral(*found.node, plan);
            return;
        }
        // A CNAME whose target a transparent zone has no records for ends the chain: the
        // target may exist elsewhere, and the client asks for it there.
        if (hop > 0 && zone.transparent() && !found.has_records()) return;
        if (hop == 0 &&
            (found.match == model::Match::NxDomain || found.match == model::Match::Wildcard)) {
            plan.nonexistent_under = found.node;
            plan.nonexistent_match = found.match;
        }
        if (found.match == model::Match::NxDomain) {
            plan.rcode = dns::RCode::NXDomain;  // RFC 6604 §2.1: the chain's last name
            add_soa(zone, plan);
            return;
        }
        const model::Node& node = *found.node;
        const model::RRset* set = qtype == rrtype::ANY ? pick_for_any(node) : node.find(qtype);
        if (set != nullptr) {
            add_answer(owner, *set, plan);
            return;
        }
        const model::RRset* cname = node.find(rrtype::CNAME);
        if (cname == nullptr) {
            add_soa(zone, plan);  // NODATA (RFC 2308 §2.2)
            return;
        }
        add_answer(owner, *cname, plan);
        const std::span<const std::uint8_t> target = rdata_name(cname->rdatas.front());
        for (std::size_t i = 0; i < target.size(); ++i) lower_buffer[i] = dns::lower(target[i]);
        if (!in_zone(std::span<const std::uint8_t>(lower_buffer, target.size()), zone.key())) {
            return;  // the target is outside this zone: the client follows it
        }
        owner = target;
        key = std::span<const std::uint8_t>(lower_buffer, target.size());
    }
}

}  // namespace sitedns::query
