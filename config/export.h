#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/topology.h"

namespace sitedns {

/// The zones of the view named `view_name` as RFC 1035 master files (§5), one per zone,
/// sorted by origin (canonical order, RFC 4034 §6.1): a comment naming the zone, its
/// source and the view, `$ORIGIN`, the SOA, then every other record with absolute owner
/// names, in canonical name order and by type within a name. Each text ends with a
/// newline and loads alone into BIND, NSD or sitedns itself. A transparent zone (SPEC §5)
/// says so in a comment; one without an SOA (the zone generated for an absolute mail
/// host) gets a stand-in SOA and NS naming its own origin, which holds the address, so
/// that named-checkzone and nsd-checkzone load it too. Returns (origin, text)
/// pairs; throws std::invalid_argument "no view named X; views: a, b, c" when no view
/// has that name. `views` are the served views (the server's runtime::served_views).
std::vector<std::pair<std::string, std::string>> export_view_zones(
    std::span<const ServedView> views, std::string_view view_name);

/// The same texts joined by blank lines: what `sitedns export --view NAME` prints.
std::string export_view(std::span<const ServedView> views, std::string_view view_name);

}  // namespace sitedns
