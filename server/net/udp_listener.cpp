#include "server/net/udp_listener.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include "server/net/endpoint.h"

namespace sitedns::net {

namespace asio = boost::asio;

UdpListener::UdpListener(Worker& worker, asio::ip::udp::socket socket)
    : worker_(worker), socket_(std::move(socket)) {}

void UdpListener::start() {
    wait();
}

void UdpListener::close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
}

void UdpListener::wait() {
    socket_.async_wait(asio::ip::udp::socket::wait_read, [this](boost::system::error_code ec) {
        if (!ec) {
            drain();
        } else if (ec != asio::error::operation_aborted) {
            spdlog::error("udp {}: wait: {}", worker_.index(), ec.message());
        }
    });
}

void UdpListener::drain() {
    auto receive = worker_.receive_buffer();
    for (int i = 0; i < kBatch; ++i) {
        boost::system::error_code ec;
        std::size_t length =
            socket_.receive_from(asio::buffer(receive.data(), receive.size()), sender_, 0, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            wait();  // drained: the next datagram is a new readiness edge
            return;
        }
        if (ec == asio::error::bad_descriptor || ec == asio::error::operation_aborted) {
            return;  // closed
        }
        if (ec) {
            // ICMP errors from earlier sends (ECONNREFUSED...) surface here: skip them.
            spdlog::debug("udp: receive: {}", ec.message());
            continue;
        }
        answer(length);
    }
    // Still readable: let the worker's other sockets and sessions run first.
    asio::post(worker_.context(), [this] {
        if (socket_.is_open()) {
            drain();
        }
    });
}

void UdpListener::answer(std::size_t length) {
    const auto received = std::chrono::steady_clock::now();
    auto out = worker_.answer_buffer();
    query::Decision& decision = worker_.decision();
    const runtime::Snapshot& snapshot = worker_.snapshot();  // once: decision.view is in it
    const IpAddress client = from_asio(sender_.address());
    query::Responder::handle(snapshot, worker_.receive_buffer().first(length), client,
                             query::Transport::Udp, out, decision);
    WorkerStats& stats = worker_.stats();
    const Answered note{received, stats.view_slot(snapshot, decision.view), query::Transport::Udp,
                        client, sender_.port()};
    if (decision.action == query::Action::Send) {
        send(out.first(decision.size), sender_);
        stats.answered(note, out.first(decision.size));
    } else if (decision.action == query::Action::Forward) {
        stats.count_forwarded();
        forward(decision, note);
    } else {
        stats.count_dropped(query::Transport::Udp);
    }
}

void UdpListener::forward(const query::Decision& decision, const Answered& note) {
    if (const auto answer = worker_.cached_forward(decision); !answer.empty()) {
        send(answer, sender_);
        worker_.stats().answered(note, answer);
        return;
    }
    // Runs on this worker's thread, maybe after this listener has closed: `alive_` says.
    auto reply = [this, alive = std::weak_ptr<const bool>(alive_), to = sender_, ecs = decision.ecs,
                  note](std::span<const std::uint8_t> answer) {
        if (alive.expired() || !socket_.is_open()) return;
        const auto finished = worker_.finish_forwarded(ecs, answer);
        send(finished, to);
        worker_.stats().answered(note, finished);
    };
    const upstream::ClientQuery client{&decision.query, decision.limit};
    worker_.forwarder().resolve(client, decision.view->upstreams, std::move(reply));
}

void UdpListener::send(std::span<const std::uint8_t> answer, const asio::ip::udp::endpoint& to) {
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(answer.data(), answer.size()), to, 0, ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        spdlog::debug("udp: send to {}: {}", to.address().to_string(), ec.message());
    }
}

}  // namespace sitedns::net
