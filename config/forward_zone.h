#pragma once
// Where forwarded names go: the options of one upstream and the `forward_zones` entries
// (SPEC §3.1-3.3, §5), shared by the top level, views and sites.

#include <cstdint>
#include <string>
#include <vector>

#include "config/address.h"

namespace sitedns {

/// The per-upstream options of the object form of an `upstreams` entry
/// (`{"address": "10.1.0.53:53", "timeout_ms": 300, "tcp": true}`; docs/configuration.md "Forwarding and the cache").
/// The string form "ADDR[:PORT]" has the defaults.
struct UpstreamConfig {
    std::uint32_t timeout_ms = 0;  ///< this upstream's attempt timeout; 0: attempt_timeout_ms
    bool tcp = false;              ///< always TCP; else UDP, with a TCP retry on TC
    friend bool operator==(const UpstreamConfig&, const UpstreamConfig&) = default;
};

/// One entry of a `forward_zones` array (SPEC §3.1, §5): names at or below `name` go to
/// `upstreams`, in any view that has the entry, with or without recursion.
struct ForwardZoneConfig {
    std::string name;  ///< absolute, lowercased, with its trailing dot: "corp.example.com."
    std::vector<Endpoint> upstreams;  ///< never empty
    /// Options of `upstreams`, one per entry in the same order.
    std::vector<UpstreamConfig> upstream_options;
    friend bool operator==(const ForwardZoneConfig&, const ForwardZoneConfig&) = default;
};

}  // namespace sitedns
