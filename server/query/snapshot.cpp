// Threads: see server/query/snapshot.h.
#include "server/query/snapshot.h"

#include <cstring>

#include "zones/dns/name.h"

namespace sitedns::query {

const ForwardZone* View::forward_zone_for(std::span<const std::uint8_t> qname) const {
    // The longest suffix first: the deepest forward zone wins (SPEC §5). A view holds a
    // few forward zones, so each suffix is compared by length, then by bytes.
    for (dns::SuffixWalk walk(qname); walk.next();) {
        const auto suffix = walk.suffix();
        for (const ForwardZone& zone : forward_zones) {
            if (zone.name.size() == suffix.size() &&
                std::memcmp(zone.name.data(), suffix.data(), suffix.size()) == 0) {
                return &zone;
            }
        }
    }
    return nullptr;
}

bool Snapshot::add_view_prefix(const Cidr& prefix, std::uint32_t index) {
    // A prefix inside ::ffff:0:0/96 is an IPv4 prefix to the table (and to ECS).
    const bool mapped = prefix.address.family == IpAddress::Family::V6 && prefix.length >= 96 &&
                        prefix_detail::is_v4_mapped(prefix.address);
    const auto length = static_cast<std::uint8_t>(mapped ? prefix.length - 96 : prefix.length);
    return view_table.insert(prefix, ViewSlot{index, length});
}

ViewMatch Snapshot::match_view(const IpAddress& client) const {
    const ViewSlot* slot = view_table.lookup(client);
    return slot ? ViewMatch{&views[slot->index], slot->length} : ViewMatch{};
}

bool Snapshot::has_errors() const {
    for (const Problem& problem : problems) {
        if (problem.severity == Problem::Severity::Error) return true;
    }
    return false;
}

}  // namespace sitedns::query
