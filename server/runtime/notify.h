#pragma once
// The systemd service notification protocol (sd_notify(3)), written out so that no
// library is needed: one datagram of "KEY=VALUE" lines to the AF_UNIX socket named by
// $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace). Without $NOTIFY_SOCKET
// (not started by systemd with Type=notify) every call does nothing.

#include <cstdint>
#include <string>
#include <string_view>

#include "server/runtime/reload.h"

namespace sitedns::runtime {

/// The Service's Notifier (reload.h) for systemd (SPEC §2): READY=1 once it serves and
/// after each reload, RELOADING=1 with MONOTONIC_USEC when a reload starts, STOPPING=1
/// on SIGTERM/SIGINT. Each message opens, sends on and closes its own socket, as
/// sd_notify does: it holds no file descriptor and may be called from any thread.
class SystemdNotifier final : public Notifier {
  public:
    /// Sends to `socket_address` ("/run/systemd/notify" or "@name"); an empty address
    /// makes it inactive.
    explicit SystemdNotifier(std::string socket_address = {});

    /// The notifier for $NOTIFY_SOCKET; inactive when it is unset or empty.
    static SystemdNotifier from_environment();

    /// True when there is a socket to notify.
    bool active() const { return !address_.empty(); }
    /// The socket address as given ("@" for the abstract namespace).
    const std::string& address() const { return address_; }

    /// "READY=1". A failed send is logged (warning), never thrown.
    void ready() override;
    /// "RELOADING=1" and "MONOTONIC_USEC=<CLOCK_MONOTONIC in µs>" (systemd ≥ 253 matches
    /// the reload to its request with it; older versions ignore it).
    void reloading() override;
    /// "STOPPING=1".
    void stopping() override;
    /// "STATUS=<text>": the one-line status shown by `systemctl status`.
    bool status(std::string_view text) const;

    /// Sends `message` (newline-separated assignments) as one datagram. Returns true when
    /// it was sent or the notifier is inactive; false (errno set) when the address is
    /// unusable or sendto() failed. Never throws.
    bool send(std::string_view message) const;

  private:
    void send_or_warn(std::string_view message) const;

    std::string address_;
};

/// CLOCK_MONOTONIC in microseconds, the clock of MONOTONIC_USEC.
std::uint64_t monotonic_usec();

}  // namespace sitedns::runtime
