// The configuration reader (SPEC §3): JSON to Config, every error naming the source,
// the JSON pointer (RFC 6901) of the offending value and what is wrong with it.

#include "config/config.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>

#include "config/forward_zones_reader.h"
#include "config/json_input.h"
#include "config/prefix_table.h"
#include "config/value_reader.h"
#include "zones/dns/name.h"

namespace sitedns {
namespace {

using json_input::element;
using json_input::in_quotes;
using json_input::member;
using nlohmann::json;

constexpr std::string_view kResolvConf = "/etc/resolv.conf";
constexpr std::int64_t kMaxTtl = 2147483647;  // RFC 2181 §8

constexpr std::array<std::string_view, 17> kTopKeys{
    "listen",     "threads",    "upstreams",      "forward_zones", "views", "sites",
    "ecs_trust",  "log",        "metrics_listen", "metrics",       "user",  "tcp",
    "forwarding", "rate_limit", "cookies",        "dnssec",        "limits"};
constexpr std::array<std::string_view, 6> kViewKeys{"name",      "match_clients", "zones",
                                                    "recursion", "upstreams",     "forward_zones"};
constexpr std::array<std::string_view, 5> kSitesKeys{"domain", "internal_suffix", "ttl", "list",
                                                     "recipients"};
constexpr std::array<std::string_view, 13> kSiteKeys{
    "name",          "subnets",   "address",    "address6", "internal_address",
    "primary",       "mail_host", "preference", "zones",    "upstreams",
    "forward_zones", "tls",       "dns"};
constexpr std::array<std::string_view, 2> kZoneKeys{"file", "transparent"};
constexpr std::array<std::string_view, 2> kLogKeys{"level", "queries"};
constexpr std::array<std::string_view, 4> kTcpKeys{
    "idle_timeout_ms", "max_connections", "max_connections_per_client", "max_queries_in_flight"};

/// One integer of an object such as `forwarding`: its key, where it goes and its range.
template <typename Config>
struct IntegerKey {
    std::string_view key;
    std::uint32_t Config::*field;
    std::int64_t min;
    std::int64_t max;
};
constexpr std::array<IntegerKey<ForwardingConfig>, 8> kForwardingKeys{{
    {"attempt_timeout_ms", &ForwardingConfig::attempt_timeout_ms, 50, 10'000},
    {"query_deadline_ms", &ForwardingConfig::query_deadline_ms, 100, 2'900},  // < 3 s, SPEC §5
    {"down_time_ms", &ForwardingConfig::down_time_ms, 100, 3'600'000},
    {"cache_entries", &ForwardingConfig::cache_entries, 0, 10'000'000},
    {"serve_stale_s", &ForwardingConfig::serve_stale_s, 0, 604'800},  // RFC 8767 §5: days
    {"max_ttl_s", &ForwardingConfig::max_ttl_s, 1, 604'800},
    {"max_negative_ttl_s", &ForwardingConfig::max_negative_ttl_s, 0, 86'400},  // RFC 2308 §5
    {"max_in_flight", &ForwardingConfig::max_in_flight, 1, 1'000'000},
}};
constexpr std::array<IntegerKey<RateLimitConfig>, 5> kRateLimitKeys{{
    {"responses_per_second", &RateLimitConfig::responses_per_second, 1, 1'000'000},
    {"slip", &RateLimitConfig::slip, 0, 10},  // BIND's range
    {"ipv4_prefix", &RateLimitConfig::ipv4_prefix, 8, 32},
    {"ipv6_prefix", &RateLimitConfig::ipv6_prefix, 16, 128},
    {"table_size", &RateLimitConfig::table_size, 64, 1'048'576},
}};
constexpr std::array<std::string_view, kRateLimitKeys.size() + 1> kRateLimitObjectKeys{
    "responses_per_second", "slip", "ipv4_prefix", "ipv6_prefix", "table_size", "exempt"};
constexpr std::array<IntegerKey<MetricsConfig>, 2> kMetricsKeys{{
    {"max_connections", &MetricsConfig::max_connections, 1, 4096},
    {"idle_timeout_ms", &MetricsConfig::idle_timeout_ms, 100, 3'600'000},
}};
constexpr std::array<std::string_view, kMetricsKeys.size() + 1> kMetricsObjectKeys{
    "access", "max_connections", "idle_timeout_ms"};
constexpr std::array<std::string_view, 2> kCookiesKeys{"enabled", "secret"};
constexpr std::array<std::string_view, 2> kLimitsKeys{"zone_bytes", "recipients_bytes"};
/// The largest `limits` value: 1 TiB, beyond any memory sitedns runs in.
constexpr std::int64_t kMaxLimitBytes = std::int64_t{1} << 40;
constexpr std::array<std::string_view, 3> kDnssecKeys{"validate", "trust_anchor",
                                                      "negative_trust_anchors"};
constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

/// Where a prefix was first seen, to name both places when it comes again.
struct PrefixOrigin {
    std::size_t view;
    std::string path;
};

/// Validates one parsed document into a Config. Every failure throws ConfigError.
class Reader : public json_input::ValueReader {
  public:
    using ValueReader::ValueReader;

    Config read(const json& root) {
        Config config;
        config.source = source();
        object(root, "/", kTopKeys);
        if (root.contains("listen")) config.listen = endpoints(root["listen"], "/listen", {}, true);
        if (root.contains("threads")) {
            config.threads = static_cast<unsigned>(integer(root["threads"], "/threads", 0, 1024));
        }
        // First: upstream timeouts are checked against its query deadline.
        if (root.contains("forwarding")) {
            config.forwarding = forwarding(root["forwarding"], "/forwarding");
        }
        set_forwarding(config.forwarding);
        if (root.contains("upstreams")) {
            upstreams(root["upstreams"], "/upstreams", config.upstreams, config.upstream_options);
        } else {
            config.upstreams = resolv_conf_upstreams(kResolvConf, config.listen);
        }
        if (root.contains("forward_zones")) {
            config.forward_zones =
                read_forward_zones(*this, root["forward_zones"], "/forward_zones");
        }
        if (root.contains("views")) config.views = views(root["views"], "/views");
        if (root.contains("sites")) {
            config.sites = sites(root["sites"], "/sites");
            check_forward_zones_of_sites(*this, config.forward_zones, "/forward_zones",
                                         *config.sites);
            add_site_views(root["sites"]["list"], *config.sites, config.forward_zones,
                           config.views);
        }
        if (root.contains("ecs_trust")) {
            config.ecs_trust = cidrs(root["ecs_trust"], "/ecs_trust", false);
        }
        if (root.contains("log")) config.log = log(root["log"], "/log");
        if (root.contains("user")) config.user = string(root["user"], "/user");
        if (root.contains("metrics_listen")) {
            config.metrics_listen = endpoint(root["metrics_listen"], "/metrics_listen", {});
        }
        if (root.contains("metrics")) config.metrics = metrics(root["metrics"], "/metrics");
        if (root.contains("tcp")) config.tcp = tcp(root["tcp"], "/tcp");
        if (root.contains("rate_limit")) {
            config.rate_limit = rate_limit(root["rate_limit"], "/rate_limit");
        }
        if (root.contains("cookies")) config.cookies = cookies(root["cookies"], "/cookies");
        if (root.contains("dnssec")) config.dnssec = dnssec(root["dnssec"], "/dnssec");
        if (root.contains("limits")) config.limits = limits(root["limits"], "/limits");
        return config;
    }

  private:
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

    /// Each key of `keys` that `value` has, into its field of `out`, within its range.
    template <typename Config, std::size_t N>
    void integers(const json& value, const std::string& path,
                  const std::array<IntegerKey<Config>, N>& keys, Config& out) const {
        for (const IntegerKey<Config>& key : keys) {
            if (!value.contains(key.key)) continue;
            out.*key.field = static_cast<std::uint32_t>(
                integer(value[std::string(key.key)], member(path, key.key), key.min, key.max));
        }
    }

    /// The `forwarding` object (docs/configuration.md "Forwarding and the cache"): integers within
    /// their ranges, and one upstream attempt no longer than the whole query's deadline.
    ForwardingConfig forwarding(const json& value, const std::string& path) const {
        ForwardingConfig out;
        std::array<std::string_view, kForwardingKeys.size()> keys{};
        for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = kForwardingKeys[i].key;
        object(value, path, keys);
        integers(value, path, kForwardingKeys, out);
        if (out.attempt_timeout_ms > out.query_deadline_ms) {
            fail(member(path, "attempt_timeout_ms"),
                 std::to_string(out.attempt_timeout_ms) + " is longer than query_deadline_ms (" +
                     std::to_string(out.query_deadline_ms) + ")");
        }
        return out;
    }

    /// The `rate_limit` object (docs/configuration.md "rate_limit"): integers within their ranges
    /// and the exempt prefixes.
    RateLimitConfig rate_limit(const json& value, const std::string& path) const {
        RateLimitConfig out;
        object(value, path, kRateLimitObjectKeys);
        integers(value, path, kRateLimitKeys, out);
        if (value.contains("exempt")) {
            out.exempt = cidrs(value["exempt"], member(path, "exempt"), false);
        }
        return out;
    }

    /// The `limits` object (docs/configuration.md "limits"): sizes in bytes, 1..1 TiB.
    LimitsConfig limits(const json& value, const std::string& path) const {
        LimitsConfig out;
        object(value, path, kLimitsKeys);
        const auto bytes = [&](std::string_view key, std::uint64_t& field) {
            if (!value.contains(key)) return;
            field = static_cast<std::uint64_t>(
                integer(value[std::string(key)], member(path, key), 1, kMaxLimitBytes));
        };
        bytes("zone_bytes", out.zone_bytes);
        bytes("recipients_bytes", out.recipients_bytes);
        return out;
    }

    /// The `metrics` object (docs/configuration.md "metrics"): the limits within their
    /// ranges, and a non-empty `access` list (an empty one would let no one scrape).
    MetricsConfig metrics(const json& value, const std::string& path) const {
        MetricsConfig out;
        object(value, path, kMetricsObjectKeys);
        integers(value, path, kMetricsKeys, out);
        if (value.contains("access")) {
            const std::string access_path = member(path, "access");
            if (value["access"].is_array() && value["access"].empty()) {
                fail(access_path,
                     "an empty list lets no one scrape; list the scrapers' prefixes, or leave "
                     "metrics_listen out to turn the endpoint off");
            }
            out.access = cidrs(value["access"], access_path, false);
        }
        return out;
    }

    /// The `cookies` object (docs/configuration.md "cookies"): `enabled`, and `secret` as 32 hex
    /// digits.
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
        // std::from_chars reads each byte's two digits: no sign, prefix or space accepted.
        bool hex = text.size() == 2 * secret.size();
        for (std::size_t i = 0; hex && i < secret.size(); ++i) {
            const char* pair = text.data() + 2 * i;
            hex = std::from_chars(pair, pair + 2, secret[i], 16).ptr == pair + 2;
        }
        if (!hex) fail(secret_path, "expected 32 hexadecimal digits (a 128-bit secret)");
        out.secret = secret;
        return out;
    }

    /// The `dnssec` object (docs/configuration.md "DNSSEC validation"): `validate`, the
    /// `trust_anchor` file (relative to the configuration's folder; read by check, not
    /// here) and the `negative_trust_anchors`, absolute names as forward zones' are.
    DnssecConfig dnssec(const json& value, const std::string& path) const {
        DnssecConfig out;
        object(value, path, kDnssecKeys);
        if (value.contains("validate")) {
            out.validate = boolean(value["validate"], member(path, "validate"));
        }
        if (value.contains("trust_anchor")) {
            const std::string file = string(value["trust_anchor"], member(path, "trust_anchor"));
            out.trust_anchor = std::filesystem::absolute(base_dir() / file).lexically_normal();
        }
        if (!value.contains("negative_trust_anchors")) return out;
        const std::string list_path = member(path, "negative_trust_anchors");
        const json& items = array(value["negative_trust_anchors"], list_path, false);
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string item_path = element(list_path, i);
            std::string name = absolute_name(*this, items[i], item_path);
            if (name == ".") {
                // An anchor at the root would turn validation off for every name.
                fail(item_path,
                     "\".\" would exempt every name from validation; name the "
                     "zone whose answers must not be validated, or set "
                     "\"validate\": false");
            }
            const auto& held = out.negative_trust_anchors;
            const auto first = std::find(held.begin(), held.end(), name);
            if (first != held.end()) {
                fail(item_path,
                     name + " is listed twice (also " +
                         element(list_path, static_cast<std::size_t>(first - held.begin())) + ")");
            }
            out.negative_trust_anchors.push_back(std::move(name));
        }
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
        if (value.contains("forward_zones")) {
            out.forward_zones =
                read_forward_zones(*this, value["forward_zones"], member(path, "forward_zones"));
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

    /// SPEC §2: the internal suffix must differ from the public domain (case and trailing
    /// dot aside). Every view holds the site zones under the suffix, so with the public
    /// domain as suffix they would hide its public names, such as www.example.com.
    void check_suffix_is_not_domain(const Sites& sites, const std::string& path) const {
        if (dns::Name::parse_absolute(sites.internal_suffix) !=
            dns::Name::parse_absolute(sites.domain)) {
            return;
        }
        fail(path, in_quotes(sites.internal_suffix) +
                       " is the public domain: the site zones would hide its public names, "
                       "such as www." +
                       sites.domain + "; use a name under .internal or a sub-domain of " +
                       sites.domain + ", such as \"sites." + sites.domain + "\"");
    }

    /// SPEC §3.3: the `sites` object. Its generated views are added by add_site_views.
    Sites sites(const json& value, const std::string& path) const {
        Sites out;
        object(value, path, kSitesKeys);
        require(value, path, {"domain", "internal_suffix", "list"});
        out.domain = domain_name(value["domain"], member(path, "domain"));
        out.internal_suffix =
            domain_name(value["internal_suffix"], member(path, "internal_suffix"));
        check_suffix_is_not_domain(out, member(path, "internal_suffix"));
        if (value.contains("ttl")) {
            out.ttl =
                static_cast<std::uint32_t>(integer(value["ttl"], member(path, "ttl"), 0, kMaxTtl));
        }
        if (value.contains("recipients")) {
            out.recipients =
                std::filesystem::absolute(base_dir() /
                                          string(value["recipients"], member(path, "recipients")))
                    .lexically_normal()
                    .string();
        }
        std::string list_path = member(path, "list");
        const json& items = array(value["list"], list_path, true);
        std::unordered_map<std::string, std::size_t> by_name;  // the first site of each name
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::string site_path = element(list_path, i);
            Site next = site(items[i], site_path, out.internal_suffix);
            const auto [it, added] = by_name.try_emplace(next.name, i);
            if (!added) {
                fail(member(site_path, "name"), "duplicate site name " + in_quotes(next.name) +
                                                    " (also " + element(list_path, it->second) +
                                                    ")");
            }
            out.list.push_back(std::move(next));
        }
        std::unordered_map<std::string, std::size_t> by_mail_host;  // absolute ones, the first
        for (std::size_t i = 0; i < out.list.size(); ++i) {
            const std::string site_path = element(list_path, i);
            check_forward_zones_of_sites(*this, out.list[i].forward_zones,
                                         member(site_path, "forward_zones"), out);
            check_mail_host_unique(out.list, i, list_path, by_mail_host);
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
        if (value.contains("internal_address")) {
            out.internal_address = address(value["internal_address"],
                                           member(path, "internal_address"), IpAddress::Family::V4);
        }
        if (value.contains("primary"))
            out.primary = boolean(value["primary"], member(path, "primary"));
        if (value.contains("mail_host")) {
            out.mail_host = mail_host(value["mail_host"], member(path, "mail_host"), suffix);
        }
        if (value.contains("preference")) {
            out.preference = static_cast<std::uint16_t>(
                integer(value["preference"], member(path, "preference"), 0, 65535));
        }
        if (value.contains("zones")) {
            for (const ZoneSource& zone : zones(value["zones"], member(path, "zones")))
                out.zones.push_back({zone.path, zone.transparent});
        }
        if (value.contains("upstreams")) {
            out.upstreams.emplace();
            upstreams(value["upstreams"], member(path, "upstreams"), *out.upstreams,
                      out.upstream_options,
                      "list the site's resolvers, or remove the key to use the top-level ones");
        }
        if (value.contains("forward_zones")) {
            out.forward_zones =
                read_forward_zones(*this, value["forward_zones"], member(path, "forward_zones"));
        }
        if (value.contains("tls")) out.tls = boolean(value["tls"], member(path, "tls"));
        if (value.contains("dns")) out.dns = endpoint(value["dns"], member(path, "dns"), 53);
        std::string mail = out.mail_host + "." + out.name + "." + suffix + ".";
        if (!has_absolute_mail_host(out) && mail.size() + 1 > dns::kMaxNameWire) {
            // The text's length + 1 is the wire length.
            fail(member(path, "name"), "the mail host name " + mail + " is longer than 255 octets");
        }
        return out;
    }

    /// A site's `mail_host`: a label under the site's domain, or an absolute name outside
    /// the internal suffix (SPEC §3.3), stored lowercased with its trailing dot.
    std::string mail_host(const json& value, const std::string& path,
                          const std::string& suffix) const {
        const std::string text = string(value, path);
        if (text.back() != '.') return label(value, path, "mail host");
        std::string name = domain_name(value, path) + ".";
        for (char& c : name) c = static_cast<char>(dns::lower(static_cast<std::uint8_t>(c)));
        if (dns::Name::parse_absolute(name).is_subdomain_of(dns::Name::parse_absolute(suffix))) {
            fail(path, in_quotes(text) + " lies under the internal suffix " + suffix +
                           ": write the label alone (\"mail\") for a host in the site's domain, "
                           "or a name of the public domain for TLS");
        }
        return name;
    }

    /// Two sites with one absolute mail host would send each other's mail to one address.
    /// `first` maps each absolute mail host of the sites before `i` to the first of them.
    void check_mail_host_unique(const std::vector<Site>& list, std::size_t i,
                                const std::string& list_path,
                                std::unordered_map<std::string, std::size_t>& first) const {
        if (!has_absolute_mail_host(list[i])) return;
        const auto [it, added] = first.try_emplace(list[i].mail_host, i);
        if (added) return;
        const std::size_t j = it->second;
        fail(member(element(list_path, i), "mail_host"),
             "mail host " + list[i].mail_host + " is also site " + list[j].name + "'s (" +
                 member(element(list_path, j), "mail_host") +
                 "): each site's MX must lead to its own host; give each site its own name");
    }

    /// SPEC §3.3: one view per site, after the explicit ones, holding the generated zone
    /// of every other site (each zone built once, shared by the views), the transparent
    /// zone of every other site's absolute mail host, its own zone, the suffix's zone and
    /// its own extra zones. Its subnets join the one longest-prefix table (SPEC §3.2).
    /// `top_forward` are the top-level forward zones, which every site view has too.
    void add_site_views(const json& list, const Sites& sites,
                        const std::vector<ForwardZoneConfig>& top_forward,
                        std::vector<ViewConfig>& views) {
        const SiteZones generated = generate_site_zones(sites);
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
            views.push_back(site_view(sites, i, generated, top_forward));
            claim_prefixes(list[i]["subnets"], member(path, "subnets"), views);
        }
    }

    /// Every zone the sites topology generates, each built once.
    struct SiteZones {
        /// What the other sites' views hold of each site, in the order of the list: its
        /// zone, and the transparent zone of an absolute mail host. One list, shared by
        /// every site view (ZoneList::sharing).
        std::shared_ptr<std::vector<ZoneSource>> shared =
            std::make_shared<std::vector<ZoneSource>>();
        /// By site index: where the site's own entries start in `shared`, and how many.
        std::vector<std::pair<std::size_t, std::size_t>> runs;
        /// By site index: what a site's own view holds of it when that differs from
        /// `shared` (an `internal_address`); empty otherwise.
        std::vector<std::vector<ZoneSource>> own;
        ZoneSource suffix;  ///< the suffix's zone (generate_suffix_zone)
    };

    static SiteZones generate_site_zones(const Sites& sites) {
        SiteZones out;
        out.own.resize(sites.list.size());
        out.runs.reserve(sites.list.size());
        for (std::size_t i = 0; i < sites.list.size(); ++i) {
            const Site& site = sites.list[i];
            const bool absolute = has_absolute_mail_host(site);
            const std::size_t first = out.shared->size();
            out.shared->push_back(generated_zone(generate_site_zone(sites, site)));
            if (absolute) {
                out.shared->push_back(generated_zone(generate_mail_host_zone(sites, site), true));
            }
            out.runs.emplace_back(first, out.shared->size() - first);
            if (!site.internal_address) continue;
            out.own[i].push_back(generated_zone(generate_own_site_zone(sites, site)));
            if (absolute) {
                out.own[i].push_back(
                    generated_zone(generate_own_mail_host_zone(sites, site), true));
            }
        }
        out.suffix = generated_zone(generate_suffix_zone(sites));
        out.suffix.gives_way = ZoneSource::GivesWay::ToZoneAbove;
        return out;
    }

    static ZoneSource generated_zone(std::shared_ptr<const model::ZoneData> data,
                                     bool transparent = false) {
        ZoneSource zone;
        zone.generated = std::move(data);
        zone.transparent = transparent;
        return zone;
    }

    /// The view generated for site `i` (SPEC §3.3): the generated zones of every other
    /// site; its own zone, with its `internal_address` when it has one; the suffix's zone,
    /// unless one of its forward zones (its own or a top-level one) covers the suffix;
    /// then its extra zones; its own upstreams and forward zones.
    static ViewConfig site_view(const Sites& sites, std::size_t i, const SiteZones& generated,
                                const std::vector<ForwardZoneConfig>& top_forward) {
        const Site& site = sites.list[i];
        ViewConfig view{site.name,
                        site.subnets,
                        {},
                        true,
                        site.upstreams,
                        site.name,
                        site.upstream_options,
                        site.forward_zones};
        const auto [run_first, run_count] = generated.runs[i];
        view.zones = ZoneList::sharing(generated.shared, run_first, run_count);
        // Its own zone: the shared one, unless an inside address makes one of its own.
        // Without one, its absolute mail host is left to the public DNS: its own clients
        // get the public answer for it. A zone file of the site's at the same origin
        // replaces it, as before it was generated.
        std::vector<ZoneSource> own = generated.own[i];
        if (own.empty()) {
            for (std::size_t z = run_first; z < run_first + run_count; ++z) {
                if (!(*generated.shared)[z].transparent) own.push_back((*generated.shared)[z]);
            }
        }
        for (ZoneSource& zone : own) {
            zone.gives_way = ZoneSource::GivesWay::ToSameOrigin;
            view.zones.push_back(std::move(zone));
        }
        if (suffix_forward_zone(sites, site.forward_zones) == nullptr &&
            suffix_forward_zone(sites, top_forward) == nullptr) {
            view.zones.push_back(generated.suffix);
        }
        for (const SiteZone& zone : site.zones) {
            ZoneSource source;
            source.path = zone.file;
            source.transparent = zone.transparent;
            view.zones.push_back(std::move(source));
        }
        return view;
    }

    /// A `zones` array (SPEC §3.2): paths, or {"file": PATH, "transparent": BOOL}. A file
    /// listed twice is refused, whatever the mode of each entry.
    std::vector<ZoneSource> zones(const json& value, const std::string& path) const {
        std::vector<ZoneSource> out;
        const json& items = array(value, path, false);
        for (std::size_t i = 0; i < items.size(); ++i) {
            ZoneSource zone = zone_source(items[i], element(path, i));
            for (std::size_t j = 0; j < out.size(); ++j) {
                if (out[j].path == zone.path) {
                    fail(element(path, i), "zone file " + zone.path.string() +
                                               " is listed twice (also " + element(path, j) + ")");
                }
            }
            out.push_back(std::move(zone));
        }
        return out;
    }

    ZoneSource zone_source(const json& value, const std::string& path) const {
        ZoneSource zone;
        std::string file_path = path;
        const json* file = &value;
        if (value.is_object()) {
            object(value, path, kZoneKeys);
            require(value, path, {"file"});
            file_path = member(path, "file");
            file = &value["file"];
            if (value.contains("transparent")) {
                zone.transparent = boolean(value["transparent"], member(path, "transparent"));
            }
        } else {
            expect(value.is_string(), value, path, "a string or an object");
        }
        zone.path =
            std::filesystem::absolute(base_dir() / string(*file, file_path)).lexically_normal();
        return zone;
    }

    PrefixTable<PrefixOrigin> prefixes_;  ///< every view prefix -> where it was first seen
};

}  // namespace

Config parse_config(std::string_view json_text, const std::filesystem::path& base_dir,
                    std::string_view source) {
    json root = json_input::parse(json_text, source);
    return Reader(source, base_dir).read(root);
}

Config read_config_file(const std::filesystem::path& file, std::uint64_t max_bytes,
                        load::TextReader reader) {
    std::error_code ignored;
    if (std::filesystem::is_directory(file, ignored)) {
        throw ConfigError(file.string() + ": is a directory, not a configuration file");
    }
    std::string text;
    try {
        text = reader(file, max_bytes);
    } catch (const load::FileTextError& e) {
        throw ConfigError(file.string() + ": " + e.what() +
                          (e.too_large() ? " for a configuration file" : ""));
    } catch (const std::bad_alloc&) {
        throw ConfigError(file.string() + ": out of memory while reading it");
    }
    std::filesystem::path base_dir = std::filesystem::absolute(file).parent_path();
    try {
        return parse_config(text, base_dir, file.string());
    } catch (const std::bad_alloc&) {
        // A deeply nested JSON: each level costs nlohmann a value and a stack entry.
        throw ConfigError(file.string() + ": out of memory while parsing it");
    }
}

std::vector<Cidr> MetricsConfig::allowed() const {
    if (access) return *access;
    return {*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")};
}

Config default_config() {
    std::error_code error;
    std::filesystem::path here = std::filesystem::current_path(error);
    return parse_config(default_config_text(), error ? std::filesystem::path("/") : here,
                        "built-in");
}

}  // namespace sitedns
