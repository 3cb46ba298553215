#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/prefix_table.h"
#include "config/topology.h"
#include "zones/model/zone.h"

namespace sitedns::runtime {

/// A view as served: its zones, compiled, and how names outside them are handled.
struct View {
    std::string name;
    bool recursion = false;
    model::ZoneSet zones;
};

/// Everything one generation of the server answers from: immutable once built, shared
/// by every worker, replaced as a whole on reload (STYLE rule 5).
struct Snapshot {
    Config config;
    std::vector<View> views;
    PrefixTable<std::uint32_t> view_table;  ///< client prefix -> index into views
    std::uint64_t generation = 0;
    std::size_t zone_count = 0;    ///< distinct compiled zones
    std::size_t record_count = 0;  ///< records over those zones
    /// What the topology checks found (SPEC §2). A snapshot with an error is never
    /// served: start-up fails and a reload keeps the old one.
    std::vector<Problem> problems;

    bool has_errors() const;

    /// The view for a client (longest prefix match), or nullptr: REFUSED.
    const View* view_for(const IpAddress& client) const;
};

/// Reads every zone the configuration names, runs the topology checks into `problems`, (each file once, shared by the views that
/// hold it), compiles them and builds the view table. Throws std::runtime_error (a
/// ZoneError or ConfigError) whose message names the file and the problem.
/// Takes the configuration by value: at a thousand sites it holds a million zone
/// references, so callers move it in rather than copy it.
std::shared_ptr<const Snapshot> build_snapshot(Config config, std::uint64_t generation);

}  // namespace sitedns::runtime
