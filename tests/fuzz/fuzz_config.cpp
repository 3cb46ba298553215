// Fuzz target: the configuration reader (config/config.h parse_config, SPEC §3), then,
// when the configuration names no zone file (only built-in or generated zones, as a
// sites topology does), the snapshot build with its topology checks
// (server/runtime/snapshot_builder.h build_snapshot).
// Zone paths are taken from a folder that does not exist, so no file is ever read but
// /etc/resolv.conf when "upstreams" is absent. A ConfigError (or, from the snapshot
// build, a ZoneError) is the documented answer to a bad configuration; any other
// exception, a crash or a sanitizer report is a finding.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"
#include "server/runtime/snapshot_builder.h"
#include "zones/load/zone_readers.h"

namespace {

/// True when every zone of every view is built in or generated: no file to read.
bool reads_no_file(const sitedns::Config& config) {
    return std::all_of(config.views.begin(), config.views.end(), [](const auto& view) {
        return std::all_of(view.zones.begin(), view.zones.end(), [](const auto& zone) {
            return !zone.builtin.empty() || zone.generated != nullptr;
        });
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        sitedns::Config config = sitedns::parse_config(text, "/nonexistent/sitedns-fuzz", "fuzz");
        if (reads_no_file(config)) (void)sitedns::runtime::build_snapshot(std::move(config), 1);
    } catch (const sitedns::ConfigError&) {
    } catch (const sitedns::model::ZoneError&) {
    }
    return 0;
}
