#pragma once
// The TCP side of the soak test (RFC 1035 §4.2.2 framing, RFC 7766): connections that
// send garbage, impossible lengths, single bytes, one byte at a time, pipelines that are
// never read, resets in the middle of a message, and connections that stall and stay
// open until the end; then bursts past the per-client and total connection limits, and
// the final checks over fresh connections while the stalled ones are still open.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/integration/soak/soak_fixture.h"
#include "tests/integration/soak/soak_net.h"
#include "tests/integration/soak/soak_packets.h"
#include "tests/integration/soak/soak_report.h"

namespace sitedns::soak {

class TcpSoak {
  public:
    TcpSoak(std::uint16_t port, std::uint64_t seed, Report& report);

    /// `queries` distinct authoritative queries pipelined over a few connections, every
    /// answer checked, so the TCP answer caches are full before memory is measured.
    void warm_up(std::size_t queries);
    /// Opens the connections that stall: some send nothing, some half a length prefix;
    /// returns how many.
    std::size_t open_stalled();
    /// Every abusive kind of connection; returns how many connections were made.
    std::size_t abuse();
    /// Bursts past the per-client and the total connection limits.
    std::size_t limits();
    /// Fresh connections from every view get the expected answers (the stalled ones are
    /// still open), pipelined and one by one, and a forwarded name gets the SERVFAIL of
    /// an upstream that timed out (its Extended DNS Error says so).
    void final_checks();
    /// Checks the stalled connections were kept (their idle timeout is far away), then
    /// closes them.
    void close_stalled();

  private:
    /// The next source of the rotating pool (madrid's 127.0.3.1..127.0.3.40).
    std::string next_source();
    Fd connect(const std::string& source);
    /// Calls body(fd, source, i) for i in [0, count), each with a new connection from
    /// the rotating pool.
    template <typename Body>
    void each_connection(std::size_t count, Body&& body);
    std::size_t garbage(std::size_t count);
    std::size_t huge_length(std::size_t count);
    std::size_t tiny_messages(std::size_t count);
    std::size_t byte_by_byte(std::size_t count);
    std::size_t reset_mid_message(std::size_t count);
    std::size_t pipelined_unread(std::size_t count);
    /// Sends `cases` on `fd` before reading anything, then reads every answer (in any
    /// order, RFC 7766 §6.2.1.1) and checks it; returns how many came back.
    std::size_t pipeline(int fd, const std::vector<Case>& cases, const std::string& source);
    /// Sends one checked query per connection of `fds` and sorts them into answered and
    /// closed (refused at accept); the answers from `source` are checked.
    void answered_or_closed(std::vector<Fd>& fds, const std::vector<std::string>& sources,
                            std::size_t& answered, std::size_t& closed);
    /// One checked query over a fresh connection from `source`, trying again while the
    /// connection is refused at accept (a closed connection is released asynchronously).
    bool fresh_query(const std::string& source, std::size_t case_index);

    std::uint16_t port_;
    Rng rng_;
    Report& report_;
    std::size_t pool_next_ = 0;
    std::uint16_t next_id_ = kFirstCheckedId;
    std::vector<Fd> stalled_;
};

}  // namespace sitedns::soak
