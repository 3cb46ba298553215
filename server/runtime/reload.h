#pragma once
// Reload on SIGHUP (SPEC §2, §5; STYLE rules 5 and 8): the signal handler only calls
// Reloader::request(); a dedicated reload thread (never an I/O worker) re-reads the
// configuration and its zones, builds and checks a new snapshot aside, and publishes it
// at once. A build that fails keeps the old snapshot serving. Requests that arrive
// during a reload coalesce into one more reload. Old snapshots are freed on the reload
// thread once the last worker has let go of them (CoreDNS's reload, dnsdist's sholder).
// Threads: request() from the main thread (SIGHUP); loading, building and
// publishing on the reload thread only.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "server/runtime/metrics.h"
#include "server/runtime/snapshot_builder.h"
#include "server/runtime/snapshot_holder.h"

namespace sitedns::runtime {

/// The command-line settings that override the configuration file (SPEC §2). Kept for
/// the whole run: every reload applies them again.
struct Overrides {
    std::vector<Endpoint> listen;  ///< empty: the configuration's `listen`
    std::optional<unsigned> threads;
    std::string log_level;  ///< empty: the configuration's `log.level`
};

/// Where the configuration comes from: `file`, or the built-in one when it is empty.
struct ConfigSource {
    std::string file;
    Overrides overrides;
};

/// Reads the configuration (the file, or the built-in one), applies the overrides and
/// checks what the server needs beyond the reader's checks (a known log level, at least
/// one listen address). Throws std::runtime_error whose message names the file.
Config load_config(const ConfigSource& source);

/// One generation built from a source, and whether it may be served.
struct BuildResult {
    /// Null when the configuration or a zone could not be read; otherwise built, with
    /// every problem of the topology in `snapshot->problems`, also when it is refused.
    std::shared_ptr<const query::Snapshot> snapshot;
    /// Why the generation is refused, naming the file and the problem; empty when it may
    /// be served.
    std::string error;
    bool refused() const { return !error.empty(); }
};

/// load_config + build_snapshot + the topology verdict: a snapshot with an error problem
/// is refused like a file that does not parse (its errors, joined with "; ", are the
/// reason). Never throws. The snapshot's warnings are the caller's to log. The one way a
/// generation is built: at start, on SIGHUP, and by `sitedns check`, `trace` and
/// `export`, so that check accepts exactly what the server serves.
BuildResult build_generation(const ConfigSource& source, std::uint64_t generation);

/// Listen addresses a reload adds and removes, in the order they are configured.
struct ListenChange {
    std::vector<Endpoint> added;
    std::vector<Endpoint> removed;
    bool empty() const { return added.empty() && removed.empty(); }
};

/// What changes going from `running` to `wanted` (configured addresses, port 0 kept).
ListenChange diff_listen(const std::vector<Endpoint>& running, const std::vector<Endpoint>& wanted);

/// What the server did with a reload's listen addresses (see ListenControl).
struct ListenResult {
    std::vector<Endpoint> opened;     ///< newly bound, with their actual ports
    std::vector<Endpoint> closed;     ///< no longer listened on
    std::vector<std::string> errors;  ///< "cannot listen on X: reason", per address not bound
    std::vector<Endpoint> listening;  ///< every address bound afterwards, actual ports
};

/// Makes a reload's listen addresses (as configured, port 0 kept) those of the running
/// server: the added ones bound, the removed ones closed, the others untouched. Called on
/// the reload thread after the new snapshot is published; Service wires it to
/// net::Server::update_listen.
using ListenControl = std::function<ListenResult(const std::vector<Endpoint>& wanted)>;

/// Told about the service's life cycle, for systemd's sd_notify (SPEC §2: READY=1,
/// RELOADING=1, STOPPING=1). The default does nothing. Calls come from the control
/// thread and the reload thread, so an implementation must be thread-safe (sd_notify is).
class Notifier {
  public:
    virtual ~Notifier() = default;
    /// Serving: after start-up, and again after each reload, whether it succeeded or not.
    virtual void ready() {}
    /// A reload starts (on the reload thread, before the configuration is read).
    virtual void reloading() {}
    /// A stop signal arrived; the listeners are being closed.
    virtual void stopping() {}
};

/// The reload job and its thread. request() is cheap and callable from any thread (the
/// control loop calls it for SIGHUP); everything else happens on the reload thread.
class Reloader {
  public:
    /// Starts the reload thread. `snapshots` and `notifier` must outlive the Reloader;
    /// `listening` is what the server has bound (actual ports), for the log. With `listen`,
    /// a reload applies its listen addresses through it; without, a change of them is
    /// logged as needing a restart. `stats` (optional, outliving the Reloader) counts the
    /// reloads by outcome for the metrics.
    Reloader(ConfigSource source, SnapshotHolder& snapshots, std::vector<Endpoint> listening,
             Notifier& notifier, ListenControl listen = {}, ReloadStats* stats = nullptr);
    /// stop().
    ~Reloader();

    Reloader(const Reloader&) = delete;
    Reloader& operator=(const Reloader&) = delete;

    /// Asks for a reload. While one runs, the request is remembered and exactly one more
    /// reload follows it, however many requests arrive meanwhile.
    void request();

    /// Lets a reload in progress finish (it still publishes), drops a queued one, frees
    /// the retired snapshots and joins the thread. Idempotent.
    void stop();

  private:
    /// The settings a reload cannot change: they are read once, at start-up.
    struct Fixed {
        std::vector<Endpoint> listen;  ///< configured, port 0 kept (without a ListenControl)
        unsigned threads = 0;
        TcpConfig tcp;
        std::optional<Endpoint> metrics_listen;
        MetricsConfig metrics;
        std::optional<std::string> user;  ///< privileges are dropped once, at start
    };

    void loop();
    void reload_once();
    void publish(std::shared_ptr<const query::Snapshot> next);
    void warn_restart_only(const Config& next) const;
    /// Hands the new listen addresses to listen_ and logs what changed and what failed.
    void apply_listen(const std::vector<Endpoint>& wanted);
    /// Frees the retired snapshots no worker holds any more (on the reload thread).
    void release_retired();

    ConfigSource source_;
    SnapshotHolder& snapshots_;
    std::vector<Endpoint> listening_;
    Notifier& notifier_;
    ListenControl listen_;
    ReloadStats* stats_;
    Fixed fixed_;
    /// Replaced snapshots some worker may still be reading; reload thread only.
    std::vector<std::shared_ptr<const query::Snapshot>> retired_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = false;   // guarded by mutex_
    bool running_ = false;   // guarded by mutex_
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;     // last: starts once everything above is set
};

}  // namespace sitedns::runtime
