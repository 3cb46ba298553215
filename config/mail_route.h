#pragma once
// What a mail host sees of one view: the lookups shared by `sitedns check`'s topology
// rules (topology_check.cpp) and `sitedns trace` (mail_trace.cpp). Load-time code: it
// allocates freely and is never on the query path.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/address.h"
#include "config/sites.h"
#include "config/topology.h"
#include "zones/dns/name.h"
#include "zones/model/zone.h"

namespace sitedns::mail_route {

/// How a name stands in a view's zones.
enum class Found {
    Node,       ///< an owner (exact or wildcard match); its records may or may not exist
    Alias,      ///< a CNAME owner; `alias` is its target
    NxDomain,   ///< inside a zone of the view, but the name does not exist
    Delegated,  ///< below a zone cut: the view only refers (RFC 1034 §4.2.1)
    Outside,    ///< in none of the view's zones: a recursive view forwards it upstream
};

struct NameLookup {
    Found found = Found::Outside;
    const model::Zone* zone = nullptr;  ///< the deepest zone holding the name
    const model::Node* node = nullptr;  ///< Found::Node and Found::Alias
    dns::Name alias;                    ///< Found::Alias
};

/// Looks `name` up in `zones` as the view would answer it: the deepest zone, then
/// exact, wildcard (RFC 4592) or zone-cut match. CNAMEs are reported, not followed. A
/// transparent zone (SPEC §5) holds only the names it has records for; for any other
/// name the lookup goes on in the zones above it, or ends Outside.
NameLookup find_name(const model::ZoneSet& zones, const dns::Name& name);

/// One MX record (RFC 1035 §3.3.9).
struct MxRecord {
    std::uint16_t preference = 0;
    dns::Name exchange;
    /// Null MX (RFC 7505 §3): the exchange is the root, "MX 0 .": the domain takes no mail.
    bool is_null() const { return exchange.is_root(); }
    std::string to_text() const;  ///< "10 mail.paris.example.local."
};

/// The MX records of `node`, by preference (ties keep the zone's order, RFC 5321 §5.1
/// leaves their order to the client); empty when it has none.
std::vector<MxRecord> mx_records(const model::Node& node);

/// The addresses of `node`: its A records, then its AAAA records, in zone order.
std::vector<IpAddress> addresses(const model::Node& node);

/// "<site>.<internal_suffix>.": the site's internal mail domain.
dns::Name site_domain(const Sites& sites, const Site& site);

/// The site whose `address` or `address6` is `address`, or nullptr (the first one when
/// several share it: `check` reports that).
const Site* site_owning(const Sites& sites, const IpAddress& address);

/// The site named `name`, or nullptr.
const Site* find_site(const Sites& sites, std::string_view name);

/// The view generated for `site` (ViewConfig::site), the one its clients get, or nullptr.
const ServedView* site_view(std::span<const ServedView> views, const Site& site);

/// site_view() and site_owning() for every site at once, by hash: one walk of the views
/// and of the sites, for the checks that trace from every site (SPEC §2 `check`).
class SiteIndex {
  public:
    SiteIndex(const Sites& sites, std::span<const ServedView> views);
    /// The view generated for `site`, or nullptr (as site_view()).
    const ServedView* view_of(const Site& site) const;
    /// The first site whose address or address6 is `address`, or nullptr (as site_owning()).
    const Site* owner_of(const IpAddress& address) const;
    /// The hash key of an address: its family and bytes.
    static std::string address_key(const IpAddress& address);

  private:
    std::unordered_map<std::string_view, const ServedView*> by_site_;
    std::unordered_map<std::string, const Site*> by_address_;
};

/// The site's address in the family of `address` ("203.0.113.20"), or an empty string
/// when the site has none in that family.
std::string same_family_address(const Site& site, const IpAddress& address);

/// The forward zone that `view` sends `name` to (SPEC §5): the deepest one covering it,
/// the view's own (for a site's view, the site's) before the top-level ones of the same
/// name; nullptr when none covers it.
const ForwardZoneConfig* forward_zone_for(const Config& config, const ViewConfig& view,
                                          const dns::Name& name);

/// "corp.example.com. (upstreams 10.1.0.5:53, 10.1.0.6:53)"
std::string forward_zone_text(const ForwardZoneConfig& zone);

/// What check needs to know of a trace beyond its lines: whether the mail came back to
/// a site that had already passed it on, a loop across several views that no single
/// view shows.
struct TraceDetail {
    TraceResult result;
    std::vector<std::string> route;  ///< the sites visited, in order
    bool revisited = false;
    bool returned = false;    ///< an MX led back to the address of the site holding the mail
    bool null_mx = false;     ///< a Null MX (RFC 7505) ended it: the domain takes no mail
    bool no_address = false;  ///< no MX target had an address in the view
};

/// trace_mail() for a domain already parsed (SPEC §2), `local` the address's local part
/// ("" for a bare domain). `from` must be in config.sites.
TraceDetail trace_route(const Config& config, std::span<const ServedView> views, const Site& from,
                        const dns::Name& domain, std::string_view local = {},
                        const TraceOptions& options = {});

/// trace_route() for mail from outside every site (SPEC §2 `--from internet`): only the
/// public domain is in the public DNS, and its MX leads to the primary site.
TraceDetail trace_from_internet(const Config& config, std::span<const ServedView> views,
                                const dns::Name& domain, std::string_view local = {},
                                const TraceOptions& options = {});

}  // namespace sitedns::mail_route
