#pragma once
// Threads: any thread; parses into the caller's Query.

#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/plain_query.h"
#include "server/wire/reader.h"
#include "server/wire/tsig.h"

namespace sitedns::wire {

/// The EDNS(0) OPT record of a query (RFC 6891 §6.1.2).
struct Edns {
    bool present = false;
    std::uint16_t udp_size = 512;  ///< the requestor's payload size, as sent
    std::uint8_t version = 0;
    bool dnssec_ok = false;
    /// Option bytes (RDATA of the OPT), a view into the packet: ECS, COOKIE.
    std::span<const std::uint8_t> options;
};

/// A query parsed as far as answering needs. Views point into the packet or into
/// `qname`; nothing is allocated.
struct Query {
    std::uint16_t id = 0;
    std::uint8_t opcode = 0;
    bool rd = false;
    bool cd = false;
    bool ad = false;         ///< AD in a query: the client understands AD (RFC 6840 §5.7)
    NameBuffer qname;        ///< as sent (case kept), uncompressed
    NameBuffer qname_lower;  ///< lowercased: the lookup key
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;
    std::size_t question_end = 0;  ///< offset just past the question
    Edns edns;
    Tsig tsig;  ///< the TSIG record, last of the additional section (RFC 8945 §5.2)
};

/// What to do with a packet after parsing.
enum class ParseOutcome : std::uint8_t {
    Ok,
    Drop,     ///< shorter than a header, or QR set: never answer (RFC 1035 §4.1.1)
    FormErr,  ///< answer FORMERR with the header (and question, if it was readable)
    NotImp,   ///< opcode other than QUERY: answer NOTIMP (RFC 1035 §4.1.1)
    /// QDCOUNT 0, the rest well formed (`edns` read): FORMERR, unless it asks for a server
    /// cookie (RFC 7873 §5.4), which the responder decides.
    NoQuestion,
};

/// Parses a query: header, exactly one question (none: NoQuestion), no answer/authority records
/// (RFC 1035), and an additional section holding at most one OPT (RFC 6891 §6.1.1:
/// two OPTs, an OPT not owned by the root, or bad option framing is FORMERR) and at most
/// one TSIG, its last record (RFC 8945 §5.2: another place, a second one or RDATA that is
/// no TSIG's is FORMERR), read into `tsig`. Other additional records are skipped over,
/// well-formed.
/// `question_end` is 0 when the question itself could not be read.
[[nodiscard]] ParseOutcome parse_query(std::span<const std::uint8_t> packet, Query& out);

/// parse_query() for a packet `plain` matched and whose name it checked (PlainQuery's
/// match() and check_name()): the same outcome and fields as parse_query() gives it,
/// from what the check found, without the general reader. A packet that `plain` did not
/// check whole (another packet, or no check_name()) takes parse_query(). `lower` is the
/// name lowercased, as the caller has it already (the packet cache's key): a copy, not
/// a check; one of another length than the name is not used.
/// Why a second parser: every packet-cache miss of a plain query (most misses: unique
/// names, NXDOMAIN and wildcard hosts) would read its name, question and OPT a second
/// time through the general reader. Measured with bench_core on the bench's queries
/// (callgrind, 15% of them misses): 572 instructions per answer with it, 649 when every
/// miss takes parse_query(), about 500 more per miss. The unit tests hold both to the
/// same outcome and fields (message_test's ParsePlainQuery).
[[nodiscard]] ParseOutcome parse_plain_query(std::span<const std::uint8_t> packet,
                                             const PlainQuery& plain,
                                             std::span<const std::uint8_t> lower, Query& out);

}  // namespace sitedns::wire
