// Threads: see server/net/udp_listener.h.
#include "server/net/udp_listener.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include "server/net/rate_limiter.h"
#include "server/query/encoder.h"
#include "server/wire/limits.h"
#include "server/wire/truncated_reply.h"

namespace sitedns::net {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

/// How long an idle receive thread waits before it looks at the snapshot again: it
/// lets go of a replaced one within this time even when no query comes.
constexpr timeval kIdleWake{0, 500'000};

/// A client's address and port, from the kernel's sockaddr (IPv4-mapped IPv6 becomes
/// IPv4, as from_asio does, so views match on the client's real family).
struct Peer {
    IpAddress address;
    std::uint16_t port = 0;
};

Peer peer_of(const sockaddr_storage& from) {
    Peer peer;
    if (from.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(from);
        std::memcpy(peer.address.bytes.data(), &v4.sin_addr, 4);
        peer.port = ntohs(v4.sin_port);
        return peer;
    }
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(from);
    const std::uint8_t* bytes = v6.sin6_addr.s6_addr;
    peer.port = ntohs(v6.sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
        std::memcpy(peer.address.bytes.data(), bytes + 12, 4);
        return peer;
    }
    peer.address.family = IpAddress::Family::V6;
    std::memcpy(peer.address.bytes.data(), bytes, 16);
    return peer;
}

// The system calls themselves: glibc's recvmmsg() and sendmmsg() are cancellation points,
// whose bookkeeping cost more than the rest of a batch's system-call wrapping, and these
// threads are never cancelled (stop() shuts the socket down instead).
int receive_batch(int fd, mmsghdr* messages, unsigned count) {
    return static_cast<int>(::syscall(SYS_recvmmsg, fd, messages, count, MSG_WAITFORONE, nullptr));
}

int send_batch(int fd, mmsghdr* messages, unsigned count) {
    return static_cast<int>(::syscall(SYS_sendmmsg, fd, messages, count, 0));
}

/// The truncated reply a rate-limited query may get (RateLimiter's slip), with the COOKIE
/// option when the query had one (RFC 7873 §5.2).
std::size_t slip(std::span<const std::uint8_t> packet, const query::Decision& decision,
                 std::span<std::uint8_t> answer) {
    if (!decision.echo.cookie) return wire::write_truncated_reply(packet, answer);
    return wire::write_truncated_reply(packet, answer, *decision.echo.cookie, wire::kEdnsPayload);
}

}  // namespace

/// Where an answer goes: the sender's sockaddr as the kernel gave it.
struct UdpListener::ReplyTo {
    sockaddr_storage address;
    socklen_t length;
};

/// The listener's descriptor, shared with the replies of forwarded queries, which the
/// forwarder's thread sends through it while the listener holds it. It is closed when
/// the last holder lets go: a reply being sent holds it, so it never writes to a closed
/// descriptor, or to one the number was given to again.
struct UdpListener::Socket {
    explicit Socket(int descriptor) : fd(descriptor) {}
    ~Socket() { ::close(fd); }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    const int fd;
};

/// The receive thread's own buffers and state, allocated once.
struct UdpListener::Batch {
    /// Larger datagrams are dropped: no DNS query needs this much over UDP.
    static constexpr std::size_t kQuerySize = 4096;
    /// An answer over UDP is at most wire::kEdnsPayload plus an ECS option.
    static constexpr std::size_t kAnswerSize = 4096;

