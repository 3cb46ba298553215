// The system's resolvers as default upstreams (SPEC §3.1 `upstreams`), read from the
// `nameserver` lines of resolv.conf (resolv.conf(5)).

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"

namespace sitedns {
namespace {

/// The port resolv.conf nameservers are queried on (resolv.conf(5) has no port).
constexpr std::uint16_t kDnsPort = 53;

bool is_unspecified(const IpAddress& address) {
    return std::all_of(address.bytes.begin(), address.bytes.end(),
                       [](std::uint8_t b) { return b == 0; });
}

/// True when querying `upstream` would reach one of sitedns's own listeners: same port
/// and the same address, or a wildcard listener (0.0.0.0, ::) of the same family.
bool is_own(const Endpoint& upstream, const std::vector<Endpoint>& own) {
    return std::any_of(own.begin(), own.end(), [&](const Endpoint& listener) {
        if (listener.port != upstream.port) return false;
        if (listener.address == upstream.address) return true;
        return listener.address.family == upstream.address.family &&
               is_unspecified(listener.address);
    });
}

/// The address of a "nameserver ADDR" line, or nullopt for any other line.
std::optional<IpAddress> nameserver_of(const std::string& line) {
    std::string text = line.substr(0, line.find_first_of("#;"));
    std::istringstream words(text);
    std::string keyword;
    std::string address;
    if (!(words >> keyword >> address) || keyword != "nameserver") return std::nullopt;
    address = address.substr(0, address.find('%'));  // fe80::1%eth0: the scope is dropped
    return IpAddress::parse(address);
}

}  // namespace

std::vector<Endpoint> resolv_conf_upstreams(const std::filesystem::path& file,
                                            const std::vector<Endpoint>& own) {
    std::vector<Endpoint> upstreams;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        auto address = nameserver_of(line);
        if (!address) continue;
        Endpoint upstream{*address, kDnsPort};
        if (is_own(upstream, own)) continue;
        if (std::find(upstreams.begin(), upstreams.end(), upstream) != upstreams.end()) continue;
        upstreams.push_back(upstream);
    }
    return upstreams;
}

}  // namespace sitedns
