#include "config/mail_route.h"

#include <algorithm>

#include "zones/dns/types.h"

namespace sitedns::mail_route {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& key) {
    return {reinterpret_cast<const std::uint8_t*>(key.data()), key.size()};
}

/// The address in an A (RFC 1035 §3.4.1) or AAAA (RFC 3596 §2.2) RDATA.
std::optional<IpAddress> address_of(std::uint16_t type, const std::vector<std::uint8_t>& rdata) {
    IpAddress address;
    if (type == dns::rrtype::A && rdata.size() == 4) {
        address.family = IpAddress::Family::V4;
    } else if (type == dns::rrtype::AAAA && rdata.size() == 16) {
        address.family = IpAddress::Family::V6;
    } else {
        return std::nullopt;
    }
    std::copy(rdata.begin(), rdata.end(), address.bytes.begin());
    return address;
}

/// True when the lookup reached a node with records: what a transparent zone answers.
bool has_records(const model::LookupResult& match) {
    const bool owner = match.match == model::Match::Exact || match.match == model::Match::Wildcard;
    return owner && match.node != nullptr && !match.node->rrsets.empty();
}

/// The deepest zone of `zones` strictly above `zone`'s origin, or nullptr.
const model::Zone* enclosing_zone(const model::ZoneSet& zones, const model::Zone& zone) {
    const std::string& origin = zone.key();  // lowercased wire form: length, label, ...
    if (origin.empty() || origin[0] == 0) return nullptr;  // the root has no parent
    const std::size_t first = 1 + static_cast<std::uint8_t>(origin[0]);
    return zones.find(bytes_of(origin.substr(first)));
}

}  // namespace

NameLookup find_name(const model::ZoneSet& zones, const dns::Name& name) {
    const std::string key = name.key();
    NameLookup result;
    result.zone = zones.find(bytes_of(key));
    model::LookupResult match;
    for (;;) {
        if (result.zone == nullptr) return result;  // Found::Outside
        match = result.zone->lookup(bytes_of(key));
        if (!result.zone->transparent() || has_records(match)) break;
        // SPEC §5: a transparent zone answers only the names it has records for; the
        // others fall to the zones above it, as if it were absent.
        result.zone = enclosing_zone(zones, *result.zone);
    }
    switch (match.match) {
        case model::Match::Delegation:
            result.found = Found::Delegated;
            return result;
        case model::Match::NxDomain:
            result.found = Found::NxDomain;
            return result;
        case model::Match::Exact:
        case model::Match::Wildcard:
            break;
    }
    result.node = match.node;
    result.found = Found::Node;
    if (const model::RRset* cname = match.node->find(dns::rrtype::CNAME);
        cname != nullptr && !cname->rdatas.empty()) {
        try {
            result.alias = dns::Name::from_wire(cname->rdatas.front());
            result.found = Found::Alias;
        } catch (const dns::NameError&) {
            // Compiled data holds valid names; a broken one is treated as no alias.
        }
    }
    return result;
}

std::string MxRecord::to_text() const {
    return std::to_string(preference) + " " + exchange.to_text();
}

std::vector<MxRecord> mx_records(const model::Node& node) {
    std::vector<MxRecord> records;
    const model::RRset* set = node.find(dns::rrtype::MX);
    if (set == nullptr) return records;
    for (const auto& rdata : set->rdatas) {
        if (rdata.size() < 3) continue;
        try {
            MxRecord mx;
            mx.preference = static_cast<std::uint16_t>(rdata[0] << 8 | rdata[1]);
            mx.exchange = dns::Name::from_wire(std::span(rdata).subspan(2));
            records.push_back(std::move(mx));
        } catch (const dns::NameError&) {
            continue;  // the zone compiler accepted it: not an MX we can follow
        }
    }
    std::stable_sort(records.begin(), records.end(), [](const MxRecord& a, const MxRecord& b) {
        return a.preference < b.preference;
    });
    return records;
}

std::vector<IpAddress> addresses(const model::Node& node) {
    std::vector<IpAddress> out;
    for (std::uint16_t type : {dns::rrtype::A, dns::rrtype::AAAA}) {
        const model::RRset* set = node.find(type);
        if (set == nullptr) continue;
        for (const auto& rdata : set->rdatas) {
            if (auto address = address_of(type, rdata)) out.push_back(*address);
        }
    }
    return out;
}

dns::Name site_domain(const Sites& sites, const Site& site) {
    return dns::Name::parse_absolute(site.name + "." + sites.internal_suffix);
}

const Site* site_owning(const Sites& sites, const IpAddress& address) {
    for (const Site& site : sites.list) {
        if (site.address == address || site.address6 == address) return &site;
    }
    return nullptr;
}

const Site* find_site(const Sites& sites, std::string_view name) {
    for (const Site& site : sites.list) {
        if (site.name == name) return &site;
    }
    return nullptr;
}

const ServedView* site_view(std::span<const ServedView> views, const Site& site) {
    for (const ServedView& view : views) {
        if (view.config != nullptr && view.zones != nullptr && view.config->site == site.name) {
            return &view;
        }
    }
    return nullptr;
}

SiteIndex::SiteIndex(const Sites& sites, std::span<const ServedView> views) {
    for (const ServedView& view : views) {
        if (view.config != nullptr && view.zones != nullptr && view.config->site) {
            by_site_.try_emplace(*view.config->site, &view);  // the first, as site_view()
        }
    }
    for (const Site& site : sites.list) {
        by_address_.try_emplace(address_key(site.address), &site);  // the first, as site_owning()
        if (site.address6) by_address_.try_emplace(address_key(*site.address6), &site);
    }
}

const ServedView* SiteIndex::view_of(const Site& site) const {
    const auto it = by_site_.find(site.name);
    return it == by_site_.end() ? nullptr : it->second;
}

const Site* SiteIndex::owner_of(const IpAddress& address) const {
    const auto it = by_address_.find(address_key(address));
    return it == by_address_.end() ? nullptr : it->second;
}

std::string SiteIndex::address_key(const IpAddress& address) {
    std::string key(1, static_cast<char>(address.family));
    key.append(address.bytes.begin(), address.bytes.end());
    return key;
}

const ForwardZoneConfig* forward_zone_for(const Config& config, const ViewConfig& view,
                                          const dns::Name& name) {
    const ForwardZoneConfig* best = nullptr;
    std::size_t best_labels = 0;
    for (const auto* list : {&view.forward_zones, &config.forward_zones}) {
        for (const ForwardZoneConfig& zone : *list) {
            dns::Name origin;
            try {
                origin = dns::Name::parse_absolute(zone.name);
            } catch (const dns::NameError&) {
                continue;  // the configuration reader refuses a malformed name
            }
            // Strictly deeper only: for the same name the view's own entry, seen first, wins.
            const bool deeper = best == nullptr || origin.label_count() > best_labels;
            if (deeper && name.is_subdomain_of(origin)) {
                best = &zone;
                best_labels = origin.label_count();
            }
        }
    }
    return best;
}

std::string forward_zone_text(const ForwardZoneConfig& zone) {
    std::string upstreams;
    for (const Endpoint& upstream : zone.upstreams) {
        upstreams += (upstreams.empty() ? "" : ", ") + upstream.to_string();
    }
    return zone.name + " (upstreams " + upstreams + ")";
}

std::string same_family_address(const Site& site, const IpAddress& address) {
    if (site.address.family == address.family) return site.address.to_string();
    if (site.address6 && site.address6->family == address.family) {
        return site.address6->to_string();
    }
    return {};
}

}  // namespace sitedns::mail_route
