#pragma once
// The answer to `topology.sitedns. CH TXT` (SPEC §5, issue 15 item 7): the sites
// topology's serial and the configuration generation as one TXT string,
// "serial=N generation=G". Encoded once per snapshot, so the query core only copies it;
// `sitedns verify` reads the same text back with parse_topology().
// Threads: built with the snapshot (main or reload thread), then read-only from
// any thread; the text functions from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zones/model/zone.h"

namespace sitedns::query {

/// `topology.sitedns.` in lowercased wire form.
inline constexpr std::array<std::uint8_t, 18> kTopologyName{
    8, 't', 'o', 'p', 'o', 'l', 'o', 'g', 'y', 7, 's', 'i', 't', 'e', 'd', 'n', 's', 0};

/// What a server says of the topology it serves.
struct TopologyVersion {
    /// Sites::serial, the generated zones' SOA serial; 0 without `sites`.
    std::uint32_t serial = 0;
    /// The configuration generation: 1 at start, one more per successful reload.
    std::uint64_t generation = 0;
    friend bool operator==(const TopologyVersion&, const TopologyVersion&) = default;
};

/// "serial=N generation=G".
std::string format_topology(TopologyVersion version);
/// The version in a text format_topology() wrote; nullopt for anything else.
std::optional<TopologyVersion> parse_topology(std::string_view text);

/// The TXT RRset of `topology.sitedns.` for one snapshot: TTL 0, one RDATA holding
/// format_topology() as one character-string (RFC 1035 §3.3.14). A copy points its RRset
/// at its own bytes.
class TopologyRecord {
  public:
    explicit TopologyRecord(TopologyVersion version = {});
    TopologyRecord(const TopologyRecord& other) : TopologyRecord(other.version_) {}
    TopologyRecord& operator=(const TopologyRecord& other);

    TopologyVersion version() const { return version_; }
    /// The RRset the query core answers with (class CH is the plan's, not the RRset's).
    const model::RRset& rrset() const { return rrset_; }

  private:
    void encode(TopologyVersion version);

    /// The longest text: "serial=" 10 digits " generation=" 20 digits.
    static constexpr std::size_t kMaxText = 7 + 10 + 12 + 20;

    TopologyVersion version_;
    /// As RdataList stores RDATA: a 16-bit length in host order, then the RDATA (a
    /// length octet and the text).
    std::array<std::uint8_t, 2 + 1 + kMaxText> bytes_{};
    model::RRset rrset_;
};

}  // namespace sitedns::query
