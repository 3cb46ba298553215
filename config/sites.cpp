// The zones the sites topology generates (SPEC §3.3): for site T, the zone
// "<T>.<internal_suffix>." that every other site's view holds, built as data with RDATA
// already in wire form, so it needs no parser and is compiled once for all views (T's own
// view holds another copy only when T's mail host has an inside address); for a site with
// an absolute mail host, the transparent zone answering that one name; and the zone of the
// suffix itself, which keeps the other names under it from the Internet's resolvers.

#include "config/sites.h"

#include <utility>

#include "zones/dns/types.h"

namespace sitedns {
namespace {

// SOA timers of the generated zones (RFC 1912 §2.2 ranges). Nothing transfers them
// (every site's sitedns generates the same data), so they only inform resolvers.
constexpr std::uint32_t kRefresh = 3600;
constexpr std::uint32_t kRetry = 600;
constexpr std::uint32_t kExpire = 604800;

/// Appends wire bytes of RDATA fields.
class RdataWriter {
  public:
    RdataWriter& name(const dns::Name& value) {
        auto wire = value.wire();
        bytes_.insert(bytes_.end(), wire.begin(), wire.end());
        return *this;
    }
    RdataWriter& u16(std::uint16_t value) {
        bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
        bytes_.push_back(static_cast<std::uint8_t>(value));
        return *this;
    }
    RdataWriter& u32(std::uint32_t value) {
        u16(static_cast<std::uint16_t>(value >> 16));
        return u16(static_cast<std::uint16_t>(value));
    }
    RdataWriter& address(const IpAddress& value) {
        std::size_t length = value.family == IpAddress::Family::V4 ? 4 : 16;
        bytes_.insert(bytes_.end(), value.bytes.begin(), value.bytes.begin() + length);
        return *this;
    }
    std::vector<std::uint8_t> take() { return std::move(bytes_); }

