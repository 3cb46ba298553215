#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"
#include "config/forward_zone.h"
#include "zones/load/zone_readers.h"

namespace sitedns {

/// The default of `limits.recipients_bytes`: the largest recipients file read.
inline constexpr std::uint64_t kDefaultRecipientsBytes = std::uint64_t{256} << 20;

/// One of a site's extra zones: a file, served as a zone or transparently (SPEC §3.2, §5).
struct SiteZone {
    std::filesystem::path file;
    bool transparent = false;
    friend bool operator==(const SiteZone&, const SiteZone&) = default;
};

/// One office site (SPEC §3.3).
struct Site {
    std::string name;           ///< a DNS label: "paris"
    std::vector<Cidr> subnets;  ///< its clients: the view's match_clients
    IpAddress address;          ///< external IPv4 address of its mail host
    std::optional<IpAddress> address6;
    /// The mail host's IPv4 address inside the site: what the site's own view answers
    /// for it (SPEC §3.3); absent: `address`.
    std::optional<IpAddress> internal_address;
    bool primary = false;  ///< receives the public domain's mail
    /// The mail host: a label ("mail": mail.<site>.<suffix>), or an absolute name ending
    /// in "." outside the internal suffix ("mail-paris.example.com."), which every other
    /// site's view answers from a generated transparent zone (SPEC §3.3).
    std::string mail_host = "mail";
    std::uint16_t preference = 10;  ///< MX preference
    std::vector<SiteZone> zones;    ///< extra zone files for this site's view
    /// The site's own resolvers; absent: the top-level `upstreams`.
    std::optional<std::vector<Endpoint>> upstreams;
    /// Options of `upstreams`, one per entry in the same order.
    std::vector<UpstreamConfig> upstream_options;
    /// The site's own forward zones (its domain controllers), before the top-level ones.
    std::vector<ForwardZoneConfig> forward_zones;
    /// The other sites deliver to this one over TLS, verifying its certificate against
    /// the absolute mail_host.
    bool tls = false;
    /// Where this site's sitedns answers (`verify` asks it); port 53 unless given.
    std::optional<Endpoint> dns;
};

/// The `sites` object: one topology for every site's server.
struct Sites {
    std::string domain;           ///< the public mail domain: "example.com"
    std::string internal_suffix;  ///< "example.local"
    std::uint32_t ttl = 300;
    std::vector<Site> list;
    /// The recipients CSV file (`address,site`), resolved against the configuration's
    /// folder; empty when the key is absent.
    std::string recipients;
    /// SOA serial of the generated zones: derived from the sites object's content, so it
    /// changes exactly when the topology does.
    std::uint32_t serial = 0;
};

/// The internal zone of `site`: "<name>.<internal_suffix>." as data, the same for every
/// view that holds it, so it is compiled once however many sites there are:
///   <T>.<suffix>.       SOA  ns.<suffix>. hostmaster.<domain>. <serial> 3600 600 604800 <ttl>
///   <T>.<suffix>.       NS   ns.<suffix>.
///   <T>.<suffix>.       MX   <preference> <mail_host>.<T>.<suffix>.
///   <mail_host>.<T>...  A    <address>      (AAAA <address6> when given)
/// With an absolute mail_host, the MX names it and the address records live in
/// generate_mail_host_zone() instead.
/// ns.<suffix> names "the internal DNS of whichever site asks": every site's sitedns.
std::shared_ptr<const model::ZoneData> generate_site_zone(const Sites& sites, const Site& site);

/// The site's own zone, as its own view holds it (SPEC §3.3): generate_site_zone() with
/// the mail host at `internal_address`, so that a host inside the site reaches its mail
/// server by its inside address. A separate object from the one the other sites' views
/// share; call it only for a site with an `internal_address`.
std::shared_ptr<const model::ZoneData> generate_own_site_zone(const Sites& sites, const Site& site);

/// The zone of the internal suffix itself, held by every site view that no forward zone
/// covers it in (SPEC §3.3, §5): a name under the suffix that no deeper zone holds gets
/// NXDOMAIN with this SOA, so internal names never reach the Internet's resolvers.
///   <suffix>.  SOA  ns.<suffix>. hostmaster.<domain>. <serial> 3600 600 604800 <ttl>
///   <suffix>.  NS   localhost.
/// Nothing delegates to it: the NS names "the server asked", as the empty zones of
/// RFC 6303 served by BIND (Debian's db.empty) and Unbound do, and lies outside the
/// zone, so `export --view` writes a zone BIND and NSD load without an address for it.
/// One object, shared by every view that holds it.
std::shared_ptr<const model::ZoneData> generate_suffix_zone(const Sites& sites);

/// The first of `zones` at or above the internal suffix, or nullptr: in a view with such
/// a forward zone, names under the suffix that no generated zone holds go there, and the
/// view holds no suffix zone (SPEC §3.3).
const ForwardZoneConfig* suffix_forward_zone(const Sites& sites,
                                             const std::vector<ForwardZoneConfig>& zones);

/// True when the site's mail_host is an absolute name ("mail-paris.example.com."), not a
/// label under the site's domain.
bool has_absolute_mail_host(const Site& site);

/// The site's mail host, the target of its MX: "<mail_host>.<name>.<internal_suffix>." or
/// the absolute mail_host itself.
dns::Name mail_host_name(const Sites& sites, const Site& site);

/// For a site with an absolute mail_host: the zone that every other site's view serves
/// transparently (SPEC §3.3, §5), so that this one public name is answered internally
/// while the rest of its domain is forwarded. Its origin is the mail host; it holds
///   <mail_host>.  A  <address>      (AAAA <address6> when given)
/// and no SOA. One object, shared by every view that holds it.
std::shared_ptr<const model::ZoneData> generate_mail_host_zone(const Sites& sites,
                                                               const Site& site);

/// The same with the site's `internal_address`, for the site's own view (SPEC §3.3): inside
/// the site, its public mail host name leads to the inside address. Call it only for a
/// site with an absolute mail_host and an `internal_address`.
std::shared_ptr<const model::ZoneData> generate_own_mail_host_zone(const Sites& sites,
                                                                   const Site& site);

/// The SOA serial for a sites object whose canonical text (the JSON with sorted keys and
/// no whitespace) is `content`: its FNV-1a 32-bit hash, never 0.
std::uint32_t sites_serial(std::string_view content);

}  // namespace sitedns
