// The `forwarding` object of the configuration: defaults, each key's range, unknown keys
// and the attempt/deadline rule, every error naming the JSON path; and the object form
// of `upstreams` entries (per-upstream timeout and TCP).

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

/// The ConfigError message of a whole configuration, or "no error".
std::string config_error(const std::string& text) {
    try {
        parse_config(text, "/etc/sitedns", "f.json");
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(UpstreamObjects, StringAndObjectFormsSitSideBySide) {
    const Config config = parse_config(R"({ "upstreams": [
        "192.0.2.1",
        { "address": "10.1.0.53:5300", "timeout_ms": 300 },
        { "address": "[2001:db8::53]", "tcp": true },
        { "address": "192.0.2.4:53", "timeout_ms": 2500, "tcp": false } ] })",
                                       "/etc/sitedns", "f.json");
    ASSERT_EQ(config.upstreams.size(), 4u);
    ASSERT_EQ(config.upstream_options.size(), 4u) << "one per entry";
    EXPECT_EQ(config.upstreams[0].to_string(), "192.0.2.1:53");
    EXPECT_EQ(config.upstreams[1].to_string(), "10.1.0.53:5300");
    EXPECT_EQ(config.upstreams[2].port, 53) << "the default port in the object form too";
    EXPECT_EQ(config.upstreams[3].to_string(), "192.0.2.4:53");
    EXPECT_EQ(config.upstream_options[0], UpstreamConfig{}) << "the string form: defaults";
    EXPECT_EQ(config.upstream_options[1], (UpstreamConfig{300, false}));
    EXPECT_EQ(config.upstream_options[2], (UpstreamConfig{0, true})) << "0: attempt_timeout_ms";
    EXPECT_EQ(config.upstream_options[3], (UpstreamConfig{2500, false}));
}

TEST(UpstreamObjects, ViewUpstreamsTakeTheObjectFormToo) {
    const Config config = parse_config(R"({ "upstreams": ["192.0.2.53"],
        "views": [ { "name": "a", "match_clients": ["any"], "recursion": true,
                     "upstreams": [ { "address": "10.1.0.53", "timeout_ms": 200, "tcp": true },
                                    "10.2.0.53" ] } ] })",
                                       "/etc/sitedns", "f.json");
    ASSERT_TRUE(config.views[0].upstreams.has_value());
    ASSERT_EQ(config.views[0].upstreams->size(), 2u);
    ASSERT_EQ(config.views[0].upstream_options.size(), 2u);
    EXPECT_EQ(config.views[0].upstream_options[0], (UpstreamConfig{200, true}));
    EXPECT_EQ(config.views[0].upstream_options[1], UpstreamConfig{});
    EXPECT_EQ(config.upstream_options, std::vector<UpstreamConfig>{UpstreamConfig{}});
}

TEST(UpstreamObjects, ErrorsNameTheirJsonPath) {
    struct Case {
        const char* upstreams;
        const char* error;
    };
    const std::vector<Case> cases = {
        {R"([{ "address": "192.0.2.1", "timout_ms": 300 }])",
         "f.json: /upstreams/0/timout_ms: unknown key \"timout_ms\"; did you mean "
         "\"timeout_ms\"?"},
        {R"([{ "timeout_ms": 300 }])", "f.json: /upstreams/0: missing required key \"address\""},
        {R"(["192.0.2.1", { "address": 53 }])",
         "f.json: /upstreams/1/address: expected a string, got an integer"},
        {R"([{ "address": "192.0.2.1", "timeout_ms": 49 }])",
         "f.json: /upstreams/0/timeout_ms: must be between 50 and 10000, got 49"},
        {R"([{ "address": "192.0.2.1", "timeout_ms": "fast" }])",
         "f.json: /upstreams/0/timeout_ms: expected an integer, got a string"},
        {R"([{ "address": "192.0.2.1", "timeout_ms": 2600 }])",
         "f.json: /upstreams/0/timeout_ms: 2600 is longer than forwarding.query_deadline_ms "
         "(2500)"},
        {R"([{ "address": "192.0.2.1", "tcp": "yes" }])",
         "f.json: /upstreams/0/tcp: expected true or false, got a string"},
        {R"([{ "address": "192.0.2.1:0" }])",
         "f.json: /upstreams/0/address: port 0 is not a valid upstream port"},
        {R"(["192.0.2.1", { "address": "192.0.2.1:53" }])",
         "f.json: /upstreams/1/address: 192.0.2.1:53 is listed twice"},
        {R"([53])", "f.json: /upstreams/0: expected a string or an object, got an integer"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(config_error(std::string(R"({ "upstreams": )") + c.upstreams + " }"), c.error)
            << c.upstreams;
    }
    EXPECT_EQ(config_error(R"({ "upstreams": [],
        "views": [ { "name": "a", "match_clients": ["any"],
                     "upstreams": [ "10.0.0.1", { "address": "10.0.0.2", "tcp": 1 } ] } ] })"),
              "f.json: /views/0/upstreams/1/tcp: expected true or false, got an integer");
}

TEST(UpstreamObjects, TimeoutIsCheckedAgainstTheConfiguredDeadline) {
    const std::string upstream = R"({ "address": "192.0.2.1", "timeout_ms": 1200 })";
    EXPECT_EQ(config_error(R"({ "upstreams": [)" + upstream +
                           R"(], "forwarding": { "query_deadline_ms": 1000 } })"),
              "f.json: /upstreams/0/timeout_ms: 1200 is longer than "
              "forwarding.query_deadline_ms (1000)")
        << "the forwarding object comes after the upstreams in the file";
    EXPECT_EQ(config_error(R"({ "forwarding": { "query_deadline_ms": 1200 }, "upstreams": [)" +
                           upstream + "] }"),
              "no error");
    EXPECT_EQ(config_error(R"({ "upstreams": [], "forwarding": { "query_deadline_ms": 1000 },
        "views": [ { "name": "a", "match_clients": ["any"], "upstreams": [)" +
                           upstream + "] } ] }"),
              "f.json: /views/0/upstreams/0/timeout_ms: 1200 is longer than "
              "forwarding.query_deadline_ms (1000)");
}

}  // namespace
}  // namespace sitedns
