#pragma once
// The running server: the published snapshot, the transport, and the control loop
// that turns signals into a clean stop or a reload (SPEC §2).
// Threads: the main thread: it runs the control io_context (signals, stop); the
// Service starts the worker, forwarder, reload and metrics threads and joins them.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "server/net/metrics_http.h"
#include "server/net/server.h"
#include "server/query/snapshot.h"
#include "server/runtime/metrics.h"
#include "server/runtime/reload.h"
#include "server/runtime/snapshot_holder.h"

namespace sitedns {

class Service {
  public:
    /// `source` is where SIGHUP reloads from (without it, SIGHUP is logged and ignored);
    /// `notifier` (default: none) is told about readiness, reloads and the stop, and
    /// must outlive the Service.
    Service(std::shared_ptr<const query::Snapshot> snapshot, net::ServerOptions options,
            std::optional<runtime::ConfigSource> source = std::nullopt,
            runtime::Notifier* notifier = nullptr);

    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    /// Opens the sockets, and the metrics endpoint when `metrics_listen` is set; throws
    /// net::BindError.
    void bind();
    /// The metrics endpoint's address with its actual port (after bind()), if any.
    std::optional<Endpoint> metrics_bound() const;
    /// The counters and their Prometheus text (what `GET /metrics` serves).
    const runtime::Metrics& metrics() const { return metrics_; }
    /// The listen addresses with their actual ports (after bind(); a reload may change them).
    std::vector<Endpoint> bound() const { return server_.bound(); }
    std::size_t threads() const { return server_.threads(); }
    /// The snapshot being served (the initial one until a reload replaces it).
    std::shared_ptr<const query::Snapshot> snapshot() const { return snapshots_.load(); }

    /// Serves until SIGTERM or SIGINT, then stops cleanly: listeners closed, TCP answers
    /// in flight written (at most 2 s). SIGHUP reloads on the reload thread (reload.h).
    /// Returns the exit status (0 after a signal).
    int run();

  private:
    std::optional<runtime::ConfigSource> source_;
    runtime::Notifier* notifier_;
    runtime::SnapshotHolder snapshots_;
    net::Server server_;
    runtime::Metrics metrics_;
    std::unique_ptr<net::MetricsHttp> metrics_http_;  // last: stopped before the rest goes
};

/// Logs the start-up banner: version, listen addresses, threads, views and zones.
void log_banner(const query::Snapshot& snapshot, const std::vector<Endpoint>& listen,
                std::size_t threads);

/// Writes "<port>\n" to `file` atomically (a temporary file renamed), so a test that
/// started the server on port 0 learns the port. Throws std::runtime_error.
void write_port_file(const std::filesystem::path& file, std::uint16_t port);

}  // namespace sitedns