  private:
    std::vector<std::uint8_t> bytes_;
};

/// "<label>.<parent>" as an absolute name.
dns::Name child(std::string_view label, const dns::Name& parent) {
    return dns::Name::parse(label, parent);
}

/// SOA RDATA (RFC 1035 §3.3.13): MNAME ns.<suffix>., RNAME hostmaster.<domain>.
std::vector<std::uint8_t> soa_rdata(const Sites& sites, const dns::Name& suffix) {
    dns::Name domain = dns::Name::parse_absolute(sites.domain);
    return RdataWriter()
        .name(child("ns", suffix))
        .name(child("hostmaster", domain))
        .u32(sites.serial)
        .u32(kRefresh)
        .u32(kRetry)
        .u32(kExpire)
        .u32(sites.ttl)
        .take();
}

/// The mail host's A record with `v4` (the site's `address` or `internal_address`), and
/// AAAA when the site has an IPv6 address: IPv6 needs no address translation, so inside
/// the site the one address serves.
void add_addresses(model::ZoneData& zone, const Sites& sites, const Site& site,
                   const dns::Name& mail, const IpAddress& v4) {
    zone.records.push_back(model::Record{mail, dns::rrtype::A, sites.ttl,
                                         RdataWriter().address(v4).take(), "generated A"});
    if (site.address6) {
        zone.records.push_back(model::Record{mail, dns::rrtype::AAAA, sites.ttl,
                                             RdataWriter().address(*site.address6).take(),
                                             "generated AAAA"});
    }
}

/// The location domain of `site` with its mail host at `v4` (see generate_site_zone).
std::shared_ptr<const model::ZoneData> site_zone(const Sites& sites, const Site& site,
                                                 const IpAddress& v4, std::string source) {
    const dns::Name suffix = dns::Name::parse_absolute(sites.internal_suffix);
    const dns::Name origin = child(site.name, suffix);
    const dns::Name mail = mail_host_name(sites, site);

    auto zone = std::make_shared<model::ZoneData>();
    zone->generated = true;
    zone->origin = origin;
    zone->source = std::move(source);
    auto add = [&](const dns::Name& owner, std::uint16_t type, std::vector<std::uint8_t> rdata,
                   std::string where) {
        zone->records.push_back(
            model::Record{owner, type, sites.ttl, std::move(rdata), std::move(where)});
    };
    add(origin, dns::rrtype::SOA, soa_rdata(sites, suffix), "generated SOA");
    add(origin, dns::rrtype::NS, RdataWriter().name(child("ns", suffix)).take(), "generated NS");
    add(origin, dns::rrtype::MX, RdataWriter().u16(site.preference).name(mail).take(),
        "generated MX");
    if (!has_absolute_mail_host(site)) add_addresses(*zone, sites, site, mail, v4);
    return zone;
}

/// The transparent zone of an absolute mail host at `v4` (see generate_mail_host_zone).
std::shared_ptr<const model::ZoneData> mail_host_zone(const Sites& sites, const Site& site,
                                                      const IpAddress& v4, std::string source) {
    auto zone = std::make_shared<model::ZoneData>();
    zone->generated = true;
    zone->origin = mail_host_name(sites, site);
    zone->source = std::move(source);
    add_addresses(*zone, sites, site, zone->origin, v4);
    return zone;
}

}  // namespace

std::shared_ptr<const model::ZoneData> generate_site_zone(const Sites& sites, const Site& site) {
    return site_zone(sites, site, site.address, "generated zone for site " + site.name);
}

std::shared_ptr<const model::ZoneData> generate_own_site_zone(const Sites& sites,
                                                              const Site& site) {
    return site_zone(sites, site, site.internal_address.value_or(site.address),
                     "generated zone for site " + site.name + " in its own view");
}

std::shared_ptr<const model::ZoneData> generate_suffix_zone(const Sites& sites) {
    const dns::Name suffix = dns::Name::parse_absolute(sites.internal_suffix);
    auto zone = std::make_shared<model::ZoneData>();
    zone->generated = true;
    zone->origin = suffix;
    zone->source = "generated zone for the internal suffix " + sites.internal_suffix;
    zone->records.push_back(model::Record{suffix, dns::rrtype::SOA, sites.ttl,
                                          soa_rdata(sites, suffix), "generated SOA"});
    zone->records.push_back(model::Record{
        suffix, dns::rrtype::NS, sites.ttl,
        RdataWriter().name(dns::Name::parse_absolute("localhost")).take(), "generated NS"});
    return zone;
}

const ForwardZoneConfig* suffix_forward_zone(const Sites& sites,
                                             const std::vector<ForwardZoneConfig>& zones) {
    const dns::Name suffix = dns::Name::parse_absolute(sites.internal_suffix);
    for (const ForwardZoneConfig& zone : zones) {
        if (suffix.is_subdomain_of(dns::Name::parse_absolute(zone.name))) return &zone;
    }
    return nullptr;
}

bool has_absolute_mail_host(const Site& site) {
    return !site.mail_host.empty() && site.mail_host.back() == '.';
}

dns::Name mail_host_name(const Sites& sites, const Site& site) {
    if (has_absolute_mail_host(site)) return dns::Name::parse_absolute(site.mail_host);
    return child(site.mail_host,
                 child(site.name, dns::Name::parse_absolute(sites.internal_suffix)));
}

std::shared_ptr<const model::ZoneData> generate_mail_host_zone(const Sites& sites,
                                                               const Site& site) {
    return mail_host_zone(sites, site, site.address,
                          "generated mail host zone for site " + site.name);
}

std::shared_ptr<const model::ZoneData> generate_own_mail_host_zone(const Sites& sites,
                                                                   const Site& site) {
    return mail_host_zone(sites, site, site.internal_address.value_or(site.address),
                          "generated mail host zone for site " + site.name + " in its own view");
}

std::uint32_t sites_serial(std::string_view content) {
    // FNV-1a, 32 bits: stable across builds and platforms, unlike std::hash, and kept so
    // (not the fast dns::hash_bytes, free to change): `sitedns verify` compares the serial
    // across versions.
    std::uint32_t hash = 2166136261U;
    for (char c : content) {
        hash ^= static_cast<std::uint8_t>(c);
        hash *= 16777619U;
    }
    return hash == 0 ? 1 : hash;
}

}  // namespace sitedns
