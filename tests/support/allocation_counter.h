#pragma once
// Counts heap allocations in a test binary (tests/support/allocation_counter.cpp replaces
// the global operator new and delete): set `counting`, run the path, read the counts.

#include <atomic>
#include <cstddef>

namespace sitedns::test {

extern std::atomic<bool> counting;              ///< count while true
extern std::atomic<std::size_t> allocations;    ///< operator new calls while counting
extern std::atomic<std::size_t> deallocations;  ///< operator delete calls while counting

}  // namespace sitedns::test
