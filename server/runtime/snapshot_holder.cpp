#include "server/runtime/snapshot_holder.h"

#include <utility>

namespace sitedns::runtime {

SnapshotHolder::SnapshotHolder(std::shared_ptr<const Snapshot> initial)
    : current_(std::move(initial)) {}

void SnapshotHolder::publish(std::shared_ptr<const Snapshot> next) {
    {
        std::lock_guard lock(mutex_);
        current_ = std::move(next);
    }
    version_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<const Snapshot> SnapshotHolder::load() const {
    std::lock_guard lock(mutex_);
    return current_;
}

}  // namespace sitedns::runtime
