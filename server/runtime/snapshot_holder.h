#pragma once
// Publication of the current snapshot to the worker threads (STYLE rule 5, after
// dnsdist's sholder.hh): the writer swaps a shared_ptr under a lock on the slow path
// and bumps a generation counter; each worker keeps its own copy and only reads the
// atomic counter per packet, so queries take no lock and touch no shared refcount.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "server/runtime/snapshot.h"

namespace sitedns::runtime {

/// The snapshot being served. Thread-safe; publish() is for the control thread.
class SnapshotHolder {
  public:
    explicit SnapshotHolder(std::shared_ptr<const Snapshot> initial);

    SnapshotHolder(const SnapshotHolder&) = delete;
    SnapshotHolder& operator=(const SnapshotHolder&) = delete;

    /// Makes `next` the snapshot new packets are answered from. Packets in flight finish
    /// on the one they started with (their worker still holds it).
    void publish(std::shared_ptr<const Snapshot> next);

    /// The current snapshot (takes the lock: not for the per-packet path).
    std::shared_ptr<const Snapshot> load() const;

    /// Bumped by every publish(); cheap to poll.
    std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Snapshot> current_;  // guarded by mutex_
    std::atomic<std::uint64_t> version_{0};
};

/// One worker's view of a SnapshotHolder: a private shared_ptr refreshed when the
/// holder's version moves. Not thread-safe: one per worker thread.
class SnapshotReader {
  public:
    explicit SnapshotReader(const SnapshotHolder& holder)
        : holder_(&holder), version_(holder.version()), current_(holder.load()) {}

    /// The snapshot to answer the next packet from.
    const Snapshot& get() {
        std::uint64_t now = holder_->version();
        if (now != version_) [[unlikely]] {
            current_ = holder_->load();
            version_ = now;
        }
        return *current_;
    }

  private:
    const SnapshotHolder* holder_;
    std::uint64_t version_;
    std::shared_ptr<const Snapshot> current_;
};

}  // namespace sitedns::runtime
