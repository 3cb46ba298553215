#pragma once
// `sitedns verify` (SPEC §2, issue 15 item 7): asks every site's sitedns (the site's
// `dns` address) for `topology.sitedns. CH TXT` and compares the serial it serves with
// the serial of this file's sites topology, so an operator sees which site still serves
// last week's topology.
// Threads: the main thread only (`sitedns verify`, an offline command).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/sites.h"
#include "server/query/topology_record.h"
#include "server/upstream/message_edit.h"

namespace sitedns::runtime {

/// What one site's sitedns said.
struct SiteVerdict {
    enum class Outcome : std::uint8_t {
        Ok,        ///< it serves this file's serial
        Drift,     ///< it serves another serial
        NoAnswer,  ///< no usable answer before the timeout (`detail` says why)
        Refused,   ///< REFUSED: `source` is in no view of that server (RFC 1035 §4.1.1)
        Skipped,   ///< the site has no `dns` address: not asked
    };
    std::string site;
    std::string address;  ///< the site's `dns` address, "ADDR:PORT"; empty when Skipped
    Outcome outcome = Outcome::NoAnswer;
    query::TopologyVersion served;  ///< Ok, Drift: what it serves
    std::string detail;             ///< NoAnswer: "timeout", "SERVFAIL", ...
    std::string source;             ///< the address the query left from; empty if unknown
};

/// Asks every site with a `dns` address at once, over UDP (TCP when the reply is
/// truncated), each exchange bounded by `timeout`, from `source` when given (else from
/// the address the kernel picks), and compares what it serves with `sites.serial`. One
/// verdict per site, in the file's order.
std::vector<SiteVerdict> verify_sites(const Sites& sites, std::chrono::milliseconds timeout,
                                      const std::optional<IpAddress>& source = std::nullopt);

/// The line `verify` prints for a verdict: "SITE: ok serial N", "SITE: drift: serves
/// serial N, this file has M", "SITE: refused (ADDR is in no view of that server: ask
/// from a site subnet with --source)", "SITE: no answer" or "SITE: skipped: no dns
/// address".
std::string verdict_line(const SiteVerdict& verdict, std::uint32_t expected);

/// True when no site drifts or refuses and every site asked answered: verify's exit
/// status 0.
bool all_verified(const std::vector<SiteVerdict>& verdicts);

/// The question verify asks: `topology.sitedns.` TXT, class CH.
upstream::Question topology_question();

/// The version in a reply to `topology.sitedns. CH TXT` (the TXT record of class CH in
/// its answer section); nullopt, with `why` set, for an error RCODE, a malformed reply
/// or one without that record.
std::optional<query::TopologyVersion> read_topology_reply(std::span<const std::uint8_t> reply,
                                                          std::string& why);

}  // namespace sitedns::runtime
