#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"
#include "config/forward_zone.h"
#include "config/sites.h"
#include "config/zone_list.h"
#include "zones/dns/text.h"
#include "zones/load/zone_readers.h"

namespace sitedns {

/// SPEC §3.2.
struct ViewConfig {
    std::string name;
    std::vector<Cidr> match_clients;  ///< "any" is stored as 0.0.0.0/0 and ::/0
    ZoneList zones;
    bool recursion = false;
    std::optional<std::vector<Endpoint>> upstreams;  ///< absent: the top-level ones
    std::optional<std::string> site;  ///< set on views generated for a site: its name
    /// Options of `upstreams`, one per entry in the same order; empty: defaults for all.
    std::vector<UpstreamConfig> upstream_options;
    /// The view's own `forward_zones`; for a site's view, the site's. The top-level ones
    /// (Config::forward_zones) apply after these, for names these do not list.
    std::vector<ForwardZoneConfig> forward_zones;
};

struct LogConfig {
    std::string level = "info";  ///< spdlog level name
    bool queries = false;
};

/// TCP limits (RFC 7766 §6.2); docs/configuration.md "tcp" documents them.
struct TcpConfig {
    std::uint32_t idle_timeout_ms = 10'000;
    std::uint32_t max_connections = 1'000;
    std::uint32_t max_connections_per_client = 20;  ///< from one client address, 1..100000
    std::uint32_t max_queries_in_flight = 100;      ///< answers not yet written, 1..65535
    friend bool operator==(const TcpConfig&, const TcpConfig&) = default;
};

/// Forwarding limits and timers (SPEC §5, docs/configuration.md "Forwarding and the cache"); the
/// server maps them onto the forwarder's options. Every value has a safe default.
struct ForwardingConfig {
    std::uint32_t attempt_timeout_ms = 800;   ///< one try at one upstream, 50..10000
    std::uint32_t query_deadline_ms = 2500;   ///< SERVFAIL before 3 s (SPEC §5), 100..2900
    std::uint32_t down_time_ms = 5000;        ///< a failed upstream is skipped this long
    std::uint32_t cache_entries = 20000;      ///< per worker thread; 0: no cache
    std::uint32_t serve_stale_s = 86400;      ///< RFC 8767 stale window; 0: off
    std::uint32_t max_ttl_s = 86400;          ///< cap on cached TTLs
    std::uint32_t max_negative_ttl_s = 3600;  ///< cap on negative TTLs (RFC 2308 §5)
    std::uint32_t max_in_flight = 1000;       ///< distinct upstream queries per worker
    friend bool operator==(const ForwardingConfig&, const ForwardingConfig&) = default;
};

/// Response rate limiting (docs/configuration.md "rate_limit"; BIND's and Knot's RRL): answers over
/// UDP per client prefix per second; over the budget, answers are dropped but every
/// `slip`-th, which goes out truncated (TC=1) so a real client retries over TCP
/// (RFC 7766). TCP is never limited. Absent from the configuration: off.
struct RateLimitConfig {
    std::uint32_t responses_per_second = 20;  ///< per client prefix, 1..1000000
    std::uint32_t slip = 2;                   ///< 0: drop all; 1: truncate all; N: every Nth
    std::uint32_t ipv4_prefix = 24;           ///< bits of an IPv4 client that count, 8..32
    std::uint32_t ipv6_prefix = 56;           ///< bits of an IPv6 client that count, 16..128
    std::vector<Cidr> exempt;                 ///< clients never limited (the sites)
    std::uint32_t table_size = 4096;          ///< buckets per UDP thread, 64..1048576
    friend bool operator==(const RateLimitConfig&, const RateLimitConfig&) = default;
};

/// DNS Cookies (docs/configuration.md "cookies"; RFC 7873 with the server cookie of RFC 9018): on
/// by default, as BIND's `answer-cookie`.
struct CookiesConfig {
    bool enabled = true;
    /// The SipHash-2-4 key of the server cookies (RFC 9018 §4.4), shared by the servers
    /// behind one address; absent: random at start, kept across reloads.
    std::optional<std::array<std::uint8_t, 16>> secret;
    friend bool operator==(const CookiesConfig&, const CookiesConfig&) = default;
};

/// `dnssec` (docs/configuration.md "DNSSEC validation"): DNSSEC validation of forwarded
/// answers (SPEC §5, RFC 4033-4035); config/dnssec.h lists the names exempt from it.
struct DnssecConfig {
    /// On by default, as in BIND (`dnssec-validation auto`) and Unbound: the upstreams
    /// must pass DNSSEC records (RRSIG, DNSKEY, DS, NSEC) through; one that strips them
    /// makes every signed answer bogus (docs/configuration.md says what to do then).
    bool validate = true;
    /// Root DS or DNSKEY records in zone-file format; Debian's dns-root-data keeps it current.
    std::string trust_anchor = "/usr/share/dns/root.key";
    /// The configured negative trust anchors (RFC 7646): lowercase presentation form with
    /// the trailing dot, each listed once, never the root.
    std::vector<std::string> negative_trust_anchors;
    friend bool operator==(const DnssecConfig&, const DnssecConfig&) = default;
};

/// `limits` (docs/configuration.md "limits"): sizes of the files a load reads, far above a
/// real site's, so that an oversized file fails naming itself instead of taking the
/// process's memory.
struct LimitsConfig {
    /// Every zone file of one load together, $INCLUDEd ones too (load::kDefaultZoneBytes).
    std::uint64_t zone_bytes = load::kDefaultZoneBytes;
    /// The recipients file (`sites.recipients`).
    std::uint64_t recipients_bytes = kDefaultRecipientsBytes;
    friend bool operator==(const LimitsConfig&, const LimitsConfig&) = default;
};

/// The largest configuration file read_config_file() reads. Fixed, not a key: the limit
/// holds before the file that would set it is read.
inline constexpr std::uint64_t kMaxConfigBytes = std::uint64_t{64} << 20;

/// `metrics` (docs/configuration.md "metrics"): who may scrape the endpoint of
/// `metrics_listen`, and how many connections it keeps; read even without `metrics_listen`.
struct MetricsConfig {
    /// The prefixes whose connections are served; others are closed at once, unanswered.
    /// Absent: loopback only (allowed()); `check` warns when `metrics_listen` is
    /// not a loopback address and this is absent.
    std::optional<std::vector<Cidr>> access;
    std::uint32_t max_connections = 64;      ///< open at once, 1..4096; more are closed at once
    std::uint32_t idle_timeout_ms = 10'000;  ///< no whole request for this long: closed
    /// `access`, or 127.0.0.0/8 and ::1/128 when it is absent.
    std::vector<Cidr> allowed() const;
    friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

/// SPEC §3.1: the whole configuration, paths already made absolute.
struct Config {
    std::vector<Endpoint> listen{*Endpoint::parse("127.0.0.1:5353", std::nullopt)};
    unsigned threads = 0;             ///< 0: one per core
    std::vector<Endpoint> upstreams;  ///< default: /etc/resolv.conf nameservers
    /// Options of `upstreams`, one per entry in the same order; empty: defaults for all.
    std::vector<UpstreamConfig> upstream_options;
    /// Top-level `forward_zones`: every view's, after its own (SPEC §5).
    std::vector<ForwardZoneConfig> forward_zones;
    std::vector<ViewConfig> views;
    std::vector<Cidr> ecs_trust;
    LogConfig log;
    std::optional<std::string> user;
    std::optional<Endpoint> metrics_listen;
    MetricsConfig metrics;
    TcpConfig tcp;
    ForwardingConfig forwarding;
    std::optional<RateLimitConfig> rate_limit;  ///< absent: no rate limiting
    CookiesConfig cookies;
    DnssecConfig dnssec;
    LimitsConfig limits;
    std::string source;  ///< the file it was read from, or "built-in"
    /// SPEC §3.3; its generated views are already in `views`, marked by `site`.
    std::optional<Sites> sites;
};

/// An invalid configuration. what() is "<file>: <json path>: <reason>", e.g.
/// "site.json: /views/1/match_clients/0: host bits set in 10.1.2.3/16".
class ConfigError : public std::runtime_error {
  public:
    /// `message` through dns::printable(): it may quote the file's text.
    explicit ConfigError(const std::string& message)
        : std::runtime_error(dns::printable(message)) {}
};

/// Reads and validates a configuration file (unknown keys, types, CIDRs, endpoints,
/// duplicate view names, the same prefix in two views). Zone files are not read here.
/// A file larger than `max_bytes`, or std::bad_alloc while reading or parsing it (a
/// deeply nested JSON), is a ConfigError naming the file; `reader` reads it (a test's
/// may throw std::bad_alloc).
Config read_config_file(const std::filesystem::path& file,
                        std::uint64_t max_bytes = kMaxConfigBytes,
                        load::TextReader reader = load::read_file_text);

/// The same from text; relative paths are taken from `base_dir`.
Config parse_config(std::string_view json_text, const std::filesystem::path& base_dir,
                    std::string_view source);

/// The built-in configuration used without --config: the three-site example of SPEC
/// §3.3 (config/examples/sites.json, compiled into the binary), listening on
/// 127.0.0.1:5353, with 127.0.0.1 in london's subnets, forwarding to the system's resolvers.
Config default_config();

/// The JSON text of the built-in configuration (config/examples/sites.json).
std::string_view default_config_text();

/// The nameserver lines of a resolv.conf, less `own` addresses (sitedns's listeners).
std::vector<Endpoint> resolv_conf_upstreams(const std::filesystem::path& file,
                                            const std::vector<Endpoint>& own);

}  // namespace sitedns
