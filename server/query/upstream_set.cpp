// Threads: see server/query/upstream_set.h.
#include "server/query/upstream_set.h"

namespace sitedns::query {

UpstreamSet UpstreamSet::make(std::vector<Endpoint> endpoints) {
    return make(std::move(endpoints), {});
}

UpstreamSet UpstreamSet::make(std::vector<Endpoint> endpoints,
                              std::vector<UpstreamOptions> options) {
    // FNV-1a over family, address and port, and the options where they are not the
    // defaults (so that the string form keeps its id): stable across runs and reloads.
    UpstreamSet set(std::move(endpoints), 0, std::move(options));
    std::uint64_t h = 0xcbf29ce484222325ull;
    const auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 0x100000001b3ull; };
    for (std::size_t i = 0; i < set.endpoints.size(); ++i) {
        const Endpoint& e = set.endpoints[i];
        mix(static_cast<std::uint8_t>(e.address.family));
        for (const std::uint8_t b : e.address.bytes) mix(b);
        mix(static_cast<std::uint8_t>(e.port >> 8));
        mix(static_cast<std::uint8_t>(e.port));
        const UpstreamOptions o = set.options_of(i);
        if (o == UpstreamOptions{}) continue;
        mix(0xFF);  // not an address family: options follow
        const auto ms = static_cast<std::uint64_t>(o.timeout.count());
        for (int shift = 56; shift >= 0; shift -= 8) mix(static_cast<std::uint8_t>(ms >> shift));
        mix(o.tcp ? 1 : 0);
    }
    set.id = h;
    return set;
}

}  // namespace sitedns::query
