// `sitedns check` as `trace` run exhaustively (SPEC §2). A topology's routes have a shape:
// every view holds the same generated zone of each site, so the route to a site is the
// same from every view unless the view itself overrides it. Only what differs between
// views is traced from every site: the MX domains of the zones that are not generated,
// and the site routes that a view's own zones override.

#include "config/route_check.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "config/mail_route.h"
#include "zones/dns/types.h"

namespace sitedns {

void for_each_own_zone(const ServedView& view,
                       const std::function<void(const model::Zone&)>& visit) {
    // A site's view holds the other sites' generated zones in a base shared by every site
    // view (model::ZoneSet::own_zones): its own zones are the rest, so the walk costs the
    // view's own zones, not the number of sites. Visited last first, the order the checks
    // report in.
    const auto& zones = view.zones->own_zones();
    for (auto it = zones.rbegin(); it != zones.rend(); ++it) {
        if (!(*it)->generated()) visit(**it);
    }
}

namespace {

/// A route fault, with every sending site that meets it.
struct Fault {
    dns::Name domain;
    const Site* to = nullptr;     ///< the site whose location domain it is, if any
    const Site* first = nullptr;  ///< the first sending site, in the order of the list
    std::size_t others = 0;
    mail_route::TraceDetail trace;
};

class RouteCheck {
  public:
    RouteCheck(const Config& config, std::span<const ServedView> views)
        : config_(config),
          sites_(*config.sites),
          views_(views),
          index_(sites_, views),
          names_(sites_) {
        traced_.index = &index_;
    }

    std::vector<Problem> run() {
        const std::vector<dns::Name> domains = mx_domains();
        for (const Site& from : sites_.list) {
            const ServedView* view = index_.view_of(from);
            if (view == nullptr) continue;  // check_topology reports it
            for (const dns::Name& domain : domains) walk_domain(from, domain);
            for (std::size_t to : names_.overridden(*view)) walk_site(from, to);
        }
        report();
        return std::move(problems_);
    }

  private:
    /// The owners of an MX in the zones that are not generated, in any view: the
    /// domains whose route may differ from view to view. Site domains are routed by
    /// walk_site; wildcard owners name no domain to send to.
    std::vector<dns::Name> mx_domains() const {
        std::vector<dns::Name> out;
        std::unordered_set<const model::Zone*> seen;
        std::unordered_set<std::string> keys;
        for (const ServedView& view : views_) {
            if (view.config == nullptr || view.zones == nullptr) continue;
            for_each_own_zone(view, [&](const model::Zone& zone) {
                if (!seen.insert(&zone).second) return;
                for (const model::Node& node : zone.nodes()) {
                    if (node.find(dns::rrtype::MX) == nullptr) continue;
                    const dns::Name owner = node.name.to_name();
                    if (owner.is_wildcard() || names_.find(owner) != nullptr) continue;
                    if (keys.insert(owner.key()).second) out.push_back(owner);
                }
            });
        }
        return out;
    }

    /// Any loop, or a missing route that check_topology's MX rules do not already name.
    void walk_domain(const Site& from, const dns::Name& domain) {
        mail_route::TraceDetail trace =
            mail_route::trace_route(config_, views_, from, domain, {}, traced_);
        const bool loop = trace.result.end == TraceEnd::Loop && (trace.returned || trace.revisited);
        const bool no_route =
            trace.result.end == TraceEnd::NoRoute && !trace.null_mx && !trace.no_address;
        if (!loop && !no_route) return;
        // A loop through several sites is one fault whichever of them sends the mail.
        std::string key = domain.key() + (trace.revisited ? cycle_key(trace) : closing(trace));
        remember(std::move(key), {domain, nullptr, &from, 0, std::move(trace)});
    }

    /// The sites of the cycle a revisiting trace went round, as a set.
    static std::string cycle_key(const mail_route::TraceDetail& trace) {
        const auto first = std::find(trace.route.begin(), trace.route.end(), trace.route.back());
        std::vector<std::string> cycle(first, trace.route.end() - 1);
        std::sort(cycle.begin(), cycle.end());
        std::string key;
        for (const std::string& name : cycle) key += "|" + name;
        return key;
    }

    /// A loop through several sites, which no single view shows; check_topology names
    /// the other faults of an overridden route, view by view, with their fixes.
    void walk_site(const Site& from, std::size_t to) {
        if (sites_.list[to].name == from.name) return;
        const Site& site = sites_.list[to];
        const dns::Name domain = mail_route::site_domain(sites_, site);
        mail_route::TraceDetail trace =
            mail_route::trace_route(config_, views_, from, domain, {}, traced_);
        if (!trace.revisited) return;
        std::string key = domain.key() + cycle_key(trace);
        remember(std::move(key), {domain, &site, &from, 0, std::move(trace)});
    }

