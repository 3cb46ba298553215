#pragma once

// A small DNS test client for unit and integration tests: builds queries and reads
// answers with ldns (kept out of this header), and exchanges them over UDP or TCP on
// loopback with plain POSIX sockets. Test code only: it allocates and throws freely.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sitedns::test {

using Bytes = std::vector<std::uint8_t>;

/// A packet this client cannot build, read or exchange; what() says why.
class DnsClientError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// How a query is built. Defaults: a plain QUERY for class IN, RD clear, no EDNS.
struct QueryOptions {
    std::uint16_t id = 0x1234;
    bool rd = false;
    bool cd = false;
    bool edns = false;               ///< append an OPT record (RFC 6891 §6.1.2)
    std::uint16_t udp_size = 1232;   ///< the OPT's CLASS field
    bool do_bit = false;             ///< the OPT's DO flag (RFC 3225)
    std::uint8_t edns_version = 0;   ///< the OPT's VERSION field
    std::string_view qclass = "IN";  ///< "IN", "CH", "HS", "ANY" or "CLASSnnn"
    std::uint8_t opcode = 0;         ///< 0 QUERY, 2 STATUS, 4 NOTIFY, 5 UPDATE
};

/// A query for `qname` ("www.example.test", trailing dot optional, case kept) and
/// `qtype` ("A", "MX", "TYPE65280", ...). Throws DnsClientError on an unknown type,
/// class or bad name.
Bytes make_query(std::string_view qname, std::string_view qtype, const QueryOptions& opts = {});

/// An answer as tests look at it. Records are in ldns presentation format with single
/// spaces ("mail.example.test. 300 IN A 192.0.2.10"), sections in wire order.
struct Answer {
    std::uint16_t id = 0;
    std::string rcode;              ///< "NOERROR", "NXDOMAIN", ..., "BADVERS" (with the OPT's bits)
    std::uint16_t rcode_value = 0;  ///< the full 12-bit RCODE
    std::uint8_t opcode = 0;
    bool qr = false;
    bool aa = false;
    bool tc = false;
    bool rd = false;
    bool ra = false;
    bool ad = false;
    bool cd = false;
    /// Counts as in the header; arcount includes the OPT and the TSIG.
    std::uint16_t qdcount = 0;
    std::uint16_t ancount = 0;
    std::uint16_t nscount = 0;
    std::uint16_t arcount = 0;
    std::string question;  ///< "www.example.test. IN A", "" without a question
    std::vector<std::string> answer;
    std::vector<std::string> authority;
    std::vector<std::string> additional;  ///< the OPT and the TSIG excluded
    std::string tsig;                     ///< the TSIG record (RFC 8945 §4.2), "" without one
    bool has_opt = false;
    std::uint16_t opt_udp_size = 0;
    std::uint8_t opt_version = 0;
    bool opt_do = false;
    int ede = -1;          ///< the Extended DNS Error's INFO-CODE (RFC 8914); -1: none
    std::string ede_text;  ///< its EXTRA-TEXT
    std::size_t size = 0;  ///< bytes on the wire
};

/// Reads an answer with ldns. Throws DnsClientError when ldns rejects the bytes or
/// the sections it found disagree with the header's counts, so a malformed answer
/// fails the test (ASSERT_NO_THROW) instead of reading as an empty one.
Answer parse_answer(std::span<const std::uint8_t> wire);

/// Multi-line dump of an answer (dig-like), for assertion messages.
std::string to_string(const Answer& answer);

/// Lowercases ASCII, for case-insensitive comparisons of presentation strings.
std::string ascii_lower(std::string_view text);

/// Sends `query` to address:port (IPv4 or IPv6 literal) over UDP and returns the first
/// datagram that comes back, from a socket bound to `source` when one is given (a
/// loopback address such as 127.0.2.1 picks another view). Throws DnsClientError on a
/// socket error or after `timeout`.
Bytes udp_exchange(std::string_view address, std::uint16_t port,
                   std::span<const std::uint8_t> query,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
                   std::string_view source = {});

/// Sends `query` over a new TCP connection with the 2-byte length prefix (RFC 1035
/// §4.2.2) and returns one framed answer; the connection comes from `source` when one is
/// given. Throws DnsClientError on error or timeout.
Bytes tcp_exchange(std::string_view address, std::uint16_t port,
                   std::span<const std::uint8_t> query,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
                   std::string_view source = {});

/// Sends several queries on one TCP connection, all written before any answer is read
/// (RFC 7766 §6.2.1.1 pipelining), and returns `count` answers in arrival order.
std::vector<Bytes> tcp_exchange_pipelined(
    std::string_view address, std::uint16_t port, const std::vector<Bytes>& queries,
    std::size_t count, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace sitedns::test
