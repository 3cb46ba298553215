#include "config/prefix_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sitedns {
namespace {

Cidr cidr(const char* text) {
    std::string error;
    auto parsed = Cidr::parse(text, &error);
    EXPECT_TRUE(parsed.has_value()) << text << ": " << error;
    return parsed.value_or(Cidr{});
}

IpAddress ip(const char* text) {
    auto parsed = IpAddress::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(IpAddress{});
}

/// The value found for `address`, or "none".
std::string lookup(const PrefixTable<std::string>& table, const char* address) {
    const std::string* value = table.lookup(ip(address));
    return value == nullptr ? "none" : *value;
}

TEST(PrefixTable, EmptyTableMatchesNothing) {
    PrefixTable<int> table;
    EXPECT_TRUE(table.empty());
    EXPECT_EQ(table.size(), 0U);
    EXPECT_EQ(table.lookup(ip("10.0.0.1")), nullptr);
    EXPECT_EQ(table.lookup(ip("::1")), nullptr);
}

TEST(PrefixTable, LongestPrefixWins) {
    PrefixTable<std::string> table;
    ASSERT_TRUE(table.insert(cidr("0.0.0.0/0"), "any"));
    ASSERT_TRUE(table.insert(cidr("10.1.0.0/16"), "site"));
    ASSERT_TRUE(table.insert(cidr("10.1.2.0/24"), "lab"));
    ASSERT_TRUE(table.insert(cidr("10.1.2.3/32"), "host"));
    EXPECT_EQ(table.size(), 4U);
    EXPECT_FALSE(table.empty());

    EXPECT_EQ(lookup(table, "10.1.2.3"), "host");
    EXPECT_EQ(lookup(table, "10.1.2.4"), "lab");
    EXPECT_EQ(lookup(table, "10.1.3.1"), "site");
    EXPECT_EQ(lookup(table, "10.2.0.1"), "any");
    EXPECT_EQ(lookup(table, "203.0.113.9"), "any");
    EXPECT_EQ(lookup(table, "2001:db8::1"), "none");  // an IPv6 client: no IPv6 prefix
}

TEST(PrefixTable, OrderOfInsertionDoesNotMatter) {
    PrefixTable<std::string> table;
    table.insert(cidr("10.1.2.3/32"), "host");
    table.insert(cidr("10.1.0.0/16"), "site");
    table.insert(cidr("0.0.0.0/0"), "any");
    table.insert(cidr("10.1.2.0/24"), "lab");
    EXPECT_EQ(lookup(table, "10.1.2.3"), "host");
    EXPECT_EQ(lookup(table, "10.1.2.9"), "lab");
    EXPECT_EQ(lookup(table, "10.1.9.9"), "site");
    EXPECT_EQ(lookup(table, "11.0.0.1"), "any");
}

TEST(PrefixTable, NoMatchIsNull) {
    PrefixTable<std::string> table;
    table.insert(cidr("10.1.0.0/16"), "site");
    table.insert(cidr("2001:db8::/32"), "v6");
    EXPECT_EQ(lookup(table, "10.2.0.1"), "none");
    EXPECT_EQ(lookup(table, "2001:db9::1"), "none");
}

TEST(PrefixTable, Ipv6LongestPrefix) {
    PrefixTable<std::string> table;
    table.insert(cidr("::/0"), "any6");
    table.insert(cidr("2001:db8::/32"), "org");
    table.insert(cidr("2001:db8:1::/48"), "site");
    table.insert(cidr("2001:db8:1:0:8000::/65"), "half");
    table.insert(cidr("2001:db8:1::53/128"), "host");
    EXPECT_EQ(lookup(table, "2001:db8:1::53"), "host");
    EXPECT_EQ(lookup(table, "2001:db8:1:0:8000::1"), "half");
    EXPECT_EQ(lookup(table, "2001:db8:1:0:7fff::1"), "site");
    EXPECT_EQ(lookup(table, "2001:db8:2::1"), "org");
    EXPECT_EQ(lookup(table, "fe80::1"), "any6");
    EXPECT_EQ(lookup(table, "10.0.0.1"), "none");  // an IPv4 client never matches ::/0
}

TEST(PrefixTable, FamiliesAreSeparate) {
    PrefixTable<std::string> table;
    table.insert(cidr("0.0.0.0/0"), "any4");
    table.insert(cidr("::/0"), "any6");
    EXPECT_EQ(table.size(), 2U);
    EXPECT_EQ(lookup(table, "192.0.2.1"), "any4");
    EXPECT_EQ(lookup(table, "2001:db8::1"), "any6");
    EXPECT_EQ(lookup(table, "::"), "any6");
    EXPECT_EQ(lookup(table, "0.0.0.0"), "any4");
}

TEST(PrefixTable, V4MappedClientsAreIpv4) {
    PrefixTable<std::string> table;
    table.insert(cidr("10.1.0.0/16"), "site");
    table.insert(cidr("::/0"), "any6");
    EXPECT_EQ(lookup(table, "::ffff:10.1.2.3"), "site");
    EXPECT_EQ(lookup(table, "::ffff:10.2.0.1"), "none");  // IPv4 only: not ::/0
    EXPECT_EQ(lookup(table, "::10.1.2.3"), "any6");       // IPv4-compatible is not mapped
}

TEST(PrefixTable, V4MappedPrefixesAreStoredAsIpv4) {
    PrefixTable<std::string> table;
    ASSERT_TRUE(table.insert(cidr("::ffff:10.1.0.0/112"), "mapped"));
    EXPECT_EQ(lookup(table, "10.1.9.9"), "mapped");
    EXPECT_FALSE(table.insert(cidr("10.1.0.0/16"), "plain"));  // the same prefix
    ASSERT_NE(table.find(cidr("10.1.0.0/16")), nullptr);
    EXPECT_EQ(*table.find(cidr("10.1.0.0/16")), "mapped");
}

TEST(PrefixTable, DuplicateInsertIsRefused) {
    PrefixTable<std::string> table;
    EXPECT_TRUE(table.insert(cidr("10.0.0.0/8"), "first"));
    EXPECT_FALSE(table.insert(cidr("10.0.0.0/8"), "second"));
    EXPECT_TRUE(table.insert(cidr("10.0.0.0/9"), "longer"));
    EXPECT_TRUE(table.insert(cidr("::/0"), "v6"));
    EXPECT_FALSE(table.insert(cidr("::/0"), "v6 again"));
    EXPECT_EQ(table.size(), 3U);
    EXPECT_EQ(lookup(table, "10.200.0.1"), "first");
}

TEST(PrefixTable, FindIsExact) {
    PrefixTable<int> table;
    table.insert(cidr("10.1.0.0/16"), 1);
    ASSERT_NE(table.find(cidr("10.1.0.0/16")), nullptr);
    EXPECT_EQ(*table.find(cidr("10.1.0.0/16")), 1);
    EXPECT_EQ(table.find(cidr("10.1.0.0/24")), nullptr);
    EXPECT_EQ(table.find(cidr("10.0.0.0/8")), nullptr);
}

TEST(PrefixTable, ZeroLengthAndHostPrefixesInBothFamilies) {
    PrefixTable<int> table;
    table.insert(cidr("0.0.0.0/0"), 0);
    table.insert(cidr("255.255.255.255/32"), 32);
    table.insert(cidr("::/0"), 100);
    table.insert(cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), 128);
    EXPECT_EQ(*table.lookup(ip("255.255.255.255")), 32);
    EXPECT_EQ(*table.lookup(ip("255.255.255.254")), 0);
    EXPECT_EQ(*table.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), 128);
    EXPECT_EQ(*table.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")), 100);
}

