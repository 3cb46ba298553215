#pragma once
// Where a view's forwarded names go: its upstreams and their options, as data. The query
// core reads it from the snapshot to decide; the forwarder (server/upstream) sends to it.
// Threads: built with the snapshot (main or reload thread), then read-only from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "config/address.h"

namespace sitedns::query {

/// How the forwarder talks to one upstream (the object form of an `upstreams` entry,
/// docs/configuration.md "Forwarding and the cache").
struct UpstreamOptions {
    /// One attempt at this upstream; 0: ForwarderOptions::attempt_timeout.
    std::chrono::milliseconds timeout{0};
    /// Always TCP (e.g. behind a firewall that drops large UDP); else UDP, TCP on TC.
    bool tcp = false;
    friend bool operator==(const UpstreamOptions&, const UpstreamOptions&) = default;
};

/// The upstreams of one view, in preference order. `id` identifies the list's content
/// (a hash of the endpoints and their options), so cached answers are shared by views
/// with the same upstreams and survive a reload that keeps them; other options make
/// another set.
struct UpstreamSet {
    std::vector<Endpoint> endpoints;
    std::uint64_t id = 0;
    /// One per endpoint, in the same order; missing ones (e.g. empty) are the defaults.
    std::vector<UpstreamOptions> options;

    UpstreamSet() = default;
    UpstreamSet(std::vector<Endpoint> endpoints_in, std::uint64_t id_in,
                std::vector<UpstreamOptions> options_in = {})
        : endpoints(std::move(endpoints_in)), id(id_in), options(std::move(options_in)) {}

    static UpstreamSet make(std::vector<Endpoint> endpoints);
    /// The set with per-endpoint options (`options` as the member above).
    static UpstreamSet make(std::vector<Endpoint> endpoints, std::vector<UpstreamOptions> options);
    /// The options of endpoints[i].
    UpstreamOptions options_of(std::size_t i) const {
        return i < options.size() ? options[i] : UpstreamOptions{};
    }
};

}  // namespace sitedns::query
