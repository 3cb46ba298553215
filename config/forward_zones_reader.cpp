// `forward_zones` (SPEC §5): names at or below an entry's name go to its upstreams.

#include "config/forward_zones_reader.h"

#include <array>
#include <string_view>

#include "zones/dns/name.h"

namespace sitedns {
namespace {

using json_input::in_quotes;
using json_input::member;
using nlohmann::json;

constexpr std::array<std::string_view, 2> kForwardZoneKeys{"name", "upstreams"};

ForwardZoneConfig forward_zone(const json_input::ValueReader& reader, const json& value,
                               const std::string& path) {
    ForwardZoneConfig out;
    reader.object(value, path, kForwardZoneKeys);
    reader.require(value, path, {"name", "upstreams"});
    out.name = absolute_name(reader, value["name"], member(path, "name"));
    reader.upstreams(value["upstreams"], member(path, "upstreams"), out.upstreams,
                     out.upstream_options,
                     "list the servers that answer for " + out.name + ", or remove the entry");
    return out;
}

}  // namespace

// Any valid DNS name is accepted ("_msdcs.corp.example.com.", "10.in-addr.arpa."): these
// names are looked up, not written into host names.
std::string absolute_name(const json_input::ValueReader& reader, const json& value,
                          const std::string& path) {
    const std::string text = reader.string(value, path);
    if (text.back() != '.') {
        reader.fail(path, in_quotes(text) + " is not absolute: write it with its trailing dot, " +
                              in_quotes(text + "."));
    }
    try {
        std::string name = dns::Name::parse_absolute(text).to_text();
        for (char& c : name) c = static_cast<char>(dns::lower(static_cast<std::uint8_t>(c)));
        return name;
    } catch (const dns::NameError& error) {
        reader.fail(path, in_quotes(text) + " is not a domain name: " + error.what());
    }
}

std::vector<ForwardZoneConfig> read_forward_zones(const json_input::ValueReader& reader,
                                                  const json& value, const std::string& path) {
    std::vector<ForwardZoneConfig> out;
    const json& items = reader.array(value, path, false);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string item_path = json_input::element(path, i);
        ForwardZoneConfig next = forward_zone(reader, items[i], item_path);
        for (std::size_t j = 0; j < out.size(); ++j) {
            if (out[j].name != next.name) continue;
            reader.fail(member(item_path, "name"),
                        "forward zone " + next.name + " is listed twice (also " +
                            member(json_input::element(path, j), "name") +
                            "); merge their upstreams");
        }
        out.push_back(std::move(next));
    }
    return out;
}

void check_forward_zones_of_sites(const json_input::ValueReader& reader,
                                  const std::vector<ForwardZoneConfig>& zones,
                                  const std::string& path, const Sites& sites) {
    const dns::Name suffix = dns::Name::parse_absolute(sites.internal_suffix);
    for (std::size_t i = 0; i < zones.size(); ++i) {
        const dns::Name name = dns::Name::parse_absolute(zones[i].name);
        if (name == suffix || !name.is_subdomain_of(suffix)) continue;
        // The location domain it would be at or inside: one label under the suffix.
        dns::Name domain = name;
        while (domain.label_count() > suffix.label_count() + 1) domain = domain.parent();
        const dns::Name label = dns::Name::parse_absolute(domain.relative_to(suffix));
        for (const Site& site : sites.list) {
            if (dns::Name::parse_absolute(site.name) != label) continue;
            reader.fail(member(json_input::element(path, i), "name"),
                        "forward zone " + zones[i].name + " is " +
                            (name == domain ? "" : "inside ") + "site " + site.name + "'s domain " +
                            domain.to_text() +
                            ", whose MX the sites topology generates; forward the internal "
                            "suffix " +
                            suffix.to_text() +
                            " instead (the generated zones still answer inside it), or a "
                            "name outside the sites' domains");
        }
    }
}

}  // namespace sitedns
