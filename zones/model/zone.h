#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zones/dns/name.h"
#include "zones/model/zone_data.h"

namespace sitedns::model {

struct Node;

/// Hash over lowercased wire keys that also takes string_views, so lookups by a
/// name in a packet buffer need no std::string.
struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept;
};

/// One record's RDATA, uncompressed wire form: a view of bytes in the zone's arena.
class Rdata : public std::span<const std::uint8_t> {
  public:
    using std::span<const std::uint8_t>::span;
    /// A copy of the bytes, for code that keeps or compares RDATA as a vector.
    operator std::vector<std::uint8_t>() const {  // NOLINT(google-explicit-constructor)
        return {begin(), end()};
    }
};

/// The RDATAs of one RRset, stored back to back in the zone's arena, each as a 16-bit
/// length (host order) and its bytes. A forward range of Rdata.
class RdataList {
  public:
    class iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Rdata;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = Rdata;

        iterator() = default;
        explicit iterator(const std::uint8_t* at) : at_(at) {}
        Rdata operator*() const { return Rdata(at_ + 2, length()); }
        iterator& operator++() {
            at_ += 2 + length();
            return *this;
        }
        iterator operator++(int) {
            iterator before = *this;
            ++*this;
            return before;
        }
        friend bool operator==(iterator a, iterator b) { return a.at_ == b.at_; }

      private:
        std::size_t length() const {
            std::uint16_t n;
            std::memcpy(&n, at_, sizeof n);
            return n;
        }
        const std::uint8_t* at_ = nullptr;
    };

    RdataList() = default;
    /// `count` RDATAs taking `bytes` bytes (length prefixes included) at `data`.
    RdataList(const std::uint8_t* data, std::uint32_t bytes, std::uint32_t count)
        : data_(data), bytes_(bytes), count_(count) {}

    iterator begin() const { return iterator(data_); }
    iterator end() const { return iterator(data_ + bytes_); }
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    Rdata front() const { return *begin(); }

  private:
    const std::uint8_t* data_ = nullptr;
    std::uint32_t bytes_ = 0;
    std::uint32_t count_ = 0;
};

/// Records of one owner and type, RDATA pre-encoded in uncompressed wire form.
struct RRset {
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    RdataList rdatas;
    /// In-zone nodes named in the RDATA (MX exchange, NS host, SRV target) that have
    /// A or AAAA records: the additional section (RFC 1035 §3.3.9, RFC 2782), resolved
    /// at load so a query only copies.
    std::span<const Node* const> additional;
};

/// One owner name in a zone. Empty non-terminals are nodes with no RRsets. The bytes
/// and RRsets a node views belong to its Zone.
struct Node {
    dns::NameRef name;     ///< as written in the zone (case kept)
    std::string_view key;  ///< lowercased wire form
    std::span<const RRset> rrsets;
    bool delegation = false;  ///< NS below the apex: a zone cut (RFC 1034 §4.2.1)
    /// The "*" node directly below, the source of synthesis for names that do not exist
    /// under this one (RFC 4592 §3.3.1); found at load, so a lookup builds no name.
    const Node* wildcard = nullptr;

    /// The RRset of `type`, or nullptr.
    const RRset* find(std::uint16_t type) const {
        for (const RRset& set : rrsets) {
            if (set.type == type) return &set;
        }
        return nullptr;
    }
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

    /// True when the name has records here: its own, or a wildcard's. All that a
    /// transparent zone answers (SPEC §5); other names are handled as if it were absent.
    bool has_records() const {
        return (match == Match::Exact || match == Match::Wildcard) && !node->rrsets.empty();
    }
};

/// How a view serves a zone.
enum class ZoneMode : std::uint8_t {
    Authoritative,  ///< every name at or below the origin is answered from it
    /// Unbound's `local-zone: transparent` (SPEC §5): only names with records are answered
    /// from it; the view handles the others as if the zone were absent. No SOA needed.
    Transparent,
};

/// A compiled, immutable zone. Built once at load time, then shared read-only by every
/// view that holds it and every worker thread. Names and RDATA live in a few large
/// blocks; nodes are found through one open-addressing table of node numbers.
class Zone {
  public:
    /// Compiles loaded data: builds the name index with empty non-terminals, marks zone
    /// cuts, resolves additional-section targets. Throws ZoneError when an RRset
    /// has RDATA of the wrong shape, or when the origin has no SOA (a Transparent zone
    /// may have none) or more than one.
    static std::shared_ptr<const Zone> compile(const ZoneData& data,
                                               ZoneMode mode = ZoneMode::Authoritative);

    const dns::Name& origin() const { return origin_; }
    const std::string& key() const { return key_; }
    /// The origin's node; a zone without records at its origin has an empty one.
    const Node& apex() const { return *apex_; }
    /// False only for a Transparent zone loaded without one; soa() needs it true.
    bool has_soa() const { return soa_ != nullptr; }
    const RRset& soa() const { return *soa_; }
    /// True for a zone compiled as ZoneMode::Transparent.
    bool transparent() const { return transparent_; }
    /// TTL for negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §5); 0 without SOA.
    std::uint32_t negative_ttl() const { return negative_ttl_; }
    const std::string& source() const { return source_; }
    /// Made by the sites topology (SPEC §3.3), the same in every view that holds it.
    bool generated() const { return generated_; }
    std::size_t record_count() const { return record_count_; }
    /// DNSSEC records left out when the zone was read (ZoneData::dnssec_dropped),
    /// and their types: the zone is served unsigned.
    std::size_t dnssec_dropped() const { return dnssec_dropped_; }
    const std::vector<std::uint16_t>& dnssec_types() const { return dnssec_types_; }

