#pragma once
// A statistics counter with exactly one writer thread (its worker) and any number of
// readers (the metrics scrape). The writer increments with a relaxed load and store, not
// a read-modify-write: no lock prefix, no cache line shared between writers, the cost of
// a plain integer (STYLE rules 5 and 10), yet no data race for the reader (TSan-clean).
// Never let two threads write the same Counter: increments would be lost.
// Threads: one writer thread, any number of readers (see above).

#include <atomic>
#include <cstdint>

namespace sitedns::base {

class Counter {
  public:
    Counter() = default;
    /// Copies the value (a snapshot of the counters, e.g. in a test).
    Counter(const Counter& other) : value_(other.get()) {}
    Counter& operator=(const Counter& other) {
        set(other.get());
        return *this;
    }

    /// Adds `n`; call from the owning thread only.
    void add(std::uint64_t n = 1) {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    /// Replaces the value (gauges); owning thread only.
    void set(std::uint64_t value) { value_.store(value, std::memory_order_relaxed); }
    /// The value, from any thread.
    std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

    Counter& operator++() {
        add(1);
        return *this;
    }
    Counter& operator+=(std::uint64_t n) {
        add(n);
        return *this;
    }
    /// Reads like the plain integer it replaces (`stats().cache_hits == 1`).
    operator std::uint64_t() const { return get(); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

}  // namespace sitedns::base
