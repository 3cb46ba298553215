// Threads: see server/net/metrics_http.h.
#include "server/net/metrics_http.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include "server/net/server.h"
#include "server/runtime/metrics.h"
#include "server/upstream/asio_address.h"

namespace sitedns::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

/// A scrape request has no body worth reading.
constexpr std::uint64_t kBodyLimit = 4096;

/// One HTTP connection: read a request, answer it, again while the client keeps it alive
/// (Asio's http/server example, with Beast's parser). It counts itself in `open` while it
/// lives.
class MetricsSession : public std::enable_shared_from_this<MetricsSession> {
  public:
    MetricsSession(tcp::socket socket, const MetricsHttp::Render& render,
                   std::chrono::milliseconds idle, std::size_t& open)
        : stream_(std::move(socket)), render_(render), idle_(idle), open_(open) {
        ++open_;
    }
    ~MetricsSession() { --open_; }
    MetricsSession(const MetricsSession&) = delete;
    MetricsSession& operator=(const MetricsSession&) = delete;

    void read() {
        parser_.emplace();
        parser_->body_limit(kBodyLimit);
        stream_.expires_after(idle_);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

  private:
    void on_read(beast::error_code ec) {
        if (ec) {
            // end_of_stream: the client closed; anything else: bad request or idle.
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        respond(parser_->get());
        stream_.expires_after(idle_);  // the answer's write gets a whole period of its own
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                              self->on_written(write_ec);
                          });
    }

    void respond(const http::request<http::string_body>& request) {
        std::string_view target(request.target().data(), request.target().size());
        target = target.substr(0, target.find('?'));
        response_ = {};
        response_.version(request.version());
        response_.keep_alive(request.keep_alive());
        response_.set(http::field::server, "sitedns/" SITEDNS_VERSION);
        const bool get = request.method() == http::verb::get;
        if (target != "/metrics") {
            plain(http::status::not_found, "not found: GET /metrics\n");
        } else if (!get && request.method() != http::verb::head) {
            plain(http::status::method_not_allowed, "method not allowed: GET /metrics\n");
            response_.set(http::field::allow, "GET, HEAD");
        } else {
            response_.result(http::status::ok);
            response_.set(http::field::content_type,
                          beast::string_view(runtime::kPrometheusContentType.data(),
                                             runtime::kPrometheusContentType.size()));
            response_.body() = render_();
        }
        response_.prepare_payload();
        if (!get) response_.body().clear();  // HEAD: the length of the body, without it
    }

    void plain(http::status status, std::string_view text) {
        response_.result(status);
        response_.set(http::field::content_type, "text/plain; charset=utf-8");
        response_.body() = std::string(text);
    }

    void on_written(beast::error_code ec) {
        if (ec) return;
        if (!response_.keep_alive()) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        read();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    const MetricsHttp::Render& render_;
    std::chrono::milliseconds idle_;
    std::size_t& open_;
};

}  // namespace

MetricsHttp::MetricsHttp(const Endpoint& endpoint, const MetricsConfig& limits, Render render)
    : acceptor_(io_),
      retry_(io_),
      render_(std::move(render)),
      access_(limits.allowed()),
      max_connections_(limits.max_connections),
      idle_(limits.idle_timeout_ms) {
    try {
        const tcp::endpoint at(upstream::to_asio(endpoint.address), endpoint.port);
        acceptor_.open(at.protocol());
        if (at.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true));
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(at);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        bound_ = endpoint;
        bound_.port = acceptor_.local_endpoint().port();
    } catch (const boost::system::system_error& e) {
        throw BindError("cannot listen for metrics on " + endpoint.to_string() + ": " +
                        e.code().message());
    }
}

MetricsHttp::~MetricsHttp() {
    stop();
}

void MetricsHttp::start() {
    accept();
    thread_ = std::thread([this] {
        try {
            io_.run();
        } catch (const std::exception& e) {
            spdlog::error("metrics: {}", e.what());
        }
    });
}

void MetricsHttp::stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
}

void MetricsHttp::accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
            beast::error_code peer_ec;
            const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
            // Refused: closed here, unanswered, when `socket` goes out of scope.
            if (!peer_ec && admit(peer)) {
                std::make_shared<MetricsSession>(std::move(socket), render_, idle_, open_)->read();
            }
            return accept();
        }
        // Out of descriptors, say: try again a little later rather than spin.
        spdlog::warn("metrics: accept: {}", ec.message());
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](beast::error_code timer_ec) {
            if (!timer_ec) accept();
        });
    });
}

bool MetricsHttp::admit(const tcp::endpoint& peer) {
    const IpAddress address = upstream::from_asio(peer.address());
    const bool allowed = std::any_of(access_.begin(), access_.end(),
                                     [&](const Cidr& cidr) { return cidr.contains(address); });
    if (!allowed) {
        if (!std::exchange(logged_access_, true)) {
            spdlog::warn("metrics: connection from {} closed: not in metrics.access (logged once)",
                         address.to_string());
        }
        return false;
    }
    if (open_ >= max_connections_) {
        if (!std::exchange(logged_limit_, true)) {
            spdlog::warn(
                "metrics: connection from {} closed: metrics.max_connections ({}) open "
                "(logged once)",
                address.to_string(), max_connections_);
        }
        return false;
    }
    return true;
}

}  // namespace sitedns::net
