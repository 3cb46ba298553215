#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zones/dns/name.h"
#include "zones/load/zone_data.h"

namespace sitedns::model {

struct Node;

/// Hash over lowercased wire keys that also takes string_views, so lookups by a
/// name in a packet buffer need no std::string.
struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept;
};

/// Records of one owner and type, RDATA pre-encoded in uncompressed wire form.
struct RRset {
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::vector<std::vector<std::uint8_t>> rdatas;
    /// In-zone nodes named in the RDATA (MX exchange, NS host, SRV target) that have
    /// A or AAAA records: the additional section (RFC 1035 §3.3.9, RFC 2782), resolved
    /// at load so a query only copies.
    std::vector<const Node*> additional;
};

/// One owner name in a zone. Empty non-terminals are nodes with no RRsets.
struct Node {
    dns::Name name;   ///< as written in the zone (case kept)
    std::string key;  ///< lowercased wire form
    std::vector<RRset> rrsets;
    bool delegation = false;  ///< NS below the apex: a zone cut (RFC 1034 §4.2.1)

    /// The RRset of `type`, or nullptr.
    const RRset* find(std::uint16_t type) const;
};

/// How a name relates to a zone's data (RFC 1034 §4.3.2 step 3, RFC 4592).
enum class Match : std::uint8_t {
    Exact,       ///< `node` owns the name (it may have no RRsets: an empty non-terminal)
    Wildcard,    ///< `node` is the "*" node the name is synthesised from
    Delegation,  ///< `node` is the zone cut at or above the name
    NxDomain,    ///< the name does not exist; `node` is the closest encloser
};

struct LookupResult {
    Match match = Match::NxDomain;
    const Node* node = nullptr;
};

/// A compiled, immutable zone. Built once at load time, then shared read-only by every
/// view that holds it and every worker thread.
class Zone {
  public:
    /// Compiles loaded data: builds the name index with empty non-terminals, marks zone
    /// cuts, resolves additional-section targets. Throws load::ZoneError when the data
    /// has no SOA at the origin or an RRset has RDATA of the wrong shape.
    static std::shared_ptr<const Zone> compile(const load::ZoneData& data);

    const dns::Name& origin() const { return apex_->name; }
    const std::string& key() const { return apex_->key; }
    const Node& apex() const { return *apex_; }
    const RRset& soa() const { return *soa_; }
    /// TTL for negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §5).
    std::uint32_t negative_ttl() const { return negative_ttl_; }
    const std::string& source() const { return source_; }
    std::size_t record_count() const { return record_count_; }

    /// Looks up a lowercased wire name at or below the origin. Allocation-free.
    LookupResult lookup(std::span<const std::uint8_t> lowercase_name) const;
    /// Every node, in no particular order (apex() is the apex). For export and checks,
    /// not for the query path.
    const std::vector<Node>& nodes() const { return nodes_; }
    /// The node owning exactly this lowercased wire name, or nullptr.
    const Node* find_node(std::span<const std::uint8_t> lowercase_name) const;

  private:
    Zone() = default;
    void link(const load::ZoneData& data);
    void link_additional(RRset& set);
    bool occluded(const Node& node) const;
    LookupResult match_wildcard(const Node& encloser) const;

    std::vector<Node> nodes_;  // never resized after compile: pointers stay valid
    std::unordered_map<std::string, std::uint32_t, KeyHash, std::equal_to<>> index_;
    const Node* apex_ = nullptr;
    const RRset* soa_ = nullptr;
    std::size_t origin_labels_ = 0;
    std::uint32_t negative_ttl_ = 0;
    std::size_t record_count_ = 0;
    std::string source_;
};

/// The zones of one view, found by the deepest origin at or above a name.
class ZoneSet {
  public:
    /// Adds a zone; false when a zone with the same origin is already there.
    bool add(std::shared_ptr<const Zone> zone);
    /// Makes room for `count` zones at once.
    void reserve(std::size_t count);
    /// The zone whose origin is the longest suffix of the lowercased wire name, or nullptr.
    const Zone* find(std::span<const std::uint8_t> lowercase_name) const;
    const std::vector<std::shared_ptr<const Zone>>& zones() const { return zones_; }

  private:
    std::vector<std::shared_ptr<const Zone>> zones_;
    // Keys view each zone's own key: a site view of a large topology holds one entry per
    // other site, so entries must stay small.
    std::unordered_map<std::string_view, const Zone*, KeyHash> by_origin_;
};

}  // namespace sitedns::model
