#pragma once
// The configuration reader's checks of single JSON values (SPEC §3): each either returns
// the value in its C++ form or throws ConfigError "<source>: <JSON pointer>: <reason>",
// so the reader of every object (top level, views, sites, forward zones) words its
// errors alike.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"
#include "config/config.h"

namespace sitedns::json_input {

/// "a string", "an array", ... for "expected X, got Y".
std::string kind_of(const nlohmann::json& value);

/// `text` between double quotes.
std::string in_quotes(std::string_view text);

/// "london", "london and paris", "london, paris and madrid": names in a message.
std::string join_names(std::span<const std::string> names);

/// The JSON pointer of member `key` of the value at `path`.
std::string member(const std::string& path, std::string_view key);

/// The JSON pointer of element `index` of the array at `path`.
std::string element(const std::string& path, std::size_t index);

/// Reads single values of one configuration document. Every failure throws ConfigError.
class ValueReader {
  public:
    using Keys = std::span<const std::string_view>;

    ValueReader(std::string_view source, std::filesystem::path base_dir)
        : source_(source), base_dir_(std::move(base_dir)) {}

    /// Throws ConfigError "<source>: <path>: <reason>".
    [[noreturn]] void fail(const std::string& path, const std::string& reason) const;

    /// Fails with "expected WHAT, got KIND" unless `ok`.
    void expect(bool ok, const nlohmann::json& value, const std::string& path,
                std::string_view what) const;

    /// Checks the object `value` has each of `keys`.
    void require(const nlohmann::json& value, const std::string& path,
                 std::initializer_list<std::string_view> keys) const;

    /// Checks `value` is an object whose keys are all in `known`.
    void object(const nlohmann::json& value, const std::string& path, Keys known) const;

    std::int64_t integer(const nlohmann::json& value, const std::string& path, std::int64_t min,
                         std::int64_t max) const;
    bool boolean(const nlohmann::json& value, const std::string& path) const;
    /// A non-empty string.
    std::string string(const nlohmann::json& value, const std::string& path) const;
    const nlohmann::json& array(const nlohmann::json& value, const std::string& path,
                                bool non_empty) const;

    Endpoint endpoint(const nlohmann::json& value, const std::string& path,
                      std::optional<std::uint16_t> default_port) const;
    /// Endpoints, none listed twice; with a `default_port` (upstreams), port 0 is refused.
    std::vector<Endpoint> endpoints(const nlohmann::json& value, const std::string& path,
                                    std::optional<std::uint16_t> default_port,
                                    bool non_empty) const;

    /// An `upstreams` array (SPEC §3.1, §3.2; docs/configuration.md "Forwarding and the cache"): each entry either
    /// "ADDR[:PORT]" or {"address": "ADDR[:PORT]", "timeout_ms": N, "tcp": BOOL}. Fills
    /// `out` and, one per entry, `options`. An empty array is allowed when `empty_fix` is
    /// empty, else refused with "must not be empty: <empty_fix>".
    void upstreams(const nlohmann::json& value, const std::string& path, std::vector<Endpoint>& out,
                   std::vector<UpstreamConfig>& options, std::string_view empty_fix = {}) const;

    Cidr cidr(const nlohmann::json& value, const std::string& path) const;
    std::vector<Cidr> cidrs(const nlohmann::json& value, const std::string& path,
                            bool non_empty) const;

    /// A domain name of LDH labels ("example.com"; RFC 1123 §2.1), stored without the
    /// trailing dot.
    std::string domain_name(const nlohmann::json& value, const std::string& path) const;

    /// One lowercase LDH label: a site name or mail host, written into generated names.
    std::string label(const nlohmann::json& value, const std::string& path,
                      std::string_view what) const;

    /// Why `text` is not an LDH label (RFC 1123 §2.1), or "".
    static std::string label_problem(std::string_view text, bool lowercase);

    /// An address of `family` ("203.0.113.20" for IPv4, "2001:db8::25" for IPv6).
    IpAddress address(const nlohmann::json& value, const std::string& path,
                      IpAddress::Family family) const;

    /// The limits upstream timeouts are checked against: set before reading `upstreams`.
    void set_forwarding(const ForwardingConfig& forwarding) { forwarding_ = forwarding; }

    const std::string& source() const { return source_; }
    const std::filesystem::path& base_dir() const { return base_dir_; }

  private:
    /// The options of an upstream's object form; its "address" is read by the caller.
    UpstreamConfig upstream_options(const nlohmann::json& value, const std::string& path) const;

    std::string source_;
    std::filesystem::path base_dir_;
    ForwardingConfig forwarding_;
};

}  // namespace sitedns::json_input
