#include "server/runtime/snapshot.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "config/view_zones.h"

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

std::vector<ServedView> served_views(const Snapshot& snapshot) {
    std::vector<ServedView> views;
    views.reserve(snapshot.views.size());
    for (std::size_t i = 0; i < snapshot.views.size(); ++i) {
        views.push_back(ServedView{&snapshot.config.views[i], &snapshot.views[i].zones});
    }
    return views;
}

}  // namespace

bool Snapshot::has_errors() const {
    for (const Problem& problem : problems) {
        if (problem.severity == Problem::Severity::Error) return true;
    }
    return false;
}

const View* Snapshot::view_for(const IpAddress& client) const {
    const std::uint32_t* index = view_table.lookup(client);
    return index ? &views[*index] : nullptr;
}

std::shared_ptr<const Snapshot> build_snapshot(Config config_in, std::uint64_t generation) {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->config = std::move(config_in);
    const Config& config = snapshot->config;
    snapshot->generation = generation;
    // Each zone source is compiled once and shared by the views holding it (SPEC §3.3).
    CompiledViews compiled = compile_views(config);
    snapshot->views.reserve(config.views.size());
    for (std::size_t i = 0; i < config.views.size(); ++i) {
        snapshot->views.push_back(
            View{config.views[i].name, config.views[i].recursion, std::move(compiled.zones[i])});
    }
    build_view_table(config, *snapshot);
    snapshot->problems = check_topology(snapshot->config, served_views(*snapshot));
    snapshot->zone_count = compiled.zone_count;
    snapshot->record_count = compiled.record_count;
    return snapshot;
}

}  // namespace sitedns::runtime
