// Threads: see server/runtime/snapshot_builder.h.
#include "server/runtime/snapshot_builder.h"

#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "config/dnssec.h"
#include "config/metrics_check.h"
#include "config/suffix_check.h"
#include "config/view_zones.h"
#include "server/base/random.h"
#include "zones/dns/name.h"
#include "zones/dns/types.h"

namespace sitedns::runtime {
namespace {

std::string prefix(const Config& config) {
    return config.source.empty() ? std::string() : config.source + ": ";
}

/// The view (before `index`) that already holds `cidr`, for the error message.
std::string owner_of(const Config& config, const Cidr& cidr, std::size_t index) {
    for (std::size_t i = 0; i < index; ++i) {
        for (const auto& held : config.views[i].match_clients) {
            if (held == cidr) {
                return config.views[i].name;
            }
        }
    }
    return config.views[index].name;
}

void build_view_table(const Config& config, query::Snapshot& snapshot) {
    for (std::size_t i = 0; i < config.views.size(); ++i) {
        for (const auto& cidr : config.views[i].match_clients) {
            if (!snapshot.add_view_prefix(cidr, static_cast<std::uint32_t>(i))) {
                throw std::runtime_error(prefix(config) + "views " + owner_of(config, cidr, i) +
                                         " and " + config.views[i].name + " both match " +
                                         cidr.to_string());
            }
        }
    }
}

/// A list of forwarders with its options (a timeout of 0 stays 0: the forwarder's
/// attempt_timeout, whatever it is then). Equal lists make equal set ids, so their
/// cached answers are shared; different lists never share one.
query::UpstreamSet upstream_set(const std::vector<Endpoint>& endpoints,
                                const std::vector<UpstreamConfig>& configured) {
    std::vector<query::UpstreamOptions> options;
    options.reserve(configured.size());
    for (const UpstreamConfig& c : configured) {
        options.push_back({std::chrono::milliseconds(c.timeout_ms), c.tcp});
    }
    return query::UpstreamSet::make(endpoints, std::move(options));
}

/// The view's forwarders: its own `upstreams`, else the top-level ones.
query::UpstreamSet upstreams_of(const Config& config, const ViewConfig& view) {
    return view.upstreams ? upstream_set(*view.upstreams, view.upstream_options)
                          : upstream_set(config.upstreams, config.upstream_options);
}

/// SPEC §5: the view's own forward zones (a site's view holds its site's), then the
/// top-level ones whose names it does not list; the first entry for a name wins.
std::vector<query::ForwardZone> forward_zones_of(const Config& config, const ViewConfig& view) {
    std::vector<query::ForwardZone> zones;
    const auto add = [&](const ForwardZoneConfig& entry) {
        std::string key;
        try {
            key = dns::Name::parse_absolute(entry.name).key();
        } catch (const dns::NameError& e) {
            throw std::runtime_error(prefix(config) + "view " + view.name + ": forward zone " +
                                     entry.name + ": " + e.what());
        }
        std::vector<std::uint8_t> name(key.begin(), key.end());
        for (const query::ForwardZone& held : zones) {
            if (held.name == name) return;
        }
        zones.push_back({std::move(name), upstream_set(entry.upstreams, entry.upstream_options)});
    };
    zones.reserve(view.forward_zones.size() + config.forward_zones.size());
    for (const ForwardZoneConfig& entry : view.forward_zones) add(entry);
    for (const ForwardZoneConfig& entry : config.forward_zones) add(entry);
    return zones;
}

/// SPEC §5: a recursion view with nothing to forward to refuses names outside its zones,
/// which is legal but rarely meant (e.g. an empty /etc/resolv.conf).
/// Large topologies get one line, not one per site view.
void warn_without_upstreams(const query::Snapshot& snapshot, std::vector<Problem>& problems) {
    constexpr std::size_t kListed = 8;
    std::vector<std::string> names;
    for (const query::View& view : snapshot.views) {
        if (view.recursion && view.upstreams.endpoints.empty()) names.push_back(view.name);
    }
    const std::string consequence = " but no upstreams: names outside its zones are refused";
    if (names.size() <= kListed) {
        for (const std::string& name : names) {
            problems.push_back(
                {Problem::Severity::Warning, "view " + name + " has recursion" + consequence});
        }
        return;
    }
    problems.push_back({Problem::Severity::Warning,
                        std::to_string(names.size()) + " views (" + names[0] + ", " + names[1] +
                            ", ...) have recursion but no upstreams: names outside their zones "
                            "are refused"});
}

/// SPEC §5: a zone read with DNSSEC records is served unsigned, without them (zones/load
/// leaves them out). A DS for it in its parent would make every validating resolver find
/// its answers bogus. One warning per zone file, however many views hold it.
/// A base shared by many views (model::ZoneSet) holds the sites' generated zones only,
/// never signed: each view's own zones are all to search.
void warn_signed_zones(const query::Snapshot& snapshot, std::vector<Problem>& problems) {
    std::set<std::string_view> warned;
    for (const query::View& view : snapshot.views) {
        for (const auto& zone : view.zones.own_zones()) {
            if (zone->dnssec_dropped() == 0 || !warned.insert(zone->source()).second) continue;
            std::string types;
            for (const std::uint16_t type : zone->dnssec_types()) {
                types += (types.empty() ? "" : ", ") + dns::type_to_text(type);
            }
            problems.push_back(
                {Problem::Severity::Warning,
                 "zone " + zone->origin().to_text() + " (" + zone->source() + ") is signed: " +
                     std::to_string(zone->dnssec_dropped()) + " DNSSEC records (" + types +
                     ") left out; sitedns serves the zone unsigned, so no DS may be published "
                     "for it in its parent zone (validating resolvers would find it bogus)"});
        }
    }
}

/// The cookie secret of a configuration without `cookies.secret`: drawn from the kernel's
/// CSPRNG (base/random.h) once per process, so a reload (a new snapshot) keeps the
/// cookies handed out.
const std::array<std::uint8_t, 16>& process_cookie_secret() {
    static const auto secret = base::random_value<std::array<std::uint8_t, 16>>();
    return secret;
}

}  // namespace

std::vector<ServedView> served_views(const query::Snapshot& snapshot) {
    std::vector<ServedView> views;
    views.reserve(snapshot.views.size());
    for (std::size_t i = 0; i < snapshot.views.size(); ++i) {
        views.push_back(ServedView{&snapshot.config.views[i], &snapshot.views[i].zones});
    }
    return views;
}

std::shared_ptr<const query::Snapshot> build_snapshot(Config config_in, std::uint64_t generation) {
    auto snapshot = std::make_shared<query::Snapshot>();
    snapshot->config = std::move(config_in);
    const Config& config = snapshot->config;
    snapshot->generation = generation;
    snapshot->topology =
        query::TopologyRecord({config.sites ? config.sites->serial : 0, generation});
    // Each zone source is compiled once and shared by the views holding it (SPEC §3.3).
    CompiledViews compiled = compile_views(config);
    snapshot->views.reserve(config.views.size());
    for (std::size_t i = 0; i < config.views.size(); ++i) {
        snapshot->views.push_back(query::View{
            config.views[i].name, config.views[i].recursion, std::move(compiled.zones[i]),
            upstreams_of(config, config.views[i]), forward_zones_of(config, config.views[i])});
    }
    build_view_table(config, *snapshot);
    for (const Cidr& sender : config.ecs_trust) (void)snapshot->ecs_trust.insert(sender, true);
    snapshot->cookie_secret = config.cookies.secret.value_or(process_cookie_secret());
    snapshot->problems = check_topology(snapshot->config, served_views(*snapshot));
    warn_without_upstreams(*snapshot, snapshot->problems);
    warn_signed_zones(*snapshot, snapshot->problems);
    for (Problem& problem : check_suffix_upstreams(snapshot->config)) {
        snapshot->problems.push_back(std::move(problem));
    }
    for (Problem& problem : check_metrics(snapshot->config)) {
        snapshot->problems.push_back(std::move(problem));
    }
    if (config.dnssec.validate) {
        for (NegativeTrustAnchor& anchor :
             negative_trust_anchors(config, served_views(*snapshot))) {
            snapshot->negative_trust_anchors.push_back(std::move(anchor.name));
        }
    }
    snapshot->zone_count = compiled.zone_count;
    snapshot->record_count = compiled.record_count;
    return snapshot;
}

}  // namespace sitedns::runtime
