// The names exempt from DNSSEC validation and the check of the trust anchor file
// (SPEC §5, RFC 7646; docs/configuration.md "DNSSEC validation").

#include "config/dnssec.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "config/view_zones.h"
#include "zones/dns/name.h"

namespace sitedns {
namespace {

constexpr std::string_view kSpecialUse = "RFC 6761 special-use";
constexpr std::string_view kLocallyServed = "private reverse zone (RFC 6303)";

/// RFC 6303 §4, in its order: the zones every resolver serves itself (empty), never the
/// public DNS's business.
constexpr std::array<std::string_view, 33> kLocallyServedZones{
    // §4.1, RFC 1918
    "10.in-addr.arpa.", "16.172.in-addr.arpa.", "17.172.in-addr.arpa.", "18.172.in-addr.arpa.",
    "19.172.in-addr.arpa.", "20.172.in-addr.arpa.", "21.172.in-addr.arpa.", "22.172.in-addr.arpa.",
    "23.172.in-addr.arpa.", "24.172.in-addr.arpa.", "25.172.in-addr.arpa.", "26.172.in-addr.arpa.",
    "27.172.in-addr.arpa.", "28.172.in-addr.arpa.", "29.172.in-addr.arpa.", "30.172.in-addr.arpa.",
    "31.172.in-addr.arpa.", "168.192.in-addr.arpa.",
    // §4.2, RFC 5735 and RFC 5737
    "0.in-addr.arpa.", "127.in-addr.arpa.", "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
    "100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
    // §4.3, :: and ::1
    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    // §4.4, RFC 4193 (fd00::/8)
    "d.f.ip6.arpa.",
    // §4.5, link-local fe80::/10
    "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
    // §4.6, the documentation prefix 2001:db8::/32
    "8.b.d.0.1.0.0.2.ip6.arpa."};

std::string lowercase(std::string text) {
    for (char& c : text) c = static_cast<char>(dns::lower(static_cast<std::uint8_t>(c)));
    return text;
}

/// The list being built: one entry per name (compared as DNS names, any case), the first
/// reason kept.
class AnchorList {
  public:
    void add(const dns::Name& name, std::string_view reason) {
        if (!seen_.insert(name.key()).second) return;
        list_.push_back({lowercase(name.to_text()), std::string(reason)});
    }
    void add(std::string_view name, std::string_view reason) {
        add(dns::Name::parse_absolute(name), reason);
    }
    std::vector<NegativeTrustAnchor> take() { return std::move(list_); }

  private:
    std::unordered_set<std::string> seen_;  ///< Name::key() of each entry
    std::vector<NegativeTrustAnchor> list_;
};

/// The origin of a file or built-in zone of view `view` (an index into config.views), or
/// nullopt when that view does not serve it.
using FileOrigin = std::function<std::optional<dns::Name>(std::size_t view, const ZoneSource&)>;

/// The entries of the views' shared zone lists (ZoneList::sharing) not yet named: the
/// first view sharing a list names all it holds of it; the entries it leaves out (its
/// own site's, a few) stay for the views after it. So a thousand sites cost a thousand
/// entries here, not a million.
class SharedEntries {
  public:
    /// Indexes into `list.shared()` that `list` holds and no earlier view named.
    std::vector<std::size_t> take(const ZoneList& list) {
        const auto [it, first] = pending_.try_emplace(list.shared().get());
        std::vector<std::size_t> out;
        const std::size_t skip_end = list.skip_first() + list.skip_count();
        const auto held = [&](std::size_t k) { return k < list.skip_first() || k >= skip_end; };
        if (first) {
            for (std::size_t k = 0; k < list.shared()->size(); ++k) {
                (held(k) ? out : it->second).push_back(k);
            }
            return out;
        }
        std::vector<std::size_t> left;
        for (std::size_t k : it->second) (held(k) ? out : left).push_back(k);
        it->second = std::move(left);
        return out;
    }

