#pragma once
// Threads: any worker or UDP receive thread; reads the snapshot, writes only the
// caller's plan.

#include <cstddef>
#include <cstdint>
#include <span>

#include "zones/dns/types.h"
#include "zones/model/zone.h"

namespace sitedns::query {

/// One RRset to write: its owner name as it goes on the wire, a TTL override and its
/// class (zone data is IN; the server's own CHAOS records are CH).
struct PlanEntry {
    std::span<const std::uint8_t> owner;
    const model::RRset* rrset = nullptr;
    std::uint32_t ttl = 0;
    std::uint16_t rrclass = dns::rrclass::IN;
};

/// A fixed-capacity list of entries for one section: no allocation per query.
template <std::size_t N>
struct Section {
    // The entries are left unset (a plan is made per query, and only [0, count) is read):
    // zeroing every slot of every section cost more than filling the plan.
    Section() {}
    union {
        PlanEntry entries[N];
    };
    std::size_t count = 0;
    bool full() const { return count == N; }
    /// Adds an entry unless the section is full or already holds the RRset.
    bool add(PlanEntry entry) {
        for (std::size_t i = 0; i < count; ++i) {
            if (entries[i].rrset == entry.rrset) return false;
        }
        if (full()) return false;
        entries[count++] = entry;
        return true;
    }
    std::span<const PlanEntry> view() const { return {entries, count}; }
};

/// Longest CNAME chain followed inside a zone before the answer stops (loop guard).
inline constexpr std::size_t kMaxChain = 8;

/// What goes in which section (decide, then encode: NSD answer.c). Owner names point
/// into the query or the zone data, which outlive the plan.
struct AnswerPlan {
    dns::RCode rcode = dns::RCode::NoError;
    bool authoritative = true;
    Section<kMaxChain + 1> answer;
    Section<2> authority;
    Section<32> additional;
    /// The first entries of `additional` that must fit or truncate the answer: glue
    /// for name servers below a referral's cut (RFC 9471 §3.1).
    std::size_t required_additional = 0;
    /// Set when the question's name does not exist in the zone (NXDOMAIN, or an answer
    /// synthesised from a wildcard): the answer then depends on this node (the closest
    /// encloser, or the "*" node) and the query's type, not on the name's other labels.
    const model::Node* nonexistent_under = nullptr;
    model::Match nonexistent_match = model::Match::Exact;
};

/// Fills `plan` for a question inside `zone` (RFC 1034 §4.3.2, RFC 4592, RFC 2308,
/// RFC 8482). `qname` keeps the query's case and is echoed as the answer's owner;
/// `qname_lower` is the lookup key. A transparent zone is asked only about names it has
/// records for; a CNAME chain in it stops before a target it has none for (SPEC §5).
void plan_answer(const model::Zone& zone, std::span<const std::uint8_t> qname,
                 std::span<const std::uint8_t> qname_lower, std::uint16_t qtype, AnswerPlan& plan);

}  // namespace sitedns::query
