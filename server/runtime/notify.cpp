#include "server/runtime/notify.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace sitedns::runtime {

namespace {

/// Builds the sockaddr_un for `address`: a path, or "@name" for the abstract namespace
/// (the leading '@' becomes a NUL byte, and the length excludes any trailing NUL, as
/// sd_notify does). Returns the address length, or 0 when it does not fit or is not an
/// AF_UNIX address (systemd ≥ 254 also knows "vsock:", which sitedns does not need).
socklen_t unix_address(const std::string& address, sockaddr_un& out) {
    std::memset(&out, 0, sizeof out);
    out.sun_family = AF_UNIX;
    const bool abstract = address.front() == '@';
    if (!abstract && address.front() != '/') {
        return 0;
    }
    // A path needs room for its terminating NUL; an abstract name does not.
    if (address.size() > sizeof out.sun_path - (abstract ? 0 : 1) || address.size() < 2) {
        return 0;
    }
    std::memcpy(out.sun_path, address.data(), address.size());
    if (abstract) {
        out.sun_path[0] = '\0';
    }
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
}

}  // namespace

SystemdNotifier::SystemdNotifier(std::string socket_address)
    : address_(std::move(socket_address)) {}

SystemdNotifier SystemdNotifier::from_environment() {
    const char* value = std::getenv("NOTIFY_SOCKET");
    return SystemdNotifier(value != nullptr ? value : "");
}

void SystemdNotifier::ready() {
    send_or_warn("READY=1");
}

void SystemdNotifier::reloading() {
    send_or_warn("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void SystemdNotifier::stopping() {
    send_or_warn("STOPPING=1");
}

bool SystemdNotifier::status(std::string_view text) const {
    return send("STATUS=" + std::string(text));
}

bool SystemdNotifier::send(std::string_view message) const {
    if (!active()) {
        return true;
    }
    sockaddr_un address;
    const socklen_t length = unix_address(address_, address);
    if (length == 0) {
        errno = EINVAL;
        return false;
    }
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    const ssize_t sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr*>(&address), length);
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return sent == static_cast<ssize_t>(message.size());
}

void SystemdNotifier::send_or_warn(std::string_view message) const {
    if (!send(message)) {
        const int error = errno;
        const std::string first_line(message.substr(0, message.find('\n')));
        spdlog::warn("NOTIFY_SOCKET {}: cannot send {}: {}", address_, first_line,
                     std::strerror(error));
    }
}

std::uint64_t monotonic_usec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
           static_cast<std::uint64_t>(now.tv_nsec) / 1'000u;
}

}  // namespace sitedns::runtime
