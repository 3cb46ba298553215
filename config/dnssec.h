#pragma once
// DNSSEC validation of forwarded answers, the configuration's side (SPEC §5,
// docs/configuration.md "DNSSEC validation"): the names exempt from validation (negative
// trust anchors, RFC 7646) and what `sitedns check` says of the trust anchor file.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/topology.h"

namespace sitedns {

/// A name below which forwarded answers are not validated (a negative trust anchor,
/// RFC 7646), and why.
struct NegativeTrustAnchor {
    std::string name;    ///< lowercase presentation form with the trailing dot: "corp.example.com."
    std::string reason;  ///< "configured", "internal suffix", "forward zone (view paris)", ...
    friend bool operator==(const NegativeTrustAnchor&, const NegativeTrustAnchor&) = default;
};

/// Every negative trust anchor of `config`: the configured ones ("configured"), then the
/// automatic ones, whose names would otherwise be proven not to exist by a signed public
/// parent: the internal suffix ("internal suffix"); every zone sitedns serves itself, in
/// view order, generated site zones included ("zone served by sitedns (view V)"); every
/// forward zone, the top-level ones ("forward zone") then each view's, a site's view
/// holding its site's ("forward zone (view V)"); `local.` and `home.arpa.` ("RFC 6761
/// special-use"); the locally served zones of RFC 6303 §4 ("private reverse zone
/// (RFC 6303)"). One entry per name, the first reason winning; a name under another entry
/// is listed all the same. The order is the same for the same configuration.
/// File zones' origins are read from the files (each once): throws what the zone readers
/// throw for a file that cannot be read (ZoneError, naming the file).
std::vector<NegativeTrustAnchor> negative_trust_anchors(const Config& config);

/// The same, with the origins of file zones taken from the compiled `views` (in the order
/// of config.views) instead of the files: what check and trace use, which hold them.
std::vector<NegativeTrustAnchor> negative_trust_anchors(const Config& config,
                                                        std::span<const ServedView> views);

/// The anchor of `anchors` at or above `name` (presentation form, any case, the trailing
/// dot optional), the deepest when several are; nullptr when none is or `name` is no name.
const NegativeTrustAnchor* covering_anchor(const std::vector<NegativeTrustAnchor>& anchors,
                                           std::string_view name);

/// `sitedns check`'s errors for DNSSEC (none while `dnssec.validate` is off): a
/// `trust_anchor` file that is missing, unreadable or holds no DS or DNSKEY record for
/// the root. Validation fails closed: such a configuration is refused, never served
/// unvalidated.
std::vector<Problem> check_dnssec(const Config& config);

/// What `sitedns check` prints as "info:" lines while `dnssec.validate` is on: the trust
/// anchor, then each name exempt from validation and why; none while it is off.
std::vector<std::string> dnssec_summary(const Config& config,
                                        const std::vector<NegativeTrustAnchor>& anchors);

/// Whether the text of a trust anchor file holds a DS or DNSKEY record for the root:
/// a line of the zone-file format (RFC 1035 §5.1) owned by ".", with an optional TTL and
/// class before the type.
bool holds_root_anchor(std::string_view text);

}  // namespace sitedns
