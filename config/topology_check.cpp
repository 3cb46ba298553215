// `sitedns check`'s topology rules (SPEC §2): the mistakes in a sites topology that make
// mail loop between sites or leave for the Internet. Each problem is one line naming
// the site, view, zone or record concerned and saying what to change.
//
// Generated views always hold every other site's zone, so in practice the problems
// come from what sits beside them: an explicit view taking part of a site's subnets, a
// site's extra zones overriding a mail host, two sites given the same address. Only the
// routes such zones change are judged view by view; check_routes (route_check.cpp) then
// runs trace's own hop logic over every route that can differ between views.

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "config/dnssec.h"
#include "config/mail_route.h"
#include "config/overlaps.h"
#include "config/route_check.h"
#include "config/topology.h"
#include "config/value_reader.h"
#include "zones/dns/types.h"

namespace sitedns {
namespace {

using mail_route::Found;

using json_input::join_names;

/// A site's addresses: `address`, then `address6` when given.
std::vector<IpAddress> site_addresses(const Site& site) {
    std::vector<IpAddress> out{site.address};
    if (site.address6) out.push_back(*site.address6);
    return out;
}

/// "view V: ", the start of every problem found in a view.
std::string view_lead(const ServedView& view) {
    return "view " + view.config->name + ": ";
}

/// One MX record of a zone, found once per compiled zone however many views hold it.
struct ZoneMx {
    std::string owner_key;  ///< lowercased wire form
    dns::Name owner;
    mail_route::MxRecord mx;
};

/// The MX records of every node of `zone` (RFC 1035 §3.3.9).
std::vector<ZoneMx> zone_mx_records(const model::Zone& zone) {
    std::vector<ZoneMx> out;
    for (const model::Node& node : zone.nodes()) {
        if (node.find(dns::rrtype::MX) == nullptr) continue;
        const dns::Name owner = node.name.to_name();
        for (mail_route::MxRecord& mx : mail_route::mx_records(node)) {
            out.push_back({std::string(node.key), owner, std::move(mx)});
        }
    }
    return out;
}

/// One view as the clients of one site get it.
struct ViewUse {
    const Site& site;  ///< whose clients get the view
    const ServedView& view;
    /// For an explicit view: its client prefix lying inside the site's subnet.
    std::optional<std::pair<Cidr, Cidr>> inside;

    std::string lead() const { return view_lead(view); }
};

class TopologyCheck {
  public:
    TopologyCheck(const Config& config, std::span<const ServedView> views)
        : config_(config),
          sites_(*config.sites),
          views_(views),
          index_(sites_, views),
          names_(sites_) {
        // Indexes, so that a route's addresses are judged by hash lookups, not by a walk
        // of the sites.
        domains_.reserve(sites_.list.size());
        for (const Site& site : sites_.list) {
            all_sites_.push_back(domains_.size());
            domains_.push_back(mail_route::site_domain(sites_, site));
            domain_index_.try_emplace(domains_.back().key(), domains_.size() - 1);
        }
    }

    std::vector<Problem> run() {
        check_suffix();
        check_names();
        check_primary();
        check_addresses();
        check_tls();
        check_subnets();
        for (const Site& site : sites_.list) check_site_view(site);
        for (const ServedView& view : views_) check_explicit_view(view);
        check_all_mx();
        for (Problem& problem : check_routes(config_, views_))
            problems_.push_back(std::move(problem));
        return std::move(problems_);
    }

  private:
    void error(std::string text) {
        problems_.push_back({Problem::Severity::Error, std::move(text)});
    }
    void warning(std::string text) {
        problems_.push_back({Problem::Severity::Warning, std::move(text)});
    }

    /// RFC 6762 §3: resolvers hand names under .local to multicast DNS, not to sitedns.
    void check_suffix() {
        try {
            const dns::Name suffix = dns::Name::parse_absolute(sites_.internal_suffix);
            if (!suffix.is_subdomain_of(dns::Name::parse_absolute("local"))) return;
        } catch (const dns::NameError&) {
            return;  // the configuration reader reports a malformed name
        }
        warning("internal_suffix " + sites_.internal_suffix +
                " is under .local, which mDNS resolvers claim (RFC 6762); use a name under "
                ".internal or a sub-domain of a domain you own");
    }

