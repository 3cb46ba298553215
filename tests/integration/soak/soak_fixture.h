#pragma once
// The soak test's sitedns configuration and what it must answer: three generated site
// views (authoritative for the other sites' zones, forwarding the rest), an explicit
// "lab" view for the rest of 127.0.0.0/8 with a zone of its own and recursion, one
// trusted ECS sender, and an upstream on a loopback port nobody listens on, so every
// forwarded query times out into SERVFAIL. The configuration and the expected answers
// live here together, so they cannot drift apart.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tests/support/dns_client.h"

namespace sitedns::soak {

/// Client addresses and the view each one gets.
inline constexpr const char* kLondonClient = "127.0.0.1";  ///< view london
inline constexpr const char* kTrustedEcs = "127.0.0.9";    ///< view lab, ECS trusted
/// Limits the fixture sets (written into the configuration).
inline constexpr int kMaxTcpConnections = 160;
inline constexpr int kMaxTcpPerClient = 8;
inline constexpr int kForwardDeadlineMs = 600;
/// Distinct upstream queries under way per worker; beyond it, SERVFAIL at once.
inline constexpr int kMaxForwardsInFlight = 300;

/// Writes `dir`/sitedns.json and `dir`/lab.json; the upstream is 127.0.0.1:`dead_port`.
void write_config(const std::string& dir, std::uint16_t dead_port);

/// One query with its expected answer: RCODE, AA, the answer and additional sections as
/// exact records, the authority section as one record starting with `authority` (or
/// empty when `authority` is).
struct Case {
    std::string qname;
    std::string qtype;
    std::string rcode;
    bool aa = true;
    std::vector<std::string> answer;
    std::vector<std::string> additional;
    std::string authority;
};

/// The view a client address gets.
std::string view_of(const std::string& client);

/// Authoritative cases (answered at once) of the view `client` gets.
const std::vector<Case>& cases_for(const std::string& client);

/// A name outside every zone of london's view: forwarded, then SERVFAIL.
Case forwarded_case(const std::string& qname);

/// A name that does not exist in a zone of the view `client` gets: NXDOMAIN with the SOA.
Case nxdomain_case(const std::string& client, const std::string& label);

/// The wire query for `c` with `id`; with EDNS when `edns`.
test::Bytes query_for(const Case& c, std::uint16_t id, bool edns);

/// Checks `reply` against `c` for a query with `id` (and an OPT when `edns`); "" when it
/// matches, else what differs with the answer dumped.
std::string check_answer(const Case& c, std::uint16_t id, bool edns,
                         std::span<const std::uint8_t> reply);

/// What an answer says of itself in its Extended DNS Error (RFC 8914): "EDE <code>:
/// <text>", "no EDE", or why the answer cannot be read.
std::string extended_error(std::span<const std::uint8_t> reply);

/// What a forwarded name's SERVFAIL says of itself, by extended_error:
/// the dead upstream was asked and timed out every time, until the server's own deadline
/// (22, No Reachable Authority) ...
inline constexpr const char* kUpstreamTimedOut = "EDE 22: all 1 upstreams failed";
/// ... or the forwarder was at its in-flight limit and asked nobody.
inline constexpr const char* kInFlightLimit = "EDE 0: too many queries in flight";

/// Asks the forwarded `qname` (with EDNS) from london's client over a fresh UDP socket or
/// TCP connection, checks the SERVFAIL against forwarded_case and returns what it says
/// (extended_error); else what is wrong with the answer, or that none came.
std::string ask_forwarded(std::uint16_t port, const std::string& qname, bool tcp);

}  // namespace sitedns::soak
