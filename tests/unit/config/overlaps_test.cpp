// The sites' subnet and address checks at scale: the sorted sweep (overlaps.h) and the
// address hash of check_topology find exactly what comparing every pair finds, in the
// same order, on random topologies.

#include "config/overlaps.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/topology.h"

namespace sitedns {
namespace {

using Pairs = std::vector<std::pair<std::size_t, std::size_t>>;

Pairs every_pair(const std::vector<Cidr>& prefixes) {
    Pairs out;
    for (std::size_t i = 0; i < prefixes.size(); ++i) {
        for (std::size_t j = i + 1; j < prefixes.size(); ++j) {
            if (prefixes[i].overlaps(prefixes[j])) out.emplace_back(i, j);
        }
    }
    return out;
}

/// A prefix drawn from a small space, so that nesting, equal prefixes and both
/// families all occur: IPv4 under 10.0.0.0/14, IPv6 under 2001:db8::/30.
Cidr random_prefix(std::mt19937& rng) {
    Cidr prefix;
    const bool v6 = rng() % 4 == 0;
    prefix.address.family = v6 ? IpAddress::Family::V6 : IpAddress::Family::V4;
    if (v6) {
        prefix.address.bytes = {0x20, 0x01, 0x0d, static_cast<std::uint8_t>(0xb8 + rng() % 4),
                                static_cast<std::uint8_t>(rng() % 4)};
        prefix.length = static_cast<std::uint8_t>(30 + rng() % 12);
    } else {
        prefix.address.bytes = {10, static_cast<std::uint8_t>(rng() % 4),
                                static_cast<std::uint8_t>(rng() % 4),
                                static_cast<std::uint8_t>(rng() % 256)};
        prefix.length = static_cast<std::uint8_t>(14 + rng() % 19);
    }
    // Host bits are cleared as Cidr::parse requires; one prefix in eight keeps them, which
    // overlaps() ignores and the sweep must too.
    if (rng() % 8 != 0) {
        for (std::size_t bit = prefix.length; bit < 128; ++bit) {
            prefix.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
        }
    }
    return prefix;
}

TEST(OverlappingPairs, FindsWhatEveryPairFindsOnRandomPrefixes) {
    std::mt19937 rng(23);
    std::size_t found = 0;
    for (int round = 0; round < 300; ++round) {
        std::vector<Cidr> prefixes(rng() % 60);
        for (Cidr& prefix : prefixes) prefix = random_prefix(rng);
        SCOPED_TRACE(round);
        const Pairs expected = every_pair(prefixes);
        ASSERT_EQ(overlapping_pairs(prefixes), expected);
        found += expected.size();
    }
    EXPECT_GT(found, 1000U) << "the random prefixes overlap often enough to test the sweep";
}

TEST(OverlappingPairs, NestedAndEqualPrefixes) {
    const auto cidr = [](const char* text) { return *Cidr::parse(text); };
    const std::vector<Cidr> prefixes{
        cidr("10.0.0.0/8"),  cidr("10.1.0.0/16"),   cidr("10.1.2.0/24"), cidr("10.2.0.0/16"),
        cidr("10.1.0.0/16"), cidr("2001:db8::/32"), cidr("11.0.0.0/8")};
    EXPECT_EQ(overlapping_pairs(prefixes),
              (Pairs{{0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 2}, {1, 4}, {2, 4}}));
    EXPECT_TRUE(overlapping_pairs({}).empty());
}

/// The lines about shared addresses and overlapping subnets, in order, as comparing every
/// pair of sites reports them (the check before the sweep and the hash).
std::vector<std::string> pairwise_lines(const Sites& sites) {
    std::vector<std::string> out;
    const auto& list = sites.list;
    for (std::size_t i = 0; i < list.size(); ++i) {
        for (std::size_t j = i + 1; j < list.size(); ++j) {
            for (const auto& a : {std::optional(list[i].address), list[i].address6}) {
                for (const auto& b : {std::optional(list[j].address), list[j].address6}) {
                    if (!a || a != b) continue;
                    out.push_back("sites " + list[i].name + " and " + list[j].name +
                                  " share the address " + a->to_string());
                }
            }
        }
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        for (std::size_t j = i + 1; j < list.size(); ++j) {
            for (const Cidr& a : list[i].subnets) {
                for (const Cidr& b : list[j].subnets) {
                    if (!a.overlaps(b)) continue;
                    out.push_back(a == b
                                      ? "sites " + list[i].name + " and " + list[j].name +
                                            " both claim " + a.to_string()
                                      : "sites " + list[i].name + " (" + a.to_string() + ") and " +
                                            list[j].name + " (" + b.to_string() + ") overlap");
                }
            }
        }
    }
    return out;
}

/// The same lines from check_topology, cut before their advice.
std::vector<std::string> checked_lines(const Config& config) {
    std::vector<std::string> out;
    for (const Problem& problem : check_topology(config, {})) {
        const std::string& text = problem.text;
        for (const char* end : {" share the address ", " both claim ", ") overlap"}) {
            const std::size_t at = text.find(end);
            if (at == std::string::npos || text.rfind("sites ", 0) != 0) continue;
            const std::size_t cut = text.find(": ", at);
            out.push_back(std::string(end) == ") overlap" ? text.substr(0, at + 9)
                                                          : text.substr(0, cut));
        }
    }
    return out;
}

TEST(TopologyCheckAtScale, SharedAddressesAndOverlapsAsEveryPairFindsThem) {
    std::mt19937 rng(7);
    std::size_t found = 0;
    for (int round = 0; round < 40; ++round) {
        Config config;
        config.sites.emplace();
        config.sites->domain = "example.com";
        config.sites->internal_suffix = "example.internal";
        const std::size_t count = 2 + rng() % 40;
        for (std::size_t i = 0; i < count; ++i) {
            Site site;
            site.name = "site" + std::to_string(i);
            site.primary = i == 0;
            site.address = IpAddress::v4(0xC6120000U + rng() % (count + 4));
            if (rng() % 3 == 0) {
                site.address6 = IpAddress::parse("2001:db8::" + std::to_string(rng() % count));
            }
            for (std::size_t n = 1 + rng() % 3; n > 0; --n) {
                Cidr prefix = random_prefix(rng);
                for (std::size_t bit = prefix.length; bit < 128; ++bit) {
                    prefix.address.bytes[bit / 8] &=
                        static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
                }
                site.subnets.push_back(prefix);
            }
            config.sites->list.push_back(std::move(site));
        }
        SCOPED_TRACE(round);
        const std::vector<std::string> expected = pairwise_lines(*config.sites);
        ASSERT_EQ(checked_lines(config), expected);
        found += expected.size();
    }
    EXPECT_GT(found, 100U) << "the random sites share addresses and subnets often enough";
}

}  // namespace
}  // namespace sitedns
