// The `metrics` object of the configuration (docs/configuration.md "metrics"): the
// defaults, each key's range, the access list, unknown keys and wrong types, every error
// naming the JSON path; and check's warning for a metrics_listen open beyond loopback
// without an access list (config/metrics_check.h).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/metrics_check.h"

namespace sitedns {
namespace {

Config parse(const std::string& metrics, const std::string& listen = "127.0.0.1:9153") {
    const std::string text =
        R"({ "upstreams": [], "metrics_listen": ")" + listen + R"(", "metrics": )" + metrics + " }";
    return parse_config(text, "/etc/sitedns", "m.json");
}

/// The ConfigError message of parsing a `metrics` object, or "no error".
std::string error_of(const std::string& metrics) {
    try {
        parse(metrics);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

std::vector<Cidr> cidrs(std::initializer_list<const char*> texts) {
    std::vector<Cidr> out;
    for (const char* text : texts) out.push_back(*Cidr::parse(text));
    return out;
}

TEST(MetricsConfig, AbsentHasTheDefaults) {
    const Config config =
        parse_config(R"({ "upstreams": [], "metrics_listen": "127.0.0.1:9153" })", "/", "m.json");
    EXPECT_EQ(config.metrics, MetricsConfig{});
    EXPECT_EQ(config.metrics.max_connections, 64u);
    EXPECT_EQ(config.metrics.idle_timeout_ms, 10'000u);
    EXPECT_FALSE(config.metrics.access.has_value());
    EXPECT_EQ(config.metrics.allowed(), cidrs({"127.0.0.0/8", "::1/128"}))
        << "no access list: loopback only";
    EXPECT_EQ(parse("{}").metrics, MetricsConfig{});
}

TEST(MetricsConfig, EveryKeyIsRead) {
    const Config config = parse(R"({ "access": ["192.0.2.10", "10.9.0.0/16", "2001:db8::/64"],
        "max_connections": 8, "idle_timeout_ms": 1500 })",
                                "0.0.0.0:9153");
    EXPECT_EQ(config.metrics.max_connections, 8u);
    EXPECT_EQ(config.metrics.idle_timeout_ms, 1500u);
    const std::vector<Cidr> access = cidrs({"192.0.2.10/32", "10.9.0.0/16", "2001:db8::/64"});
    EXPECT_EQ(config.metrics.access, access);
    EXPECT_EQ(config.metrics.allowed(), access) << "a given list replaces loopback";
}

TEST(MetricsConfig, ReadWithoutMetricsListen) {
    const Config config =
        parse_config(R"({ "upstreams": [], "metrics": { "max_connections": 2 } })", "/", "m.json");
    EXPECT_FALSE(config.metrics_listen.has_value());
    EXPECT_EQ(config.metrics.max_connections, 2u);
}

TEST(MetricsConfig, EachLimitHasARange) {
    struct Range {
        std::string key;
        long long min;
        long long max;
    };
    for (const Range& r :
         {Range{"max_connections", 1, 4096}, Range{"idle_timeout_ms", 100, 3'600'000}}) {
        for (long long bad : {r.min - 1, r.max + 1}) {
            EXPECT_EQ(error_of("{ \"" + r.key + "\": " + std::to_string(bad) + " }"),
                      "m.json: /metrics/" + r.key + ": must be between " + std::to_string(r.min) +
                          " and " + std::to_string(r.max) + ", got " + std::to_string(bad));
        }
        for (long long ok : {r.min, r.max}) {
            EXPECT_EQ(error_of("{ \"" + r.key + "\": " + std::to_string(ok) + " }"), "no error")
                << r.key << " = " << ok;
        }
    }
}

TEST(MetricsConfig, AccessErrorsNameTheElement) {
    EXPECT_EQ(error_of(R"({ "access": ["127.0.0.1", "10.1.2.3/16"] })"),
              "m.json: /metrics/access/1: 10.1.2.3/16 has host bits set; did you mean "
              "10.1.0.0/16?");
    EXPECT_EQ(error_of(R"({ "access": "127.0.0.1" })"),
              "m.json: /metrics/access: expected an array, got a string");
    EXPECT_EQ(error_of(R"({ "access": [] })"),
              "m.json: /metrics/access: an empty list lets no one scrape; list the scrapers' "
              "prefixes, or leave metrics_listen out to turn the endpoint off");
    const std::string error = error_of(R"({ "access": ["nowhere"] })");
    EXPECT_EQ(error.rfind("m.json: /metrics/access/0: ", 0), 0u) << error;
}

TEST(MetricsConfig, UnknownKeysAndWrongTypes) {
    EXPECT_EQ(error_of(R"({ "max_connection": 8 })"),
              "m.json: /metrics/max_connection: unknown key \"max_connection\"; did you mean "
              "\"max_connections\"?");
    EXPECT_EQ(error_of("[]"), "m.json: /metrics: expected an object, got an array");
    EXPECT_EQ(error_of(R"({ "idle_timeout_ms": "10s" })"),
              "m.json: /metrics/idle_timeout_ms: expected an integer, got a string");
}

// ---------------------------------------------------------------- check's warning

std::vector<Problem> warnings_of(const std::string& listen, const std::string& metrics = "{}") {
    return check_metrics(parse(metrics, listen));
}

TEST(MetricsCheck, WarnsOnANonLoopbackListenWithoutAccess) {
    const std::vector<Problem> expected{
        {Problem::Severity::Warning,
         "metrics_listen 0.0.0.0:9153 is not a loopback address but metrics.access is not set: "
         "only loopback clients (127.0.0.0/8, ::1/128) may scrape, others are closed unanswered; "
         "list the Prometheus servers' prefixes in metrics.access (the endpoint shows view names "
         "and upstream addresses)"}};
    EXPECT_EQ(warnings_of("0.0.0.0:9153"), expected);
    ASSERT_EQ(warnings_of("[2001:db8::53]:9153").size(), 1u);
    EXPECT_EQ(warnings_of("[2001:db8::53]:9153")[0].severity, Problem::Severity::Warning)
        << "a warning, not an error";
    EXPECT_EQ(warnings_of("10.0.0.53:9153").size(), 1u);
}

TEST(MetricsCheck, SilentOnLoopbackOrWithAnAccessList) {
    EXPECT_TRUE(warnings_of("127.0.0.1:9153").empty());
    EXPECT_TRUE(warnings_of("127.0.0.2:9153").empty());
    EXPECT_TRUE(warnings_of("[::1]:9153").empty());
    EXPECT_TRUE(warnings_of("0.0.0.0:9153", R"({ "access": ["10.0.0.0/8"] })").empty());
    EXPECT_TRUE(warnings_of("0.0.0.0:9153", R"({ "access": ["127.0.0.0/8"] })").empty())
        << "an explicit list, even loopback, is a decision made";
    EXPECT_TRUE(check_metrics(parse_config(R"({ "upstreams": [] })", "/", "m.json")).empty())
        << "no endpoint, nothing to warn about";
}

}  // namespace
}  // namespace sitedns
