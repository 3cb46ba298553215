// Checks of single configuration values (value_reader.h): types, ranges, names,
// addresses and endpoints, each failure naming the JSON pointer and what is wrong.

#include "config/value_reader.h"

#include <algorithm>
#include <array>
#include <utility>

#include "config/json_input.h"
#include "zones/dns/name.h"

namespace sitedns::json_input {
namespace {

constexpr std::uint16_t kDnsPort = 53;
constexpr std::array<std::string_view, 3> kUpstreamKeys{"address", "timeout_ms", "tcp"};

}  // namespace

using nlohmann::json;
using Keys = ValueReader::Keys;
std::string kind_of(const json& value) {
    static constexpr std::array<std::pair<json::value_t, std::string_view>, 8> kKinds{{
        {json::value_t::null, "null"},
        {json::value_t::boolean, "a boolean"},
        {json::value_t::number_float, "a floating-point number"},
        {json::value_t::number_integer, "an integer"},
        {json::value_t::number_unsigned, "an integer"},
        {json::value_t::string, "a string"},
        {json::value_t::array, "an array"},
        {json::value_t::object, "an object"},
    }};
    for (const auto& [type, kind] : kKinds) {
        if (type == value.type()) return std::string(kind);
    }
    return "a " + std::string(value.type_name());
}

std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string join_names(std::span<const std::string> names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
        out += names[i];
    }
    return out;
}

std::string member(const std::string& path, std::string_view key) {
    return (path == "/" ? "" : path) + "/" + json_input::pointer_token(key);
}

std::string element(const std::string& path, std::size_t index) {
    return path + "/" + std::to_string(index);
}

void ValueReader::fail(const std::string& path, const std::string& reason) const {
    throw ConfigError(source_ + ": " + path + ": " + reason);
}

void ValueReader::expect(bool ok, const json& value, const std::string& path,
                         std::string_view what) const {
    if (!ok) fail(path, "expected " + std::string(what) + ", got " + kind_of(value));
}

void ValueReader::require(const json& value, const std::string& path,
                          std::initializer_list<std::string_view> keys) const {
    for (std::string_view key : keys) {
        if (!value.contains(key)) fail(path, "missing required key " + in_quotes(key));
    }
}

void ValueReader::object(const json& value, const std::string& path, Keys known) const {
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

std::int64_t ValueReader::integer(const json& value, const std::string& path, std::int64_t min,
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

bool ValueReader::boolean(const json& value, const std::string& path) const {
    expect(value.is_boolean(), value, path, "true or false");
    return value.get<bool>();
}

std::string ValueReader::string(const json& value, const std::string& path) const {
    expect(value.is_string(), value, path, "a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty()) fail(path, "must not be empty");
    return text;
}

const json& ValueReader::array(const json& value, const std::string& path, bool non_empty) const {
    expect(value.is_array(), value, path, "an array");
    if (non_empty && value.empty()) fail(path, "must not be empty");
    return value;
}

Endpoint ValueReader::endpoint(const json& value, const std::string& path,
                               std::optional<std::uint16_t> default_port) const {
    std::string error;
    auto parsed = Endpoint::parse(string(value, path), default_port, &error);
    if (!parsed) fail(path, error);
    return *parsed;
}

std::vector<Endpoint> ValueReader::endpoints(const json& value, const std::string& path,
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

void ValueReader::upstreams(const json& value, const std::string& path, std::vector<Endpoint>& out,
                            std::vector<UpstreamConfig>& options,
                            std::string_view empty_fix) const {
    out.clear();
    options.clear();
    const json& items = array(value, path, false);
    if (items.empty() && !empty_fix.empty()) {
        fail(path, "must not be empty: " + std::string(empty_fix));
    }
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

UpstreamConfig ValueReader::upstream_options(const json& value, const std::string& path) const {
    UpstreamConfig out;
    object(value, path, kUpstreamKeys);
    require(value, path, {"address"});
    if (value.contains("timeout_ms")) {
        const std::string p = member(path, "timeout_ms");
        out.timeout_ms = static_cast<std::uint32_t>(integer(value["timeout_ms"], p, 50, 10'000));
        if (out.timeout_ms > forwarding_.query_deadline_ms) {
            fail(p, std::to_string(out.timeout_ms) +
                        " is longer than forwarding.query_deadline_ms (" +
                        std::to_string(forwarding_.query_deadline_ms) + ")");
        }
    }
    if (value.contains("tcp")) out.tcp = boolean(value["tcp"], member(path, "tcp"));
    return out;
}

Cidr ValueReader::cidr(const json& value, const std::string& path) const {
    std::string error;
    auto parsed = Cidr::parse(string(value, path), &error);
    if (!parsed) fail(path, error);
    return *parsed;
}

std::vector<Cidr> ValueReader::cidrs(const json& value, const std::string& path,
                                     bool non_empty) const {
    std::vector<Cidr> out;
    const json& items = array(value, path, non_empty);
    for (std::size_t i = 0; i < items.size(); ++i) out.push_back(cidr(items[i], element(path, i)));
    return out;
}

std::string ValueReader::domain_name(const json& value, const std::string& path) const {
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

std::string ValueReader::label(const json& value, const std::string& path,
                               std::string_view what) const {
    std::string text = string(value, path);
    std::string problem = label_problem(text, true);
    if (!problem.empty()) {
        fail(path, in_quotes(text) + " is not a valid " + std::string(what) + ": " + problem);
    }
    return text;
}

std::string ValueReader::label_problem(std::string_view text, bool lowercase) {
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

IpAddress ValueReader::address(const json& value, const std::string& path,
                               IpAddress::Family family) const {
    std::string text = string(value, path);
    auto parsed = IpAddress::parse(text);
    std::string_view expected = family == IpAddress::Family::V4 ? "an IPv4" : "an IPv6";
    if (!parsed || parsed->family != family) {
        fail(path, "expected " + std::string(expected) + " address, got " + in_quotes(text));
    }
    return *parsed;
}

}  // namespace sitedns::json_input
