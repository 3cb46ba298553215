#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "config/json_input.h"

namespace sitedns {
namespace {

namespace fs = std::filesystem;

Endpoint endpoint(const char* text) {
    return *Endpoint::parse(text, std::nullopt);
}
Cidr cidr(const char* text) {
    return *Cidr::parse(text);
}

/// A scratch folder removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        const auto* test = testing::UnitTest::GetInstance()->current_test_info();
        path_ = fs::temp_directory_path() / ("sitedns-config-" + std::to_string(getpid()) + "-" +
                                             test->test_suite_name() + "-" + test->name());
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path write(const std::string& name, const std::string& text) const {
        fs::path file = path_ / name;
        fs::create_directories(file.parent_path());
        std::ofstream(file) << text;
        return file;
    }

  private:
    fs::path path_;
};

/// The ConfigError message of parsing `text`, or "no error".
std::string error_of(const std::string& text) {
    try {
        parse_config(text, "/etc/sitedns", "t.json");
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(ConfigExample, ViewsJsonParses) {
    fs::path file = fs::path(SITEDNS_SOURCE_DIR) / "config/examples/views.json";
    Config config = read_config_file(file);
    EXPECT_EQ(config.source, file.string());
    EXPECT_EQ(config.listen, std::vector<Endpoint>{endpoint("127.0.0.1:5353")});
    EXPECT_EQ(config.threads, 2U);
    ASSERT_EQ(config.views.size(), 2U);

    const ViewConfig& office = config.views[0];
    EXPECT_EQ(office.name, "office");
    EXPECT_EQ(office.match_clients, (std::vector<Cidr>{cidr("10.0.0.0/8"), cidr("127.0.0.0/8")}));
    EXPECT_TRUE(office.recursion);
    EXPECT_FALSE(office.upstreams.has_value());
    fs::path examples = (fs::absolute(SITEDNS_SOURCE_DIR) / "zones/examples").lexically_normal();
    std::vector<ZoneSource> zones;
    for (const char* site : {"london", "paris", "madrid"}) {
        zones.push_back({examples / (std::string(site) + ".example.local.json"), {}, {}});
    }
    EXPECT_EQ(office.zones, zones);

    const ViewConfig& fallback = config.views[1];
    EXPECT_EQ(fallback.name, "fallback");
    EXPECT_EQ(fallback.match_clients, (std::vector<Cidr>{cidr("0.0.0.0/0"), cidr("::/0")}));
    EXPECT_TRUE(fallback.zones.empty());
    EXPECT_FALSE(fallback.recursion);
}

TEST(ConfigDefaults, EmptyObjectGivesTheDefaults) {
    Config config = parse_config("{}", "/etc/sitedns", "t.json");
    EXPECT_EQ(config.source, "t.json");
    EXPECT_EQ(config.listen, std::vector<Endpoint>{endpoint("127.0.0.1:5353")});
    EXPECT_EQ(config.threads, 0U);
    EXPECT_EQ(config.upstreams, resolv_conf_upstreams("/etc/resolv.conf", config.listen));
    EXPECT_TRUE(config.views.empty());
    EXPECT_TRUE(config.ecs_trust.empty());
    EXPECT_EQ(config.log.level, "info");
    EXPECT_FALSE(config.log.queries);
    EXPECT_FALSE(config.user.has_value());
    EXPECT_FALSE(config.metrics_listen.has_value());
    EXPECT_EQ(config.tcp.idle_timeout_ms, 10'000U);
    EXPECT_EQ(config.tcp.max_connections, 1'000U);
    EXPECT_EQ(config.tcp.max_connections_per_client, 20U);
    EXPECT_EQ(config.tcp.max_queries_in_flight, 100U);
}

TEST(ConfigDefaults, EveryKeyIsRead) {
    Config config = parse_config(R"({
        "listen": ["127.0.0.1:0", "[::1]:5353"],
        "threads": 1024,
        "upstreams": ["192.0.2.53", "[2001:db8::53]:5300"],
        "views": [
            { "name": "lab", "match_clients": ["10.9.0.0/16", "2001:db8:9::/48"],
              "zones": ["lab.json"], "recursion": true, "upstreams": ["192.0.2.1"] },
            { "name": "rest", "match_clients": ["any"], "upstreams": [] }
        ],
        "ecs_trust": ["127.0.0.1", "10.0.0.0/8"],
        "log": { "level": "debug", "queries": true },
        "user": "sitedns",
        "metrics_listen": "127.0.0.1:9153",
        "tcp": { "idle_timeout_ms": 3600000, "max_connections": 1,
                 "max_connections_per_client": 100000, "max_queries_in_flight": 65535 }
    })",
                                 "/etc/sitedns", "site.json");
    EXPECT_EQ(config.listen,
              (std::vector<Endpoint>{endpoint("127.0.0.1:0"), endpoint("[::1]:5353")}));
    EXPECT_EQ(config.threads, 1024U);
    EXPECT_EQ(config.upstreams,
              (std::vector<Endpoint>{endpoint("192.0.2.53:53"), endpoint("[2001:db8::53]:5300")}));
    ASSERT_EQ(config.views.size(), 2U);
    EXPECT_EQ(config.views[0].name, "lab");
    EXPECT_EQ(config.views[0].match_clients,
              (std::vector<Cidr>{cidr("10.9.0.0/16"), cidr("2001:db8:9::/48")}));
    EXPECT_EQ(config.views[0].zones, (std::vector<ZoneSource>{{"/etc/sitedns/lab.json", {}, {}}}));
    EXPECT_TRUE(config.views[0].recursion);
    EXPECT_EQ(config.views[0].upstreams, std::vector<Endpoint>{endpoint("192.0.2.1:53")});
    EXPECT_EQ(config.views[1].upstreams, std::vector<Endpoint>{});  // present but empty
    EXPECT_EQ(config.ecs_trust, (std::vector<Cidr>{cidr("127.0.0.1/32"), cidr("10.0.0.0/8")}));
    EXPECT_EQ(config.log.level, "debug");
    EXPECT_TRUE(config.log.queries);
    EXPECT_EQ(config.user, "sitedns");
    EXPECT_EQ(config.metrics_listen, endpoint("127.0.0.1:9153"));
    EXPECT_EQ(config.tcp.idle_timeout_ms, 3'600'000U);
    EXPECT_EQ(config.tcp.max_connections, 1U);
    EXPECT_EQ(config.tcp.max_connections_per_client, 100'000U);
    EXPECT_EQ(config.tcp.max_queries_in_flight, 65'535U);
    EXPECT_EQ(config.source, "site.json");
}

TEST(ConfigDefaults, ExplicitEmptyUpstreamsStayEmpty) {
    EXPECT_TRUE(parse_config(R"({"upstreams": []})", "/", "t.json").upstreams.empty());
}

TEST(ConfigDefaults, EveryLogLevelIsAccepted) {
    for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        std::string text = std::string(R"({"log": {"level": ")") + level + "\"}}";
        EXPECT_EQ(parse_config(text, "/", "t.json").log.level, level);
    }
    EXPECT_EQ(parse_config(R"({"log": {"level": "warning"}})", "/", "t.json").log.level, "warn");
    EXPECT_EQ(parse_config(R"({"log": {"level": "err"}})", "/", "t.json").log.level, "error");
}

TEST(ConfigErrorText, QuotedFileTextShowsControlCharactersEscaped) {
    // JSON spells them \u00XX; the message quotes the key read, escaped again.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"\\u001b", "\\x1b"}, {"\\u0007", "\\x07"},      {"\\u007f", "\\x7f"},
        {"\\u0000", "\\x00"}, {"\\u009b", "\\xc2\\x9b"},
    };
    for (const auto& [json_escape, shown] : cases) {
        SCOPED_TRACE(shown);
        const std::string message = error_of("{\"lo" + json_escape + "g\": 1}");
        EXPECT_NE(message.find("unknown key \"lo" + shown + "g\""), std::string::npos) << message;
    }
    // A raw invalid UTF-8 byte: nlohmann's own message names it, and nothing raw is left.
    const std::string invalid = error_of("{\"lo\xffg\": 1}");
    EXPECT_EQ(invalid.find('\xff'), std::string::npos) << invalid;
    EXPECT_NE(invalid.find("t.json: line 1"), std::string::npos) << invalid;
}

TEST(ConfigErrorText, EveryConfigErrorIsEscaped) {
    const ConfigError error(std::string("a\x1b\x07\x7f\0\xff", 6) + "z");
    EXPECT_STREQ(error.what(), "a\\x1b\\x07\\x7f\\x00\\xffz");
}

TEST(ConfigPaths, RelativeZonePathsAreTakenFromBaseDir) {
    Config config = parse_config(R"({"views": [{"name": "v", "match_clients": ["any"],
        "zones": ["zones/a.json", "../b.json", "/srv/c.json", "./d/../e.json"]}]})",
                                 "/etc/sitedns", "t.json");
    std::vector<fs::path> paths;
    for (const ZoneSource& zone : config.views[0].zones) {
        paths.push_back(zone.path);
        EXPECT_TRUE(zone.builtin.empty());
    }
    EXPECT_EQ(paths, (std::vector<fs::path>{"/etc/sitedns/zones/a.json", "/etc/b.json",
                                            "/srv/c.json", "/etc/sitedns/e.json"}));
}

