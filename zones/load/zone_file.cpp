#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

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
    return read_json_zone(text.str(), file.string(), soa);
}

}  // namespace sitedns::load
