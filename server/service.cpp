// Threads: see server/service.h.
#include "server/service.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/runtime/signals.h"

namespace sitedns {

namespace asio = boost::asio;

namespace {

/// How long TCP sessions may take to write their last answers after a stop signal.
constexpr std::chrono::seconds kStopGrace{2};

std::string zone_list(const query::View& view) {
    // A site view of a large topology holds one zone per other site: count them.
    constexpr std::size_t kListed = 8;
    if (view.zones.zones().size() > kListed) {
        return std::to_string(view.zones.zones().size()) + " zones, " +
               std::to_string(view.zones.record_count()) + " records";
    }
    std::string text;
    for (const auto& zone : view.zones.zones()) {
        if (!text.empty()) {
            text += ", ";
        }
        text +=
            zone->origin().to_text() + " (" + std::to_string(zone->record_count()) + " records)";
    }
    return text.empty() ? "no zones" : text;
}

runtime::Notifier& no_notifier() {
    static runtime::Notifier none;
    return none;
}

}  // namespace

Service::Service(std::shared_ptr<const query::Snapshot> snapshot, net::ServerOptions options,
                 std::optional<runtime::ConfigSource> source, runtime::Notifier* notifier)
    : source_(std::move(source)),
      notifier_(notifier ? notifier : &no_notifier()),
      snapshots_(std::move(snapshot)),
      server_(snapshots_, std::move(options)) {
    metrics_.add_collector([this](runtime::MetricsSample& sample) {
        server_.collect(sample);
        const auto current = snapshots_.load();
        sample.views = current->views.size();
        sample.zones = current->zone_count;
        sample.records = current->record_count;
        sample.topology_serial = current->topology.version().serial;
    });
}

void Service::bind() {
    server_.bind();
    const auto snapshot = snapshots_.load();
    if (const auto& endpoint = snapshot->config.metrics_listen) {
        metrics_http_ = std::make_unique<net::MetricsHttp>(*endpoint, snapshot->config.metrics,
                                                           [this] { return metrics_.scrape(); });
        spdlog::info("metrics on http://{}/metrics", metrics_http_->bound().to_string());
    }
}

std::optional<Endpoint> Service::metrics_bound() const {
    if (!metrics_http_) return std::nullopt;
    return metrics_http_->bound();
}

int Service::run() {
    asio::io_context control(1);
    asio::steady_timer grace(control);
    bool stopping = false;
    // The reload thread; SIGHUP only hands it a request (STYLE rule 8).
    std::optional<runtime::Reloader> reloader;
    if (source_) {
        reloader.emplace(
            *source_, snapshots_, server_.bound(), *notifier_,
            [this](const std::vector<Endpoint>& wanted) {
                const net::ListenUpdate update = server_.update_listen(wanted);
                return runtime::ListenResult{update.opened, update.closed, update.errors,
                                             server_.bound()};
            },
            &metrics_.reloads());
    }

    runtime::SignalWatcher signals(
        control,
        [&](int signal) {
            if (stopping) {
                spdlog::warn("{}: stopping now", ::strsignal(signal));
                server_.stop_now();
                return;
            }
            stopping = true;
            spdlog::info("{}: stopping", ::strsignal(signal));
            notifier_->stopping();
            server_.shutdown();
            grace.expires_after(kStopGrace);
            grace.async_wait([this](boost::system::error_code ec) {
                if (!ec) {
                    spdlog::warn("TCP answers still in flight after {} s: closing them",
                                 kStopGrace.count());
                    server_.stop_now();
                }
            });
        },
        [&] {
            if (stopping) {
                spdlog::info("SIGHUP while stopping: ignored");
            } else if (reloader) {
                reloader->request();
            } else {
                spdlog::warn("SIGHUP: no configuration source to reload from");
            }
        });

    // Once every worker has returned, nothing is left for the control loop to wait for.
    server_.start([&control, &grace, &signals] {
        asio::post(control, [&grace, &signals] {
            grace.cancel();
            signals.cancel();
        });
    });
    if (metrics_http_) metrics_http_->start();
    notifier_->ready();
    control.run();
    if (metrics_http_) metrics_http_->stop();
    // A reload in progress finishes (its build cannot be interrupted); a queued one is
    // dropped. Then no publish can reach the workers any more.
    if (reloader) reloader->stop();
    server_.join();
    if (!stopping) {
        spdlog::error("worker threads stopped unexpectedly");
        return 3;
    }
    spdlog::info("stopped");
    return 0;
}

void log_banner(const query::Snapshot& snapshot, const std::vector<Endpoint>& listen,
                std::size_t threads) {
    spdlog::info("sitedns {} starting with configuration {}", SITEDNS_VERSION,
                 snapshot.config.source);
    for (const auto& endpoint : listen) {
        spdlog::info("listening on {} (UDP and TCP)", endpoint.to_string());
    }
    spdlog::info("{} worker threads; {} views, {} zones, {} records", threads,
                 snapshot.views.size(), snapshot.zone_count, snapshot.record_count);
    for (const auto& view : snapshot.views) {
        spdlog::info("view {}{}: {}", view.name, view.recursion ? " (recursion)" : "",
                     zone_list(view));
    }
    const DnssecConfig& dnssec = snapshot.config.dnssec;
    if (dnssec.validate) {
        spdlog::info(
            "DNSSEC validation of forwarded answers on: trust anchor {}, {} names exempt "
            "(sitedns check lists them)",
            dnssec.trust_anchor, snapshot.negative_trust_anchors.size());
    } else {
        spdlog::info("DNSSEC validation of forwarded answers off (dnssec.validate)");
    }
}

void write_port_file(const std::filesystem::path& file, std::uint16_t port) {
    std::filesystem::path temporary = file;
    temporary += ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << '\n';
        if (!out.flush()) {
            throw std::runtime_error(temporary.string() + ": " + std::strerror(errno));
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, file, ec);
    if (ec) {
        throw std::runtime_error(file.string() + ": " + ec.message());
    }
}

}  // namespace sitedns
