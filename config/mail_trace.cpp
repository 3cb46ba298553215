// `sitedns trace` (SPEC §2): where mail for an address goes from a site, hop by hop,
// following what each site's mail host would look up in the view its DNS gives it.
//
// Output, one line per step (tests pin it):
//   at london: view london
//     MX paris.example.local.: 10 mail.paris.example.local.
//     mail.paris.example.local. -> 203.0.113.20 (site paris)
//   at paris: paris.example.local. is paris's own domain
//   delivered at paris
// The last line is always "delivered at SITE", "forwarded upstream", "loop", "no route" or
// "no such recipient". Through the sending site's own contact (SPEC §2), which is what
// its mail server does with the `virtual` table `export` wrote for it:
//   at paris: contact bob@example.com -> bob@madrid.example.local
//   at paris: view paris
//   ...
//   delivered at madrid (bob)
// and from outside (`--from internet`), through the public MX and the primary's contact:
//   at internet: example.com. is the public domain: its public MX delivers to the primary site
//   london at london: contact bob@example.com -> bob@madrid.example.local
//   ...
// With DNSSEC validation on, a name sent to an upstream below a negative trust anchor
// says so, after the line that sends it:
//     hq.corp.example.com. goes to forward zone corp.example.com. (upstreams 10.1.0.10:53): not
//     internal hq.corp.example.com. is not validated: negative trust anchor corp.example.com.
//     (forward zone)

#include <algorithm>
#include <array>
#include <stdexcept>

#include "config/dnssec.h"
#include "config/mail_route.h"
#include "config/recipients.h"
#include "config/topology.h"
#include "zones/dns/types.h"

namespace sitedns {
namespace mail_route {
namespace {

/// Aliases followed before giving up (a CNAME chain this long is a mistake or a loop).
constexpr int kMaxAliases = 8;

/// What one step decides: the trace ends (delivered at `next`, for TraceEnd::Delivered),
/// or the mail moves on to `next`.
struct Step {
    std::optional<TraceEnd> end;
    const Site* next = nullptr;
};

/// What a mail host gets for one MX target.
enum class TargetOutcome {
    Address,
    NoAddress,
    Leaves,   ///< resolved upstream, out of the view's zones
    Unknown,  ///< under the internal suffix, where no site owns it
};

class Tracer {
  public:
    Tracer(const Config& config, std::span<const ServedView> views, const dns::Name& domain,
           std::string_view local, const TraceOptions& options)
        : config_(config),
          sites_(*config.sites),
          views_(views),
          domain_(domain),
          local_(local),
          options_(options) {
        for (char& c : local_) c = static_cast<char>(dns::lower(static_cast<std::uint8_t>(c)));
        try {
            public_ = dns::Name::parse_absolute(sites_.domain);
            suffix_ = dns::Name::parse_absolute(sites_.internal_suffix);
        } catch (const dns::NameError&) {
            // The configuration reader rejects a bad name; a hand-made one has none.
        }
    }

    /// SPEC §2 `--from internet`: the public DNS knows the public domain, whose MX leads to
    /// the primary site, and none of the internal names.
    TraceDetail run_from_internet() {
        const std::string name = domain_.to_text();
        if (!public_ || domain_ != *public_) {
            if (suffix_ && domain_.is_subdomain_of(*suffix_)) {
                line("at internet: " + name + " is under the internal suffix " +
                     suffix_->to_text() + ", which the public DNS does not have");
                return finish(TraceEnd::NoRoute, nullptr);
            }
            line("at internet: " + name + " is not the public domain: not internal");
            return finish(TraceEnd::ForwardedUpstream, nullptr);
        }
        const Site* primary = primary_site();
        if (primary == nullptr) {
            line("at internet: " + name + " is the public domain, but no site is primary");
            return finish(TraceEnd::NoRoute, nullptr);
        }
        line("at internet: " + name +
             " is the public domain: its public MX delivers to the primary site " + primary->name);
        return run(*primary);
    }

    TraceDetail run(const Site& from) {
        const Site* at = &from;
        detail_.route.push_back(at->name);
        for (;;) {
            const Step step = hop(*at);
            if (step.end) return finish(*step.end, step.next != nullptr ? step.next : at);
            at = step.next;
            detail_.route.push_back(at->name);
        }
    }

