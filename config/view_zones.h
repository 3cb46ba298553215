#pragma once

#include <cstddef>
#include <vector>

#include "config/config.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns {

/// The compiled zones of every view of a configuration.
struct CompiledViews {
    std::vector<model::ZoneSet> zones;  ///< one per view, in the order of config.views
    std::size_t zone_count = 0;         ///< distinct compiled zones
    std::size_t record_count = 0;       ///< records over those zones
};

/// Reads a zone from a file or built-in source (not a generated one), as compile_views
/// does: a transparent zone may go without an SOA. Throws ZoneError naming the file.
model::ZoneData read_zone_source(const ZoneSource& source);
/// The same, reading the file through `files` (limits.zone_bytes over one load).
model::ZoneData read_zone_source(const ZoneSource& source, load::ZoneFiles& files);

/// Reads and compiles every zone the views hold. Each source (a file, a built-in
/// example, a generated site zone) is compiled once and shared by every view that holds
/// it, so memory grows with the number of sites, not with its square (SPEC §3.3). Throws
/// std::runtime_error (ZoneError, ConfigError) naming the file or view and the problem,
/// e.g. a zone listed twice in one view. The zone files together may hold at most
/// `config.limits.zone_bytes`; `reader` reads them (a test's may throw std::bad_alloc).
CompiledViews compile_views(const Config& config, load::TextReader reader = load::read_file_text);

}  // namespace sitedns