/// A random prefix: mostly common site lengths, some of every length.
Cidr random_prefix(std::mt19937_64& rng, IpAddress::Family family) {
    IpAddress address;
    address.family = family;
    for (auto& byte : address.bytes) byte = static_cast<std::uint8_t>(rng());
    if (family == IpAddress::Family::V4) {
        address.bytes[0] = static_cast<std::uint8_t>(10 + rng() % 2);  // dense: many nest
        for (std::size_t i = 4; i < 16; ++i) address.bytes[i] = 0;
    } else {
        address.bytes[0] = 0x20;
        address.bytes[1] = 0x01;
    }
    std::size_t bits = address.bit_length();
    std::size_t length = rng() % 4 == 0 ? rng() % (bits + 1) : (rng() % 3 + 1) * bits / 4;
    for (std::size_t bit = length; bit < bits; ++bit) {
        address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
    }
    return Cidr{address, static_cast<std::uint8_t>(length)};
}

/// Longest matching prefix by a linear scan: the reference.
const Cidr* brute_force(const std::vector<Cidr>& prefixes, const IpAddress& address) {
    const Cidr* best = nullptr;
    for (const Cidr& prefix : prefixes) {
        if (prefix.contains(address) && (best == nullptr || prefix.length > best->length)) {
            best = &prefix;
        }
    }
    return best;
}

TEST(PrefixTable, TenThousandRandomPrefixesMatchALinearScan) {
    std::mt19937_64 rng(20261124);
    PrefixTable<std::size_t> table;
    std::vector<Cidr> prefixes;
    std::set<std::string> seen;
    while (prefixes.size() < 10'000) {
        auto family = rng() % 3 == 0 ? IpAddress::Family::V6 : IpAddress::Family::V4;
        Cidr prefix = random_prefix(rng, family);
        bool added = table.insert(prefix, prefixes.size());
        bool known = !seen.insert(prefix.to_string()).second;
        ASSERT_NE(added, known) << prefix.to_string();
        if (added) prefixes.push_back(prefix);
    }
    ASSERT_EQ(table.size(), prefixes.size());

    std::size_t matched = 0;
    for (int i = 0; i < 4'000; ++i) {
        // Half the probes sit inside a stored prefix, half are random.
        IpAddress address;
        if (i % 2 == 0) {
            address = prefixes[rng() % prefixes.size()].address;
            std::size_t flip = rng() % address.bit_length();
            address.bytes[flip / 8] ^= static_cast<std::uint8_t>(0x80U >> (flip % 8));
        } else {
            address = random_prefix(rng, i % 4 == 1 ? IpAddress::Family::V4 : IpAddress::Family::V6)
                          .address;
            address.bytes[address.bit_length() / 8 - 1] ^= static_cast<std::uint8_t>(rng());
        }
        const Cidr* expected = brute_force(prefixes, address);
        const std::size_t* found = table.lookup(address);
        SCOPED_TRACE(address.to_string());
        if (expected == nullptr) {
            EXPECT_EQ(found, nullptr);
        } else {
            ASSERT_NE(found, nullptr);
            EXPECT_EQ(prefixes[*found], *expected);
            ++matched;
        }
    }
    EXPECT_GT(matched, 1'000U);  // the probes exercise real matches, not only misses
}

}  // namespace
}  // namespace sitedns
