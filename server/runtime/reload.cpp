// Threads: see server/runtime/reload.h.
#include "server/runtime/reload.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <utility>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "server/runtime/logging.h"
#include "server/runtime/privileges.h"
#include "zones/dns/text.h"

namespace sitedns::runtime {
namespace {

/// How often the reload thread looks whether the workers let go of a retired snapshot.
constexpr std::chrono::milliseconds kRetirePoll{50};

std::string join(const std::vector<Endpoint>& endpoints) {
    std::string text;
    for (const Endpoint& endpoint : endpoints) {
        if (!text.empty()) text += ", ";
        text += endpoint.to_string();
    }
    return text.empty() ? "nothing" : text;
}

/// The error problems of a snapshot, joined with "; ".
std::string errors_of(const query::Snapshot& snapshot) {
    std::string text;
    for (const Problem& problem : snapshot.problems) {
        if (problem.severity != Problem::Severity::Error) continue;
        if (!text.empty()) text += "; ";
        text += problem.text;
    }
    return text;
}

std::int64_t milliseconds_since(std::chrono::steady_clock::time_point start) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    return duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Config load_config(const ConfigSource& source) {
    Config config = source.file.empty() ? default_config() : read_config_file(source.file);
    const Overrides& overrides = source.overrides;
    if (!overrides.listen.empty()) config.listen = overrides.listen;
    if (overrides.threads) config.threads = *overrides.threads;
    if (!overrides.log_level.empty()) config.log.level = overrides.log_level;
    if (!parse_log_level(config.log.level)) {
        throw std::runtime_error(config.source + ": log.level: unknown level \"" +
                                 config.log.level + "\"");
    }
    if (config.listen.empty()) {
        throw std::runtime_error(config.source + ": listen: no address to listen on");
    }
    return config;
}

BuildResult build_generation(const ConfigSource& source, std::uint64_t generation) {
    BuildResult result;
    try {
        Config config = load_config(source);
        // Read as root before the switch to `user`, a zone error quotes only a file that
        // user could read (zones/load/file_reader.h).
        load::set_file_reader(zone_file_reader(config.user, ::geteuid()));
        result.snapshot = build_snapshot(std::move(config), generation);
    } catch (const std::exception& e) {
        // Any exception, not only ConfigError and ZoneError, may quote a file's text.
        result.error = dns::printable(e.what());
        return result;
    }
    if (result.snapshot->has_errors()) result.error = errors_of(*result.snapshot);
    return result;
}

ListenChange diff_listen(const std::vector<Endpoint>& running,
                         const std::vector<Endpoint>& wanted) {
    ListenChange change;
    for (const Endpoint& endpoint : wanted) {
        if (std::find(running.begin(), running.end(), endpoint) == running.end()) {
            change.added.push_back(endpoint);
        }
    }
    for (const Endpoint& endpoint : running) {
        if (std::find(wanted.begin(), wanted.end(), endpoint) == wanted.end()) {
            change.removed.push_back(endpoint);
        }
    }
    return change;
}

Reloader::Reloader(ConfigSource source, SnapshotHolder& snapshots, std::vector<Endpoint> listening,
                   Notifier& notifier, ListenControl listen, ReloadStats* stats)
    : source_(std::move(source)),
      snapshots_(snapshots),
      listening_(std::move(listening)),
      notifier_(notifier),
      listen_(std::move(listen)),
      stats_(stats) {
    const auto initial = snapshots_.load();
    fixed_ = Fixed{initial->config.listen,         initial->config.threads, initial->config.tcp,
                   initial->config.metrics_listen, initial->config.metrics, initial->config.user};
    thread_ = std::thread([this] { loop(); });
}

Reloader::~Reloader() {
    stop();
}

void Reloader::request() {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (pending_) {
        spdlog::debug("SIGHUP: a reload is already queued");
    } else if (running_) {
        spdlog::info("SIGHUP during a reload: one more reload queued");
    } else {
        spdlog::info("SIGHUP: reloading {}",
                     source_.file.empty() ? "the built-in configuration" : source_.file);
    }
    pending_ = true;
    wake_.notify_one();
}

void Reloader::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void Reloader::loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        const auto woken = [this] { return stopping_ || pending_; };
        if (retired_.empty()) {
            wake_.wait(lock, woken);
        } else {
            wake_.wait_for(lock, kRetirePoll, woken);
        }
        if (stopping_) break;
        const bool reload = pending_;
        pending_ = false;
        running_ = reload;
        lock.unlock();
        if (reload) {
            try {
                reload_once();
            } catch (const std::exception& e) {  // e.g. bad_alloc while publishing
                spdlog::error("reload failed: {}", e.what());
                if (stats_) stats_->record(false);
                notifier_.ready();
            }
        }
        release_retired();
        lock.lock();
        running_ = false;
    }
    lock.unlock();
    retired_.clear();  // the workers have returned: nobody reads these any more
}