  private:
    /// One site's decision for the mail it holds.
    Step hop(const Site& at) {
        if (domain_ == site_domain(sites_, at)) {
            line("at " + at.name + ": " + domain_.to_text() + " is " + at.name + "'s own domain");
            return {TraceEnd::Delivered, &at};
        }
        if (public_ && domain_ == *public_) return public_domain(at);
        if (options_.connector) {
            if (const Site* to = site_of_domain(); to != nullptr) return by_connector(at, *to);
        }
        const ServedView* view =
            options_.index != nullptr ? options_.index->view_of(at) : site_view(views_, at);
        if (view == nullptr) {
            line("at " + at.name + ": site " + at.name + " has no view");
            return {TraceEnd::NoRoute, nullptr};
        }
        line("at " + at.name + ": view " + view->config->name);
        return route_in_view(at, *view);
    }

    /// Mail for the public domain. With the recipients file every site's mail server
    /// holds a contact for every other site's users (SPEC §2, `export`'s `virtual`), so
    /// the sending site rewrites the address itself. Without it, the site does not
    /// accept the public domain and hands the mail to the public MX: the primary site.
    Step public_domain(const Site& at) {
        if (options_.recipients != nullptr && !local_.empty()) return contact(at);
        const std::string name = domain_.to_text();
        const Site* primary = primary_site();
        if (primary == nullptr) {
            line("at " + at.name + ": " + name + " is the public domain, but no site is primary");
            return {TraceEnd::NoRoute, nullptr};
        }
        if (primary == &at) {
            line("at " + at.name + ": " + name + " is the public domain and " + at.name +
                 " is the primary site");
            return {TraceEnd::Delivered, &at};
        }
        line("at " + at.name + ": " + name +
             " is the public domain: its public MX delivers to the primary site " + primary->name);
        detail_.route.push_back(primary->name);
        return {TraceEnd::Delivered, primary};
    }

    const Site* primary_site() const {
        const auto primary = std::find_if(sites_.list.begin(), sites_.list.end(),
                                          [](const Site& site) { return site.primary; });
        return primary == sites_.list.end() ? nullptr : &*primary;
    }

    /// SPEC §1: a site's mail server holds a mailbox for each of its own users and a
    /// contact for each user of another site, which rewrites the public address to the
    /// user's location address; the mail then goes on by DNS or connector from `at`.
    Step contact(const Site& at) {
        const std::string public_address = local_ + "@" + sites_.domain;
        const Recipient* recipient = options_.recipients->find(local_);
        if (recipient == nullptr || recipient->site >= sites_.list.size()) {
            if (is_role_account(local_)) return local_role(at, public_address);
            line("at " + at.name + ": no recipient " + public_address + " in the recipients file");
            return {TraceEnd::NoSuchRecipient, nullptr};
        }
        recipient_ = recipient->local;
        const Site& home = sites_.list[recipient->site];
        if (&home == &at) {
            line("at " + at.name + ": " + public_address + " has its mailbox at " + at.name);
            return {TraceEnd::Delivered, &at};
        }
        domain_ = site_domain(sites_, home);
        // A new envelope recipient: the mail may go back to a site that sent it to the
        // primary (paris's own user written to from the Internet) without a loop.
        detail_.route.assign(1, at.name);
        std::string location = domain_.to_text();
        location.pop_back();  // an address has no trailing dot
        line("at " + at.name + ": contact " + public_address + " -> " + recipient->local + "@" +
             location);
        return hop(at);
    }

    /// RFC 5321 §4.5.1 requires postmaster, RFC 2142 §2 abuse: every site's mail server
    /// delivers them to its own postmaster unless the recipients file names them.
    static bool is_role_account(std::string_view local) {
        return local == "postmaster" || local == "abuse";
    }

    Step local_role(const Site& at, const std::string& public_address) {
        recipient_ = local_;
        line("at " + at.name + ": " + public_address + " goes to " + at.name +
             "'s own postmaster (RFC 5321 §4.5.1, RFC 2142)");
        return {TraceEnd::Delivered, &at};
    }

    /// The site whose location domain the mail is for, or nullptr.
    const Site* site_of_domain() const {
        for (const Site& site : sites_.list) {
            if (domain_ == site_domain(sites_, site)) return &site;
        }
        return nullptr;
    }

    /// SPEC §1, the SMTP-connector method: the send connector for `to`'s location domain
    /// names `to`'s mail host by address as its smart host, so no MX is looked up.
    Step by_connector(const Site& at, const Site& to) {
        const std::string address = to.address.to_string();
        line("at " + at.name + ": connector for " + domain_.to_text() + ": smart host [" + address +
             "] (site " + to.name + ")");
        if (std::find(detail_.route.begin(), detail_.route.end(), to.name) != detail_.route.end()) {
            detail_.revisited = true;
            detail_.route.push_back(to.name);
            return end_line("  " + to.name + " has already passed this mail on", TraceEnd::Loop);
        }
        tls_line(to);
        return {std::nullopt, &to};
    }

