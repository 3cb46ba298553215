// The response rate limiter (server/net/rate_limiter): the budget per prefix and second,
// slip, prefixes counted together or apart, exempt prefixes, IPv6 and IPv4-mapped
// clients, reconfiguration, the table under many prefixes, and clients whose server
// cookie proved their address.

#include "server/net/rate_limiter.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace sitedns::net {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

RateLimitConfig settings(std::uint32_t rate, std::uint32_t slip) {
    RateLimitConfig config;
    config.responses_per_second = rate;
    config.slip = slip;
    return config;
}

/// Verdicts on `n` answers to `client` in second `now`, counted by kind.
struct Tally {
    int pass = 0;
    int drop = 0;
    int slip = 0;
};
Tally run(RateLimiter& limiter, const IpAddress& client, std::uint32_t now, int n) {
    Tally t;
    for (int i = 0; i < n; ++i) {
        switch (limiter.check(client, now)) {
            case RateVerdict::Pass:
                ++t.pass;
                break;
            case RateVerdict::Drop:
                ++t.drop;
                break;
            case RateVerdict::Slip:
                ++t.slip;
                break;
        }
    }
    return t;
}

TEST(RateLimiter, OffByDefaultAndWhenUnset) {
    RateLimiter limiter;
    EXPECT_FALSE(limiter.enabled());
    EXPECT_EQ(run(limiter, ip("192.0.2.1"), 1, 10'000).pass, 10'000);
    EXPECT_FALSE(limiter.configure(std::nullopt)) << "off stays off: nothing rebuilt";
    ASSERT_TRUE(limiter.configure(settings(5, 2)));
    EXPECT_TRUE(limiter.configure(std::nullopt));
    EXPECT_FALSE(limiter.enabled());
    EXPECT_EQ(run(limiter, ip("192.0.2.1"), 1, 100).pass, 100);
}

TEST(RateLimiter, BudgetPerSecondThenEverySlipThTruncated) {
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(settings(10, 2)));
    const IpAddress client = ip("192.0.2.1");
    // The first 10 pass, then the limited alternate drop, slip, drop, slip...
    std::vector<RateVerdict> seen;
    for (int i = 0; i < 14; ++i) seen.push_back(limiter.check(client, 100));
    for (int i = 0; i < 10; ++i) EXPECT_EQ(seen[i], RateVerdict::Pass) << i;
    EXPECT_EQ(seen[10], RateVerdict::Drop);
    EXPECT_EQ(seen[11], RateVerdict::Slip);
    EXPECT_EQ(seen[12], RateVerdict::Drop);
    EXPECT_EQ(seen[13], RateVerdict::Slip);
    // A new second is a new budget.
    const Tally next = run(limiter, client, 101, 1010);
    EXPECT_EQ(next.pass, 10);
    EXPECT_EQ(next.drop, 500);
    EXPECT_EQ(next.slip, 500);
}

TEST(RateLimiter, SlipZeroDropsAllAndOneTruncatesAll) {
    RateLimiter drop_all;
    ASSERT_TRUE(drop_all.configure(settings(3, 0)));
    const Tally d = run(drop_all, ip("192.0.2.1"), 7, 103);
    EXPECT_EQ(d.pass, 3);
    EXPECT_EQ(d.drop, 100);
    EXPECT_EQ(d.slip, 0);

    RateLimiter truncate_all;
    ASSERT_TRUE(truncate_all.configure(settings(3, 1)));
    const Tally t = run(truncate_all, ip("192.0.2.1"), 7, 103);
    EXPECT_EQ(t.pass, 3);
    EXPECT_EQ(t.drop, 0);
    EXPECT_EQ(t.slip, 100);

    RateLimiter every_fifth;
    ASSERT_TRUE(every_fifth.configure(settings(3, 5)));
    const Tally f = run(every_fifth, ip("192.0.2.1"), 7, 103);
    EXPECT_EQ(f.slip, 20);
    EXPECT_EQ(f.drop, 80);
}

TEST(RateLimiter, OnePrefixSharesABudgetAnotherHasItsOwn) {
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(settings(4, 0)));  // /24 and /56 by default
    EXPECT_EQ(run(limiter, ip("198.51.100.1"), 5, 2).pass, 2);
    EXPECT_EQ(run(limiter, ip("198.51.100.200"), 5, 5).pass, 2) << "the same /24";
    EXPECT_EQ(run(limiter, ip("198.51.101.1"), 5, 5).pass, 4) << "the next /24";
    EXPECT_EQ(run(limiter, ip("2001:db8:0:1200::1"), 5, 3).pass, 3);
    EXPECT_EQ(run(limiter, ip("2001:db8:0:12ff:ffff::9"), 5, 5).pass, 1) << "the same /56";
    EXPECT_EQ(run(limiter, ip("2001:db8:0:1300::1"), 5, 5).pass, 4) << "the next /56";
}

