// Threads: see server/query/upstream_set.h.
#include "server/query/upstream_set.h"

#include <cstdint>
#include <vector>

#include "zones/dns/wire_hash.h"

namespace sitedns::query {

UpstreamSet UpstreamSet::make(std::vector<Endpoint> endpoints) {
    return make(std::move(endpoints), {});
}

UpstreamSet UpstreamSet::make(std::vector<Endpoint> endpoints,
                              std::vector<UpstreamOptions> options) {
    // The fast hash (dns::hash_bytes: the list is ours, not a client's) of family, address
    // and port, and the options where they are not the defaults (so that the string form
    // keeps its id): stable across runs and reloads.
    UpstreamSet set(std::move(endpoints), 0, std::move(options));
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i < set.endpoints.size(); ++i) {
        const Endpoint& e = set.endpoints[i];
        bytes.push_back(static_cast<std::uint8_t>(e.address.family));
        bytes.insert(bytes.end(), e.address.bytes.begin(), e.address.bytes.end());
        bytes.push_back(static_cast<std::uint8_t>(e.port >> 8));
        bytes.push_back(static_cast<std::uint8_t>(e.port));
        const UpstreamOptions o = set.options_of(i);
        if (o == UpstreamOptions{}) continue;
        bytes.push_back(0xFF);  // not an address family: options follow
        const auto ms = static_cast<std::uint64_t>(o.timeout.count());
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes.push_back(static_cast<std::uint8_t>(ms >> shift));
        }
        bytes.push_back(o.tcp ? 1 : 0);
    }
    set.id = dns::hash_bytes(bytes);
    return set;
}

}  // namespace sitedns::query
