#include "zones/load/zone_checks.h"

#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zones/dns/types.h"

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

void check_one(const ZoneData& zone, std::size_t index, OwnerState& state) {
    const Record& record = zone.records[index];
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
            const Record& other = others[*state.other];
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

}  // namespace

void fail(std::string_view source, std::string_view where, std::string_view reason) {
    std::string message;
    message.reserve(source.size() + where.size() + reason.size() + 4);
    message.append(source).append(": ").append(where).append(": ").append(reason);
    throw ZoneError(message);
}

void check_records(const ZoneData& zone) {
    std::unordered_map<std::string, OwnerState> owners;
    for (std::size_t i = 0; i < zone.records.size(); ++i) {
        const Record& record = zone.records[i];
        if (!record.owner.is_subdomain_of(zone.origin)) {
            fail(zone.source, record.where,
                 "name " + record.owner.to_text() + " is outside the origin " +
                     zone.origin.to_text());
        }
        check_one(zone, i, owners[record.owner.key()]);
    }
}

}  // namespace sitedns::load::detail
