// The configuration reader (SPEC §3): JSON to Config, every error naming the source,
// the JSON pointer (RFC 6901) of the offending value and what is wrong with it.

#include "config/config.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "config/json_input.h"
#include "config/prefix_table.h"
#include "zones/dns/name.h"

namespace sitedns {
namespace {

using nlohmann::json;
using Keys = std::span<const std::string_view>;

constexpr std::string_view kResolvConf = "/etc/resolv.conf";
constexpr std::uint16_t kDnsPort = 53;
constexpr std::int64_t kMaxTtl = 2147483647;  // RFC 2181 §8

constexpr std::array<std::string_view, 13> kTopKeys{
    "listen",         "threads", "upstreams", "views",      "sites",      "ecs_trust", "log",
    "metrics_listen", "user",    "tcp",       "forwarding", "rate_limit", "cookies"};
constexpr std::array<std::string_view, 5> kViewKeys{"name", "match_clients", "zones", "recursion",
                                                    "upstreams"};
constexpr std::array<std::string_view, 4> kSitesKeys{"domain", "internal_suffix", "ttl", "list"};
constexpr std::array<std::string_view, 8> kSiteKeys{
    "name", "subnets", "address", "address6", "primary", "mail_host", "preference", "zones"};
constexpr std::array<std::string_view, 2> kLogKeys{"level", "queries"};
constexpr std::array<std::string_view, 4> kTcpKeys{
    "idle_timeout_ms", "max_connections", "max_connections_per_client", "max_queries_in_flight"};
constexpr std::array<std::string_view, 3> kUpstreamKeys{"address", "timeout_ms", "tcp"};

/// One integer of the `forwarding` object: its key, where it goes and its range.
struct ForwardingKey {
    std::string_view key;
    std::uint32_t ForwardingConfig::*field;
    std::int64_t min;
    std::int64_t max;
};
constexpr std::array<ForwardingKey, 8> kForwardingKeys{{
    {"attempt_timeout_ms", &ForwardingConfig::attempt_timeout_ms, 50, 10'000},
    {"query_deadline_ms", &ForwardingConfig::query_deadline_ms, 100, 2'900},  // < 3 s, SPEC §5
    {"down_time_ms", &ForwardingConfig::down_time_ms, 100, 3'600'000},
    {"cache_entries", &ForwardingConfig::cache_entries, 0, 10'000'000},
    {"serve_stale_s", &ForwardingConfig::serve_stale_s, 0, 604'800},  // RFC 8767 §5: days
    {"max_ttl_s", &ForwardingConfig::max_ttl_s, 1, 604'800},
    {"max_negative_ttl_s", &ForwardingConfig::max_negative_ttl_s, 0, 86'400},  // RFC 2308 §5
    {"max_in_flight", &ForwardingConfig::max_in_flight, 1, 1'000'000},
}};
/// One integer of the `rate_limit` object, as ForwardingKey.
struct RateLimitKey {
    std::string_view key;
    std::uint32_t RateLimitConfig::*field;
    std::int64_t min;
    std::int64_t max;
};
constexpr std::array<RateLimitKey, 5> kRateLimitKeys{{
    {"responses_per_second", &RateLimitConfig::responses_per_second, 1, 1'000'000},
    {"slip", &RateLimitConfig::slip, 0, 10},  // BIND's range
    {"ipv4_prefix", &RateLimitConfig::ipv4_prefix, 8, 32},
    {"ipv6_prefix", &RateLimitConfig::ipv6_prefix, 16, 128},
    {"table_size", &RateLimitConfig::table_size, 64, 1'048'576},
}};
constexpr std::array<std::string_view, kRateLimitKeys.size() + 1> kRateLimitObjectKeys{
    "responses_per_second", "slip", "ipv4_prefix", "ipv6_prefix", "table_size", "exempt"};
constexpr std::array<std::string_view, 2> kCookiesKeys{"enabled", "secret"};
constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

/// "a string", "an array", ... for "expected X, got Y".
std::string kind_of(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::number_float:
            return "a floating-point number";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            return "an integer";
        case json::value_t::string:
            return "a string";
        case json::value_t::array:
            return "an array";
        case json::value_t::object:
            return "an object";
        default:
            return "a " + std::string(value.type_name());
    }
}

std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

/// The JSON pointer of member `key` of the value at `path`.
std::string member(const std::string& path, std::string_view key) {
    return (path == "/" ? "" : path) + "/" + json_input::pointer_token(key);
}

std::string element(const std::string& path, std::size_t index) {
    return path + "/" + std::to_string(index);
}

/// Where a prefix was first seen, to name both places when it comes again.
struct PrefixOrigin {
    std::size_t view;
    std::string path;
};

/// Validates one parsed document into a Config. Every failure throws ConfigError.
class Reader {
  public:
    Reader(std::string_view source, std::filesystem::path base_dir)
        : source_(source), base_dir_(std::move(base_dir)) {}

    Config read(const json& root) {
        Config config;
        config.source = source_;
        object(root, "/", kTopKeys);
        if (root.contains("listen")) config.listen = endpoints(root["listen"], "/listen", {}, true);
        if (root.contains("threads")) {
            config.threads = static_cast<unsigned>(integer(root["threads"], "/threads", 0, 1024));
        }
        // First: upstream timeouts are checked against its query deadline.
        if (root.contains("forwarding")) {
            config.forwarding = forwarding(root["forwarding"], "/forwarding");
        }
        forwarding_ = config.forwarding;
        if (root.contains("upstreams")) {
            upstreams(root["upstreams"], "/upstreams", config.upstreams, config.upstream_options);
        } else {
            config.upstreams = resolv_conf_upstreams(kResolvConf, config.listen);
        }
        if (root.contains("views")) config.views = views(root["views"], "/views");
        if (root.contains("sites")) {
            config.sites = sites(root["sites"], "/sites");
            add_site_views(root["sites"]["list"], *config.sites, config.views);
        }
        if (root.contains("ecs_trust")) {
            config.ecs_trust = cidrs(root["ecs_trust"], "/ecs_trust", false);
        }
        if (root.contains("log")) config.log = log(root["log"], "/log");
        if (root.contains("user")) config.user = string(root["user"], "/user");
        if (root.contains("metrics_listen")) {
            config.metrics_listen = endpoint(root["metrics_listen"], "/metrics_listen", {});
        }
        if (root.contains("tcp")) config.tcp = tcp(root["tcp"], "/tcp");
        if (root.contains("rate_limit")) {
            config.rate_limit = rate_limit(root["rate_limit"], "/rate_limit");
        }
        if (root.contains("cookies")) config.cookies = cookies(root["cookies"], "/cookies");
        return config;
    }

  private:
    [[noreturn]] void fail(const std::string& path, const std::string& reason) const {
        throw ConfigError(source_ + ": " + path + ": " + reason);
    }

    void expect(bool ok, const json& value, const std::string& path, std::string_view what) const {
        if (!ok) fail(path, "expected " + std::string(what) + ", got " + kind_of(value));
    }

    /// Checks the object `value` has each of `keys`.
    void require(const json& value, const std::string& path,
                 std::initializer_list<std::string_view> keys) const {
        for (std::string_view key : keys) {
            if (!value.contains(key)) fail(path, "missing required key " + in_quotes(key));
        }
    }

    /// Checks `value` is an object whose keys are all in `known`.
    void object(const json& value, const std::string& path, Keys known) const {
        expect(value.is_object(), value, path, "an object");
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string& key = it.key();
            if (std::find(known.begin(), known.end(), key) != known.end()) continue;
            std::string reason = "unknown key " + in_quotes(key);
            std::string_view guess = json_input::closest(key, known);
            if (!guess.empty()) reason += "; did you mean " + in_quotes(guess) + "?";
            fail(member(path, key), reason);
        }
    }

    std::int64_t integer(const json& value, const std::string& path, std::int64_t min,
                         std::int64_t max) const {
        expect(value.is_number_integer(), value, path, "an integer");
        // Non-negative numbers come as unsigned, which may exceed int64's range.
        bool in_range = value.is_number_unsigned()
                            ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max) &&
                                  value.get<std::int64_t>() >= min
                            : value.get<std::int64_t>() >= min && value.get<std::int64_t>() <= max;
        if (!in_range) {
            fail(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", got " + value.dump());
        }
        return value.get<std::int64_t>();
    }

    bool boolean(const json& value, const std::string& path) const {
        expect(value.is_boolean(), value, path, "true or false");
        return value.get<bool>();
    }

    std::string string(const json& value, const std::string& path) const {
        expect(value.is_string(), value, path, "a string");
        const auto& text = value.get_ref<const std::string&>();
        if (text.empty()) fail(path, "must not be empty");
        return text;
    }

    const json& array(const json& value, const std::string& path, bool non_empty) const {
        expect(value.is_array(), value, path, "an array");
        if (non_empty && value.empty()) fail(path, "must not be empty");
        return value;
    }

    Endpoint endpoint(const json& value, const std::string& path,
                      std::optional<std::uint16_t> default_port) const {
        std::string error;
        auto parsed = Endpoint::parse(string(value, path), default_port, &error);
        if (!parsed) fail(path, error);
        return *parsed;
    }

    std::vector<Endpoint> endpoints(const json& value, const std::string& path,
                                    std::optional<std::uint16_t> default_port,
                                    bool non_empty) const {
        std::vector<Endpoint> out;
        const json& items = array(value, path, non_empty);
        for (std::size_t i = 0; i < items.size(); ++i) {
            Endpoint next = endpoint(items[i], element(path, i), default_port);
            if (default_port && next.port == 0) {  // upstreams: 0 only means "any" to bind()
                fail(element(path, i), "port 0 is not a valid upstream port");
            }
            if (std::find(out.begin(), out.end(), next) != out.end()) {
                fail(element(path, i), next.to_string() + " is listed twice");
            }
            out.push_back(next);
        }
        return out;
    }

    /// An `upstreams` array (SPEC §3.1, §3.2; README "Forwarding"): each entry either
    /// "ADDR[:PORT]" or {"address": "ADDR[:PORT]", "timeout_ms": N, "tcp": BOOL}. Fills
    /// `out` and, one per entry, `options`.
    void upstreams(const json& value, const std::string& path, std::vector<Endpoint>& out,
                   std::vector<UpstreamConfig>& options) const {
        out.clear();
        options.clear();
        const json& items = array(value, path, false);
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string item_path = element(path, i);
            UpstreamConfig option;
            std::string address_path = item_path;
            const json* address = &items[i];
            if (items[i].is_object()) {
                option = upstream_options(items[i], item_path);
                address_path = member(item_path, "address");
                address = &items[i]["address"];
            } else {
                expect(items[i].is_string(), items[i], item_path, "a string or an object");
            }
            Endpoint next = endpoint(*address, address_path, kDnsPort);
            if (next.port == 0) {  // 0 only means "any" to bind()
                fail(address_path, "port 0 is not a valid upstream port");
            }
            if (std::find(out.begin(), out.end(), next) != out.end()) {
                fail(address_path, next.to_string() + " is listed twice");
            }
            out.push_back(next);
            options.push_back(option);
        }
    }

    /// The options of an upstream's object form; its "address" is read by the caller.
    UpstreamConfig upstream_options(const json& value, const std::string& path) const {
        UpstreamConfig out;
        object(value, path, kUpstreamKeys);
        require(value, path, {"address"});
        if (value.contains("timeout_ms")) {
            const std::string p = member(path, "timeout_ms");
            out.timeout_ms =
                static_cast<std::uint32_t>(integer(value["timeout_ms"], p, 50, 10'000));
            if (out.timeout_ms > forwarding_.query_deadline_ms) {
                fail(p, std::to_string(out.timeout_ms) +
                            " is longer than forwarding.query_deadline_ms (" +
                            std::to_string(forwarding_.query_deadline_ms) + ")");
            }
        }
        if (value.contains("tcp")) out.tcp = boolean(value["tcp"], member(path, "tcp"));
        return out;
    }

    Cidr cidr(const json& value, const std::string& path) const {
        std::string error;
        auto parsed = Cidr::parse(string(value, path), &error);
        if (!parsed) fail(path, error);
        return *parsed;
    }

    std::vector<Cidr> cidrs(const json& value, const std::string& path, bool non_empty) const {
        std::vector<Cidr> out;
        const json& items = array(value, path, non_empty);
        for (std::size_t i = 0; i < items.size(); ++i)
            out.push_back(cidr(items[i], element(path, i)));
        return out;
    }

    LogConfig log(const json& value, const std::string& path) const {
        LogConfig out;
        object(value, path, kLogKeys);
        if (value.contains("level")) {
            std::string p = member(path, "level");
            out.level = string(value["level"], p);
            if (out.level == "warning") out.level = "warn";  // spdlog's aliases
            if (out.level == "err") out.level = "error";
            if (std::find(kLogLevels.begin(), kLogLevels.end(), out.level) == kLogLevels.end()) {
                std::string reason = "unknown log level " + in_quotes(out.level) +
                                     " (trace, debug, info, warn, error, critical, off)";
                std::string_view guess = json_input::closest(out.level, kLogLevels);
                if (!guess.empty()) reason += "; did you mean " + in_quotes(guess) + "?";
                fail(p, reason);
            }
        }
        if (value.contains("queries"))
            out.queries = boolean(value["queries"], member(path, "queries"));
        return out;
    }

    TcpConfig tcp(const json& value, const std::string& path) const {
        TcpConfig out;
        object(value, path, kTcpKeys);
        if (value.contains("idle_timeout_ms")) {
            out.idle_timeout_ms = static_cast<std::uint32_t>(
                integer(value["idle_timeout_ms"], member(path, "idle_timeout_ms"), 1, 3'600'000));
        }
        if (value.contains("max_connections")) {
            out.max_connections = static_cast<std::uint32_t>(
                integer(value["max_connections"], member(path, "max_connections"), 1, 1'000'000));
        }
        if (value.contains("max_connections_per_client")) {
            out.max_connections_per_client = static_cast<std::uint32_t>(
                integer(value["max_connections_per_client"],
                        member(path, "max_connections_per_client"), 1, 100'000));
        }
        if (value.contains("max_queries_in_flight")) {
            out.max_queries_in_flight = static_cast<std::uint32_t>(integer(
                value["max_queries_in_flight"], member(path, "max_queries_in_flight"), 1, 65'535));
        }
        return out;
    }

    /// The `forwarding` object (README "Forwarding"): integers within their ranges, and
    /// one upstream attempt no longer than the whole query's deadline.
    ForwardingConfig forwarding(const json& value, const std::string& path) const {
        ForwardingConfig out;
        std::array<std::string_view, kForwardingKeys.size()> keys{};
        for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = kForwardingKeys[i].key;
        object(value, path, keys);
        for (const ForwardingKey& key : kForwardingKeys) {
            if (!value.contains(key.key)) continue;
            out.*key.field = static_cast<std::uint32_t>(
                integer(value[std::string(key.key)], member(path, key.key), key.min, key.max));
        }
        if (out.attempt_timeout_ms > out.query_deadline_ms) {
            fail(member(path, "attempt_timeout_ms"),
                 std::to_string(out.attempt_timeout_ms) + " is longer than query_deadline_ms (" +
                     std::to_string(out.query_deadline_ms) + ")");
        }
        return out;
    }

    /// The `rate_limit` object (README "Rate limiting"): integers within their ranges and
    /// the exempt prefixes.
    RateLimitConfig rate_limit(const json& value, const std::string& path) const {
        RateLimitConfig out;
        object(value, path, kRateLimitObjectKeys);
        for (const RateLimitKey& key : kRateLimitKeys) {
            if (!value.contains(key.key)) continue;
            out.*key.field = static_cast<std::uint32_t>(
                integer(value[std::string(key.key)], member(path, key.key), key.min, key.max));
        }
        if (value.contains("exempt")) {
            out.exempt = cidrs(value["exempt"], member(path, "exempt"), false);
        }
        return out;
    }

    /// The `cookies` object (README "Cookies"): `enabled`, and `secret` as 32 hex digits.
    CookiesConfig cookies(const json& value, const std::string& path) const {
        CookiesConfig out;
        object(value, path, kCookiesKeys);
        if (value.contains("enabled")) {
            out.enabled = boolean(value["enabled"], member(path, "enabled"));
        }
        if (!value.contains("secret")) return out;
        const std::string secret_path = member(path, "secret");
        const std::string text = string(value["secret"], secret_path);
        std::array<std::uint8_t, 16> secret{};
        const auto digit = [](char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        bool hex = text.size() == 2 * secret.size();
        for (std::size_t i = 0; hex && i < text.size(); ++i) hex = digit(text[i]) >= 0;
        if (!hex) fail(secret_path, "expected 32 hexadecimal digits (a 128-bit secret)");
        for (std::size_t i = 0; i < secret.size(); ++i) {
            secret[i] = static_cast<std::uint8_t>(digit(text[2 * i]) << 4 | digit(text[2 * i + 1]));
        }
        out.secret = secret;
        return out;
    }

    std::vector<ViewConfig> views(const json& value, const std::string& path) {
        std::vector<ViewConfig> out;
        const json& items = array(value, path, false);
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::string view_path = element(path, i);
            ViewConfig next = view(items[i], view_path);
            for (std::size_t j = 0; j < out.size(); ++j) {
                if (out[j].name == next.name) {
                    fail(member(view_path, "name"), "duplicate view name " + in_quotes(next.name) +
                                                        " (also " + element(path, j) + ")");
                }
            }
            out.push_back(std::move(next));
            claim_prefixes(items[i]["match_clients"], member(view_path, "match_clients"), out);
        }
        return out;
    }

    ViewConfig view(const json& value, const std::string& path) const {
        ViewConfig out;
        object(value, path, kViewKeys);
        require(value, path, {"name", "match_clients"});
        out.name = string(value["name"], member(path, "name"));
        out.match_clients = match_clients(value["match_clients"], member(path, "match_clients"));
        if (value.contains("zones")) out.zones = zones(value["zones"], member(path, "zones"));
        if (value.contains("recursion")) {
            out.recursion = boolean(value["recursion"], member(path, "recursion"));
        }
        if (value.contains("upstreams")) {
            out.upstreams.emplace();
            upstreams(value["upstreams"], member(path, "upstreams"), *out.upstreams,
                      out.upstream_options);
        }
        return out;
    }

    /// SPEC §3.2: CIDRs, or "any" for 0.0.0.0/0 and ::/0.
    std::vector<Cidr> match_clients(const json& value, const std::string& path) const {
        std::vector<Cidr> out;
        const json& items = array(value, path, true);
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (items[i].is_string() && items[i].get_ref<const std::string&>() == "any") {
                out.push_back(*Cidr::parse("0.0.0.0/0"));
                out.push_back(*Cidr::parse("::/0"));
            } else {
                out.push_back(cidr(items[i], element(path, i)));
            }
        }
        return out;
    }

    /// Records the prefixes of the view just read (the last of `views`); a prefix seen
    /// before, in this view or another, is an error naming both places (SPEC §3.2).
    void claim_prefixes(const json& items, const std::string& path,
                        const std::vector<ViewConfig>& views) {
        std::size_t view_index = views.size() - 1;
        const ViewConfig& view = views.back();
        std::size_t prefix_index = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            bool any = items[i].get_ref<const std::string&>() == "any";
            for (std::size_t n = 0; n < (any ? 2u : 1u); ++n) {
                const Cidr& prefix = view.match_clients[prefix_index++];
                std::string here = element(path, i);
                const PrefixOrigin* first = prefixes_.find(prefix);
                if (first == nullptr) {
                    prefixes_.insert(prefix, PrefixOrigin{view_index, here});
                    continue;
                }
                std::string shown = prefix.to_string() + (any ? " (\"any\")" : "");
                if (first->view == view_index) {
                    fail(here, shown + " is listed twice in view " + in_quotes(view.name) +
                                   " (also " + first->path + ")");
                }
                fail(here, shown + " is in two views, " + in_quotes(views[first->view].name) +
                               " (" + first->path + ") and " + in_quotes(view.name) +
                               "; a prefix may select one view only");
            }
        }
    }

    /// SPEC §3.3: the `sites` object. Its generated views are added by add_site_views.
    Sites sites(const json& value, const std::string& path) const {
        Sites out;
        object(value, path, kSitesKeys);
        require(value, path, {"domain", "internal_suffix", "list"});
        out.domain = domain_name(value["domain"], member(path, "domain"));
        out.internal_suffix =
            domain_name(value["internal_suffix"], member(path, "internal_suffix"));
        if (value.contains("ttl")) {
            out.ttl =
                static_cast<std::uint32_t>(integer(value["ttl"], member(path, "ttl"), 0, kMaxTtl));
        }
        std::string list_path = member(path, "list");
        const json& items = array(value["list"], list_path, true);
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::string site_path = element(list_path, i);
            Site next = site(items[i], site_path, out.internal_suffix);
            for (std::size_t j = 0; j < out.list.size(); ++j) {
                if (out.list[j].name == next.name) {
                    fail(member(site_path, "name"), "duplicate site name " + in_quotes(next.name) +
                                                        " (also " + element(list_path, j) + ")");
                }
            }
            out.list.push_back(std::move(next));
        }
        // nlohmann objects keep their keys sorted, so the dump ignores order and spacing.
        out.serial = sites_serial(value.dump());
        return out;
    }

    /// One entry of /sites/list; `suffix` bounds the length of the names it generates.
    Site site(const json& value, const std::string& path, const std::string& suffix) const {
        Site out;
        object(value, path, kSiteKeys);
        require(value, path, {"name", "subnets", "address"});
        out.name = label(value["name"], member(path, "name"), "site name");
        out.subnets = cidrs(value["subnets"], member(path, "subnets"), true);
        out.address = address(value["address"], member(path, "address"), IpAddress::Family::V4);
        if (value.contains("address6")) {
            out.address6 =
                address(value["address6"], member(path, "address6"), IpAddress::Family::V6);
        }
        if (value.contains("primary"))
            out.primary = boolean(value["primary"], member(path, "primary"));
        if (value.contains("mail_host")) {
            out.mail_host = label(value["mail_host"], member(path, "mail_host"), "mail host");
        }
        if (value.contains("preference")) {
            out.preference = static_cast<std::uint16_t>(
                integer(value["preference"], member(path, "preference"), 0, 65535));
        }
        if (value.contains("zones")) {
            for (const ZoneSource& zone : zones(value["zones"], member(path, "zones")))
                out.zones.push_back(zone.path);
        }
        std::string mail = out.mail_host + "." + out.name + "." + suffix + ".";
        if (mail.size() + 1 > dns::kMaxNameWire) {  // the text's length + 1 is the wire length
            fail(member(path, "name"), "the mail host name " + mail + " is longer than 255 octets");
        }
        return out;
    }

    /// A domain name of LDH labels ("example.com"; RFC 1123 §2.1), stored without the
    /// trailing dot.
    std::string domain_name(const json& value, const std::string& path) const {
        std::string name = string(value, path);
        if (name.size() > 1 && name.back() == '.') name.pop_back();
        std::string_view rest = name;
        while (true) {
            std::string_view one = rest.substr(0, rest.find('.'));
            std::string problem = label_problem(one, false);
            if (!problem.empty()) fail(path, in_quotes(name) + " is not a domain name: " + problem);
            if (one.size() == rest.size()) break;
            rest.remove_prefix(one.size() + 1);
        }
        if (name.size() + 2 > dns::kMaxNameWire) {
            fail(path, in_quotes(name) + " is longer than 255 octets");
        }
        return name;
    }

    /// One lowercase LDH label: a site name or mail host, written into generated names.
    std::string label(const json& value, const std::string& path, std::string_view what) const {
        std::string text = string(value, path);
        std::string problem = label_problem(text, true);
        if (!problem.empty()) {
            fail(path, in_quotes(text) + " is not a valid " + std::string(what) + ": " + problem);
        }
        return text;
    }

    /// Why `text` is not an LDH label (RFC 1123 §2.1), or "".
    static std::string label_problem(std::string_view text, bool lowercase) {
        if (text.empty()) return "empty label";
        if (text.size() > dns::kMaxLabel) {
            return "label " + in_quotes(text) + " is longer than 63 characters";
        }
        if (text.front() == '-' || text.back() == '-') {
            return "label " + in_quotes(text) + " starts or ends with a hyphen";
        }
        for (char c : text) {
            bool upper = c >= 'A' && c <= 'Z';
            if (upper && lowercase) return "use lowercase letters, digits and hyphens only";
            if (!upper && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-') {
                return "label " + in_quotes(text) + " has " + in_quotes(std::string(1, c)) +
                       "; use letters, digits and hyphens only";
            }
        }
        return "";
    }

    /// An address of `family` ("203.0.113.20" for IPv4, "2001:db8::25" for IPv6).
    IpAddress address(const json& value, const std::string& path, IpAddress::Family family) const {
        std::string text = string(value, path);
        auto parsed = IpAddress::parse(text);
        std::string_view expected = family == IpAddress::Family::V4 ? "an IPv4" : "an IPv6";
        if (!parsed || parsed->family != family) {
            fail(path, "expected " + std::string(expected) + " address, got " + in_quotes(text));
        }
        return *parsed;
    }

    /// SPEC §3.3: one view per site, after the explicit ones, holding the generated zone
    /// of every other site (each zone built once, shared by the views) and its own
    /// extra zones. Its subnets join the one longest-prefix table (SPEC §3.2).
    void add_site_views(const json& list, const Sites& sites, std::vector<ViewConfig>& views) {
        std::vector<std::shared_ptr<const load::ZoneData>> generated;
        generated.reserve(sites.list.size());
        for (const Site& site : sites.list) generated.push_back(generate_site_zone(sites, site));
        const std::size_t explicit_views = views.size();
        for (std::size_t i = 0; i < sites.list.size(); ++i) {
            const Site& site = sites.list[i];
            std::string path = element("/sites/list", i);
            for (std::size_t j = 0; j < explicit_views; ++j) {
                if (views[j].name == site.name) {
                    fail(member(path, "name"), "view " + in_quotes(site.name) +
                                                   " already exists in " + element("/views", j));
                }
            }
            ViewConfig view{site.name, site.subnets, {}, true, std::nullopt, site.name, {}, {}};
            view.zones.reserve(generated.size() - 1 + site.zones.size());
            for (std::size_t t = 0; t < generated.size(); ++t) {
                if (t != i) view.zones.emplace_back().generated = generated[t];
            }
            for (const auto& file : site.zones) view.zones.push_back(ZoneSource{file, {}, {}});
            views.push_back(std::move(view));
            claim_prefixes(list[i]["subnets"], member(path, "subnets"), views);
        }
    }

    std::vector<ZoneSource> zones(const json& value, const std::string& path) const {
        std::vector<ZoneSource> out;
        const json& items = array(value, path, false);
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::filesystem::path file = string(items[i], element(path, i));
            ZoneSource zone{std::filesystem::absolute(base_dir_ / file).lexically_normal(), {}, {}};
            for (std::size_t j = 0; j < out.size(); ++j) {
                if (out[j] == zone) {
                    fail(element(path, i), "zone file " + zone.path.string() +
                                               " is listed twice (also " + element(path, j) + ")");
                }
            }
            out.push_back(std::move(zone));
        }
        return out;
    }

    std::string source_;
    std::filesystem::path base_dir_;
    ForwardingConfig forwarding_;         ///< read first: upstream timeouts are checked against it
    PrefixTable<PrefixOrigin> prefixes_;  ///< every view prefix -> where it was first seen
};

}  // namespace

Config parse_config(std::string_view json_text, const std::filesystem::path& base_dir,
                    std::string_view source) {
    json root = json_input::parse(json_text, source);
    return Reader(source, base_dir).read(root);
}

Config read_config_file(const std::filesystem::path& file) {
    std::error_code ignored;
    if (std::filesystem::is_directory(file, ignored)) {
        throw ConfigError(file.string() + ": is a directory, not a configuration file");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string() + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(file.string() + ": cannot read: " + std::strerror(errno));
    std::filesystem::path base_dir = std::filesystem::absolute(file).parent_path();
    return parse_config(text.str(), base_dir, file.string());
}

Config default_config() {
    std::error_code error;
    std::filesystem::path here = std::filesystem::current_path(error);
    return parse_config(default_config_text(), error ? std::filesystem::path("/") : here,
                        "built-in");
}

}  // namespace sitedns