    /// SPEC §3.3: the sender verifies a `tls` site's certificate against its mail host
    /// (Postfix `secure match=`), the name without its trailing dot.
    void tls_line(const Site& to) {
        if (!to.tls) return;
        std::string name = mail_host_name(sites_, to).to_text();
        name.pop_back();
        line("  TLS to " + to.name + ": verifies the certificate name " + name);
    }

    /// The MX lookup in the site's view, then the address of the first usable target.
    Step route_in_view(const Site& at, const ServedView& view) {
        const model::ZoneSet& zones = *view.zones;
        dns::Name name = domain_;
        NameLookup found = find_name(zones, name);
        for (int aliases = 0; found.found == Found::Alias; ++aliases) {
            if (aliases == kMaxAliases) return end_line("  too many aliases", TraceEnd::NoRoute);
            line("  " + name.to_text() + " is an alias for " + found.alias.to_text());
            name = found.alias;
            found = find_name(zones, name);
        }
        if (const ForwardZoneConfig* forward = forwarded(view, name, found)) {
            return upstream_line("  " + name.to_text() + " goes to forward zone " +
                                     forward_zone_text(*forward) + ": not internal",
                                 name);
        }
        switch (found.found) {
            case Found::Outside:
                if (suffix_ && name.is_subdomain_of(*suffix_)) {
                    // SPEC §3.3: the internal suffix is local, never asked upstream.
                    return end_line("  " + name.to_text() + " is under the internal suffix " +
                                        suffix_->to_text() + ", and no site owns it",
                                    TraceEnd::NoRoute);
                }
                return upstream_line(
                    "  " + name.to_text() + " is in none of the view's zones: not internal", name);
            case Found::Delegated:
                return upstream_line("  " + name.to_text() + " is delegated out of zone " +
                                         found.zone->origin().to_text() + ": not internal",
                                     name);
            case Found::NxDomain:
                return end_line("  " + name.to_text() + " does not exist in zone " +
                                    found.zone->origin().to_text(),
                                TraceEnd::NoRoute);
            case Found::Alias:
            case Found::Node:
                break;
        }
        return route_by_mx(at, view, name, *found.node);
    }

    /// The forward zone the view sends `name` to instead of answering it (SPEC §5: one
    /// deeper than the zone holding the name wins inside it), or nullptr.
    const ForwardZoneConfig* forwarded(const ServedView& view, const dns::Name& name,
                                       const NameLookup& found) const {
        const ForwardZoneConfig* forward = forward_zone_for(config_, *view.config, name);
        if (forward == nullptr || found.zone == nullptr) return forward;
        const std::size_t depth = dns::Name::parse_absolute(forward->name).label_count();
        return depth > found.zone->origin().label_count() ? forward : nullptr;
    }

    Step route_by_mx(const Site& at, const ServedView& view, const dns::Name& name,
                     const model::Node& node) {
        const std::vector<MxRecord> mxs = mx_records(node);
        for (const MxRecord& mx : mxs) line("  MX " + name.to_text() + ": " + mx.to_text());
        if (std::any_of(mxs.begin(), mxs.end(), [](const MxRecord& mx) { return mx.is_null(); })) {
            detail_.null_mx = true;
            return end_line("  null MX (RFC 7505): " + name.to_text() + " accepts no mail",
                            TraceEnd::NoRoute);
        }
        std::vector<dns::Name> targets;
        for (const MxRecord& mx : mxs) targets.push_back(mx.exchange);
        if (targets.empty()) {
            // RFC 5321 §5.1: no MX, so the domain itself is the implicit MX.
            line("  MX " + name.to_text() + ": none, its own address is used (RFC 5321 §5.1)");
            targets.push_back(name);
        }
        for (const dns::Name& target : targets) {
            dns::Name host = target;
            IpAddress chosen;
            switch (resolve_target(view, host, chosen)) {
                case TargetOutcome::NoAddress:
                    continue;
                case TargetOutcome::Leaves:
                    return {internal() ? TraceEnd::NoRoute : TraceEnd::ForwardedUpstream, nullptr};
                case TargetOutcome::Unknown:
                    return {TraceEnd::NoRoute, nullptr};
                case TargetOutcome::Address:
                    return deliver_to(at, host, chosen);
            }
        }
        detail_.no_address = true;
        return end_line("  no mail host with an address", TraceEnd::NoRoute);
    }

