#pragma once

#include <span>
#include <string_view>

namespace sitedns::examples {

/// One example zone file compiled into the binary (zones/examples/*.json).
struct EmbeddedFile {
    std::string_view name;     ///< file name, e.g. "paris.example.local.json"
    std::string_view content;  ///< the JSON text
};

/// The example zones, for the built-in default configuration.
std::span<const EmbeddedFile> zone_files();

}  // namespace sitedns::examples
