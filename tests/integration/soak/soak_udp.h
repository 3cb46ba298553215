#pragma once
// The UDP side of the soak test: a warm-up of checked queries, tens of thousands of
// malformed datagrams with checked queries interleaved (they also pace the sender, so
// the server's socket buffer does not overflow and drop the checked ones), and the
// final checks.

#include <cstddef>
#include <cstdint>

#include "tests/integration/soak/soak_report.h"

namespace sitedns::soak {

/// Distinct authoritative queries from every view (so the answer caches are full before
/// memory is measured) and a burst of forwarded ones; every answer is checked.
void udp_warm_up(std::uint16_t port, std::size_t distinct, Report& report);

/// The malformed datagrams of every Mutation kind and every seed query cut at every
/// length, from a PRNG seeded with `seed`; returns how many were sent.
std::size_t udp_soak(std::uint16_t port, std::uint64_t seed, Report& report);

/// Every case of every view, with and without EDNS, must be answered and right, and a
/// forwarded name must get the SERVFAIL of an upstream that timed out within the
/// server's deadline (SPEC §5), by its Extended DNS Error.
void udp_final(std::uint16_t port, Report& report);

}  // namespace sitedns::soak