TEST(RateLimiter, PrefixLengthsAreConfigurable) {
    RateLimitConfig config = settings(2, 0);
    config.ipv4_prefix = 32;
    config.ipv6_prefix = 128;
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(config));
    EXPECT_EQ(run(limiter, ip("127.0.0.1"), 9, 10).pass, 2);
    EXPECT_EQ(run(limiter, ip("127.0.0.3"), 9, 10).pass, 2) << "a /32 of its own";
    EXPECT_EQ(run(limiter, ip("2001:db8::1"), 9, 10).pass, 2);
    EXPECT_EQ(run(limiter, ip("2001:db8::2"), 9, 10).pass, 2);
}

TEST(RateLimiter, IpV4MappedClientsCountAsTheirIpV4Prefix) {
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(settings(3, 0)));
    EXPECT_EQ(run(limiter, ip("192.0.2.7"), 1, 2).pass, 2);
    EXPECT_EQ(run(limiter, ip("::ffff:192.0.2.9"), 1, 5).pass, 1);
}

TEST(RateLimiter, ExemptPrefixesAreNeverLimited) {
    RateLimitConfig config = settings(1, 0);
    config.exempt = {*Cidr::parse("10.0.0.0/8"), *Cidr::parse("2001:db8:5::/48")};
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(config));
    EXPECT_EQ(run(limiter, ip("10.1.2.3"), 1, 1000).pass, 1000);
    EXPECT_EQ(run(limiter, ip("::ffff:10.9.9.9"), 1, 1000).pass, 1000) << "IPv4-mapped too";
    EXPECT_EQ(run(limiter, ip("2001:db8:5:1::1"), 1, 1000).pass, 1000);
    EXPECT_EQ(run(limiter, ip("11.0.0.1"), 1, 1000).pass, 1);
    EXPECT_EQ(run(limiter, ip("2001:db8:6::1"), 1, 1000).pass, 1);
}

TEST(RateLimiter, SameSettingsKeepTheCountsNewOnesStartAfresh) {
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(settings(5, 0)));
    EXPECT_EQ(run(limiter, ip("192.0.2.1"), 3, 5).pass, 5);
    EXPECT_FALSE(limiter.configure(settings(5, 0))) << "a reload with the same settings";
    EXPECT_EQ(run(limiter, ip("192.0.2.1"), 3, 5).pass, 0) << "the budget is still spent";
    EXPECT_TRUE(limiter.configure(settings(6, 0)));
    EXPECT_EQ(run(limiter, ip("192.0.2.1"), 3, 10).pass, 6);
}

TEST(RateLimiter, TableSizeIsAPowerOfTwo) {
    RateLimitConfig config = settings(1, 0);
    config.table_size = 100;
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(config));
    EXPECT_EQ(limiter.buckets(), 128u);
    config.table_size = 4096;
    ASSERT_TRUE(limiter.configure(config));
    EXPECT_EQ(limiter.buckets(), 4096u);
}

TEST(RateLimiter, AFloodFromOnePrefixIsLimitedAmongManyOthers) {
    // Many prefixes active in the same second, more than the table holds: the flooding
    // prefix, checked between them, still never gets more than a few budgets.
    RateLimitConfig config = settings(10, 0);
    config.table_size = 256;
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(config));
    const IpAddress flooder = ip("203.0.113.1");
    int passed = 0;
    for (std::uint32_t i = 0; i < 2000; ++i) {
        IpAddress other = IpAddress::v4(0x0A000000u + (i << 8));  // 10.x.y.0/24, distinct
        (void)limiter.check(other, 42);
        if (limiter.check(flooder, 42) == RateVerdict::Pass) ++passed;
    }
    EXPECT_GE(passed, 10);
    EXPECT_LE(passed, 20) << "quieter prefixes are evicted, not the flood";
}

TEST(RateLimiter, AProvenAddressIsNeverLimitedNorCounted) {
    // A query with a valid server cookie (RFC 7873) has proven its address, as in BIND.
    RateLimiter limiter;
    ASSERT_TRUE(limiter.configure(settings(5, 2)));
    const IpAddress client = ip("192.0.2.1");
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(limiter.check(client, 7, true), RateVerdict::Pass) << i;
    }
    // The budget of the prefix is untouched: the same client without a cookie still has it.
    const Tally t = run(limiter, client, 7, 20);
    EXPECT_EQ(t.pass, 5);
    EXPECT_EQ(t.drop + t.slip, 15);
    EXPECT_EQ(limiter.check(client, 7, true), RateVerdict::Pass) << "over the budget, proven";
    EXPECT_NE(limiter.check(client, 7, false), RateVerdict::Pass);
}

}  // namespace
}  // namespace sitedns::net
