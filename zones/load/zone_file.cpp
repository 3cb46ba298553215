#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "zones/load/file_reader.h"
#include "zones/load/zone_checks.h"
#include "zones/load/zone_readers.h"

namespace sitedns::load {

ZoneData read_zone_file(const std::filesystem::path& file, SoaRule soa) {
    if (file.extension() != ".json") {
        return read_rfc1035_zone(file, dns::Name());
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        detail::fail(file.string(), "cannot open", std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        detail::fail(file.string(), "cannot read", std::strerror(errno));
    }
    try {
        return read_json_zone(text.str(), file.string(), soa);
    } catch (const ZoneError&) {
        // Its JSON path and reason may quote the file (file_reader.h).
        if (may_quote(file)) throw;
        detail::fail(file.string(), "JSON zone", unquoted_reason(file));
    }
}

}  // namespace sitedns::load
