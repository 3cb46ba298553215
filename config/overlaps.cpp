// The sweep behind the sites' subnet check (topology_check.cpp): sorted by family, then
// network address, then length (the wider first), the prefixes holding the current one
// are exactly those left on a stack of nested prefixes once the ones that end before it
// are popped.

#include "config/overlaps.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <tuple>

namespace sitedns {

std::vector<std::pair<std::size_t, std::size_t>> overlapping_pairs(std::span<const Cidr> prefixes) {
    std::vector<std::array<std::uint8_t, 16>> networks;
    networks.reserve(prefixes.size());
    for (const Cidr& prefix : prefixes) {
        networks.push_back(masked(prefix.address, prefix.length).bytes);
    }
    std::vector<std::size_t> order(prefixes.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::tie(prefixes[a].address.family, networks[a], prefixes[a].length, a) <
               std::tie(prefixes[b].address.family, networks[b], prefixes[b].length, b);
    });
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::vector<std::size_t> open;  // nested: each holds the next
    for (std::size_t current : order) {
        while (!open.empty() && !prefixes[open.back()].overlaps(prefixes[current])) open.pop_back();
        for (std::size_t holder : open) {
            out.emplace_back(std::min(holder, current), std::max(holder, current));
        }
        open.push_back(current);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace sitedns