    /// `trace --from internet` names mail from outside (SPEC §2): a site of that name
    /// could not be traced from.
    /// A location domain equal to the public domain would make it an internal name:
    /// its mail would never reach the primary site, and Postfix would find the domain in
    /// two of its lists.
    void check_names() {
        std::optional<dns::Name> domain;
        try {
            domain = dns::Name::parse_absolute(sites_.domain);
        } catch (const dns::NameError&) {
            // The configuration reader reports a malformed name.
        }
        for (std::size_t i = 0; i < sites_.list.size(); ++i) {
            const Site& site = sites_.list[i];
            if (site.name == kFromInternet) {
                error("site " + site.name + ": \"" + std::string(kFromInternet) +
                      "\" is what `sitedns trace --from` calls mail from outside every site; "
                      "give the site another name");
            }
            if (domain && domains_[i] == *domain) {
                error("site " + site.name + ": its location domain " + domains_[i].to_text() +
                      " is the public domain; give the site another name or choose another "
                      "internal_suffix");
            }
        }
    }

    void check_primary() {
        std::vector<std::string> primaries;
        for (const Site& site : sites_.list) {
            if (site.primary) primaries.push_back(site.name);
        }
        if (primaries.empty()) {
            error("no site is primary: mail for " + sites_.domain +
                  " has no site to go to; mark the site that receives " + sites_.domain +
                  "'s public MX with \"primary\": true");
        } else if (primaries.size() > 1) {
            error("sites " + join_names(primaries) + " are all primary: only one site receives " +
                  sites_.domain + "'s public MX; keep \"primary\" on one of them");
        }
    }

    void check_addresses() {
        for (const Site& site : sites_.list) {
            for (const IpAddress& address : site_addresses(site)) {
                if (!address.is_loopback()) continue;
                const char* key = address.family == IpAddress::Family::V4 ? "address" : "address6";
                error("site " + site.name + ": " + key + " " + address.to_string() +
                      " is a loopback address: the other sites would deliver " + site.name +
                      "'s mail to themselves; set \"" + key + "\" to " + site.name +
                      "'s external address");
            }
        }
        // Two sites sharing an address, by a hash of the addresses: each pair once, in
        // the order of the list (the first site, the second, then each one's addresses).
        struct Shared {
            std::size_t first, second, first_at, second_at;
            IpAddress address;
        };
        std::unordered_map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> holders;
        std::vector<Shared> shared;
        const auto& list = sites_.list;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::vector<IpAddress> addresses = site_addresses(list[i]);
            for (std::size_t at = 0; at < addresses.size(); ++at) {
                auto& sites = holders[mail_route::SiteIndex::address_key(addresses[at])];
                for (const auto& [j, j_at] : sites) {
                    if (j != i) shared.push_back({j, i, j_at, at, addresses[at]});
                }
                sites.emplace_back(i, at);
            }
        }
        std::sort(shared.begin(), shared.end(), [](const Shared& a, const Shared& b) {
            return std::tie(a.first, a.second, a.first_at, a.second_at) <
                   std::tie(b.first, b.second, b.first_at, b.second_at);
        });
        for (const Shared& pair : shared) {
            error("sites " + list[pair.first].name + " and " + list[pair.second].name +
                  " share the address " + pair.address.to_string() +
                  ": each one's view sends the other's mail back to itself; give "
                  "each site its own external address");
        }
    }

    /// SPEC §3.3: the sending sites verify a `tls` site's certificate against its mail
    /// host, and public CAs certify public names only (the CA/Browser Forum's Baseline
    /// Requirements have forbidden internal names since 2015): the mail host must be an
    /// absolute name outside the internal suffix and the private-use domains.
    void check_tls() {
        for (const Site& site : sites_.list) {
            if (!site.tls) continue;
            const std::string why = private_mail_host(site);
            if (why.empty()) continue;
            error("site " + site.name + ": \"tls\" is on, but its mail host " +
                  mail_host_name(sites_, site).to_text() + " " + why +
                  ", and no public CA certifies such a name; set \"mail_host\" to a name of the "
                  "public domain ending in \".\", such as \"mail-" +
                  site.name + "." + sites_.domain + ".\"");
        }
    }

