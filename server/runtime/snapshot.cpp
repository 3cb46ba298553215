#include "server/runtime/snapshot.h"

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "zones/load/zone_data.h"

namespace sitedns::runtime {
namespace {

/// Zones already compiled for this snapshot, by source: a file held by several views is
/// read and compiled once and the views share it (SPEC §3.3).
class ZoneCache {
  public:
    std::shared_ptr<const model::Zone> get(const ZoneSource& source) {
        std::string key = cache_key(source);
        if (auto it = zones_.find(key); it != zones_.end()) {
            return it->second;
        }
        auto zone = model::Zone::compile(load_source(source));
        zones_.emplace(std::move(key), zone);
        return zone;
    }

    std::size_t zone_count() const { return zones_.size(); }

    std::size_t record_count() const {
        std::size_t total = 0;
        for (const auto& [key, zone] : zones_) {
            total += zone->record_count();
        }
        return total;
    }

  private:
    static std::string cache_key(const ZoneSource& source) {
        if (!source.builtin.empty()) {
            return "builtin:" + source.path.string();
        }
        return "file:" + std::filesystem::absolute(source.path).lexically_normal().string();
    }

    static load::ZoneData load_source(const ZoneSource& source) {
        if (!source.builtin.empty()) {
            return load::read_json_zone(source.builtin, source.path.string());
        }
        return load::read_zone_file(source.path);
    }

    std::map<std::string, std::shared_ptr<const model::Zone>> zones_;
};

std::string prefix(const Config& config) {
    return config.source.empty() ? std::string() : config.source + ": ";
}

/// The zone in `zones` with the same origin as `zone` (the one ZoneSet::add refused).
const model::Zone* same_origin(const model::ZoneSet& zones, const model::Zone& zone) {
    for (const auto& held : zones.zones()) {
        if (held->origin() == zone.origin()) {
            return held.get();
        }
    }
    return nullptr;
}

View build_view(const Config& config, const ViewConfig& view_config, ZoneCache& cache) {
    View view;
    view.name = view_config.name;
    view.recursion = view_config.recursion;
    for (const auto& source : view_config.zones) {
        auto zone = cache.get(source);
        if (!view.zones.add(zone)) {
            const model::Zone* first = same_origin(view.zones, *zone);
            throw std::runtime_error(prefix(config) + "view " + view.name + ": zone " +
                                     zone->origin().to_text() + " listed twice (" +
                                     (first ? first->source() : std::string("?")) + ", " +
                                     zone->source() + ")");
        }
    }
    return view;
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

void build_view_table(const Config& config, Snapshot& snapshot) {
    for (std::size_t i = 0; i < config.views.size(); ++i) {
        for (const auto& cidr : config.views[i].match_clients) {
            if (!snapshot.view_table.insert(cidr, static_cast<std::uint32_t>(i))) {
                throw std::runtime_error(prefix(config) + "views " + owner_of(config, cidr, i) +
                                         " and " + config.views[i].name + " both match " +
                                         cidr.to_string());
            }
        }
    }
}

}  // namespace

const View* Snapshot::view_for(const IpAddress& client) const {
    const std::uint32_t* index = view_table.lookup(client);
    return index ? &views[*index] : nullptr;
}

std::shared_ptr<const Snapshot> build_snapshot(const Config& config, std::uint64_t generation) {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->config = config;
    snapshot->generation = generation;
    ZoneCache cache;
    snapshot->views.reserve(config.views.size());
    for (const auto& view_config : config.views) {
        snapshot->views.push_back(build_view(config, view_config, cache));
    }
    build_view_table(config, *snapshot);
    snapshot->zone_count = cache.zone_count();
    snapshot->record_count = cache.record_count();
    return snapshot;
}

}  // namespace sitedns::runtime