TEST(ConfigPaths, RelativeBaseDirIsMadeAbsolute) {
    Config config = parse_config(R"({"views": [{"name": "v", "match_clients": ["any"],
        "zones": ["a.json"]}]})",
                                 "conf", "t.json");
    EXPECT_EQ(config.views[0].zones[0].path,
              (fs::current_path() / "conf/a.json").lexically_normal());
}

TEST(ConfigPaths, ReadConfigFileResolvesAgainstTheFilesFolder) {
    TempDir dir;
    fs::path file = dir.write("etc/site.json", R"({"views": [{"name": "v",
        "match_clients": ["any"], "zones": ["zones/paris.json"]}]})");
    Config config = read_config_file(file);
    EXPECT_EQ(config.source, file.string());
    EXPECT_EQ(config.views[0].zones[0].path, dir.path() / "etc/zones/paris.json");
}

TEST(ConfigPaths, ReadConfigFileErrorsNameTheFile) {
    TempDir dir;
    fs::path file = dir.write("bad.json", R"({"threads": "many"})");
    try {
        read_config_file(file);
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  file.string() + ": /threads: expected an integer, got a string");
    }
    fs::path missing = dir.path() / "missing.json";
    try {
        read_config_file(missing);
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  missing.string() + ": cannot open: No such file or directory");
    }
    try {
        read_config_file(dir.path());
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  dir.path().string() + ": is a directory, not a configuration file");
    }
}

