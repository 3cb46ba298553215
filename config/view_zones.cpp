// Compiles the zones of every view once per distinct source and shares them between
// views (SPEC §3.3): with N sites, N views hold N - 1 generated zones each, but only N
// zones are compiled.

#include "config/view_zones.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <map>
#include <set>
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

/// The zones of `view` from `sources` (all of its list, or the part after a shared base
/// that `zones` already holds): first those that never give way, then the others, once
/// the zones they give way to are known.
void add_sources(const Config& config, const ViewConfig& view,
                 const std::vector<const ZoneSource*>& sources, ZoneCache& cache,
                 model::ZoneSet& zones) {
    using GivesWay = ZoneSource::GivesWay;
    for (const ZoneSource* source : sources) {
        if (source->gives_way == GivesWay::Never) add_zone(config, view, zones, cache.get(*source));
    }
    for (const ZoneSource* source : sources) {
        if (source->gives_way == GivesWay::Never) continue;
        // A generated zone's origin is known before it is compiled: one left out of
        // every view is never compiled.
        const dns::Name origin =
            source->generated ? source->generated->origin : cache.get(*source)->origin();
        if (!gives_way_to(zones, origin, source->gives_way)) {
            add_zone(config, view, zones, cache.get(*source));
        }
    }
}

/// The shared part of the site views' zone lists (ZoneList::sharing), compiled once into
/// one base set for all of them: nullptr when the views cannot share it exactly, and
/// then each view holds the shared entries itself, as any other list.
class SharedBases {
  public:
    explicit SharedBases(const Config& config) {
        // A base compiles every shared entry. So that no zone is compiled that no view
        // holds (compile_view leaves a generated zone uncompiled until a view takes it),
        // two views must leave out disjoint runs: then each entry is in one of them.
        std::map<const std::vector<ZoneSource>*, std::vector<const ZoneList*>> groups;
        for (const ViewConfig& view : config.views) {
            if (view.zones.shared()) groups[view.zones.shared().get()].push_back(&view.zones);
        }
        for (const auto& [shared, lists] : groups) {
            const ZoneList& first = *lists.front();
            const bool covered =
                std::any_of(lists.begin() + 1, lists.end(), [&](const ZoneList* other) {
                    return other->skip_first() >= first.skip_first() + first.skip_count() ||
                           first.skip_first() >= other->skip_first() + other->skip_count();
                });
            if (covered) bases_.emplace(shared, nullptr);
        }
    }

    /// The base for `list`, compiled on first use; nullptr when it has none, or when its
    /// shared entries cannot make one (two at one origin: each view then reports it).
    std::shared_ptr<const model::ZoneSet> get(const ZoneList& list, ZoneCache& cache) {
        if (!list.shared()) return nullptr;
        const auto it = bases_.find(list.shared().get());
        if (it == bases_.end()) return nullptr;
        if (!it->second && !failed_.contains(it->first)) {
            auto base = std::make_shared<model::ZoneSet>();
            base->reserve(list.shared()->size());
            for (const ZoneSource& source : *list.shared()) {
                if (!base->add(cache.get(source))) {
                    failed_.insert(it->first);
                    return nullptr;
                }
            }
            it->second = std::move(base);
        }
        return it->second;
    }

  private:
    std::map<const std::vector<ZoneSource>*, std::shared_ptr<const model::ZoneSet>> bases_;
    std::set<const std::vector<ZoneSource>*> failed_;
};

model::ZoneSet compile_view(const Config& config, const ViewConfig& view, ZoneCache& cache,
                            SharedBases& bases) {
    std::vector<const ZoneSource*> sources;
    model::ZoneSet zones;
    if (auto base = bases.get(view.zones, cache)) {
        zones = model::ZoneSet(std::move(base), view.zones.skip_first(), view.zones.skip_count());
        for (const ZoneSource& source : view.zones.own()) sources.push_back(&source);
    } else {
        for (const ZoneSource& source : view.zones) sources.push_back(&source);
    }
    zones.reserve(sources.size());
    add_sources(config, view, sources, cache, zones);
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
    SharedBases bases(config);
    out.zones.reserve(config.views.size());
    for (const ViewConfig& view : config.views) {
        out.zones.push_back(compile_view(config, view, cache, bases));
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
