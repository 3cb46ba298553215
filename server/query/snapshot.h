#pragma once
// What one generation of the server answers from, as the query core reads it: the views,
// their zones and upstreams, the view table. runtime/snapshot_builder.h makes it and
// runtime/snapshot_holder.h publishes it.
// Threads: built on the main thread at start-up or on the reload thread (reload.h), then
// read-only from any worker or UDP receive thread.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/prefix_table.h"
#include "config/topology.h"
#include "server/query/topology_record.h"
#include "server/query/upstream_set.h"
#include "zones/model/zone.h"

namespace sitedns::query {

/// A forward zone as served (SPEC §5): names at or below `name` go to `upstreams`.
struct ForwardZone {
    std::vector<std::uint8_t> name;  ///< lowercased wire form
    UpstreamSet upstreams;
};

/// A view as served: its zones, compiled, and how names outside them are handled.
struct View {
    std::string name;
    bool recursion = false;
    model::ZoneSet zones;
    /// Where names outside the zones go when `recursion` is on: the view's own
    /// `upstreams`, else the top-level ones. Empty: such names are REFUSED.
    UpstreamSet upstreams;
    /// The view's forward zones: its own, then its site's, then the top-level ones for
    /// names not listed before; one per name.
    std::vector<ForwardZone> forward_zones;

    /// The deepest forward zone at or above a lowercased wire name, or nullptr (SPEC §5).
    /// Allocation-free; a view without forward zones is not asked.
    const ForwardZone* forward_zone_for(std::span<const std::uint8_t> lowercase_name) const;
};

/// A view prefix's entry in the view table: the view, and the prefix's length, which an
/// answer to an ECS query gives back as its scope (RFC 7871 §7.2.1).
struct ViewSlot {
    std::uint32_t index = 0;
    std::uint8_t length = 0;  ///< bits, IPv4-mapped prefixes counted as IPv4
};

/// The outcome of choosing a view.
struct ViewMatch {
    const View* view = nullptr;  ///< nullptr: no view, REFUSED
    std::uint8_t length = 0;     ///< length of the prefix that matched
};

/// Everything one generation of the server answers from: immutable once built, shared
/// by every worker, replaced as a whole on reload (STYLE rule 5).
struct Snapshot {
    Config config;
    std::vector<View> views;
    PrefixTable<ViewSlot> view_table;  ///< client prefix -> view (add_view_prefix)
    /// Senders whose EDNS Client Subnet option chooses the view (`ecs_trust`, SPEC §5).
    PrefixTable<bool> ecs_trust;
    /// The key of the server cookies (RFC 9018 §4.4): `cookies.secret`, else one drawn at
    /// start and kept for the life of the process (reloads included).
    std::array<std::uint8_t, 16> cookie_secret{};
    std::uint64_t generation = 0;
    /// `topology.sitedns. CH TXT` (SPEC §5): the sites serial and `generation`.
    TopologyRecord topology;
    /// With `dnssec.validate`: the names forwarded unvalidated (config/dnssec.h), lowercase
    /// presentation form. Empty while validation is off.
    std::vector<std::string> negative_trust_anchors;
    std::size_t zone_count = 0;    ///< distinct compiled zones
    std::size_t record_count = 0;  ///< records over those zones
    /// What the topology checks found (SPEC §2). A snapshot with an error is never
    /// served: start-up fails and a reload keeps the old one.
    std::vector<Problem> problems;

    bool has_errors() const;

    /// The view for a client (longest prefix match), or nullptr: REFUSED.
    const View* view_for(const IpAddress& client) const { return match_view(client).view; }
    /// The same with the length of the matching prefix. Allocation-free.
    ViewMatch match_view(const IpAddress& client) const;
    /// Adds `prefix` -> views[index] to the view table; false if the prefix is there.
    bool add_view_prefix(const Cidr& prefix, std::uint32_t index);
    /// True when `sender` may choose the view with ECS. Allocation-free.
    bool trusts_ecs_from(const IpAddress& sender) const {
        return !ecs_trust.empty() && ecs_trust.lookup(sender) != nullptr;
    }
};

}  // namespace sitedns::query
