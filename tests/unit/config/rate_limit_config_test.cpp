// The `rate_limit` object of the configuration (README "Rate limiting"): absent is off,
// the defaults, each key's range, the exempt prefixes, unknown keys and wrong types,
// every error naming the JSON path.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace sitedns {
namespace {

Config parse(const std::string& rate_limit) {
    const std::string text = R"({ "upstreams": [], "rate_limit": )" + rate_limit + " }";
    return parse_config(text, "/etc/sitedns", "r.json");
}

/// The ConfigError message of parsing a `rate_limit` object, or "no error".
std::string error_of(const std::string& rate_limit) {
    try {
        parse(rate_limit);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(RateLimitConfig, AbsentIsOff) {
    const Config config = parse_config(R"({ "upstreams": [] })", "/etc/sitedns", "r.json");
    EXPECT_FALSE(config.rate_limit.has_value());
}

TEST(RateLimitConfig, AnEmptyObjectIsOnWithTheDefaults) {
    const Config config = parse("{}");
    ASSERT_TRUE(config.rate_limit.has_value());
    const RateLimitConfig& r = *config.rate_limit;
    EXPECT_EQ(r.responses_per_second, 20u);
    EXPECT_EQ(r.slip, 2u);
    EXPECT_EQ(r.ipv4_prefix, 24u);
    EXPECT_EQ(r.ipv6_prefix, 56u);
    EXPECT_TRUE(r.exempt.empty());
    EXPECT_EQ(r.table_size, 4096u);
    EXPECT_EQ(r, RateLimitConfig{});
}

TEST(RateLimitConfig, EveryKeyIsRead) {
    const Config config = parse(R"({ "responses_per_second": 5, "slip": 0, "ipv4_prefix": 32,
        "ipv6_prefix": 64, "exempt": ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"],
        "table_size": 1024 })");
    const RateLimitConfig& r = *config.rate_limit;
    EXPECT_EQ(r.responses_per_second, 5u);
    EXPECT_EQ(r.slip, 0u) << "0: every limited answer dropped";
    EXPECT_EQ(r.ipv4_prefix, 32u);
    EXPECT_EQ(r.ipv6_prefix, 64u);
    EXPECT_EQ(r.table_size, 1024u);
    const std::vector<Cidr> exempt{*Cidr::parse("10.0.0.0/8"), *Cidr::parse("2001:db8::/32"),
                                   *Cidr::parse("192.0.2.1/32")};
    EXPECT_EQ(r.exempt, exempt);
}

struct RangeCase {
    const char* key;
    long long low_bad;
    long long high_bad;
    long long low_ok;
    long long high_ok;
};

TEST(RateLimitConfig, EachKeyHasARange) {
    const std::vector<RangeCase> cases = {
        {"responses_per_second", 0, 1'000'001, 1, 1'000'000},
        {"slip", -1, 11, 0, 10},
        {"ipv4_prefix", 7, 33, 8, 32},
        {"ipv6_prefix", 15, 129, 16, 128},
        {"table_size", 63, 1'048'577, 64, 1'048'576},
    };
    for (const RangeCase& c : cases) {
        const std::string key = c.key;
        for (long long bad : {c.low_bad, c.high_bad}) {
            const std::string expected = "r.json: /rate_limit/" + key + ": must be between " +
                                         std::to_string(c.low_ok) + " and " +
                                         std::to_string(c.high_ok) + ", got " + std::to_string(bad);
            EXPECT_EQ(error_of("{ \"" + key + "\": " + std::to_string(bad) + " }"), expected);
        }
        for (long long ok : {c.low_ok, c.high_ok}) {
            EXPECT_EQ(error_of("{ \"" + key + "\": " + std::to_string(ok) + " }"), "no error")
                << key << " = " << ok;
        }
    }
}

TEST(RateLimitConfig, ExemptErrorsNameTheElement) {
    EXPECT_EQ(error_of(R"({ "exempt": ["10.0.0.0/8", "10.1.2.3/16"] })"),
              "r.json: /rate_limit/exempt/1: 10.1.2.3/16 has host bits set; did you mean "
              "10.1.0.0/16?");
    EXPECT_EQ(error_of(R"({ "exempt": "10.0.0.0/8" })"),
              "r.json: /rate_limit/exempt: expected an array, got a string");
    EXPECT_EQ(error_of(R"({ "exempt": [] })"), "no error");
    const std::string error = error_of(R"({ "exempt": ["nowhere"] })");
    EXPECT_EQ(error.rfind("r.json: /rate_limit/exempt/0: ", 0), 0u) << error;
}

TEST(RateLimitConfig, UnknownKeysAndWrongTypes) {
    EXPECT_EQ(error_of(R"({ "slipp": 2 })"),
              "r.json: /rate_limit/slipp: unknown key \"slipp\"; did you mean \"slip\"?");
    EXPECT_EQ(error_of("true"), "r.json: /rate_limit: expected an object, got a boolean");
    EXPECT_EQ(error_of(R"({ "responses_per_second": "20" })"),
              "r.json: /rate_limit/responses_per_second: expected an integer, got a string");
    EXPECT_EQ(error_of(R"({ "slip": 1.5 })"),
              "r.json: /rate_limit/slip: expected an integer, got a floating-point number");
}

}  // namespace
}  // namespace sitedns
