#pragma once
// The systemd service notification protocol through libsystemd's sd_notify(3): one
// datagram of "KEY=VALUE" lines to the socket named by $NOTIFY_SOCKET. Without
// $NOTIFY_SOCKET (not started by systemd with Type=notify) every call does nothing.
// Threads: any thread (the main and the reload thread call it).

#include <cstdint>

#include "server/runtime/reload.h"

namespace sitedns::runtime {

/// The Service's Notifier (reload.h) for systemd (SPEC §2): READY=1 once it serves and
/// after each reload, RELOADING=1 with MONOTONIC_USEC when a reload starts, STOPPING=1
/// on SIGTERM/SIGINT. sd_notify reads $NOTIFY_SOCKET and opens its own socket for each
/// message: the notifier holds no file descriptor and may be called from any thread.
class SystemdNotifier final : public Notifier {
  public:
    /// "READY=1". A failed send is logged (warning), never thrown.
    void ready() override;
    /// "RELOADING=1" and "MONOTONIC_USEC=<CLOCK_MONOTONIC in µs>" (systemd ≥ 253 matches
    /// the reload to its request with it; older versions ignore it).
    void reloading() override;
    /// "STOPPING=1".
    void stopping() override;
};

/// CLOCK_MONOTONIC in microseconds, the clock of MONOTONIC_USEC.
std::uint64_t monotonic_usec();

}  // namespace sitedns::runtime