    explicit Batch(const runtime::SnapshotHolder& snapshots) : snapshot(snapshots) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            query_iov[i] = {queries[i].data(), kQuerySize};
            received[i] = {};
            received[i].msg_hdr.msg_name = &peers[i];
            received[i].msg_hdr.msg_namelen = sizeof(peers[i]);
            received[i].msg_hdr.msg_iov = &query_iov[i];
            received[i].msg_hdr.msg_iovlen = 1;
            // Each answer names its peer; the rest of its header stays as set here.
            sent[i] = {};
            sent[i].msg_hdr.msg_iov = &answer_iov[i];
            sent[i].msg_hdr.msg_iovlen = 1;
        }
    }

    std::array<std::array<std::uint8_t, kQuerySize>, kBatch> queries;
    std::array<std::array<std::uint8_t, kAnswerSize>, kBatch> answers;
    std::array<sockaddr_storage, kBatch> peers;
    std::array<iovec, kBatch> query_iov;
    std::array<iovec, kBatch> answer_iov;
    std::array<mmsghdr, kBatch> received;
    std::array<mmsghdr, kBatch> sent;
    std::array<Answered, kBatch> notes;  ///< per answer: counted once the batch is answered
    query::Decision decision;
    query::PacketCache cache;
    runtime::SnapshotReader snapshot;
    Clock::time_point received_at;
    std::uint32_t second = 0;  ///< received_at in whole seconds, for the rate limiter
    RateLimiter limiter;
    /// The snapshot whose `rate_limit` the limiter has (configure() keeps the table when
    /// a reload leaves the settings alone).
    const query::Snapshot* limits_of = nullptr;
    std::uint64_t limits_generation = 0;
};

UdpListener::UdpListener(Worker& worker, asio::ip::udp::socket socket)
    : worker_(worker),
      socket_(std::make_shared<Socket>(socket.release())),
      batch_(std::make_unique<Batch>(worker.snapshots())),
      stats_(worker.acquire_udp_stats()) {
    // The receive thread blocks in recvmmsg(), waking at least every kIdleWake.
    // A socket left non-blocking would spin the thread: fail the bind instead.
    const int flags = ::fcntl(socket_->fd, F_GETFL);
    if (flags < 0 || ::fcntl(socket_->fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
        ::setsockopt(socket_->fd, SOL_SOCKET, SO_RCVTIMEO, &kIdleWake, sizeof(kIdleWake)) < 0) {
        throw boost::system::system_error(
            boost::system::error_code(errno, boost::system::system_category()),
            "setting up the UDP receive socket");
    }
}

UdpListener::~UdpListener() {
    close();
    worker_.release_udp_stats(stats_);
}

void UdpListener::start() {
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] { run(); });
}

void UdpListener::close() {
    stopping_ = true;
    if (socket_ == nullptr) return;
    // Wakes a recvmmsg() under way (it returns at once from now on); the socket is not
    // connected, so the call itself reports ENOTCONN.
    ::shutdown(socket_->fd, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    socket_.reset();  // replies of forwarded queries find it gone from now on
}

void UdpListener::run() {
    Batch& b = *batch_;
    while (!stopping_.load(std::memory_order_relaxed)) {
        const int n = receive_batch(socket_->fd, b.received.data(), kBatch);
        if (stopping_.load(std::memory_order_relaxed)) break;
        if (n > 0) {
            try {
                answer_batch(static_cast<std::size_t>(n));
            } catch (const std::exception& e) {
                // Out of memory handing a query to the worker, say: that batch goes
                // unanswered (clients retry), the thread and the server carry on, as a
                // worker's io_context does (IoContextPool::run_one).
                spdlog::error("udp {}: {}", worker_.index(), e.what());
            }
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            // ICMP errors from earlier sends (ECONNREFUSED...) surface here: skip them.
            spdlog::debug("udp {}: receive: {}", worker_.index(), std::strerror(errno));
        }
        b.snapshot.refresh();  // idle: let go of a replaced snapshot
    }
}

void UdpListener::answer_batch(std::size_t received) {
    Batch& b = *batch_;
    b.received_at = Clock::now();
    b.second = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(b.received_at.time_since_epoch()).count());
    const query::Snapshot& snapshot = b.snapshot.get();  // once: decisions point into it
    if (&snapshot != b.limits_of || snapshot.generation != b.limits_generation) [[unlikely]] {
        b.limiter.configure(snapshot.config.rate_limit);
        b.limits_of = &snapshot;
        b.limits_generation = snapshot.generation;
    }
    std::size_t answers = 0;
    for (std::size_t i = 0; i < received; ++i) {
        if (answer(snapshot, i, answers)) ++answers;
    }
    stats_.note_packet_cache(b.cache);
    const Clock::time_point answered = Clock::now();
    for (std::size_t i = 0; i < answers; ++i) {
        const iovec& bytes = b.answer_iov[i];
        stats_.answered(b.notes[i],
                        {static_cast<const std::uint8_t*>(bytes.iov_base), bytes.iov_len},
                        answered);
    }
    for (std::size_t done = 0; done < answers;) {
        const int n =
            send_batch(socket_->fd, b.sent.data() + done, static_cast<unsigned>(answers - done));
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (errno != EINTR) {
            spdlog::debug("udp {}: send: {}", worker_.index(), std::strerror(errno));
            ++done;  // that answer is lost; the next ones still go
        }
    }
    for (std::size_t i = 0; i < received; ++i) {
        b.received[i].msg_hdr.msg_namelen = sizeof(b.peers[i]);
    }
}

