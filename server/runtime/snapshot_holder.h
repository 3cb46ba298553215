#pragma once
// Publication of the current snapshot to the worker threads (STYLE rule 5, after
// dnsdist's sholder.hh): the writer swaps a shared_ptr under a lock on the slow path
// and bumps a generation counter; each worker keeps its own copy and only reads the
// atomic counter per packet, so queries take no lock and touch no shared refcount.
// Threads: publish from the main or the reload thread; SnapshotReader from its
// worker or UDP receive thread, one reader per thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "server/query/snapshot.h"

namespace sitedns::runtime {

/// The snapshot being served. Thread-safe; publishing is for the control and reload
/// threads, never for a worker.
class SnapshotHolder {
  public:
    explicit SnapshotHolder(std::shared_ptr<const query::Snapshot> initial);

    SnapshotHolder(const SnapshotHolder&) = delete;
    SnapshotHolder& operator=(const SnapshotHolder&) = delete;

    /// Makes `next` the snapshot new packets are answered from. Packets in flight finish
    /// on the one they started with (their worker still holds it).
    void publish(std::shared_ptr<const query::Snapshot> next) { (void)exchange(std::move(next)); }

    /// publish(), returning the snapshot it replaced, so the caller decides where it is
    /// freed (the reload thread, once no worker holds it). Runs the publish hooks.
    std::shared_ptr<const query::Snapshot> exchange(std::shared_ptr<const query::Snapshot> next);

    /// The current snapshot (takes the lock: not for the per-packet path).
    std::shared_ptr<const query::Snapshot> load() const;

    /// Bumped by every publish(); cheap to poll.
    std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

    /// Registers `hook`, run on the publishing thread after every publish(). A worker
    /// uses it to post SnapshotReader::refresh() to its own thread, so an idle worker
    /// lets go of the old snapshot too instead of holding it until its next packet.
    /// The hook's owner must outlive the last publish(). Const because the workers only
    /// see a const holder; registering is not reading, but it is thread-safe.
    void on_publish(std::function<void()> hook) const;

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const query::Snapshot> current_;    // guarded by mutex_
    mutable std::vector<std::function<void()>> hooks_;  // guarded by mutex_
    std::atomic<std::uint64_t> version_{0};
};

/// One worker's view of a SnapshotHolder: a private shared_ptr refreshed when the
/// holder's version moves. Not thread-safe: one per worker thread.
class SnapshotReader {
  public:
    explicit SnapshotReader(const SnapshotHolder& holder)
        : holder_(&holder), version_(holder.version()), current_(holder.load()) {}

    /// The snapshot to answer the next packet from.
    const query::Snapshot& get() {
        std::uint64_t now = holder_->version();
        if (now != version_) [[unlikely]] {
            current_ = holder_->load();
            version_ = now;
        }
        return *current_;
    }

    /// Moves to the published snapshot now, dropping the old one (for an idle worker,
    /// posted to its thread by a publish hook).
    void refresh() { (void)get(); }

  private:
    const SnapshotHolder* holder_;
    std::uint64_t version_;
    std::shared_ptr<const query::Snapshot> current_;
};

}  // namespace sitedns::runtime
