// Fuzz target: the JSON zone reader (zones/load/zone_readers.h read_json_zone, SPEC §4),
// then the zone compiler (zones/model/zone.h) on whatever it accepts.
// A model::ZoneError is the documented answer to a bad zone; any other exception, a
// crash or a sanitizer report is a finding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const sitedns::model::ZoneData zone = sitedns::load::read_json_zone(text, "fuzz");
        (void)sitedns::model::Zone::compile(zone);
    } catch (const sitedns::model::ZoneError&) {
    }
    return 0;
}