    /// Looks up a lowercased wire name at or below the origin. Allocation-free.
    LookupResult lookup(std::span<const std::uint8_t> lowercase_name) const;
    /// Every node, in no particular order (apex() is the apex). For export and checks,
    /// not for the query path.
    const std::vector<Node>& nodes() const { return nodes_; }
    /// The node owning exactly this lowercased wire name, or nullptr. Allocation-free.
    const Node* find_node(std::span<const std::uint8_t> lowercase_name) const;

  private:
    friend class ZoneBuilder;

    /// One slot of the name index: a node number (kEmpty when free) and the high half of
    /// the name's hash, so that most probes that miss never touch the node.
    struct Slot {
        std::uint32_t node;
        std::uint32_t tag;
    };
    static constexpr std::uint32_t kEmpty = 0xffffffff;

    Zone() = default;
    LookupResult match_wildcard(const Node& encloser) const;

    std::vector<Node> nodes_;  // never resized after compile: pointers stay valid
    std::vector<RRset> rrsets_;
    std::vector<const Node*> additional_;
    std::vector<std::unique_ptr<std::uint8_t[]>> arena_;  // names and RDATA
    std::vector<Slot> index_;                             // size a power of two
    std::size_t index_mask_ = 0;
    dns::Name origin_;
    std::string key_;
    const Node* apex_ = nullptr;
    const RRset* soa_ = nullptr;
    std::size_t origin_labels_ = 0;
    std::uint32_t negative_ttl_ = 0;
    bool transparent_ = false;
    std::size_t record_count_ = 0;
    std::string source_;
    bool generated_ = false;
    std::size_t dnssec_dropped_ = 0;
    std::vector<std::uint16_t> dnssec_types_;
};

/// The zones of one view, found by the deepest origin at or above a name. A site's view
/// of a large topology (SPEC §3.3) holds the zone of every other site: those live in one
/// base set shared by every such view, of which a view leaves out one run (its own
/// site's zones), and only the view's own zones are its own.
class ZoneSet {
  public:
    /// The zones in order: the base's (less its run left out), then the set's own. The
    /// range and its iterators refer to the set.
    class Zones {
      public:
        class const_iterator {
          public:
            using iterator_category = std::forward_iterator_tag;
            using value_type = std::shared_ptr<const Zone>;
            using difference_type = std::ptrdiff_t;
            using pointer = const value_type*;
            using reference = const value_type&;
            const_iterator() = default;
            const_iterator(const ZoneSet* set, std::size_t index) : set_(set), index_(index) {}
            reference operator*() const { return set_->zone_at(index_); }
            pointer operator->() const { return &set_->zone_at(index_); }
            const_iterator& operator++() { return ++index_, *this; }
            const_iterator operator++(int) { return {set_, index_++}; }
            friend bool operator==(const const_iterator& a, const const_iterator& b) {
                return a.index_ == b.index_;
            }

          private:
            const ZoneSet* set_ = nullptr;
            std::size_t index_ = 0;
        };

        explicit Zones(const ZoneSet& set) : set_(&set) {}
        std::size_t size() const { return set_->base_size() + set_->zones_.size(); }
        bool empty() const { return size() == 0; }
        const std::shared_ptr<const Zone>& operator[](std::size_t i) const {
            return set_->zone_at(i);
        }
        const_iterator begin() const { return {set_, 0}; }
        const_iterator end() const { return {set_, size()}; }

      private:
        const ZoneSet* set_;
    };

    ZoneSet() = default;
    /// A set holding the zones of `base` but its run [skip_first, skip_first + skip_count)
    /// (in the order of base.zones()), then those added. `base` has no base of its own.
    ZoneSet(std::shared_ptr<const ZoneSet> base, std::size_t skip_first, std::size_t skip_count);

    /// Adds a zone; false when a zone with the same origin is already there.
    bool add(std::shared_ptr<const Zone> zone);
    /// Makes room for `count` zones of the set's own at once.
    void reserve(std::size_t count);
    /// The zone whose origin is the longest suffix of the lowercased wire name, or nullptr.
    const Zone* find(std::span<const std::uint8_t> lowercase_name) const;
    /// Every zone, the base's first; the range refers to this set.
    Zones zones() const { return Zones(*this); }
    /// Records over every zone of the set, in O(the run left out of the base).
    std::size_t record_count() const;
    /// The shared base, or nullptr.
    const std::shared_ptr<const ZoneSet>& base() const { return base_; }
    /// The zones of this set's own, after the base's.
    const std::vector<std::shared_ptr<const Zone>>& own_zones() const { return zones_; }

  private:
    std::size_t base_size() const { return base_ ? base_->zones_.size() - skip_count_ : 0; }
    const std::shared_ptr<const Zone>& zone_at(std::size_t i) const {
        const std::size_t head = base_size();
        if (i >= head) return zones_[i - head];
        return base_->zones_[i < skip_first_ ? i : i + skip_count_];
    }
    /// The zone of this set's own whose key is `key`, or nullptr.
    const Zone* find_own(std::string_view key) const;
    /// The zone of the base whose key is `key` and which this set holds, or nullptr.
    const Zone* find_in_base(std::string_view key) const;

    static constexpr std::size_t kFewZones = 8;
    std::shared_ptr<const ZoneSet> base_;
    std::size_t skip_first_ = 0;
    std::size_t skip_count_ = 0;
    std::vector<std::shared_ptr<const Zone>> zones_;
    std::size_t own_records_ = 0;  ///< over zones_
    // Keys view each zone's own key; filled only past kFewZones zones.
    std::unordered_map<std::string_view, const Zone*, KeyHash> by_origin_;
};

}  // namespace sitedns::model
