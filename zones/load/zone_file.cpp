#include <new>
#include <string>

#include "zones/load/file_reader.h"
#include "zones/load/zone_checks.h"
#include "zones/load/zone_readers.h"

namespace sitedns::load {

std::string ZoneFiles::read(const std::filesystem::path& file) {
    const std::string name = file.string();
    try {
        std::string text = reader_(file, max_bytes_ - read_bytes_);
        read_bytes_ += text.size();
        return text;
    } catch (const FileTextError& e) {
        if (!e.too_large()) throw model::ZoneError(name + ": " + e.what());
        throw model::ZoneError(name + ": larger than limits.zone_bytes, " +
                               byte_size_text(max_bytes_) +
                               (read_bytes_ == 0 ? std::string()
                                                 : ", with the " + byte_size_text(read_bytes_) +
                                                       " of zone files read before it (the limit "
                                                       "holds for all of them together)"));
    } catch (const std::bad_alloc&) {
        throw model::ZoneError(name + ": out of memory while reading it");
    }
}

model::ZoneData read_zone_file(const std::filesystem::path& file, SoaRule soa, ZoneFiles& files) {
    if (file.extension() != ".json") {
        return read_rfc1035_zone(file, dns::Name(), files);
    }
    const std::string text = files.read(file);
    try {
        return read_json_zone(text, file.string(), soa);
    } catch (const std::bad_alloc&) {
        throw model::ZoneError(file.string() + ": out of memory while loading the zone");
    } catch (const model::ZoneError&) {
        // Its JSON path and reason may quote the file (file_reader.h).
        if (may_quote(file)) throw;
        detail::fail(file.string(), "JSON zone", unquoted_reason(file));
    }
}

model::ZoneData read_zone_file(const std::filesystem::path& file, SoaRule soa) {
    ZoneFiles files;
    return read_zone_file(file, soa, files);
}

}  // namespace sitedns::load
