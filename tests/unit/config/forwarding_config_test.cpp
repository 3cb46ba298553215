// The `forwarding` object of the configuration: defaults, each key's range, unknown keys
// and the attempt/deadline rule, every error naming the JSON path.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace sitedns {
namespace {

Config parse(const std::string& forwarding) {
    const std::string text = R"({ "upstreams": ["192.0.2.53"], "forwarding": )" + forwarding + " }";
    return parse_config(text, "/etc/sitedns", "f.json");
}

/// The ConfigError message of parsing a `forwarding` object, or "no error".
std::string error_of(const std::string& forwarding) {
    try {
        parse(forwarding);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(ForwardingConfig, DefaultsWithoutTheObject) {
    const Config config = parse_config(R"({ "upstreams": [] })", "/etc/sitedns", "f.json");
    const ForwardingConfig& f = config.forwarding;
    EXPECT_EQ(f.attempt_timeout_ms, 800u);
    EXPECT_EQ(f.query_deadline_ms, 2500u);
    EXPECT_EQ(f.down_time_ms, 5000u);
    EXPECT_EQ(f.cache_entries, 20000u);
    EXPECT_EQ(f.serve_stale_s, 86400u);
    EXPECT_EQ(f.max_ttl_s, 86400u);
    EXPECT_EQ(f.max_negative_ttl_s, 3600u);
    EXPECT_EQ(f.max_in_flight, 1000u);
    EXPECT_EQ(parse("{}").forwarding, ForwardingConfig{}) << "an empty object keeps them";
}

TEST(ForwardingConfig, EveryKeyIsRead) {
    const Config config = parse(R"({ "attempt_timeout_ms": 300, "query_deadline_ms": 1500,
        "down_time_ms": 200, "cache_entries": 0, "serve_stale_s": 0, "max_ttl_s": 600,
        "max_negative_ttl_s": 60, "max_in_flight": 5 })");
    const ForwardingConfig& f = config.forwarding;
    EXPECT_EQ(f.attempt_timeout_ms, 300u);
    EXPECT_EQ(f.query_deadline_ms, 1500u);
    EXPECT_EQ(f.down_time_ms, 200u);
    EXPECT_EQ(f.cache_entries, 0u) << "0: no cache";
    EXPECT_EQ(f.serve_stale_s, 0u) << "0: no stale answers";
    EXPECT_EQ(f.max_ttl_s, 600u);
    EXPECT_EQ(f.max_negative_ttl_s, 60u);
    EXPECT_EQ(f.max_in_flight, 5u);
}

struct RangeCase {
    const char* key;
    long long low_bad;   // just below the range (or -1)
    long long high_bad;  // just above it
    long long low_ok;
    long long high_ok;
};

TEST(ForwardingConfig, EachKeyHasARange) {
    const std::vector<RangeCase> cases = {
        {"attempt_timeout_ms", 49, 10'001, 50, 2'900},  // high_ok bounded by the deadline
        {"query_deadline_ms", 99, 2'901, 100, 2'900},
        {"down_time_ms", 99, 3'600'001, 100, 3'600'000},
        {"cache_entries", -1, 10'000'001, 0, 10'000'000},
        {"serve_stale_s", -1, 604'801, 0, 604'800},
        {"max_ttl_s", 0, 604'801, 1, 604'800},
        {"max_negative_ttl_s", -1, 86'401, 0, 86'400},
        {"max_in_flight", 0, 1'000'001, 1, 1'000'000},
    };
    for (const RangeCase& c : cases) {
        const std::string key = c.key;
        const std::string path = "f.json: /forwarding/" + key + ": must be between ";
        for (long long bad : {c.low_bad, c.high_bad}) {
            const std::string error = error_of("{ \"" + key + "\": " + std::to_string(bad) + " }");
            EXPECT_EQ(error.rfind(path, 0), 0u) << key << " = " << bad << ": " << error;
        }
        for (long long ok : {c.low_ok, c.high_ok}) {
            if (key == "query_deadline_ms" || key == "attempt_timeout_ms") {
                // Keep the pair consistent: the other one at its smallest / largest.
                const std::string pair = key == "query_deadline_ms"
                                             ? R"(, "attempt_timeout_ms": 50)"
                                             : R"(, "query_deadline_ms": 2900)";
                EXPECT_EQ(error_of("{ \"" + key + "\": " + std::to_string(ok) + pair + " }"),
                          "no error")
                    << key << " = " << ok;
                continue;
            }
            EXPECT_EQ(error_of("{ \"" + key + "\": " + std::to_string(ok) + " }"), "no error")
                << key << " = " << ok;
        }
    }
}

TEST(ForwardingConfig, QueryDeadlineStaysUnderThreeSeconds) {
    EXPECT_EQ(error_of(R"({ "query_deadline_ms": 3000 })"),
              "f.json: /forwarding/query_deadline_ms: must be between 100 and 2900, got 3000");
}

TEST(ForwardingConfig, AttemptLongerThanTheDeadlineIsAnError) {
    EXPECT_EQ(error_of(R"({ "attempt_timeout_ms": 2000, "query_deadline_ms": 1000 })"),
              "f.json: /forwarding/attempt_timeout_ms: 2000 is longer than query_deadline_ms "
              "(1000)");
    EXPECT_EQ(error_of(R"({ "attempt_timeout_ms": 1000, "query_deadline_ms": 1000 })"), "no error");
    EXPECT_EQ(error_of(R"({ "attempt_timeout_ms": 2600 })"),
              "f.json: /forwarding/attempt_timeout_ms: 2600 is longer than query_deadline_ms "
              "(2500)")
        << "against the default deadline";
}

TEST(ForwardingConfig, UnknownKeyNamesItsPathAndAGuess) {
    EXPECT_EQ(error_of(R"({ "cache_entrys": 10 })"),
              "f.json: /forwarding/cache_entrys: unknown key \"cache_entrys\"; did you mean "
              "\"cache_entries\"?");
    const std::string error = error_of(R"({ "retries": 3 })");
    EXPECT_EQ(error.rfind("f.json: /forwarding/retries: unknown key \"retries\"", 0), 0u) << error;
}

TEST(ForwardingConfig, WrongTypes) {
    EXPECT_EQ(error_of("[]"), "f.json: /forwarding: expected an object, got an array");
    EXPECT_EQ(error_of(R"({ "cache_entries": "big" })"),
              "f.json: /forwarding/cache_entries: expected an integer, got a string");
    EXPECT_EQ(error_of(R"({ "max_ttl_s": 1.5 })"),
              "f.json: /forwarding/max_ttl_s: expected an integer, got a floating-point number");
}

TEST(ForwardingConfig, TopLevelTypoIsCaught) {
    try {
        parse_config(R"({ "forwardng": {} })", "/etc/sitedns", "f.json");
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()).rfind("f.json: /forwardng: unknown key", 0), 0u)
            << error.what();
    }
}

TEST(ForwardingConfig, ViewUpstreamsOverrideTheTopLevelOnes) {
    const Config config = parse_config(R"({ "upstreams": ["192.0.2.53:5300"],
        "views": [ { "name": "a", "match_clients": ["10.0.0.0/8"], "recursion": true,
                     "upstreams": [] },
                   { "name": "b", "match_clients": ["any"], "recursion": true } ] })",
                                       "/etc/sitedns", "f.json");
    ASSERT_EQ(config.views.size(), 2u);
    ASSERT_TRUE(config.views[0].upstreams.has_value());
    EXPECT_TRUE(config.views[0].upstreams->empty());
    EXPECT_FALSE(config.views[1].upstreams.has_value()) << "absent: the top-level ones";
    ASSERT_EQ(config.upstreams.size(), 1u);
    EXPECT_EQ(config.upstreams[0].port, 5300);
}

}  // namespace
}  // namespace sitedns