void Reloader::reload_once() {
    notifier_.reloading();
    const auto started = std::chrono::steady_clock::now();
    const std::uint64_t serving = snapshots_.load()->generation;
    BuildResult result = build_generation(source_, serving + 1);
    const std::int64_t elapsed = milliseconds_since(started);
    if (result.refused()) {
        spdlog::error("reload failed, still serving generation {}: {} ({} ms)", serving,
                      result.error, elapsed);
        if (stats_) stats_->record(false);
        notifier_.ready();
        return;
    }
    const query::Snapshot& next = *result.snapshot;
    for (const Problem& problem : next.problems) spdlog::warn("{}", problem.text);
    warn_restart_only(next.config);
    if (auto level = parse_log_level(next.config.log.level)) set_log_level(*level);
    const std::size_t views = next.views.size(), zones = next.zone_count;
    const std::size_t records = next.record_count;
    const std::vector<Endpoint> listen = next.config.listen;
    publish(std::move(result.snapshot));
    if (stats_) stats_->record(true);
    // After the publish: a new address serves the new data from its first query. Its bind
    // failing does not undo the data reload.
    apply_listen(listen);
    spdlog::info("reloaded in {} ms: {} views, {} zones, {} records (generation {})", elapsed,
                 views, zones, records, serving + 1);
    notifier_.ready();
}

void Reloader::publish(std::shared_ptr<const query::Snapshot> next) {
    retired_.push_back(snapshots_.exchange(std::move(next)));
}

void Reloader::warn_restart_only(const Config& next) const {
    // Without a ListenControl (no server to change) the sockets stay as they were bound,
    // and the log says so.
    const ListenChange change = diff_listen(fixed_.listen, next.listen);
    if (!listen_ && !change.empty()) {
        spdlog::warn(
            "listen address changes need a restart: added {}, removed {}; still "
            "listening on {}",
            join(change.added), join(change.removed), join(listening_));
    }
    if (next.threads != fixed_.threads) {
        spdlog::warn("threads changed from {} to {}: needs a restart", fixed_.threads,
                     next.threads);
    }
    if (next.tcp != fixed_.tcp) {
        spdlog::warn("tcp limits changed: they need a restart");
    }
    if (next.metrics_listen != fixed_.metrics_listen) {
        spdlog::warn("metrics_listen changed: it needs a restart");
    }
    if (next.metrics != fixed_.metrics) {
        spdlog::warn("metrics (access, limits) changed: it needs a restart");
    }
    if (next.user != fixed_.user) {
        spdlog::warn("user changed: it needs a restart");
    }
}

void Reloader::apply_listen(const std::vector<Endpoint>& wanted) {
    if (!listen_) return;
    const ListenResult result = listen_(wanted);
    listening_ = result.listening;
    for (const Endpoint& endpoint : result.closed) {
        spdlog::info("no longer listening on {}", endpoint.to_string());
    }
    for (const Endpoint& endpoint : result.opened) {
        spdlog::info("listening on {} (UDP and TCP)", endpoint.to_string());
    }
    for (const std::string& error : result.errors) {
        spdlog::error("{}; still listening on {}", error, join(listening_));
    }
}

void Reloader::release_retired() {
    // use_count() == 1: the holder no longer hands it out and no reader holds a copy, so
    // this thread owns it alone and the free (of a large zone set) happens here rather
    // than on a worker's packet path.
    auto last = std::remove_if(retired_.begin(), retired_.end(), [](const auto& snapshot) {
        if (snapshot.use_count() != 1) return false;
        spdlog::debug("generation {} freed", snapshot->generation);
        return true;
    });
    retired_.erase(last, retired_.end());
}

}  // namespace sitedns::runtime