struct ErrorCase {
    const char* json;
    const char* message;  ///< the whole what(), source "t.json"
};

class ConfigErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrors, MessageNamesThePathAndTheReason) {
    EXPECT_EQ(error_of(GetParam().json), GetParam().message) << GetParam().json;
}

/// One view named `name` matching `prefix`, as JSON.
#define VIEW(name, prefix) R"({"name": ")" name R"(", "match_clients": [")" prefix R"("]})"

const ErrorCase kErrorCases[] = {
    // Syntax: line and column of the offending byte.
    {"{\n  \"threads\": 1,\n}",
     "t.json: line 3, column 1: syntax error while parsing object key - unexpected '}'; "
     "expected string literal"},
    {"",
     "t.json: line 1, column 1: syntax error while parsing value - unexpected end of input; "
     "expected '[', '{', or a literal"},
    {"{\"threads\": tru}",
     "t.json: line 1, column 16: syntax error while parsing value - invalid literal; last read: "
     "'\"threads\": tru}'"},
    {R"({"threads": 1, "threads": 2})", "t.json: /threads: duplicate key \"threads\""},
    {R"({"views": [{"name": "a", "match_clients": ["any"]}, {"name": "b", "name": "c"}]})",
     "t.json: /views/1/name: duplicate key \"name\""},
    // Top level.
    {"[]", "t.json: /: expected an object, got an array"},
    {R"({"viewz": []})", "t.json: /viewz: unknown key \"viewz\"; did you mean \"views\"?"},
    {R"({"Listen": []})", "t.json: /Listen: unknown key \"Listen\"; did you mean \"listen\"?"},
    {R"({"colour": 1})", "t.json: /colour: unknown key \"colour\""},
    {R"({"a/b~": 1})", "t.json: /a~1b~0: unknown key \"a/b~\""},
    {R"({"sites": {"list": []}})", "t.json: /sites: missing required key \"domain\""},
    // listen
    {R"({"listen": []})", "t.json: /listen: must not be empty"},
    {R"({"listen": "127.0.0.1:53"})", "t.json: /listen: expected an array, got a string"},
    {R"({"listen": [53]})", "t.json: /listen/0: expected a string, got an integer"},
    {R"({"listen": ["127.0.0.1"]})",
     "t.json: /listen/0: missing port in \"127.0.0.1\" (expected ADDR:PORT, IPv6 as "
     "[ADDR]:PORT)"},
    {R"({"listen": ["127.0.0.1:5353", "127.0.0.1:5353"]})",
     "t.json: /listen/1: 127.0.0.1:5353 is listed twice"},
    // threads
    {R"({"threads": -1})", "t.json: /threads: must be between 0 and 1024, got -1"},
    {R"({"threads": 1025})", "t.json: /threads: must be between 0 and 1024, got 1025"},
    {R"({"threads": 18446744073709551615})",
     "t.json: /threads: must be between 0 and 1024, got 18446744073709551615"},
    {R"({"threads": 2.5})", "t.json: /threads: expected an integer, got a floating-point number"},
    {R"({"threads": null})", "t.json: /threads: expected an integer, got null"},
    // upstreams
    {R"({"upstreams": ["dns.example"]})",
     "t.json: /upstreams/0: invalid address \"dns.example\" in \"dns.example\""},
    {R"({"upstreams": ["192.0.2.1:99999"]})",
     "t.json: /upstreams/0: invalid port \"99999\" in \"192.0.2.1:99999\" (0..65535)"},
    {R"({"upstreams": ["192.0.2.1:0"]})",
     "t.json: /upstreams/0: port 0 is not a valid upstream port"},
    // views
    {R"({"views": {}})", "t.json: /views: expected an array, got an object"},
    {R"({"views": [1]})", "t.json: /views/0: expected an object, got an integer"},
    {R"({"views": [{"match_clients": ["any"]}]})",
     "t.json: /views/0: missing required key \"name\""},
    {R"({"views": [{"name": "a"}]})", "t.json: /views/0: missing required key \"match_clients\""},
    {R"({"views": [{"name": "", "match_clients": ["any"]}]})",
     "t.json: /views/0/name: must not be empty"},
    {R"({"views": [{"name": 7, "match_clients": ["any"]}]})",
     "t.json: /views/0/name: expected a string, got an integer"},
    {R"({"views": [)" VIEW("a", "10.0.0.0/8") "," VIEW("a", "10.1.0.0/16") "]}",
     "t.json: /views/1/name: duplicate view name \"a\" (also /views/0)"},
    {R"({"views": [{"name": "a", "match_clients": []}]})",
     "t.json: /views/0/match_clients: must not be empty"},
    {R"({"views": [{"name": "a", "match_clients": "any"}]})",
     "t.json: /views/0/match_clients: expected an array, got a string"},
    {R"({"views": [)" VIEW("a", "any") "," VIEW("b", "10.1.2.3/16") "]}",
     "t.json: /views/1/match_clients/0: 10.1.2.3/16 has host bits set; did you mean "
     "10.1.0.0/16?"},
    {R"({"views": [)" VIEW("a", "10.0.0.0/33") "]}",
     "t.json: /views/0/match_clients/0: invalid prefix length \"33\" in \"10.0.0.0/33\" (0..32)"},
    {R"({"views": [)" VIEW("a", "10.0.0.0/8") "," VIEW("b", "10.0.0.0/8") "]}",
     "t.json: /views/1/match_clients/0: 10.0.0.0/8 is in two views, \"a\" "
     "(/views/0/match_clients/0) and \"b\"; a prefix may select one view only"},
    {R"({"views": [)" VIEW("a", "any") "," VIEW("b", "any") "]}",
     "t.json: /views/1/match_clients/0: 0.0.0.0/0 (\"any\") is in two views, \"a\" "
     "(/views/0/match_clients/0) and \"b\"; a prefix may select one view only"},
    {R"({"views": [)" VIEW("a", "::/0") "," VIEW("b", "any") "]}",
     "t.json: /views/1/match_clients/0: ::/0 (\"any\") is in two views, \"a\" "
     "(/views/0/match_clients/0) and \"b\"; a prefix may select one view only"},
    {R"({"views": [{"name": "a", "match_clients": ["10.0.0.0/8", "127.0.0.1", "10.0.0.0/8"]}]})",
     "t.json: /views/0/match_clients/2: 10.0.0.0/8 is listed twice in view \"a\" (also "
     "/views/0/match_clients/0)"},
    {R"({"views": [{"name": "a", "match_clients": ["any", "0.0.0.0/0"]}]})",
     "t.json: /views/0/match_clients/1: 0.0.0.0/0 is listed twice in view \"a\" (also "
     "/views/0/match_clients/0)"},
    {R"({"views": [{"name": "a", "match_clients": ["any"], "zone": []}]})",
     "t.json: /views/0/zone: unknown key \"zone\"; did you mean \"zones\"?"},
    {R"({"views": [{"name": "a", "match_clients": ["any"], "zones": [1]}]})",
     "t.json: /views/0/zones/0: expected a string or an object, got an integer"},
    {R"({"views": [{"name": "a", "match_clients": ["any"], "zones": "a.json"}]})",
     "t.json: /views/0/zones: expected an array, got a string"},
    {R"({"views": [{"name": "a", "match_clients": ["any"], "zones": ["a.json", "./a.json"]}]})",
     "t.json: /views/0/zones/1: zone file /etc/sitedns/a.json is listed twice (also "
     "/views/0/zones/0)"},
    {R"({"views": [{"name": "a", "match_clients": ["any"], "recursion": "yes"}]})",
     "t.json: /views/0/recursion: expected true or false, got a string"},
    {R"({"views": [{"name": "a", "match_clients": ["any"], "upstreams": ["1.2.3.4:x"]}]})",
     "t.json: /views/0/upstreams/0: invalid port \"x\" in \"1.2.3.4:x\" (0..65535)"},
    // ecs_trust
    {R"({"ecs_trust": ["10.0.0.1/8"]})",
     "t.json: /ecs_trust/0: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"},
    {R"({"ecs_trust": "127.0.0.1"})", "t.json: /ecs_trust: expected an array, got a string"},
    // log
    {R"({"log": "debug"})", "t.json: /log: expected an object, got a string"},
    {R"({"log": {"level": "verbose"}})",
     "t.json: /log/level: unknown log level \"verbose\" (trace, debug, info, warn, error, "
     "critical, off)"},
    {R"({"log": {"level": "debg"}})",
     "t.json: /log/level: unknown log level \"debg\" (trace, debug, info, warn, error, "
     "critical, off); did you mean \"debug\"?"},
    {R"({"log": {"level": "INFO"}})",
     "t.json: /log/level: unknown log level \"INFO\" (trace, debug, info, warn, error, "
     "critical, off)"},
    {R"({"log": {"queries": 1}})", "t.json: /log/queries: expected true or false, got an integer"},
    {R"({"log": {"lvl": "info"}})",
     "t.json: /log/lvl: unknown key \"lvl\"; did you mean \"level\"?"},
    // user, metrics_listen
    {R"({"user": ""})", "t.json: /user: must not be empty"},
    {R"({"user": 0})", "t.json: /user: expected a string, got an integer"},
    {R"({"metrics_listen": "127.0.0.1"})",
     "t.json: /metrics_listen: missing port in \"127.0.0.1\" (expected ADDR:PORT, IPv6 as "
     "[ADDR]:PORT)"},
    {R"({"metrics_listen": ["127.0.0.1:9153"]})",
     "t.json: /metrics_listen: expected a string, got an array"},
    // tcp
    {R"({"tcp": {"idle_timeout_ms": 0}})",
     "t.json: /tcp/idle_timeout_ms: must be between 1 and 3600000, got 0"},
    {R"({"tcp": {"idle_timeout_ms": 3600001}})",
     "t.json: /tcp/idle_timeout_ms: must be between 1 and 3600000, got 3600001"},
    {R"({"tcp": {"max_connections": 1000001}})",
     "t.json: /tcp/max_connections: must be between 1 and 1000000, got 1000001"},
    {R"({"tcp": {"max_connections_per_client": 0}})",
     "t.json: /tcp/max_connections_per_client: must be between 1 and 100000, got 0"},
    {R"({"tcp": {"max_connections_per_client": 100001}})",
     "t.json: /tcp/max_connections_per_client: must be between 1 and 100000, got 100001"},
    {R"({"tcp": {"max_queries_in_flight": 0}})",
     "t.json: /tcp/max_queries_in_flight: must be between 1 and 65535, got 0"},
    {R"({"tcp": {"max_queries_in_flight": 65536}})",
     "t.json: /tcp/max_queries_in_flight: must be between 1 and 65535, got 65536"},
    {R"({"tcp": {"max_queries_in_flight": "2"}})",
     "t.json: /tcp/max_queries_in_flight: expected an integer, got a string"},
    {R"({"tcp": {"max_conections": 10}})",
     "t.json: /tcp/max_conections: unknown key \"max_conections\"; did you mean "
     "\"max_connections\"?"},
    {R"({"tcp": 5})", "t.json: /tcp: expected an object, got an integer"},
};

