#pragma once
// Versions of the entries of a table that one thread writes under a lock, so that
// copies kept by other threads without that lock can tell whether the entry they were
// made from is still the one the table holds. The table bumps the version of an entry's
// slot, under its lock, whenever it stores, replaces or evicts it; a copy remembers the
// Stamp it was made with (read under the same lock) and is good while the slot still
// has that value. Slots are chosen by the entry's hash, so an entry sharing a slot with
// a changed one counts as changed too: a copy dropped for nothing, never one kept wrong.
// Threads: bump() and bump_all() under the table's lock; current() from any thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace sitedns::base {

class Versions {
  public:
    /// What a copy remembers: its slot and the value the slot had when it was made.
    struct Stamp {
        const std::atomic<std::uint32_t>* slot = nullptr;
        std::uint32_t value = 0;
    };

    /// Slots: a power of two; 4,096 words (16 KiB) by default.
    explicit Versions(std::size_t slots = 4096)
        : slots_(std::make_unique<std::atomic<std::uint32_t>[]>(slots)), mask_(slots - 1) {}

    /// The entry with hash `h` as it is now (under the table's lock).
    Stamp stamp(std::uint64_t h) const {
        const auto& slot = slots_[index(h)];
        return {&slot, slot.load(std::memory_order_relaxed)};
    }
    /// The entry with hash `h` changed (under the table's lock, after the change).
    void bump(std::uint64_t h) { slots_[index(h)].fetch_add(1, std::memory_order_release); }
    /// Every entry changed (the table was emptied or rebuilt).
    void bump_all() {
        for (std::size_t i = 0; i <= mask_; ++i) {
            slots_[i].fetch_add(1, std::memory_order_release);
        }
    }
    /// True while the entry a copy was made from is unchanged; from any thread. A copy
    /// without a slot is never current.
    static bool current(const Stamp& stamp) {
        return stamp.slot != nullptr && stamp.slot->load(std::memory_order_acquire) == stamp.value;
    }

  private:
    std::size_t index(std::uint64_t h) const {
        // The middle bits: the table's buckets and shards take the low and high ones.
        return static_cast<std::size_t>(h >> 20) & mask_;
    }

    std::unique_ptr<std::atomic<std::uint32_t>[]> slots_;
    std::size_t mask_;
};

}  // namespace sitedns::base
