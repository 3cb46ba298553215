#pragma once
// `sitedns check` run as `trace` exhaustively (SPEC §2): every loop and every missing route
// that `trace` would find from some site is an error of `check`. Load-time code.

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/topology.h"
#include "zones/dns/name.h"

namespace sitedns {

/// Calls `visit` with each zone of `view` that the topology did not generate (an explicit
/// view's zones, a site's `zones`): the zones that may differ from view to view.
void for_each_own_zone(const ServedView& view,
                       const std::function<void(const model::Zone&)>& visit);

/// Each site's location domain and absolute mail host, by name.
class SiteNames {
  public:
    explicit SiteNames(const Sites& sites);

    /// The index in Sites::list of the site whose location domain or mail host is
    /// `name`, or nullptr.
    const std::size_t* find(const dns::Name& name) const;

    /// The sites (indexes into Sites::list) whose generated route `view` changes: a zone
    /// of the view that the topology did not generate (an explicit zone, a site's
    /// `zones`) lies at or below the site's location domain or its absolute mail host, so
    /// the view may answer them otherwise than every other view. The route to any other
    /// site is the generated one: an MX to its mail host, whose address is the site's.
    /// Costs the depth of the view's own zones, not the number of sites.
    std::vector<std::size_t> overridden(const ServedView& view) const;

  private:
    std::unordered_map<std::string, std::size_t> names_;  ///< lowercased wire key -> index
};

/// Traces (mail_route::trace_route) from every site's view:
///   - to every domain with an MX in a zone the topology did not generate, in any view
///     (the zones of explicit views and of sites' `zones`): a loop or no route is an
///     error naming the sending site, the domain, the sites passed and the hop closing
///     it; a Null MX (RFC 7505) is not;
///   - to every site whose route the view changes (SiteNames::overridden): a loop through
///     several sites is an error (check_topology's own rules name the other faults of
///     such a route, with their fixes).
/// The generated routes are the same in every view and need no trace; a recipient adds
/// only its home site's route. So the cost grows with sites × (overriding zones + MX
/// domains), not with the square of the sites. Each fault is reported once, with the
/// number of other sites that meet it.
std::vector<Problem> check_routes(const Config& config, std::span<const ServedView> views);

}  // namespace sitedns
