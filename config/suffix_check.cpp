#include "config/suffix_check.h"

#include <string>
#include <unordered_map>
#include <utility>

#include "config/value_reader.h"

namespace sitedns {
namespace {

/// Site names shown in one warning; a large topology gets their count beyond that.
constexpr std::size_t kListed = 8;

/// The upstreams of `list` that look like domain controllers' (private or loopback),
/// as "10.1.0.10, 10.1.0.11, which look like domain controllers (...)"; empty when none
/// does.
std::string like_domain_controllers(const std::vector<Endpoint>& list) {
    std::string out;
    std::size_t count = 0;
    for (const Endpoint& upstream : list) {
        if (!upstream.address.is_private() && !upstream.address.is_loopback()) continue;
        out += (out.empty() ? "" : ", ") + upstream.address.to_string();
        ++count;
    }
    if (count == 0) return out;
    return out + (count == 1 ? ", which looks like a domain controller (a private or loopback "
                               "address)"
                             : ", which look like domain controllers (private or loopback "
                               "addresses)");
}

/// "site london" or "sites london, paris and madrid", at most kListed names.
std::string sites_text(const std::vector<std::string>& names) {
    if (names.size() == 1) return "site " + names.front();
    if (names.size() <= kListed) return "sites " + json_input::join_names(names);
    std::string out = "sites ";
    for (std::size_t i = 0; i < kListed; ++i) out += names[i] + ", ";
    return out + "... (" + std::to_string(names.size()) + " sites)";
}

}  // namespace

std::vector<Problem> check_suffix_upstreams(const Config& config) {
    if (!config.sites) return {};
    const Sites& sites = *config.sites;
    if (suffix_forward_zone(sites, config.forward_zones) != nullptr) return {};
    // Sites by the upstreams they forward to, in the order first seen: the sites using
    // the top-level list share one line however many they are.
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    std::unordered_map<std::string, std::size_t> group_of;
    for (const ViewConfig& view : config.views) {
        if (!view.site || suffix_forward_zone(sites, view.forward_zones) != nullptr) continue;
        std::string listed =
            like_domain_controllers(view.upstreams ? *view.upstreams : config.upstreams);
        if (listed.empty()) continue;
        const auto [it, added] = group_of.try_emplace(listed, groups.size());
        if (added) groups.emplace_back(std::move(listed), std::vector<std::string>{});
        groups[it->second].second.push_back(*view.site);
    }
    std::vector<Problem> out;
    const std::string suffix = sites.internal_suffix + ".";
    for (const auto& [upstreams, names] : groups) {
        out.push_back({Problem::Severity::Warning,
                       sites_text(names) + " forward" + (names.size() == 1 ? "s" : "") + " to " +
                           upstreams + ", but no forward zone covers the internal suffix " +
                           suffix +
                           ": names under it that no site zone holds, such as the Active "
                           "Directory's when its domain is the suffix, get NXDOMAIN and never "
                           "reach them; add a forward zone \"" +
                           suffix + "\" to the domain controllers"});
    }
    return out;
}

}  // namespace sitedns
