#include "tests/integration/soak/soak_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sitedns::soak {
namespace {

sockaddr_in loopback(const std::string& address, std::uint16_t port) {
    sockaddr_in out{};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &out.sin_addr) != 1) {
        throw test::DnsClientError("not an IPv4 address: " + address);
    }
    return out;
}

/// A socket of `type` bound to `source`:0; throws on failure.
Fd bound_socket(int type, const std::string& source) {
    Fd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    if (!fd.valid()) throw test::DnsClientError(std::string("socket: ") + std::strerror(errno));
    const sockaddr_in from = loopback(source, 0);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
        throw test::DnsClientError("bind " + source + ": " + std::strerror(errno));
    }
    return fd;
}

void set_non_blocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int ms_until(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<long long>(left, 0));
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) {
        reset();
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

void Fd::reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Clock::time_point after_ms(int ms) {
    return Clock::now() + std::chrono::milliseconds(ms);
}

Fd udp_socket(const std::string& source, std::uint16_t port) {
    Fd fd = bound_socket(SOCK_DGRAM, source);
    const int buffer = 4 << 20;  // replies to the garbage are read late, in bulk
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    const sockaddr_in to = loopback("127.0.0.1", port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
        throw test::DnsClientError(std::string("connect: ") + std::strerror(errno));
    }
    set_non_blocking(fd.get());
    return fd;
}

Fd tcp_connect(const std::string& source, std::uint16_t port) {
    Fd fd = bound_socket(SOCK_STREAM, source);
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const sockaddr_in to = loopback("127.0.0.1", port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
        return Fd();
    }
    set_non_blocking(fd.get());
    return fd;
}

short wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int ready = ::poll(&p, 1, ms_until(deadline));
        if (ready > 0) return p.revents;
        if (ready == 0) return 0;
        if (errno != EINTR) return POLLERR;
    }
}

bool send_all(int fd, std::span<const std::uint8_t> data, Clock::time_point deadline) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data = data.subspan(static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_for(fd, POLLOUT, deadline) == 0) return false;
        } else {
            return false;
        }
    }
    return true;
}

namespace {

/// Reads exactly `n` bytes; Message when they came.
ReadResult read_exact(int fd, std::uint8_t* out, std::size_t n, Clock::time_point deadline) {
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::recv(fd, out + got, n - got, 0);
        if (r > 0) {
            got += static_cast<std::size_t>(r);
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            return ReadResult::Closed;
        } else if (wait_for(fd, POLLIN, deadline) == 0) {
            return ReadResult::Timeout;
        }
    }
    return ReadResult::Message;
}

}  // namespace

ReadResult read_frame(int fd, Bytes& out, Clock::time_point deadline) {
    std::uint8_t prefix[2];
    if (const ReadResult r = read_exact(fd, prefix, 2, deadline); r != ReadResult::Message) {
        return r;
    }
    out.resize(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
    return read_exact(fd, out.data(), out.size(), deadline);
}

bool wait_closed(int fd, Clock::time_point deadline) {
    std::uint8_t sink[4096];
    for (;;) {
        const ssize_t r = ::recv(fd, sink, sizeof sink, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return true;
        if (r < 0 && wait_for(fd, POLLIN, deadline) == 0) return false;
    }
}

bool still_open(int fd) {
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return true;
    if ((p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return false;
    std::uint8_t byte;
    const ssize_t r = ::recv(fd, &byte, 1, MSG_PEEK);
    return r > 0 || (r < 0 && errno == EAGAIN);
}

Bytes framed(std::span<const std::uint8_t> message) {
    Bytes out;
    out.reserve(message.size() + 2);
    out.push_back(static_cast<std::uint8_t>(message.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(message.size()));
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

void reset_connection(Fd& fd) {
    const linger abort{1, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    fd.reset();
}

std::string loopback_address(int third, int fourth) {
    return "127.0." + std::to_string(third) + "." + std::to_string(fourth);
}

std::uint16_t free_udp_port() {
    Fd fd = bound_socket(SOCK_DGRAM, "127.0.0.1");
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length);
    return ntohs(bound.sin_port);  // closed with `fd`: nothing listens there afterwards
}

}  // namespace sitedns::soak
