#include "zones/load/zone_checks.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zones/dns/types.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::load::detail {

namespace {

/// What has been seen so far at one owner name.
struct OwnerState {
    std::optional<std::size_t> cname;  ///< index of the CNAME
    std::optional<std::size_t> other;  ///< index of the first record that is not a CNAME
    std::map<std::pair<std::uint16_t, std::vector<std::uint8_t>>, std::size_t> seen;
};

/// Types allowed beside a CNAME (RFC 4035 §2.5: its DNSSEC records).
bool allowed_beside_cname(std::uint16_t type) {
    return type == dns::rrtype::RRSIG || type == dns::rrtype::NSEC;
}

void check_one(const model::ZoneData& zone, std::size_t index, OwnerState& state) {
    const model::Record& record = zone.records[index];
    const auto& others = zone.records;
    const auto [it, inserted] = state.seen.emplace(std::pair{record.type, record.rdata}, index);
    if (!inserted) {
        fail(zone.source, record.where,
             "duplicate record: same owner, type and data as " + others[it->second].where + " (" +
                 record.owner.to_text() + " " + dns::type_to_text(record.type) + ")");
    }
    const std::string owner = record.owner.to_text();
    if (record.type == dns::rrtype::CNAME) {
        if (state.cname) {
            fail(zone.source, record.where,
                 "two CNAME records at " + owner + " (the first is " + others[*state.cname].where +
                     "; RFC 1034 §3.6.2)");
        }
        if (state.other) {
            const model::Record& other = others[*state.other];
            fail(zone.source, record.where,
                 "CNAME beside other data at " + owner + " (" + dns::type_to_text(other.type) +
                     " at " + other.where + "; RFC 1034 §3.6.2)");
        }
        state.cname = index;
    } else if (!allowed_beside_cname(record.type)) {
        if (state.cname) {
            fail(zone.source, record.where,
                 "CNAME beside other data at " + owner + " (" + dns::type_to_text(record.type) +
                     " here, CNAME at " + others[*state.cname].where + "; RFC 1034 §3.6.2)");
        }
        if (!state.other) {
            state.other = index;
        }
    }
}

/// Checks the records of one owner (indices in file order) for a duplicate or a CNAME
/// beside other data; true when they pass.
bool owner_passes(const model::ZoneData& zone, std::vector<std::uint32_t>& group) {
    bool cname = false;
    bool other = false;
    for (const std::uint32_t i : group) {
        const std::uint16_t type = zone.records[i].type;
        if (type == dns::rrtype::CNAME) {
            if (cname || other) return false;
            cname = true;
        } else if (!allowed_beside_cname(type)) {
            if (cname) return false;
            other = true;
        }
    }
    if (group.size() < 2) return true;
    const auto less = [&](std::uint32_t a, std::uint32_t b) {
        const model::Record& x = zone.records[a];
        const model::Record& y = zone.records[b];
        return x.type != y.type ? x.type < y.type : x.rdata < y.rdata;
    };
    std::sort(group.begin(), group.end(), less);
    for (std::size_t k = 1; k < group.size(); ++k) {
        const model::Record& x = zone.records[group[k - 1]];
        const model::Record& y = zone.records[group[k]];
        if (x.type == y.type && x.rdata == y.rdata) return false;
    }
    return true;
}

/// The checks of check_records() without building a message: true when every record
/// passes. Records are chained by owner through one open-addressing table, so a large
/// zone costs a few bytes per record and no allocation per record.
bool all_pass(const model::ZoneData& zone) {
    const auto& records = zone.records;
    constexpr std::uint32_t kNone = 0xffffffff;
    struct Slot {
        std::uint32_t first;  ///< the owner's first record, kNone when free
        std::uint32_t tag;    ///< high half of the owner's hash
    };
    std::size_t capacity = 16;
    while (capacity < records.size() * 2) capacity *= 2;
    const std::size_t mask = capacity - 1;
    std::vector<Slot> owners(capacity, Slot{kNone, 0});
    std::vector<std::uint32_t> next(records.size(), kNone);
    std::vector<std::uint32_t> tail(records.size(), kNone);  // first record -> last one
    const auto origin = zone.origin.wire();
    for (std::uint32_t r = 0; r < records.size(); ++r) {
        const auto owner = records[r].owner.wire();
        if (!dns::at_or_below(owner, origin)) return false;
        const std::uint64_t hash = dns::hash_lower(owner.data(), owner.size());
        const auto tag = static_cast<std::uint32_t>(hash >> 32);
        std::size_t slot = hash & mask;
        while (owners[slot].first != kNone &&
               (owners[slot].tag != tag ||
                !dns::equal_nocase(records[owners[slot].first].owner.wire(), owner))) {
            slot = (slot + 1) & mask;
        }
        const std::uint32_t first = owners[slot].first;
        if (first == kNone) {
            owners[slot] = Slot{r, tag};
            tail[r] = r;
        } else {
            next[tail[first]] = r;
            tail[first] = r;
        }
    }
    std::vector<std::uint32_t> group;
    for (std::uint32_t r = 0; r < records.size(); ++r) {
        if (tail[r] == kNone || next[r] == kNone) continue;  // not a first, or alone
        group.clear();
        for (std::uint32_t i = r; i != kNone; i = next[i]) group.push_back(i);
        if (!owner_passes(zone, group)) return false;
    }
    return true;
}

}  // namespace

void fail(std::string_view source, std::string_view where, std::string_view reason) {
    std::string message;
    message.reserve(source.size() + where.size() + reason.size() + 4);
    message.append(source).append(": ").append(where).append(": ").append(reason);
    throw model::ZoneError(message);
}

void check_records(const model::ZoneData& zone) {
    // The common case fast; when something fails, the walk below finds the first
    // record at fault, in file order, and names it.
    if (all_pass(zone)) return;
    std::unordered_map<std::string, OwnerState> owners;
    for (std::size_t i = 0; i < zone.records.size(); ++i) {
        const model::Record& record = zone.records[i];
        if (!record.owner.is_subdomain_of(zone.origin)) {
            fail(zone.source, record.where,
                 "name " + record.owner.to_text() + " is outside the origin " +
                     zone.origin.to_text());
        }
        check_one(zone, i, owners[record.owner.key()]);
    }
}

void drop_dnssec(model::ZoneData& zone) {
    for (const model::Record& record : zone.records) {
        if (!dns::dnssec_signing_type(record.type)) continue;
        ++zone.dnssec_dropped;
        auto& types = zone.dnssec_types;
        if (std::find(types.begin(), types.end(), record.type) == types.end()) {
            types.push_back(record.type);
        }
    }
    if (zone.dnssec_dropped == 0) return;
    std::erase_if(zone.records, [](const model::Record& record) {
        return dns::dnssec_signing_type(record.type);
    });
}

}  // namespace sitedns::load::detail
