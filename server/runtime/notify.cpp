// Threads: see server/runtime/notify.h.
#include "server/runtime/notify.h"

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace sitedns::runtime {

namespace {

/// Sends `message` with sd_notify(3) and logs a failure (sd_notify returns a negative
/// errno); nothing is sent, and nothing logged, without $NOTIFY_SOCKET.
void notify_or_warn(const std::string& message) {
    const int result = ::sd_notify(0, message.c_str());
    if (result < 0) {
        const char* socket = std::getenv("NOTIFY_SOCKET");
        spdlog::warn("NOTIFY_SOCKET {}: cannot send {}: {}", socket != nullptr ? socket : "",
                     message.substr(0, message.find('\n')), std::strerror(-result));
    }
}

}  // namespace

void SystemdNotifier::ready() {
    notify_or_warn("READY=1");
}

void SystemdNotifier::reloading() {
    notify_or_warn("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void SystemdNotifier::stopping() {
    notify_or_warn("STOPPING=1");
}

std::uint64_t monotonic_usec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
           static_cast<std::uint64_t>(now.tv_nsec) / 1'000u;
}

}  // namespace sitedns::runtime
