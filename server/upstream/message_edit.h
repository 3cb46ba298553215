#pragma once
// Wire work of the forwarder that needs no socket: the upstream query, checking and
// scanning an upstream reply, and writing a client's answer from a stored reply (ID,
// question case, TTLs counted down, OPT and Extended DNS Error) or a SERVFAIL.
// Threads: any thread; the forwarder's thread for upstream replies, worker and
// UDP receive threads for answers from the cache.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "server/wire/edns.h"
#include "server/wire/limits.h"
#include "server/wire/reader.h"

namespace sitedns::upstream {

/// TTL of every record in a stale answer (RFC 8767 §4).
inline constexpr std::uint32_t kStaleTtl = 30;

/// Extended DNS Error info-codes used here (RFC 8914 §4).
enum class Ede : std::uint16_t {
    Other = 0,
    StaleAnswer = 3,
    DnssecBogus = 6,
    NoReachableAuthority = 22,
    NetworkError = 23
};

/// An Extended DNS Error to add to the OPT of an answer (RFC 8914 §2).
struct ExtendedError {
    Ede code = Ede::Other;
    std::string_view text;  ///< EXTRA-TEXT, UTF-8, may be empty
};

/// What DNSSEC validation found of a forwarded answer (RFC 4035 §4.3). Unchecked: not
/// validated (validation off, or a name under a negative trust anchor).
enum class Security : std::uint8_t { Unchecked, Insecure, Secure, Bogus };

/// The question asked upstream: the client's name as sent, type, class and DO bit.
struct Question {
    wire::NameBuffer qname;        ///< case as the (first) client sent it
    wire::NameBuffer qname_lower;  ///< the cache key
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;
    bool dnssec_ok = false;
};

/// What an answer echoes of one client's query.
struct ClientView {
    std::uint16_t id = 0;
    bool rd = false;
    bool cd = false;
    std::span<const std::uint8_t> qname;  ///< as the client sent it (same name as stored)
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;
    bool edns = false;
    bool dnssec_ok = false;
    std::size_t limit = wire::kClassicUdpSize;  ///< the largest answer the client takes
    bool ad = false;  ///< the client set AD: it understands it without DO (RFC 6840 §5.7)
    /// The options the answer's OPT gives back (ECS with its scope, COOKIE), after any
    /// Extended DNS Error; nullptr or empty: none. Counted within `limit`.
    const wire::EdnsEcho* echo = nullptr;
};

/// A stored reply: the upstream's message without its OPT record, question
/// uncompressed at offset 12, and the offset of every TTL field in it.
struct StoredMessage {
    std::span<const std::uint8_t> bytes;
    std::span<const std::uint16_t> ttl_offsets;
    Security security = Security::Unchecked;
};

/// How the TTLs of a stored message are written into an answer.
struct TtlRewrite {
    std::uint32_t age = 0;  ///< seconds since it was stored: subtracted, never below 0
    bool stale = false;     ///< every TTL becomes kStaleTtl instead
};

/// Writes the upstream query: `id`, RD=1, the question, an OPT advertising wire::kEdnsPayload
/// with the DO bit and no options (RFC 6891; client options never leak). Returns its
/// length, 0 if `out` is too small.
std::size_t write_upstream_query(const Question& q, std::uint16_t id, std::span<std::uint8_t> out);

/// True when `reply` answers the query `id` for `q` (RFC 5452 §9.1): QR set, same ID,
/// exactly one question, equal to `q` ignoring case. Cheap: header and question only.
bool reply_matches(std::span<const std::uint8_t> reply, std::uint16_t id, const Question& q);

/// Caps applied to cached TTLs.
struct TtlCaps {
    std::uint32_t max_ttl = 86400;
    std::uint32_t max_negative_ttl = 3600;
};

/// A reply scanned for storage and relaying.
struct ScannedReply {
    std::vector<std::uint8_t> message;       ///< the reply without its OPT, ID 0
    std::vector<std::uint16_t> ttl_offsets;  ///< every TTL field of `message`
    std::uint8_t rcode = 0;
    bool cacheable = false;
    std::uint32_t ttl = 0;  ///< how long it stays fresh, when cacheable
};

/// Scans a matching reply: every record walked (names may be compressed), the OPT
/// removed (it must be the last record), the cache TTL derived — positive answers by
/// the lowest answer TTL, NXDOMAIN and NODATA by min(SOA TTL, SOA MINIMUM) of the
/// authority SOA (RFC 2308 §5), none without one; TC, SERVFAIL and the other RCODEs
/// are not cached. Cacheable messages have every TTL clamped to the cache TTL. False
/// when the reply is malformed.
[[nodiscard]] bool scan_reply(std::span<const std::uint8_t> reply, const TtlCaps& caps,
                              ScannedReply& out);

using wire::kMaxMessage;

/// Copies `reply` (a well-formed message) into `out` without the DNSSEC records a client
/// that did not set DO is not sent (RFC 4035 §3.2.1): RRSIG, NSEC and NSEC3 of every
/// section, unless the question asks for that type (or ANY). Names are written again,
/// compressed against the kept records only, so `out` needs room for kMaxMessage bytes
/// (a name that pointed into a dropped record is written whole). Returns the size written,
/// 0 when `reply` cannot be read.
[[nodiscard]] std::size_t strip_dnssec(std::span<const std::uint8_t> reply, std::uint16_t qtype,
                                       std::span<std::uint8_t> out);

/// Writes the answer for `client` from `stored`: ID, RD/CD echoed, QR and RA set, AA
/// cleared (a cache is not an authority), the client's question case, TTLs rewritten,
/// and an OPT (with `error`, if given, then the client's echoed options) when the client
/// has EDNS. An answer above the
/// client's limit becomes the header and question with TC=1 (RFC 1035 §4.2.1).
/// AD is set only on a secure answer to a client that sent DO or AD and not CD
/// (RFC 6840 §5.7, §5.8); the upstream's own AD never passes. A bogus answer is SERVFAIL
/// with EDE 6 (RFC 8914 §4.7), unless the client set CD: then its data, AD clear.
/// Returns its length; 0 when even that does not fit in `out`. Never allocates.
std::size_t write_answer(const StoredMessage& stored, const ClientView& client, TtlRewrite ttl,
                         const ExtendedError* error, std::span<std::uint8_t> out);

/// Writes SERVFAIL for `client`: header, question, and an OPT with `error` when the
/// client has EDNS (RFC 8914). Returns its length, 0 if it does not fit.
std::size_t write_servfail(const ClientView& client, const ExtendedError& error,
                           std::span<std::uint8_t> out);

}  // namespace sitedns::upstream
