// Compiles the zones of every view once per distinct source and shares them between
// views (SPEC §3.3): with N sites, N views hold N - 1 generated zones each, but only N
// zones are compiled.

#include "config/view_zones.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "zones/dns/name.h"
#include "zones/load/zone_readers.h"

namespace sitedns {
namespace {

/// Zones already compiled, by source and mode: a file by its absolute path, a built-in
/// example by its name, a generated zone by its data's address (one object per site).
/// A source served transparently in one view and as a zone in another is compiled twice:
/// the mode is part of the compiled zone.
class ZoneCache {
  public:
    explicit ZoneCache(load::ZoneFiles files) : files_(std::move(files)) {}

    const std::shared_ptr<const model::Zone>& get(const ZoneSource& source) {
        const model::ZoneMode mode =
            source.transparent ? model::ZoneMode::Transparent : model::ZoneMode::Authoritative;
        if (source.generated) {
            auto& slot = generated_[{source.generated.get(), source.transparent}];
            if (!slot) slot = remember(model::Zone::compile(*source.generated, mode));
            return slot;
        }
        auto& slot = compiled_files_[file_key(source)];
        if (!slot) slot = remember(model::Zone::compile(read_zone_source(source, files_), mode));
        return slot;
    }

    std::size_t zone_count() const { return zone_count_; }
    std::size_t record_count() const { return record_count_; }

  private:
    std::shared_ptr<const model::Zone> remember(std::shared_ptr<const model::Zone> zone) {
        ++zone_count_;
        record_count_ += zone->record_count();
        return zone;
    }

    static std::string file_key(const ZoneSource& source) {
        const std::string mode = source.transparent ? "transparent:" : "";
        if (!source.builtin.empty()) return mode + "builtin:" + source.path.string();
        return mode + "file:" + std::filesystem::absolute(source.path).lexically_normal().string();
    }

    std::map<std::pair<const model::ZoneData*, bool>, std::shared_ptr<const model::Zone>>
        generated_;
    std::map<std::string, std::shared_ptr<const model::Zone>> compiled_files_;
    load::ZoneFiles files_;  ///< every file read, held together to limits.zone_bytes
    std::size_t zone_count_ = 0;
    std::size_t record_count_ = 0;
};

std::string prefix(const Config& config) {
    return config.source.empty() ? std::string() : config.source + ": ";
}

/// The zone in `zones` with the same origin as `zone` (the one ZoneSet::add refused).
const model::Zone* same_origin(const model::ZoneSet& zones, const model::Zone& zone) {
    for (const auto& held : zones.zones()) {
        if (held->origin() == zone.origin()) return held.get();
    }
    return nullptr;
}

/// True when `zones` holds a zone that a generated zone at `origin` gives way to
/// (ZoneSource::GivesWay): any zone at `origin` (a view holds one zone per origin), and
/// with ToZoneAbove an authoritative zone above it. A transparent zone above it does not
/// count: the generated zone, deeper, answers the names it lacks.
bool gives_way_to(const model::ZoneSet& zones, const dns::Name& origin, ZoneSource::GivesWay rule) {
    const std::string key = origin.key();
    const model::Zone* zone =
        zones.find({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()});
    while (zone != nullptr) {
        if (zone->origin() == origin) return true;
        if (rule != ZoneSource::GivesWay::ToZoneAbove) return false;
        if (!zone->transparent()) return true;
        if (zone->origin().is_root()) return false;
        const std::string parent = zone->origin().parent().key();
        zone = zones.find({reinterpret_cast<const std::uint8_t*>(parent.data()), parent.size()});
    }
    return false;
}

/// Adds `zone` to `zones`; a second zone at one origin is an error naming both.
void add_zone(const Config& config, const ViewConfig& view, model::ZoneSet& zones,
              const std::shared_ptr<const model::Zone>& zone) {
    if (zones.add(zone)) return;
    const model::Zone* first = same_origin(zones, *zone);
    throw std::runtime_error(prefix(config) + "view " + view.name + ": zone " +
                             zone->origin().to_text() + " listed twice (" +
                             (first ? first->source() : std::string("?")) + ", " + zone->source() +
                             ")");
}

model::ZoneSet compile_view(const Config& config, const ViewConfig& view, ZoneCache& cache) {
    using GivesWay = ZoneSource::GivesWay;
    model::ZoneSet zones;
    zones.reserve(view.zones.size());
    for (const ZoneSource& source : view.zones) {
        if (source.gives_way == GivesWay::Never) add_zone(config, view, zones, cache.get(source));
    }
    // Then the zones that give way, once the zones they give way to are known.
    for (const ZoneSource& source : view.zones) {
        if (source.gives_way == GivesWay::Never) continue;
        // A generated zone's origin is known before it is compiled: one left out of
        // every view is never compiled.
        const dns::Name origin =
            source.generated ? source.generated->origin : cache.get(source)->origin();
        if (!gives_way_to(zones, origin, source.gives_way)) {
            add_zone(config, view, zones, cache.get(source));
        }
    }
    return zones;
}

}  // namespace

model::ZoneData read_zone_source(const ZoneSource& source, load::ZoneFiles& files) {
    const load::SoaRule soa =
        source.transparent ? load::SoaRule::Optional : load::SoaRule::Required;
    if (!source.builtin.empty()) {
        return load::read_json_zone(source.builtin, source.path.string(), soa);
    }
    return load::read_zone_file(source.path, soa, files);
}

model::ZoneData read_zone_source(const ZoneSource& source) {
    load::ZoneFiles files;
    return read_zone_source(source, files);
}

CompiledViews compile_views(const Config& config, load::TextReader reader) {
    CompiledViews out;
    ZoneCache cache(load::ZoneFiles(config.limits.zone_bytes, reader));
    out.zones.reserve(config.views.size());
    for (const ViewConfig& view : config.views) {
        out.zones.push_back(compile_view(config, view, cache));
    }
    out.zone_count = cache.zone_count();
    out.record_count = cache.record_count();
#if defined(__GLIBC__)
    // Reading a zone allocates and frees far more than the compiled zone keeps (the
    // loaded records, the checks' tables): give the freed pages back to the system.
    malloc_trim(0);
#endif
    return out;
}

}  // namespace sitedns
