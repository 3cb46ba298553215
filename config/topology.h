#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "zones/dns/text.h"
#include "zones/model/zone.h"

namespace sitedns {

/// What the checks and trace see of one view: its configuration and compiled zones.
struct ServedView {
    const ViewConfig* config = nullptr;
    const model::ZoneSet* zones = nullptr;
};

/// One finding of `sitedns check`: printed as "error: TEXT" or "warning: TEXT". The text
/// names the site, view, zone or record concerned and says what to change.
/// The text goes through dns::printable(): it may quote a file's text.
struct Problem {
    enum class Severity { Error, Warning };
    Problem() = default;
    Problem(Severity level, const std::string& message)
        : severity(level), text(dns::printable(message)) {}
    Severity severity = Severity::Error;
    std::string text;
    friend bool operator==(const Problem&, const Problem&) = default;
};

/// The topology rules of SPEC §2 that break mail, over the views as they would be
/// served (`views` in the order of config.views): a site view missing another site's
/// zone; an MX for another site that resolves to the view's own site (IPv4 or IPv6: a
/// loop); an MX target that is a CNAME (RFC 2181 §10.3), has no address in the view, or
/// is a loopback address; overlapping site subnets; two sites sharing an address; no or
/// several primary sites; duplicate site names; the internal suffix under .local
/// (RFC 6762: warning). Null MX (RFC 7505, "MX 0 .") is valid: no mail. Also DNSSEC's
/// trust anchor file while validation is on (check_dnssec, config/dnssec.h). Returns no
/// problem for a configuration without sites or validation.
std::vector<Problem> check_topology(const Config& config, std::span<const ServedView> views);

struct Recipients;
struct NegativeTrustAnchor;
namespace mail_route {
class SiteIndex;
}

/// How a trace ends (SPEC §2).
enum class TraceEnd { Delivered, ForwardedUpstream, Loop, NoRoute, NoSuchRecipient };

struct TraceResult {
    std::vector<std::string> lines;  ///< one per step, as `sitedns trace` prints them
    TraceEnd end = TraceEnd::NoRoute;
    std::string site;  ///< the site it was delivered at
};

/// What trace_mail follows beside the DNS (SPEC §2).
struct TraceOptions {
    /// The recipients file (SPEC §3.3): mail for a user of the public domain goes on
    /// through the sending site's contact, to the user's location address, and ends "no
    /// such recipient" for an address nobody has (postmaster@ and abuse@ are the sending
    /// site's own unless listed). nullptr: it ends at the primary site.
    const Recipients* recipients = nullptr;
    /// The SMTP-connector method (SPEC §1): a location domain goes to its site's
    /// address as the smart host, with no MX lookup; other domains still by MX.
    bool connector = false;
    /// The names exempt from DNSSEC validation (config/dnssec.h): a name the trace sends to
    /// an upstream below one of them is said to be answered unvalidated. nullptr: nothing
    /// is said; trace_mail() computes them while `dnssec.validate` is on.
    const std::vector<NegativeTrustAnchor>* anchors = nullptr;
    /// The sites' views and addresses by hash, for a caller that traces from every site;
    /// nullptr: each hop walks the views and the sites.
    const mail_route::SiteIndex* index = nullptr;
};

/// The `--from` of mail from outside every site (SPEC §2); no site may take the name.
inline constexpr std::string_view kFromInternet = "internet";

/// Follows what a mail host at `from_site` does for `address` ("user@domain" or just a
/// domain): the view it gets, the MX records in preference order, the address chosen
/// and the site owning it, hop after hop, until delivered, forwarded upstream, a loop
/// or no route. With `options.recipients`, mail for the public domain goes through the
/// sending site's own contact (every site holds one for every other site's user); without,
/// to the primary site, as the public MX sends it. `from_site` kFromInternet starts at
/// the public MX. A hop to a site with
/// `tls` names the certificate name the sender verifies. Throws std::invalid_argument
/// for an unknown site or a malformed address.
TraceResult trace_mail(const Config& config, std::span<const ServedView> views,
                       std::string_view from_site, std::string_view address,
                       const TraceOptions& options = {});

}  // namespace sitedns