    /// The first address of `target` in the view, following aliases as mail hosts do
    /// (although RFC 2181 §10.3 says an MX must not name one); `target` becomes the
    /// canonical name.
    TargetOutcome resolve_target(const ServedView& view, dns::Name& target, IpAddress& chosen) {
        NameLookup found = find_name(*view.zones, target);
        for (int aliases = 0; found.found == Found::Alias && aliases < kMaxAliases; ++aliases) {
            line("  " + target.to_text() + " is an alias for " + found.alias.to_text() +
                 " (RFC 2181 §10.3: an MX must not name an alias)");
            target = found.alias;
            found = find_name(*view.zones, target);
        }
        if (found.found == Found::Outside) {
            if (suffix_ && target.is_subdomain_of(*suffix_)) {
                // SPEC §3.3: internal names are never asked upstream.
                line("  " + target.to_text() + " is under the internal suffix " +
                     suffix_->to_text() + ", and no site owns it");
                return TargetOutcome::Unknown;
            }
            // Internal mail must stay internal: a host resolved on the Internet is not a
            // route between sites, whatever the Internet answers. Mail for another
            // domain may well leave: the view only overrides where it goes.
            line("  " + target.to_text() + " is in none of the view's zones: " +
                 (internal() ? "mail would leave for the Internet" : "resolved upstream"));
            if (!internal()) unvalidated_line(target);
            return TargetOutcome::Leaves;
        }
        const std::vector<IpAddress> list =
            found.found == Found::Node ? addresses(*found.node) : std::vector<IpAddress>{};
        if (list.empty()) {
            line("  " + target.to_text() + ": no address in view " + view.config->name);
            return TargetOutcome::NoAddress;
        }
        chosen = list.front();
        return TargetOutcome::Address;
    }

    /// The site owning the chosen address takes the mail, unless that is a loop.
    Step deliver_to(const Site& at, const dns::Name& target, const IpAddress& address) {
        const std::string arrow = "  " + target.to_text() + " -> " + address.to_string();
        if (address.is_loopback()) {
            line(arrow + " (loopback)");
            return end_line("  a loopback address: " + at.name + "'s mail host delivers to itself",
                            TraceEnd::Loop);
        }
        const Site* owner = options_.index != nullptr ? options_.index->owner_of(address)
                                                      : site_owning(sites_, address);
        if (owner == nullptr) {
            // An internal domain whose mail leaves the internal network has no route:
            // the Internet does not know the internal names. Another domain's mail goes
            // to a host outside the sites, where the view sends it.
            line(arrow + " (no site)");
            if (!internal()) {
                return end_line("  " + address.to_string() + " belongs to no site: not internal",
                                TraceEnd::ForwardedUpstream);
            }
            return end_line("  " + address.to_string() +
                                " belongs to no site: mail would leave for the Internet",
                            TraceEnd::NoRoute);
        }
        line(arrow + " (site " + owner->name + ")");
        if (owner == &at) {
            detail_.returned = true;
            return end_line("  " + address.to_string() + " is " + at.name +
                                "'s own address: the mail comes back to " + at.name,
                            TraceEnd::Loop);
        }
        if (std::find(detail_.route.begin(), detail_.route.end(), owner->name) !=
            detail_.route.end()) {
            detail_.revisited = true;
            detail_.route.push_back(owner->name);
            return end_line("  " + owner->name + " has already passed this mail on",
                            TraceEnd::Loop);
        }
        tls_line(*owner);
        return {std::nullopt, owner};
    }

    /// True when the mail is for an internal name: under the internal suffix, where a
    /// route that leaves the sites' own addresses has nowhere to go.
    bool internal() const { return suffix_ && domain_.is_subdomain_of(*suffix_); }

    Step end_line(std::string text, TraceEnd end) {
        line(std::move(text));
        return {end, nullptr};
    }

    /// `text`, the line that sends `name` to an upstream, and the trace ends there.
    Step upstream_line(std::string text, const dns::Name& name) {
        line(std::move(text));
        unvalidated_line(name);
        return {TraceEnd::ForwardedUpstream, nullptr};
    }

    /// With DNSSEC validation on (options_.anchors), a line when `name`, sent to an
    /// upstream, lies below a negative trust anchor: its answer is not validated (RFC 7646).
    void unvalidated_line(const dns::Name& name) {
        if (options_.anchors == nullptr) return;
        const std::string text = name.to_text();
        const NegativeTrustAnchor* anchor = covering_anchor(*options_.anchors, text);
        if (anchor == nullptr) return;
        line("  " + text + " is not validated: negative trust anchor " + anchor->name + " (" +
             anchor->reason + ")");
    }

