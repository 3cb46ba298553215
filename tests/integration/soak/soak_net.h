#pragma once
// Loopback sockets for the malformed-traffic soak test: every socket is bound to a
// chosen 127.0.0.0/8 source address (the source picks the sitedns view and spreads TCP
// connections over the per-client limit), non-blocking, and every wait is a poll() with
// a deadline, so a server that stops answering fails the test instead of hanging it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "tests/support/dns_client.h"

namespace sitedns::soak {

using Bytes = test::Bytes;
using Clock = std::chrono::steady_clock;

/// An owned file descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Fd& operator=(Fd&& other) noexcept;
    ~Fd() { reset(); }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset();

  private:
    int fd_ = -1;
};

/// A deadline `ms` milliseconds from now.
Clock::time_point after_ms(int ms);

/// How long to wait for what must happen (an answer, a close): a guard against a hang,
/// long enough for a loaded machine, never a measure of the server.
inline constexpr int kGuardMs = 10000;

/// A non-blocking UDP socket bound to `source`:0 and connected to 127.0.0.1:`port`.
/// Throws test::DnsClientError on failure.
Fd udp_socket(const std::string& source, std::uint16_t port);

/// A non-blocking TCP socket bound to `source`:0 and connected to 127.0.0.1:`port`, with
/// TCP_NODELAY; an invalid Fd when the connection fails.
Fd tcp_connect(const std::string& source, std::uint16_t port);

/// Waits for `events` on `fd`; the revents, 0 on timeout.
short wait_for(int fd, short events, Clock::time_point deadline);

/// Sends all of `data`, waiting for room until `deadline`; false on error or timeout.
bool send_all(int fd, std::span<const std::uint8_t> data, Clock::time_point deadline);

/// What reading from a TCP connection came to.
enum class ReadResult { Message, Closed, Timeout };

/// Reads one length-prefixed message (RFC 1035 §4.2.2) into `out`. Closed on EOF or a
/// reset, also in the middle of a message.
ReadResult read_frame(int fd, Bytes& out, Clock::time_point deadline);

/// Reads and discards until the peer closes (EOF or reset): true if it did by `deadline`.
bool wait_closed(int fd, Clock::time_point deadline);

/// True while the peer has neither closed nor reset the connection (nothing is read).
bool still_open(int fd);

/// `message` with its 2-byte length prefix.
Bytes framed(std::span<const std::uint8_t> message);

/// Sets SO_LINGER {on, 0}, so close() sends a reset, and closes.
void reset_connection(Fd& fd);

/// "127.0.`third`.`fourth`".
std::string loopback_address(int third, int fourth);

/// An ephemeral UDP port on 127.0.0.1 that nothing is bound to right now.
std::uint16_t free_udp_port();

}  // namespace sitedns::soak
