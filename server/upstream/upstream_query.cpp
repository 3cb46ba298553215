// Threads: see server/upstream/upstream_query.h.
#include "server/upstream/upstream_query.h"

#include <algorithm>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "server/base/random.h"
#include "server/wire/header.h"

namespace sitedns::upstream {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// Largest UDP reply read; the query advertised wire::kEdnsPayload, so more is the upstream's
/// mistake (a cut datagram then fails to scan and counts as an error).
constexpr std::size_t kUdpBuffer = 4096;

}  // namespace

std::uint16_t random_id() {
    // Called for every upstream query: from a pool of the thread's own, refilled 128
    // IDs at a time, not one getrandom(2) call each.
    thread_local base::RandomPool pool;
    return pool.value<std::uint16_t>();
}

UpstreamQuery::UpstreamQuery(asio::io_context& io, const asio::ip::udp::endpoint& upstream,
                             const Question& question, ExchangeCounters counters)
    : udp_(io),
      tcp_(io),
      timer_(io),
      upstream_(upstream),
      question_(question),
      counters_(counters) {}

void UpstreamQuery::start(Clock::duration timeout, Clock::time_point deadline, Done done,
                          bool tcp_only) {
    timeout_ = timeout;
    deadline_ = deadline;
    done_ = std::move(done);
    if (tcp_only) {
        if (!prepare_query()) {
            asio::post(udp_.get_executor(),
                       [self = shared_from_this()] { self->finish(ExchangeStatus::NetworkError); });
            return;
        }
        connect_tcp();
        return;
    }
    // A new socket for every query, on a random ephemeral port the kernel picks (RFC
    // 5452 §9.2): when the query is sent (the same choice as a bind to port 0, one system
    // call fewer per miss), or at the bind to a configured source address. Unconnected:
    // the sender of each reply is checked.
    error_code ec;
    udp_.open(upstream_.protocol(), ec);
    if (!ec && source_) udp_.bind(asio::ip::udp::endpoint(*source_, 0), ec);
    if (ec || !prepare_query()) {
        asio::post(udp_.get_executor(),
                   [self = shared_from_this()] { self->finish(ExchangeStatus::NetworkError); });
        return;
    }
    send_udp();
}

void UpstreamQuery::cancel() {
    finished_ = true;
    done_ = nullptr;
    error_code ec;
    timer_.cancel();
    udp_.close(ec);
    tcp_.close(ec);
}

/// A fresh random ID and the query with its TCP length prefix (RFC 1035 §4.2.2).
bool UpstreamQuery::prepare_query() {
    id_ = random_id();
    query_size_ = write_upstream_query(question_, id_, std::span(query_).subspan(2));
    query_[0] = static_cast<std::uint8_t>(query_size_ >> 8);
    query_[1] = static_cast<std::uint8_t>(query_size_);
    return query_size_ != 0;
}

void UpstreamQuery::arm_timer() {
    timer_.expires_at(std::min(Clock::now() + timeout_, deadline_));
    timer_.async_wait([self = shared_from_this(), gen = ++timer_gen_](const error_code& ec) {
        if (self->finished_ || ec || gen != self->timer_gen_) return;
        self->finish(ExchangeStatus::Timeout);
    });
}

void UpstreamQuery::send_udp() {
    ++*counters_.queries_sent;
    arm_timer();
    udp_.async_send_to(asio::buffer(query_.data() + 2, query_size_), upstream_,
                       [self = shared_from_this()](const error_code& ec, std::size_t) {
                           if (!self->finished_ && ec) self->finish(ExchangeStatus::NetworkError);
                       });
    receive_udp();
}

void UpstreamQuery::receive_udp() {
    buffer_.resize(kUdpBuffer);
    udp_.async_receive_from(asio::buffer(buffer_), sender_,
                            [self = shared_from_this()](const error_code& ec, std::size_t n) {
                                if (self->finished_) return;
                                if (ec) return self->finish(ExchangeStatus::NetworkError);
                                self->on_udp_reply(n);
                            });
}

/// Anything not from the upstream's address and port, or not answering our ID and
/// question, is dropped and counted; the socket keeps listening until the timer
/// (RFC 5452 §9.1).
void UpstreamQuery::on_udp_reply(std::size_t size) {
    const std::span<const std::uint8_t> reply(buffer_.data(), size);
    if (sender_ != upstream_ || !reply_matches(reply, id_, question_)) {
        ++*counters_.dropped_replies;
        receive_udp();
        return;
    }
    if (wire::Header(reply).tc()) {
        start_tcp();  // RFC 7766 §5: retry the same server over TCP
        return;
    }
    finish(ExchangeStatus::Answer, reply);
}

/// A fresh connection with a fresh ID and timer; the UDP socket is done.
void UpstreamQuery::start_tcp() {
    error_code ignored;
    udp_.close(ignored);
    if (!prepare_query()) return finish(ExchangeStatus::NetworkError);
    connect_tcp();
}

/// Connects (from a kernel-chosen ephemeral port) and sends the prepared query under a
/// fresh timer.
void UpstreamQuery::connect_tcp() {
    arm_timer();
    const asio::ip::tcp::endpoint to(upstream_.address(), upstream_.port());
    if (source_) {
        error_code ec;
        tcp_.open(to.protocol(), ec);
        if (!ec) tcp_.bind(asio::ip::tcp::endpoint(*source_, 0), ec);
        if (ec) {
            asio::post(tcp_.get_executor(),
                       [self = shared_from_this()] { self->finish(ExchangeStatus::NetworkError); });
            return;
        }
    }
    tcp_.async_connect(to, [self = shared_from_this()](const error_code& ec) {
        if (self->finished_) return;
        if (ec) return self->finish(ExchangeStatus::NetworkError);
        ++*self->counters_.queries_sent;
        asio::async_write(self->tcp_, asio::buffer(self->query_.data(), self->query_size_ + 2),
                          [self](const error_code& wec, std::size_t) {
                              if (self->finished_) return;
                              if (wec) return self->finish(ExchangeStatus::NetworkError);
                              self->read_tcp_length();
                          });
    });
}

void UpstreamQuery::read_tcp_length() {
    buffer_.resize(2);
    asio::async_read(tcp_, asio::buffer(buffer_),
                     [self = shared_from_this()](const error_code& ec, std::size_t) {
                         if (self->finished_) return;
                         if (ec) return self->finish(ExchangeStatus::NetworkError);
                         self->read_tcp_body(std::size_t{self->buffer_[0]} << 8 | self->buffer_[1]);
                     });
}

void UpstreamQuery::read_tcp_body(std::size_t size) {
    buffer_.resize(size);
    asio::async_read(tcp_, asio::buffer(buffer_),
                     [self = shared_from_this()](const error_code& ec, std::size_t) {
                         if (self->finished_) return;
                         if (ec) return self->finish(ExchangeStatus::NetworkError);
                         if (!reply_matches(self->buffer_, self->id_, self->question_)) {
                             ++*self->counters_.dropped_replies;
                             return self->finish(ExchangeStatus::BadReply);
                         }
                         self->finish(ExchangeStatus::Answer, self->buffer_);
                     });
}

void UpstreamQuery::finish(ExchangeStatus status, std::span<const std::uint8_t> reply) {
    if (finished_) return;
    finished_ = true;
    error_code ec;
    timer_.cancel();
    udp_.close(ec);
    tcp_.close(ec);
    Done done = std::move(done_);
    done_ = nullptr;
    if (done) done(status, reply);
}

}  // namespace sitedns::upstream
