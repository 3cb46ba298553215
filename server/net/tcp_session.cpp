#include "server/net/tcp_session.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>

#include "server/net/endpoint.h"
#include "server/wire/header.h"

namespace sitedns::net {

namespace asio = boost::asio;

TcpSession::TcpSession(Worker& worker, asio::ip::tcp::socket socket,
                       std::chrono::milliseconds idle_timeout,
                       std::shared_ptr<ConnectionCount> connections)
    : worker_(worker),
      socket_(std::move(socket)),
      idle_timer_(worker.context()),
      idle_timeout_(idle_timeout),
      connections_(std::move(connections)),
      in_(kInitialBuffer) {}

TcpSession::~TcpSession() {
    connections_->fetch_sub(1, std::memory_order_relaxed);
}

void TcpSession::start() {
    boost::system::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (ec || worker_.stopping()) {
        return;  // gone, or the server is stopping: the socket closes with this object
    }
    client_ = from_asio(peer.address());
    client_port_ = peer.port();
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    worker_.add_session(shared_from_this());
    deadline_ = std::chrono::steady_clock::now() + idle_timeout_;
    watch_idle();
    read();
}

void TcpSession::shutdown() {
    if (closed_) {
        return;
    }
    read_closed_ = true;
    if (done()) {
        close();
    }
}

void TcpSession::read() {
    if (reading_ || read_closed_ || closed_ || queued_.size() + writing_.size() > kMaxQueued) {
        return;  // a full queue resumes reading from on_written()
    }
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t length) {
            self->on_read(ec, length);
        });
}

void TcpSession::on_read(boost::system::error_code ec, std::size_t length) {
    reading_ = false;
    if (closed_ || read_closed_) {
        return;  // shutdown(): queries arriving now are not answered
    }
    if (ec) {
        // EOF or reset: finish what is queued (RFC 7766 §6.2.4), then close.
        read_closed_ = true;
        if (done()) {
            close();
        }
        return;
    }
    in_used_ += length;
    if (!process_frames()) {
        read_closed_ = true;
    }
    flush();
    if (done()) {
        close();
        return;
    }
    read();
}

bool TcpSession::process_frames() {
    processing_ = true;
    std::size_t pos = 0;
    bool ok = true;
    while (in_used_ - pos >= 2) {
        std::size_t length = static_cast<std::size_t>(in_[pos] << 8 | in_[pos + 1]);
        if (length < wire::kHeaderSize) {
            ok = false;  // no DNS message is that short: the stream is not DNS
            break;
        }
        if (in_used_ - pos - 2 < length) {
            break;  // need more bytes
        }
        answer(std::span<const std::uint8_t>(in_.data() + pos + 2, length));
        pos += 2 + length;
        deadline_ = std::chrono::steady_clock::now() + idle_timeout_;
    }
    processing_ = false;
    if (pos > 0) {
        std::memmove(in_.data(), in_.data() + pos, in_used_ - pos);
        in_used_ -= pos;
    }
    if (ok && in_used_ >= 2) {
        std::size_t need = 2 + static_cast<std::size_t>(in_[0] << 8 | in_[1]);
        if (in_.size() < need) {
            in_.resize(need);  // a large query: grow once, up to 64 KiB
        }
    }
    return ok;
}

void TcpSession::answer(std::span<const std::uint8_t> query) {
    const auto received = std::chrono::steady_clock::now();
    auto out = worker_.answer_buffer();
    query::Decision& decision = worker_.decision();
    const runtime::Snapshot& snapshot = worker_.snapshot();  // once: decision.view is in it
    query::Responder::handle(snapshot, query, client_, query::Transport::Tcp, out, decision,
                             worker_.answer_cache());
    WorkerStats& stats = worker_.stats();
    // The latency of a TCP answer ends when it is queued for writing.
    const Answered note{received, stats.view_slot(snapshot, decision.view), query::Transport::Tcp,
                        client_, client_port_};
    if (decision.action == query::Action::Send) {
        queue(out.first(decision.size));
        stats.answered(note, out.first(decision.size));
    } else if (decision.action == query::Action::Forward) {
        stats.count_forwarded();
        forward(decision, note);
    } else {
        stats.count_dropped(query::Transport::Tcp);
    }
}

void TcpSession::forward(const query::Decision& decision, const Answered& note) {
    if (const auto answer = worker_.cached_forward(decision); !answer.empty()) {
        queue(answer);
        worker_.stats().answered(note, answer);
        return;
    }
    ++forwarded_;
    // A session closed meanwhile (or destroyed with its worker) drops the answer.
    auto reply = [weak = weak_from_this(), ecs = decision.ecs,
                  note](std::span<const std::uint8_t> answer) {
        if (auto self = weak.lock()) self->on_forwarded(ecs, note, answer);
    };
    const upstream::ClientQuery client{&decision.query, decision.limit};
    worker_.forwarder().resolve(client, decision.view->upstreams, std::move(reply));
}

void TcpSession::on_forwarded(const std::optional<wire::ClientSubnet>& ecs, const Answered& note,
                              std::span<const std::uint8_t> answer) {
    --forwarded_;
    if (closed_) {
        return;
    }
    const auto finished = worker_.finish_forwarded(ecs, answer);
    queue(finished);
    worker_.stats().answered(note, finished);
    if (processing_) {
        return;  // replied at once, from inside process_frames(): on_read() goes on
    }
    flush();
    if (done()) {
        close();
        return;
    }
    read();
}

void TcpSession::queue(std::span<const std::uint8_t> answer) {
    const std::size_t length = answer.size();
    queued_.push_back(static_cast<std::uint8_t>(length >> 8));
    queued_.push_back(static_cast<std::uint8_t>(length));
    queued_.insert(queued_.end(), answer.begin(), answer.end());
}

void TcpSession::flush() {
    if (closed_ || write_in_flight() || queued_.empty()) {
        return;
    }
    writing_.swap(queued_);  // queued_ takes the old, empty buffer and keeps its capacity
    asio::async_write(socket_, asio::buffer(writing_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          self->on_written(ec);
                      });
}

void TcpSession::on_written(boost::system::error_code ec) {
    writing_.clear();
    if (closed_) {
        return;
    }
    if (ec) {
        close();
        return;
    }
    flush();
    if (done()) {
        close();
        return;
    }
    read();
}

void TcpSession::watch_idle() {
    idle_timer_.expires_at(deadline_);
    idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->closed_) {
            return;
        }
        if (self->forwarded_ > 0) {
            // Not idle while answers are awaited (RFC 7766 §6.2.3).
            self->deadline_ = std::chrono::steady_clock::now() + self->idle_timeout_;
        }
        if (std::chrono::steady_clock::now() < self->deadline_) {
            self->watch_idle();  // a query came in meanwhile: wait for the new deadline
            return;
        }
        spdlog::debug("tcp: closing idle connection from {}", self->client_.to_string());
        self->close();
    });
}

void TcpSession::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    idle_timer_.cancel();
    worker_.remove_session(this);  // the caller holds a shared_ptr: this stays alive
}

}  // namespace sitedns::net