INSTANTIATE_TEST_SUITE_P(Table, ConfigErrors, testing::ValuesIn(kErrorCases));

// The built-in configuration (the three sites) is tested in sites_test.cpp.

TEST(ResolvConf, ReadsNameserverLines) {
    TempDir dir;
    fs::path file = dir.write("resolv.conf",
                              "# generated\n"
                              "search example.com\n"
                              "nameserver 192.0.2.53\n"
                              "  nameserver\t198.51.100.1   # trailing comment\n"
                              "; nameserver 192.0.2.99\n"
                              "#nameserver 192.0.2.98\n"
                              "nameserver 2001:db8::53\n"
                              "nameserver fe80::1%eth0\n"
                              "nameserver not-an-address\n"
                              "nameserver\n"
                              "nameservers 192.0.2.97\n"
                              "nameserver 192.0.2.53\n"
                              "options edns0 trust-ad\n"
                              "nameserver 127.0.0.53");
    EXPECT_EQ(resolv_conf_upstreams(file, {}),
              (std::vector<Endpoint>{endpoint("192.0.2.53:53"), endpoint("198.51.100.1:53"),
                                     endpoint("[2001:db8::53]:53"), endpoint("[fe80::1]:53"),
                                     endpoint("127.0.0.53:53")}));
}