    /// The closing line; `at` is where the mail was delivered for TraceEnd::Delivered.
    TraceDetail finish(TraceEnd end, const Site* at) {
        // The closing line of each TraceEnd, in the enum's order (SPEC §2's wording).
        static constexpr std::array<std::string_view, 5> kEnds{
            "delivered at ", "forwarded upstream", "loop", "no route", "no such recipient"};
        detail_.result.end = end;
        std::string text(kEnds[static_cast<std::size_t>(end)]);
        if (end == TraceEnd::Delivered && at != nullptr) {
            detail_.result.site = at->name;
            text += at->name + (recipient_.empty() ? "" : " (" + recipient_ + ")");
        }
        line(std::move(text));
        return std::move(detail_);
    }

    void line(std::string text) { detail_.result.lines.push_back(std::move(text)); }

    const Config& config_;
    const Sites& sites_;
    std::span<const ServedView> views_;
    dns::Name domain_;   ///< where the mail is addressed: a contact rewrites it
    std::string local_;  ///< the local part, lowercased; "" for a bare domain
    const TraceOptions& options_;
    std::string recipient_;            ///< the recipient whose contact the mail followed
    std::optional<dns::Name> public_;  ///< the public mail domain (SPEC §3.3 "domain")
    std::optional<dns::Name> suffix_;  ///< the internal suffix
    TraceDetail detail_;
};

/// The domain of "user@domain" or "domain", lowercased; throws std::invalid_argument.
dns::Name parse_mail_domain(std::string_view address) {
    const std::size_t at = address.rfind('@');
    if (at != std::string_view::npos && at == 0) {
        throw std::invalid_argument("\"" + std::string(address) + "\": nothing before the @");
    }
    std::string domain(at == std::string_view::npos ? address : address.substr(at + 1));
    if (domain.empty() || domain == ".") {
        throw std::invalid_argument("\"" + std::string(address) + "\": no domain to send mail to");
    }
    for (char& c : domain) {
        c = static_cast<char>(dns::lower(static_cast<std::uint8_t>(c)));
        // RFC 5321 §4.1.2: a mail domain is made of letters, digits and hyphens (address
        // literals such as "[192.0.2.1]" name no domain to look up).
        const bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ldh) {
            throw std::invalid_argument("\"" + std::string(address) +
                                        "\": not a mail domain (RFC 5321 §4.1.2: letters, "
                                        "digits, hyphens and dots)");
        }
    }
    try {
        return dns::Name::parse_absolute(domain);
    } catch (const dns::NameError& error) {
        throw std::invalid_argument("\"" + std::string(address) + "\": " + error.what());
    }
}

}  // namespace

TraceDetail trace_route(const Config& config, std::span<const ServedView> views, const Site& from,
                        const dns::Name& domain, std::string_view local,
                        const TraceOptions& options) {
    return Tracer(config, views, domain, local, options).run(from);
}

TraceDetail trace_from_internet(const Config& config, std::span<const ServedView> views,
                                const dns::Name& domain, std::string_view local,
                                const TraceOptions& options) {
    return Tracer(config, views, domain, local, options).run_from_internet();
}

}  // namespace mail_route

TraceResult trace_mail(const Config& config, std::span<const ServedView> views,
                       std::string_view from_site, std::string_view address,
                       const TraceOptions& options) {
    if (!config.sites) {
        throw std::invalid_argument("the configuration has no sites to trace mail between");
    }
    const dns::Name domain = mail_route::parse_mail_domain(address);
    const std::size_t at = address.rfind('@');
    const std::string_view local = at == std::string_view::npos ? "" : address.substr(0, at);
    // SPEC §5: with validation on, the trace names the negative trust anchor of a name it
    // sends upstream.
    std::vector<NegativeTrustAnchor> anchors;
    TraceOptions traced = options;
    if (config.dnssec.validate && traced.anchors == nullptr) {
        anchors = negative_trust_anchors(config, views);
        traced.anchors = &anchors;
    }
    if (from_site == kFromInternet) {
        return mail_route::trace_from_internet(config, views, domain, local, traced).result;
    }
    const Site* from = mail_route::find_site(*config.sites, from_site);
    if (from == nullptr) {
        std::string known;
        for (const Site& site : config.sites->list)
            known += (known.empty() ? "" : ", ") + site.name;
        throw std::invalid_argument("unknown site \"" + std::string(from_site) +
                                    "\"; the sites are " + known + " (or " +
                                    std::string(kFromInternet) + ")");
    }
    return mail_route::trace_route(config, views, *from, domain, local, traced).result;
}

}  // namespace sitedns