    /// Why the site's mail host is not a public name, or "".
    std::string private_mail_host(const Site& site) const {
        if (!has_absolute_mail_host(site)) {
            return "is a label under the internal suffix " + sites_.internal_suffix;
        }
        static constexpr std::string_view kPrivate[] = {"local", "internal", "lan", "home.arpa"};
        try {
            const dns::Name host = mail_host_name(sites_, site);
            if (host.is_subdomain_of(dns::Name::parse_absolute(sites_.internal_suffix))) {
                return "is under the internal suffix " + sites_.internal_suffix;
            }
            for (std::string_view suffix : kPrivate) {
                if (host.is_subdomain_of(dns::Name::parse_absolute(std::string(suffix)))) {
                    return "is under ." + std::string(suffix) + ", a private-use domain";
                }
            }
        } catch (const dns::NameError&) {
            // The configuration reader reports a malformed name.
        }
        return {};
    }

    /// The longest prefix wins (SPEC §3.2), so the more specific site takes the
    /// other's clients: they get the wrong view and their mail the wrong routes.
    void check_subnets() {
        // Every subnet in one list, by site then by its place in the site's list; the
        // sweep (overlaps.h) finds the pairs that comparing every pair would.
        struct Subnet {
            std::size_t site, at;
        };
        std::vector<Cidr> prefixes;
        std::vector<Subnet> owner;
        for (std::size_t i = 0; i < sites_.list.size(); ++i) {
            for (std::size_t at = 0; at < sites_.list[i].subnets.size(); ++at) {
                prefixes.push_back(sites_.list[i].subnets[at]);
                owner.push_back({i, at});
            }
        }
        std::vector<std::pair<Subnet, Subnet>> found;
        for (const auto& [a, b] : overlapping_pairs(prefixes)) {
            if (owner[a].site != owner[b].site) found.emplace_back(owner[a], owner[b]);
        }
        // The order of a walk over every pair: the two sites, then each one's subnet.
        std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
            return std::tie(x.first.site, x.second.site, x.first.at, x.second.at) <
                   std::tie(y.first.site, y.second.site, y.first.at, y.second.at);
        });
        for (const auto& [a, b] : found) {
            const Site& site_a = sites_.list[a.site];
            const Site& site_b = sites_.list[b.site];
            report_overlap(site_a, site_a.subnets[a.at], site_b, site_b.subnets[b.at]);
        }
    }

    void report_overlap(const Site& a, const Cidr& net_a, const Site& b, const Cidr& net_b) {
        if (net_a == net_b) {
            error("sites " + a.name + " and " + b.name + " both claim " + net_a.to_string() +
                  ": make the site subnets disjoint");
            return;
        }
        const bool a_wins = net_a.length > net_b.length;
        const Site& winner = a_wins ? a : b;
        const Site& loser = a_wins ? b : a;
        error("sites " + a.name + " (" + net_a.to_string() + ") and " + b.name + " (" +
              net_b.to_string() + ") overlap: clients in " + (a_wins ? net_a : net_b).to_string() +
              " get " + winner.name + "'s view, not " + loser.name +
              "'s; make the site subnets disjoint");
    }

    void check_site_view(const Site& site) {
        const ServedView* view = index_.view_of(site);
        if (view == nullptr) {
            error("site " + site.name +
                  " has no view of its own: its clients get no site "
                  "zones; keep the view generated for it");
            return;
        }
        check_view_use({site, *view, std::nullopt}, names_.overridden(*view));
    }

    /// An explicit view whose client prefix lies inside a site's subnet takes those
    /// clients from the site's view: it must route their mail as well.
    void check_explicit_view(const ServedView& view) {
        if (view.config == nullptr || view.zones == nullptr || view.config->site) return;
        for (const Site& site : sites_.list) {
            if (auto inside = prefix_inside(*view.config, site)) {
                check_view_use({site, view, std::move(inside)}, all_sites_);
            }
        }
    }

    static std::optional<std::pair<Cidr, Cidr>> prefix_inside(const ViewConfig& view,
                                                              const Site& site) {
        for (const Cidr& clients : view.match_clients) {
            for (const Cidr& subnet : site.subnets) {
                if (clients.length > subnet.length && clients.overlaps(subnet)) {
                    return std::pair{clients, subnet};
                }
            }
        }
        return std::nullopt;
    }

    /// The routes from `use` to the sites `to` (indexes into the list). A site's own view
    /// holds the generated zone of every other site, the same in every view: only the
    /// routes its own zones override can go wrong there (SiteNames::overridden).
    void check_view_use(const ViewUse& use, const std::vector<std::size_t>& to) {
        routes_[&use.view].push_back(&use.site);
        for (std::size_t i : to) {
            const Site& other = sites_.list[i];
            if (&other != &use.site && other.name != use.site.name) {
                check_route(use, other, domains_[i]);
            }
        }
    }

    /// The view must answer for `other`'s domain with an MX whose hosts have addresses
    /// of `other`'s site (RFC 5321 §5.1).
    void check_route(const ViewUse& use, const Site& other, const dns::Name& domain) {
        const mail_route::NameLookup found = mail_route::find_name(*use.view.zones, domain);
        const std::string name = domain.to_text();
        switch (found.found) {
            case Found::Outside:
                return missing_zone(use, other, name);
            case Found::Delegated:
                return error(use.lead() + name + " is delegated out of zone " +
                             found.zone->origin().to_text() +
                             ", so the view does not answer "
                             "for it; serve " +
                             other.name + "'s zone " + name + " in the view");
            case Found::NxDomain:
                return error(use.lead() + name + " does not exist in zone " +
                             found.zone->origin().to_text() + ": mail for " + other.name +
                             " has no route; serve " + other.name + "'s zone " + name +
                             " in the view");
            case Found::Alias:
                return error(use.lead() + name + " is an alias (CNAME) for " +
                             found.alias.to_text() + ": mail for " + other.name +
                             " would follow it; give " + name + " its own MX record");
            case Found::Node:
                break;
        }
        check_mx(use, other, domain, *found.node);
    }

    void missing_zone(const ViewUse& use, const Site& other, const std::string& zone) {
        const std::string& view = use.view.config->name;
        if (use.inside) {
            // An explicit view for some of a site's clients may be meant for hosts that
            // send no mail; serving it is allowed, routing mail from it is not possible.
            warning("view " + view + " matches " + use.inside->first.to_string() + " inside site " +
                    use.site.name + "'s " + use.inside->second.to_string() + " but lacks zone " +
                    zone + ": mail from its clients to " + other.name +
                    " would be forwarded upstream; add the zone to the view, or remove the view");
        } else {
            error("view " + view + " lacks zone " + zone + ": mail from " + use.site.name + " to " +
                  other.name + " would be forwarded upstream; add the zone to the view");
        }
    }

    void check_mx(const ViewUse& use, const Site& other, const dns::Name& domain,
                  const model::Node& node) {
        const std::vector<mail_route::MxRecord> mxs = mail_route::mx_records(node);
        if (mxs.empty()) {
            // RFC 5321 §5.1: without MX, the domain's own address is the mail host.
            const std::vector<IpAddress> own = mail_route::addresses(node);
            if (own.empty()) {
                error(use.lead() + domain.to_text() + " has no MX and no address: mail for " +
                      other.name + " has no route; add \"MX " + std::to_string(other.preference) +
                      " " + mail_host_name(sites_, other).to_text() + "\"");
                return;
            }
            check_hosts(use, other, domain, nullptr, own);
            return;
        }
        for (const mail_route::MxRecord& mx : mxs) {
            if (!mx.is_null()) check_target(use, other, domain, mx.exchange);  // RFC 7505
        }
    }

    void check_target(const ViewUse& use, const Site& other, const dns::Name& domain,
                      const dns::Name& target) {
        const std::vector<IpAddress> list = target_addresses(use.view, domain, target, &other);
        if (!list.empty()) check_hosts(use, other, domain, &target, list);
    }

    /// The addresses of `target`, an MX target of `domain`, in `view`; none, after the
    /// problem is reported, when it has none there. `other` is the site the MX routes
    /// to, where a target that the view leaves to the Internet or to a delegation is a
    /// problem as well; nullptr for any other MX, whose target may well be the Internet's.
    std::vector<IpAddress> target_addresses(const ServedView& view, const dns::Name& domain,
                                            const dns::Name& target, const Site* other) {
        const mail_route::NameLookup found = mail_route::find_name(*view.zones, target);
        if (found.found == Found::Node) {
            std::vector<IpAddress> list = mail_route::addresses(*found.node);
            if (!list.empty()) return list;
        }
        // Messages are built only for a problem: a check walks N² routes.
        const std::string path = "MX for " + domain.to_text() + " -> " + target.to_text();
        const std::string no_address =
            view_lead(view) + path + " has no address in view " + view.config->name;
        switch (found.found) {
            case Found::Outside:
                if (other == nullptr) break;
                error(no_address +
                      ": it is in none of the view's zones, so it would be resolved "
                      "upstream and mail between sites would depend on the Internet; " +
                      outside_fix(*other, target));
                break;
            case Found::Delegated:
                if (other == nullptr) break;
                error(no_address + ": it is delegated out of zone " +
                      found.zone->origin().to_text() + "; point the MX at a host in " +
                      other->name + "'s zone");
                break;
            case Found::Alias:
                error(view_lead(view) + path + " is an alias (CNAME) for " + found.alias.to_text() +
                      ": an MX must name a host, not an alias (RFC 2181 §10.3); point the MX at " +
                      found.alias.to_text());
                break;
            case Found::NxDomain:
            case Found::Node:  // NODATA: no A or AAAA
                error(no_address + ": add an A record for it with " +
                      (other != nullptr
                           ? other->name + "'s address " + other->address.to_string()
                           : std::string("the mail host's address, or an AAAA record")));
                break;
        }
        return {};
    }

    /// Every MX of every zone of every view (SPEC §2), beyond the routes between sites
    /// checked above with fixes of their own: the zones a view holds beside the site
    /// zones are where a CNAME or loopback target goes unnoticed. An MX target outside
    /// the view's zones is the Internet's to answer, and is not judged.
    void check_all_mx() {
        // A zone shared by many views is read once; its targets are looked up per view,
        // since each view may answer them differently.
        std::unordered_map<const model::Zone*, std::vector<ZoneMx>> by_zone;
        for (const ServedView& view : views_) {
            if (view.config == nullptr || view.zones == nullptr) continue;
            // A generated zone's MX leads to its site's address, which check_addresses
            // judges once for every view.
            for_each_own_zone(view, [&](const model::Zone& zone) {
                const auto [it, added] = by_zone.try_emplace(&zone);
                if (added) it->second = zone_mx_records(zone);
                for (const ZoneMx& record : it->second) {
                    // RFC 7505: a null MX ("MX 0 .") says the domain takes no mail.
                    if (!record.mx.is_null() && !routed(view, record.owner_key)) {
                        check_mx_hosts(view, record);
                    }
                }
            });
        }
    }

    /// RFC 5321 §5.1: a mail host delivers to the target's addresses; loopback ones
    /// bring the mail back to the sender, an unspecified one (RFC 1122 §3.2.1.3,
    /// RFC 4291 §2.5.2) is no host's.
    void check_mx_hosts(const ServedView& view, const ZoneMx& record) {
        const dns::Name& target = record.mx.exchange;
        for (const IpAddress& address : target_addresses(view, record.owner, target, nullptr)) {
            const bool loopback = address.is_loopback();
            if (!loopback && !address.is_unspecified()) continue;
            // A loopback site address is reported once, as the site's own problem: its
            // own view's generated zone leads to it as well.
            if (loopback && index_.owner_of(address) != nullptr) continue;
            error(host_lead(view, record.owner, &target, address) +
                  (loopback ? " is a loopback address: a mail host would deliver mail for " +
                                  record.owner.to_text() + " to itself"
                            : " is the unspecified address, which no host has") +
                  "; point " + target.to_text() + " at the mail host's address");
        }
    }

    /// True when check_route already judged the MX at `owner_key` in `view`: the owner is
    /// a site's domain and the view is used by another site's clients.
    bool routed(const ServedView& view, const std::string& owner_key) const {
        const auto site = domain_index_.find(owner_key);
        const auto users = routes_.find(&view);
        if (site == domain_index_.end() || users == routes_.end()) return false;
        const std::string& name = sites_.list[site->second].name;
        return std::any_of(users->second.begin(), users->second.end(),
                           [&](const Site* user) { return user->name != name; });
    }

    /// What to change for an MX target the view would resolve upstream: an absolute
    /// mail host needs a zone answering it in the view (the site views get one).
    std::string outside_fix(const Site& other, const dns::Name& target) const {
        if (has_absolute_mail_host(other) && target == mail_host_name(sites_, other)) {
            return "serve a transparent zone for " + target.to_text() + " with " + other.name +
                   "'s address in the view";
        }
        return "point the MX at a host in " + other.name + "'s zone";
    }

    /// Each address of the mail host `target` (nullptr: the implicit MX, `domain` itself)
    /// must be a site's, and not the sending site's own.
    void check_hosts(const ViewUse& use, const Site& other, const dns::Name& domain,
                     const dns::Name* target, const std::vector<IpAddress>& list) {
        const dns::Name& host = target != nullptr ? *target : domain;
        for (const IpAddress& address : list) {
            const bool others_own = address == other.address || address == other.address6;
            const Site* owner = index_.owner_of(address);
            if (address.is_loopback()) {
                // A loopback site address is reported once, as the site's own problem.
                if (!others_own) {
                    error(host_lead(use.view, domain, target, address) +
                          " is a loopback address: " + use.site.name +
                          "'s mail host would deliver mail for " + other.name + " to itself; " +
                          host_fix(use.site, other, host, address));
                }
            } else if (address == use.site.address || address == use.site.address6) {
                error(host_lead(use.view, domain, target, address) + " is " + use.site.name +
                      "'s own address: mail for " + other.name + " would loop back to " +
                      use.site.name + "; " + host_fix(use.site, other, host, address));
            } else if (owner == nullptr) {
                error(host_lead(use.view, domain, target, address) +
                      " belongs to no site: mail for " + other.name +
                      " would leave for the Internet; " + host_fix(use.site, other, host, address));
            }
            // Through a third site: check_routes follows it, a loop or not.
        }
    }

    /// "view V: MX for D -> TARGET -> ADDRESS", or "view V: D (no MX, ...) -> ADDRESS".
    static std::string host_lead(const ServedView& view, const dns::Name& domain,
                                 const dns::Name* target, const IpAddress& address) {
        const std::string path = target == nullptr
                                     ? domain.to_text() + " (no MX, RFC 5321 §5.1)"
                                     : "MX for " + domain.to_text() + " -> " + target->to_text();
        return view_lead(view) + path + " -> " + address.to_string();
    }

    /// What to change so that `host` leads to `other`: its address of that family.
    static std::string host_fix(const Site& site, const Site& other, const dns::Name& host,
                                const IpAddress& address) {
        const std::string right = mail_route::same_family_address(other, address);
        if (right.empty()) {
            return std::string("remove its ") +
                   (address.family == IpAddress::Family::V4 ? "A" : "AAAA") + " record (" +
                   other.name + " has no address of that family)";
        }
        if (right == address.to_string()) {
            return "give " + site.name + " and " + other.name + " different addresses";
        }
        return "point " + host.to_text() + " at " + other.name + "'s address " + right;
    }

    const Config& config_;
    const Sites& sites_;
    std::span<const ServedView> views_;
    mail_route::SiteIndex index_;  ///< each site's view, and the first site owning an address
    std::vector<Problem> problems_;
    std::vector<dns::Name> domains_;      ///< each site's internal domain, by list index
    std::vector<std::size_t> all_sites_;  ///< 0 .. number of sites - 1
    SiteNames names_;
    std::unordered_map<std::string, std::size_t> domain_index_;  ///< domain key -> index
    /// The views check_view_use judged, and for whose site's clients.
    std::unordered_map<const ServedView*, std::vector<const Site*>> routes_;
};

}  // namespace

std::vector<Problem> check_topology(const Config& config, std::span<const ServedView> views) {
    std::vector<Problem> problems;
    if (config.sites) problems = TopologyCheck(config, views).run();
    // Checked with the topology, so that the server refuses to start, and a reload keeps
    // the old snapshot, exactly when `check` fails: validation fails closed (SPEC §5).
    for (Problem& problem : check_dnssec(config)) problems.push_back(std::move(problem));
    return problems;
}

}  // namespace sitedns