bool UdpListener::answer(const query::Snapshot& snapshot, std::size_t slot, std::size_t out) {
    Batch& b = *batch_;
    const msghdr& header = b.received[slot].msg_hdr;
    if ((header.msg_flags & MSG_TRUNC) != 0) {
        stats_.count_dropped(query::Transport::Udp);
        return false;
    }
    const std::span<const std::uint8_t> packet(b.queries[slot].data(), b.received[slot].msg_len);
    const Peer peer = peer_of(b.peers[slot]);
    std::span<std::uint8_t> answer(b.answers[out]);
    query::Decision& decision = b.decision;
    query::Responder::handle(snapshot, packet, peer.address, query::Transport::Udp, answer,
                             decision, b.cache);
    if (decision.action == query::Action::Drop) {
        stats_.count_dropped(query::Transport::Udp);
        return false;
    }
    std::size_t size = decision.size;
    if (decision.cookie != query::CookieResult::None) [[unlikely]] {
        stats_.count_cookie(decision.cookie);
    }
    // Rate limiting decides before a forwarded query costs a lookup or an upstream. A
    // valid server cookie proves the client's address: it is not limited (as in BIND).
    const RateVerdict verdict =
        b.limiter.check(peer.address, b.second, decision.cookie == query::CookieResult::Valid);
    if (verdict != RateVerdict::Pass) [[unlikely]] {
        size = verdict == RateVerdict::Slip ? slip(packet, decision, answer) : 0;
        stats_.count_rate_limited(size != 0);
        if (size == 0) return false;
    } else if (decision.action == query::Action::Forward) {
        stats_.count_forwarded();
        size = worker_.cached_forward(snapshot, decision, answer, b.cache, stats_.forward_cache())
                   .size();
        if (size == 0) {
            resolve(decision, slot, stats_.view_slot(snapshot, decision.view));
            return false;
        }
    } else if (decision.forwarded) {
        stats_.count_forwarded_hit();
    }
    b.notes[out] = {b.received_at, stats_.view_slot(snapshot, decision.view), query::Transport::Udp,
                    peer.address, peer.port};
    b.answer_iov[out] = {answer.data(), size};
    b.sent[out].msg_hdr.msg_name = &b.peers[slot];
    b.sent[out].msg_hdr.msg_namelen = header.msg_namelen;
    return true;
}

void UdpListener::resolve(const query::Decision& decision, std::size_t slot,
                          std::uint32_t view_slot) {
    const Batch& b = *batch_;
    const ReplyTo to{b.peers[slot], b.received[slot].msg_hdr.msg_namelen};
    const Peer peer = peer_of(to.address);
    const Answered note{b.received_at, view_slot, query::Transport::Udp,
                        peer.address,  peer.port, stats_.log_queries()};
    // Runs on the forwarder's thread, with the answer finished there (echoed options
    // included): sent at once, counted in the stats only that thread writes.
    auto reply = [weak = std::weak_ptr<Socket>(socket_), to, note,
                  &stats = worker_.forwarder_stats()](std::span<const std::uint8_t> answer) {
        const auto socket = weak.lock();
        if (socket == nullptr) return;  // the listener closed meanwhile
        if (::sendto(socket->fd, answer.data(), answer.size(), 0,
                     reinterpret_cast<const sockaddr*>(&to.address), to.length) < 0) {
            spdlog::debug("udp: send: {}", std::strerror(errno));
        }
        stats.answered_elsewhere_mapped(note, answer);
    };
    worker_.resolve(decision, std::move(reply), nullptr);
}

}  // namespace sitedns::net
