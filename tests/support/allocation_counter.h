#pragma once
// Counts heap allocations in a test binary (tests/support/allocation_counter.cpp replaces
// the global operator new and delete): set `counting`, run the path, read the counts.

#include <atomic>
#include <cstddef>

// ThreadSanitizer's runtime defines operator new and delete itself, so a TSan build has
// no counter: there the counting tests skip (`if (!counts_allocations) GTEST_SKIP()`).
#if defined(__SANITIZE_THREAD__)
#define SITEDNS_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SITEDNS_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef SITEDNS_TEST_COUNTS_ALLOCATIONS
#define SITEDNS_TEST_COUNTS_ALLOCATIONS 1
#endif

namespace sitedns::test {

/// Whether this build replaces operator new and delete with the counting ones.
inline constexpr bool counts_allocations = SITEDNS_TEST_COUNTS_ALLOCATIONS != 0;

extern std::atomic<bool> counting;              ///< count while true
extern std::atomic<std::size_t> allocations;    ///< operator new calls while counting
extern std::atomic<std::size_t> deallocations;  ///< operator delete calls while counting

}  // namespace sitedns::test
