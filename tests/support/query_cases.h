#pragma once

// The one table of query cases (STYLE rule 12, CoreDNS plugin/test style): a client, a
// question and the answer expected section by section, over the example data of
// tests/support/test_zones.h. The query core's unit tests (responder, packet cache) and
// the integration test against the real binary (over UDP and TCP) all run it, and all
// judge an answer with check_answer().

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/dns_client.h"
#include "tests/support/test_zones.h"

namespace sitedns::test {

using Records = std::vector<std::string>;

/// One query and what must come back. Records are ldns presentation text
/// ("mail.example.test. 300 IN A 192.0.2.10"); the order within a section is free.
struct QueryCase {
    std::string name{};  ///< gtest name: letters, digits, '_'
    std::string client{kLondonClient};
    std::string qname{};
    std::string qtype{"A"};
    QueryOptions opts{};  ///< class, RD/CD, EDNS (payload, DO, version), opcode
    bool tcp = false;     ///< asked over TCP (else UDP; a case without TC holds for both)
    std::string rcode{"NOERROR"};
    bool aa = true;
    bool tc = false;
    Records answer{};
    Records authority{};
    Records additional{};
};

/// Every case; names are unique.
const std::vector<QueryCase>& query_cases();

/// The transports `c` holds for: its own, and TCP too for a UDP answer that was not
/// truncated (a larger limit changes nothing in it). `false` is UDP.
std::vector<bool> case_transports(const QueryCase& c);

/// True when `c`'s client is an IPv4 loopback address, so a test on loopback can send
/// from it (the integration test runs only these).
bool on_loopback(const QueryCase& c);

/// The query `c` sends with `id`, with `qname` for the case's name (a re-cased copy).
Bytes case_query(const QueryCase& c, std::string_view qname, std::uint16_t id);

/// Everything in `a` that disagrees with `c` asked with `qname` and `id` (header bits, the
/// echoed question, the OPT's presence, version and DO, each section as a set), one line
/// each; "" when the answer matches. With `fold_case`, records compare case-insensitively.
std::string check_answer(const QueryCase& c, std::string_view qname, std::uint16_t id,
                         const Answer& a, bool fold_case = false);

/// Records the remaining hand-written tests also expect.
extern const std::string kSoaNeg;  ///< example.test.'s SOA with the negative TTL (300)
extern const std::string kMailA;   ///< london's mail.example.test. A
Records mx8_answer();              ///< the eight MX of mx8.example.test.
Records mx8_additional();          ///< their targets' A and AAAA
Records bigcut_glue();             ///< the 26 glue records of bigcut.example.test.

}  // namespace sitedns::test
