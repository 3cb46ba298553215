#include "server/net/udp_listener.h"

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
    auto out = worker_.answer_buffer();
    std::size_t answer_length =
        query::Responder::respond(worker_.snapshot(), worker_.receive_buffer().first(length),
                                  from_asio(sender_.address()), query::Transport::Udp, out);
    if (answer_length == 0) {
        return;
    }
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(out.data(), answer_length), sender_, 0, ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        spdlog::debug("udp: send to {}: {}", sender_.address().to_string(), ec.message());
    }
}

}  // namespace sitedns::net
