#include "config/export.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "zones/dns/types.h"
#include "zones/load/rr_text.h"
#include "zones/model/zone.h"

namespace sitedns {

namespace {

/// The view named `name`; throws std::invalid_argument listing the views when there is
/// none.
const ServedView& find_view(std::span<const ServedView> views, std::string_view name) {
    std::string names;
    for (std::size_t i = 0; i < views.size(); ++i) {
        if (views[i].config->name == name) {
            return views[i];
        }
        names += (i == 0 ? "" : ", ") + views[i].config->name;
    }
    throw std::invalid_argument("no view named " + std::string(name) +
                                "; views: " + (names.empty() ? "(none)" : names));
}

/// Appends every record of `set`, one line each.
void append_rrset(std::string& out, const dns::Name& owner, const model::RRset& set) {
    for (const auto& rdata : set.rdatas) {
        out += load::record_to_text(owner, set.type, set.ttl, rdata);
        out += '\n';
    }
}

/// The zone's nodes in canonical order (RFC 4034 §6.1).
std::vector<const model::Node*> sorted_nodes(const model::Zone& zone) {
    std::vector<const model::Node*> nodes;
    nodes.reserve(zone.nodes().size());
    for (const model::Node& node : zone.nodes()) {
        nodes.push_back(&node);
    }
    std::sort(nodes.begin(), nodes.end(),
              [](const model::Node* a, const model::Node* b) { return a->name < b->name; });
    return nodes;
}

/// Appends the records of one node, by type number; the apex SOA was written first.
void append_node(std::string& out, const model::Zone& zone, const model::Node& node) {
    std::vector<const model::RRset*> sets;
    for (const model::RRset& set : node.rrsets) {
        if (!zone.has_soa() || &set != &zone.soa()) {
            sets.push_back(&set);
        }
    }
    std::sort(sets.begin(), sets.end(),
              [](const model::RRset* a, const model::RRset* b) { return a->type < b->type; });
    for (const model::RRset* set : sets) {
        append_rrset(out, node.name, *set);
    }
}

/// An SOA and NS for a zone that has none (the transparent zone of an absolute mail
/// host, SPEC §5), so that BIND and NSD load its text alone (RFC 1035 §5.2): the
/// origin, which holds the mail host's address, names itself as its server.
std::string stand_in_apex(const model::Zone& zone) {
    std::uint32_t ttl = 300;
    for (const model::Node& node : zone.nodes()) {
        if (!node.rrsets.empty()) ttl = node.rrsets.front().ttl;
    }
    const std::string origin = zone.origin().to_text();
    const std::string lead = origin + '\t' + std::to_string(ttl) + "\tIN\t";
    return "; SOA and NS for BIND and NSD only: sitedns serves neither\n" + lead + "SOA\t" +
           origin + " hostmaster." + origin + " 1 3600 600 604800 " + std::to_string(ttl) + '\n' +
           lead + "NS\t" + origin + '\n';
}

/// One zone as a master file.
std::string zone_text(const model::Zone& zone, std::string_view view_name) {
    std::string out = "; zone " + zone.origin().to_text() + " from " + zone.source() + " (view " +
                      std::string(view_name) + ")\n";
    if (zone.transparent()) {
        out +=
            "; transparent: only the names below are answered from it, every "
            "type at them; other names are handled as if it were absent\n";
    }
    out += "$ORIGIN " + zone.origin().to_text() + '\n';
    if (zone.has_soa()) {
        append_rrset(out, zone.origin(), zone.soa());
    } else {
        out += stand_in_apex(zone);
    }
    for (const model::Node* node : sorted_nodes(zone)) {
        append_node(out, zone, *node);
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> export_view_zones(
    std::span<const ServedView> views, std::string_view view_name) {
    const ServedView& view = find_view(views, view_name);
    std::vector<const model::Zone*> zones;
    for (const auto& zone : view.zones->zones()) {
        zones.push_back(zone.get());
    }
    std::sort(zones.begin(), zones.end(),
              [](const model::Zone* a, const model::Zone* b) { return a->origin() < b->origin(); });
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(zones.size());
    for (const model::Zone* zone : zones) {
        out.emplace_back(zone->origin().to_text(), zone_text(*zone, view_name));
    }
    return out;
}

std::string export_view(std::span<const ServedView> views, std::string_view view_name) {
    std::string out;
    for (const auto& [origin, text] : export_view_zones(views, view_name)) {
        out += out.empty() ? "" : "\n";
        out += text;
    }
    return out;
}

}  // namespace sitedns