  private:
    std::unordered_map<const std::vector<ZoneSource>*, std::vector<std::size_t>> pending_;
};

/// Every zone of every view, in view order then zone order. A generated zone is the same
/// object in every view that holds it: the first view names it, the others skip it
/// without building its name again.
void add_served_zones(const Config& config, const FileOrigin& file_origin, AnchorList& list) {
    std::unordered_set<const model::ZoneData*> generated;
    SharedEntries shared;
    for (std::size_t i = 0; i < config.views.size(); ++i) {
        const ViewConfig& view = config.views[i];
        const std::string reason = "zone served by sitedns (view " + view.name + ")";
        const auto add = [&](const ZoneSource& zone) {
            if (zone.generated) {
                if (generated.insert(zone.generated.get()).second) {
                    list.add(zone.generated->origin, reason);
                }
            } else if (const std::optional<dns::Name> origin = file_origin(i, zone)) {
                list.add(*origin, reason);
            }
        };
        // The shared part holds generated zones only, named once each: the entries an
        // earlier view named add nothing here.
        if (view.zones.shared()) {
            for (std::size_t k : shared.take(view.zones)) add((*view.zones.shared())[k]);
        }
        for (const ZoneSource& zone : view.zones.own()) add(zone);
    }
}

std::vector<NegativeTrustAnchor> collect(const Config& config, const FileOrigin& file_origin) {
    AnchorList list;
    for (const std::string& name : config.dnssec.negative_trust_anchors) {
        list.add(name, "configured");
    }
    if (config.sites) list.add(config.sites->internal_suffix, "internal suffix");
    add_served_zones(config, file_origin, list);
    for (const ForwardZoneConfig& zone : config.forward_zones) list.add(zone.name, "forward zone");
    for (const ViewConfig& view : config.views) {
        const std::string reason = "forward zone (view " + view.name + ")";
        for (const ForwardZoneConfig& zone : view.forward_zones) list.add(zone.name, reason);
    }
    list.add("local.", kSpecialUse);      // RFC 6762 §3, mDNS
    list.add("home.arpa.", kSpecialUse);  // RFC 8375
    for (std::string_view name : kLocallyServedZones) list.add(name, kLocallyServed);
    return list.take();
}

/// What is wrong with the trust anchor file `file`, or "".
std::string trust_anchor_problem(const std::string& file) {
    std::error_code error;
    if (std::filesystem::is_directory(file, error)) return "is a directory, not a file";
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::string("cannot open: ") + std::strerror(errno);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::string("cannot read: ") + std::strerror(errno);
    if (!holds_root_anchor(text.str())) {
        return "holds no DS or DNSKEY record for the root (a line \". IN DS ...\" or "
               "\". IN DNSKEY ...\")";
    }
    return "";
}

/// The next whitespace-separated word of `line` from `at`, "" at its end.
std::string_view next_word(std::string_view line, std::size_t& at) {
    constexpr std::string_view kSpace = " \t\r";
    const std::size_t begin = line.find_first_not_of(kSpace, at);
    if (begin == std::string_view::npos) {
        at = line.size();
        return {};
    }
    const std::size_t end = std::min(line.find_first_of(kSpace, begin), line.size());
    at = end;
    return line.substr(begin, end - begin);
}

/// The words compared ignoring ASCII case, with the name comparison (dns::equal_nocase).
bool equal_nocase(std::string_view a, std::string_view b) {
    const auto bytes = [](std::string_view s) {
        return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    };
    return dns::equal_nocase(bytes(a), bytes(b));
}

/// One line of a zone file: "." then [TTL] [class] TYPE RDATA (RFC 1035 §5.1, in either
/// order), TYPE being DS or DNSKEY.
bool is_root_anchor_line(std::string_view line) {
    line = line.substr(0, line.find(';'));
    std::size_t at = 0;
    // A line starting with a blank continues the previous owner: not a root record here.
    if (line.empty() || line.front() == ' ' || line.front() == '\t') return false;
    if (next_word(line, at) != ".") return false;
    for (int i = 0; i < 3; ++i) {  // TTL and class, then the type
        const std::string_view word = next_word(line, at);
        if (equal_nocase(word, "DS") || equal_nocase(word, "DNSKEY")) {
            return !next_word(line, at).empty();  // with its RDATA
        }
        const bool ttl = !word.empty() && word.find_first_not_of("0123456789") == word.npos;
        const bool klass = equal_nocase(word, "IN");
        if (!ttl && !klass) return false;
    }
    return false;
}

}  // namespace

std::vector<NegativeTrustAnchor> negative_trust_anchors(const Config& config) {
    std::map<std::string, dns::Name> read;  // each file once, however many views hold it
    return collect(config, [&read](std::size_t, const ZoneSource& zone) {
        const std::string key = (zone.builtin.empty() ? "file:" : "builtin:") + zone.path.string();
        auto it = read.find(key);
        if (it == read.end()) it = read.emplace(key, read_zone_source(zone).origin).first;
        return std::optional<dns::Name>(it->second);
    });
}

std::vector<NegativeTrustAnchor> negative_trust_anchors(const Config& config,
                                                        std::span<const ServedView> views) {
    return collect(config, [views](std::size_t i, const ZoneSource& zone) {
        std::optional<dns::Name> origin;
        if (i >= views.size() || views[i].zones == nullptr) return origin;
        // A zone's source is the path it was read from (model::ZoneData::source). A shared
        // base holds generated zones only, whose sources are no path: the view's own
        // zones are the ones to search.
        const std::string source = zone.path.string();
        for (const auto& held : views[i].zones->own_zones()) {
            if (held->source() == source) origin = held->origin();
        }
        return origin;
    });
}

const NegativeTrustAnchor* covering_anchor(const std::vector<NegativeTrustAnchor>& anchors,
                                           std::string_view name) {
    if (name.empty()) return nullptr;
    dns::Name wanted;
    try {
        wanted = dns::Name::parse_absolute(name);
    } catch (const dns::NameError&) {
        return nullptr;
    }
    const NegativeTrustAnchor* best = nullptr;
    std::size_t best_depth = 0;
    for (const NegativeTrustAnchor& anchor : anchors) {
        const dns::Name at = dns::Name::parse_absolute(anchor.name);
        if (!wanted.is_subdomain_of(at)) continue;
        if (best == nullptr || at.label_count() > best_depth) {
            best = &anchor;
            best_depth = at.label_count();
        }
    }
    return best;
}

std::vector<Problem> check_dnssec(const Config& config) {
    if (!config.dnssec.validate) return {};
    const std::string& file = config.dnssec.trust_anchor;
    const std::string problem = trust_anchor_problem(file);
    if (problem.empty()) return {};
    return {{Problem::Severity::Error,
             "dnssec: trust anchor " + file + ": " + problem +
                 "; forwarded answers cannot be validated, and validation never falls back to "
                 "none: install dns-root-data, point dnssec.trust_anchor at a file of the root's "
                 "DS or DNSKEY records, or set dnssec.validate to false"}};
}

std::vector<std::string> dnssec_summary(const Config& config,
                                        const std::vector<NegativeTrustAnchor>& anchors) {
    std::vector<std::string> lines;
    if (!config.dnssec.validate) return lines;
    lines.reserve(anchors.size() + 1);
    lines.push_back("dnssec: forwarded answers are validated with the trust anchor " +
                    config.dnssec.trust_anchor + "; not validated at or below " +
                    std::to_string(anchors.size()) + " names:");
    for (const NegativeTrustAnchor& anchor : anchors) {
        lines.push_back("negative trust anchor " + anchor.name + " (" + anchor.reason + ")");
    }
    return lines;
}

bool holds_root_anchor(std::string_view text) {
    std::size_t begin = 0;
    while (begin < text.size()) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        if (is_root_anchor_line(text.substr(begin, end - begin))) return true;
        begin = end + 1;
    }
    return false;
}

}  // namespace sitedns
