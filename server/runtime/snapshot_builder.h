#pragma once
// Making a snapshot (query/snapshot.h) from a configuration: the zones read and compiled,
// the view and ECS trust tables, the topology checks.
// Threads: the main thread at start-up and in the offline commands; the reload thread on
// reload.

#include <cstdint>
#include <memory>
#include <vector>

#include "config/config.h"
#include "config/topology.h"
#include "server/query/snapshot.h"

namespace sitedns::runtime {

/// Each view of the snapshot with its configuration and zones: what the topology checks,
/// `trace` and `export --view` read. Pointers into `snapshot`, valid while it lives.
std::vector<ServedView> served_views(const query::Snapshot& snapshot);

/// Reads every zone the configuration names (each file once, shared by the views that
/// hold it), compiles them, builds the view and ECS trust tables, and runs the topology
/// checks into `problems`, with a warning for each recursion view without upstreams and
/// for each zone read with DNSSEC records (served unsigned, SPEC §5). Throws
/// std::runtime_error (a ZoneError or ConfigError) whose message names the file and the problem.
/// Takes the configuration by value: at a thousand sites it holds a million zone
/// references, so callers move it in rather than copy it.
std::shared_ptr<const query::Snapshot> build_snapshot(Config config, std::uint64_t generation);

}  // namespace sitedns::runtime
