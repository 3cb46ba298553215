// Threads: see server/runtime/snapshot_holder.h.
#include "server/runtime/snapshot_holder.h"

#include <utility>

namespace sitedns::runtime {

SnapshotHolder::SnapshotHolder(std::shared_ptr<const query::Snapshot> initial)
    : current_(std::move(initial)) {}

std::shared_ptr<const query::Snapshot> SnapshotHolder::exchange(
    std::shared_ptr<const query::Snapshot> next) {
    std::vector<std::function<void()>> hooks;
    {
        std::lock_guard lock(mutex_);
        next.swap(current_);
        hooks = hooks_;
    }
    version_.fetch_add(1, std::memory_order_acq_rel);
    for (const auto& hook : hooks) hook();
    return next;  // the old one, freed by the caller outside the lock
}

std::shared_ptr<const query::Snapshot> SnapshotHolder::load() const {
    std::lock_guard lock(mutex_);
    return current_;
}

void SnapshotHolder::on_publish(std::function<void()> hook) const {
    std::lock_guard lock(mutex_);
    hooks_.push_back(std::move(hook));
}

}  // namespace sitedns::runtime
