#pragma once
// The `forward_zones` arrays of the top level, views and sites (SPEC §3.1-3.3, §5), read
// with the same value checks and messages as the rest of the configuration.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "config/forward_zone.h"
#include "config/sites.h"
#include "config/value_reader.h"

namespace sitedns {

/// An absolute domain name at `path` (a forward zone's name, a negative trust anchor):
/// any valid name with its trailing dot, returned lowercased with it ("corp.example.com.").
/// Throws ConfigError naming the JSON path: not a string, no trailing dot, not a name.
std::string absolute_name(const json_input::ValueReader& reader, const nlohmann::json& value,
                          const std::string& path);

/// Reads a `forward_zones` array at `path`: objects {"name": "corp.example.com.",
/// "upstreams": [...]} with an absolute name (stored lowercased, with its trailing dot),
/// listed once in the array, and a non-empty `upstreams` in either form. Throws
/// ConfigError naming the JSON path.
std::vector<ForwardZoneConfig> read_forward_zones(const json_input::ValueReader& reader,
                                                  const nlohmann::json& value,
                                                  const std::string& path);

/// Refuses a forward zone of `zones` (read from the array at `path`) at or below a site's
/// location domain: the routing records of the generated zone must answer there, never
/// another server (SPEC §3.3). A forward zone above it, the internal suffix or the
/// Active Directory domain above the suffix, is valid: the generated zones are deeper and
/// answer inside it (SPEC §5).
void check_forward_zones_of_sites(const json_input::ValueReader& reader,
                                  const std::vector<ForwardZoneConfig>& zones,
                                  const std::string& path, const Sites& sites);

}  // namespace sitedns
