#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "config/address.h"

namespace sitedns {

/// Every pair of `prefixes` that overlap (Cidr::overlaps), as index pairs (i < j) in
/// ascending order: what comparing every pair finds, found by a sorted sweep instead
/// (prefixes overlap only when one holds the other), in O(n log n) plus the pairs found.
std::vector<std::pair<std::size_t, std::size_t>> overlapping_pairs(std::span<const Cidr> prefixes);

}  // namespace sitedns