TEST(ResolvConf, SkipsSitednsOwnListeners) {
    TempDir dir;
    fs::path file =
        dir.write("resolv.conf", "nameserver 127.0.0.1\nnameserver 192.0.2.53\nnameserver ::1\n");
    // Listening on port 53 of 127.0.0.1: forwarding there would loop.
    EXPECT_EQ(resolv_conf_upstreams(file, {endpoint("127.0.0.1:53")}),
              (std::vector<Endpoint>{endpoint("192.0.2.53:53"), endpoint("[::1]:53")}));
    // On another port, 127.0.0.1:53 is some other resolver.
    EXPECT_EQ(resolv_conf_upstreams(file, {endpoint("127.0.0.1:5353")}).size(), 3U);
    // A wildcard listener on 53 is every local address of its family.
    EXPECT_EQ(resolv_conf_upstreams(file, {endpoint("0.0.0.0:53")}),
              (std::vector<Endpoint>{endpoint("[::1]:53")}));
    EXPECT_EQ(resolv_conf_upstreams(file, {endpoint("[::]:53"), endpoint("127.0.0.1:53")}),
              (std::vector<Endpoint>{endpoint("192.0.2.53:53")}));
}

TEST(ResolvConf, MissingFileGivesNoUpstreams) {
    TempDir dir;
    EXPECT_TRUE(resolv_conf_upstreams(dir.path() / "absent.conf", {}).empty());
}

