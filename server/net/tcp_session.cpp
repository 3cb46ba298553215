// Threads: see server/net/tcp_session.h.
#include "server/net/tcp_session.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>

#include "server/wire/header.h"

namespace sitedns::net {

namespace asio = boost::asio;

TcpSession::TcpSession(Worker& worker, asio::ip::tcp::socket socket, const IpAddress& client,
                       std::uint16_t client_port, const Limits& limits,
                       std::shared_ptr<TcpConnections> connections)
    : worker_(worker),
      socket_(std::move(socket)),
      idle_timer_(worker.context()),
      idle_timeout_(limits.idle_timeout),
      max_in_flight_(limits.max_in_flight),
      connections_(std::move(connections)),
      client_(client),
      client_port_(client_port),
      in_(kInitialBuffer) {}

TcpSession::~TcpSession() {
    connections_->release(client_);
}

void TcpSession::start() {
    if (worker_.stopping()) {
        return;  // the server is stopping: the socket closes with this object
    }
    boost::system::error_code ec;
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
    if (reading_ || eof_ || read_closed_ || closed_ || saturated()) {
        return;  // a full queue resumes reading from on_written() or on_forwarded()
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
        // EOF or reset: answer the queries received, write what is queued (RFC 7766
        // §6.2.4), then close.
        eof_ = true;
    } else {
        in_used_ += length;
    }
    resume();
}

void TcpSession::resume() {
    if (!read_closed_ && !saturated()) {
        if (!process_frames()) {
            read_closed_ = true;
        }
        flush();
    }
    if (eof_ && !saturated()) {
        read_closed_ = true;  // not saturated after parsing: every whole query is answered
    }
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
    while (in_used_ - pos >= 2 && !saturated()) {
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
    const query::Snapshot& snapshot = worker_.snapshot();  // once: decision.view is in it
    query::Responder::handle(snapshot, query, client_, query::Transport::Tcp, out, decision,
                             worker_.packet_cache());
    WorkerStats& stats = worker_.stats();
    stats.note_packet_cache(worker_.packet_cache());
    if (decision.cookie != query::CookieResult::None) stats.count_cookie(decision.cookie);
    // The latency of a TCP answer ends when it is queued for writing.
    const Answered note{received, stats.view_slot(snapshot, decision.view), query::Transport::Tcp,
                        client_, client_port_};
    if (decision.action == query::Action::Send) {
        if (decision.forwarded) stats.count_forwarded_hit();
        queue(out.first(decision.size));
        stats.answered(note, out.first(decision.size));
    } else if (decision.action == query::Action::Forward) {
        stats.count_forwarded();
        forward(snapshot, decision, note);
    } else {
        stats.count_dropped(query::Transport::Tcp);
    }
}

void TcpSession::forward(const query::Snapshot& snapshot, const query::Decision& decision,
                         const Answered& note) {
    // The same path as UDP's: the forwarder's cache, whose answer this thread's packet
    // cache keeps as a copy of the entry.
    const auto answer =
        worker_.cached_forward(snapshot, decision, worker_.answer_buffer(), worker_.packet_cache(),
                               worker_.stats().forward_cache());
    if (!answer.empty()) {
        queue(answer);
        worker_.stats().answered(note, answer);
        return;
    }
    ++forwarded_;
    // A session closed meanwhile (or destroyed with its worker) drops the answer.
    worker_.resolve(
        decision,
        [weak = weak_from_this(), note](std::span<const std::uint8_t> a) {
            if (auto self = weak.lock()) self->on_forwarded(note, a);
        },
        &worker_.context());
}

void TcpSession::on_forwarded(const Answered& note, std::span<const std::uint8_t> answer) {
    --forwarded_;
    if (closed_) {
        return;
    }
    queue(answer);
    worker_.stats().answered(note, answer);
    if (processing_) {
        return;  // replied at once, from inside process_frames(): resume() goes on
    }
    flush();
    resume();
}

void TcpSession::queue(std::span<const std::uint8_t> answer) {
    const std::size_t length = answer.size();
    queued_.push_back(static_cast<std::uint8_t>(length >> 8));
    queued_.push_back(static_cast<std::uint8_t>(length));
    queued_.insert(queued_.end(), answer.begin(), answer.end());
    ++queued_count_;
}

void TcpSession::flush() {
    if (closed_ || write_in_flight() || queued_.empty()) {
        return;
    }
    writing_.swap(queued_);  // queued_ takes the old, empty buffer and keeps its capacity
    writing_count_ = queued_count_;
    queued_count_ = 0;
    asio::async_write(socket_, asio::buffer(writing_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          self->on_written(ec);
                      });
}

void TcpSession::on_written(boost::system::error_code ec) {
    writing_.clear();
    writing_count_ = 0;
    if (closed_) {
        return;
    }
    if (ec) {
        close();
        return;
    }
    flush();
    resume();
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
        self->connections_->count_idle_close();
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