    /// The lines that decided the end: what tells one fault from another.
    static std::string closing(const mail_route::TraceDetail& trace) {
        const auto& lines = trace.result.lines;
        std::string out;
        for (std::size_t i = lines.size() >= 3 ? lines.size() - 3 : 0; i < lines.size(); ++i) {
            out += "\n" + lines[i];
        }
        return out;
    }

    void remember(std::string key, Fault fault) {
        const auto [it, added] = faults_.try_emplace(std::move(key), std::move(fault));
        if (added) {
            order_.push_back(&it->second);
        } else {
            ++it->second.others;
        }
    }

    void report() {
        for (const Fault* fault : order_) {
            problems_.push_back({Problem::Severity::Error, describe(*fault)});
        }
    }

    std::string describe(const Fault& fault) const;

    const Config& config_;
    const Sites& sites_;
    std::span<const ServedView> views_;
    mail_route::SiteIndex index_;
    TraceOptions traced_;  ///< every trace looks sites and views up in index_
    SiteNames names_;
    std::map<std::string, Fault> faults_;  ///< by domain and closing hops
    std::vector<const Fault*> order_;      ///< in the order found
    std::vector<Problem> problems_;
};

/// The hop lines that closed the trace, without their indent: "mx.hq.example.net. ->
/// 203.0.113.10 (site hq): 203.0.113.10 is hq's own address: the mail comes back to hq".
std::string closing_hops(const TraceResult& result) {
    const auto& lines = result.lines;
    std::string out;
    const std::size_t end = lines.size() - 1;  // the last line is the ending itself
    for (std::size_t i = end >= 2 ? end - 2 : 0; i < end; ++i) {
        std::string_view text = lines[i];
        if (!text.starts_with("  ")) {
            out.clear();  // a site's own line starts the hops that matter
            continue;
        }
        text.remove_prefix(2);
        out += (out.empty() ? "" : ": ") + std::string(text);
    }
    return out;
}

/// "at lyon": the site whose hop closed the trace.
std::string closing_site(const TraceResult& result) {
    for (auto it = result.lines.rbegin(); it != result.lines.rend(); ++it) {
        if (it->starts_with("at ")) return it->substr(0, it->find(':'));
    }
    return {};
}

std::string RouteCheck::describe(const Fault& fault) const {
    const mail_route::TraceDetail& trace = fault.trace;
    auto path = trace.route.begin();
    if (fault.to != nullptr) {
        // A cycle between site views: from the first visit of the site reached twice.
        path = std::find(trace.route.begin(), trace.route.end(), trace.route.back());
    }
    std::string route;
    for (auto it = path; it != trace.route.end(); ++it)
        route += (route.empty() ? "" : " -> ") + *it;
    if (fault.to != nullptr) {
        return "mail for " + fault.domain.to_text() + " loops between sites " + route +
               ": each site's view must send it to " + fault.to->name + "'s address " +
               fault.to->address.to_string();
    }
    std::string bare = fault.domain.to_text();
    bare.pop_back();
    const bool loop = trace.result.end == TraceEnd::Loop;
    std::string text =
        "mail from site " + fault.first->name + " to " + fault.domain.to_text() +
        (loop ? " loops" : " has no route") + (trace.route.size() > 1 ? " (" + route + ")" : "") +
        ": " + closing_site(trace.result) + ": " + closing_hops(trace.result) +
        "; `sitedns trace --from " + fault.first->name + " " + bare + "` shows every hop";
    if (fault.others > 0) {
        text += " (and the same from " + std::to_string(fault.others) + " other site" +
                (fault.others == 1 ? ")" : "s)");
    }
    return text;
}

}  // namespace

SiteNames::SiteNames(const Sites& sites) {
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        const Site& site = sites.list[i];
        names_.try_emplace(mail_route::site_domain(sites, site).key(), i);
        if (has_absolute_mail_host(site)) names_.try_emplace(mail_host_name(sites, site).key(), i);
    }
}

const std::size_t* SiteNames::find(const dns::Name& name) const {
    const auto it = names_.find(name.key());
    return it == names_.end() ? nullptr : &it->second;
}

std::vector<std::size_t> SiteNames::overridden(const ServedView& view) const {
    std::vector<std::size_t> out;
    if (view.config == nullptr || view.zones == nullptr) return out;
    for_each_own_zone(view, [&](const model::Zone& zone) {
        // The zone changes what it holds: the names at and below its origin.
        for (dns::Name name = zone.origin();; name = name.parent()) {
            if (const std::size_t* site = find(name)) out.push_back(*site);
            if (name.is_root()) break;
        }
    });
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<Problem> check_routes(const Config& config, std::span<const ServedView> views) {
    if (!config.sites) return {};
    return RouteCheck(config, views).run();
}

}  // namespace sitedns