TEST(JsonInput, PositionOfAnOffset) {
    std::string_view text = "ab\ncd\n\nx";
    EXPECT_EQ(json_input::position_of(text, 0).line, 1U);
    EXPECT_EQ(json_input::position_of(text, 0).column, 1U);
    EXPECT_EQ(json_input::position_of(text, 1).column, 2U);
    EXPECT_EQ(json_input::position_of(text, 3).line, 2U);
    EXPECT_EQ(json_input::position_of(text, 3).column, 1U);
    EXPECT_EQ(json_input::position_of(text, 7).line, 4U);
    EXPECT_EQ(json_input::position_of(text, 7).column, 1U);
}

TEST(JsonInput, EditDistanceAndClosest) {
    EXPECT_EQ(json_input::edit_distance("views", "views"), 0U);
    EXPECT_EQ(json_input::edit_distance("viewz", "views"), 1U);
    EXPECT_EQ(json_input::edit_distance("", "abc"), 3U);
    EXPECT_EQ(json_input::edit_distance("kitten", "sitting"), 3U);
    const std::string_view known[] = {"listen", "views", "user"};
    EXPECT_EQ(json_input::closest("veiws", known), "views");  // two substitutions
    EXPECT_EQ(json_input::closest("usr", known), "user");
    EXPECT_EQ(json_input::closest("zzz", known), "");
}

}  // namespace
}  // namespace sitedns
