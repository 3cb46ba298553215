#pragma once
// The process's one source of randomness: the kernel's CSPRNG through getrandom(2). For
// what an attacker must not guess: upstream query IDs (RFC 5452 §9.2), the cookie
// secret, the key of the hash of tables whose keys clients choose (keyed_hash.h).
// Threads: any thread (getrandom(2) needs no lock).

#include <cstddef>
#include <type_traits>

namespace sitedns::base {

/// Fills the `size` bytes at `out` from getrandom(2), which blocks only until the
/// kernel's pool is first seeded at boot. Throws std::system_error if the kernel fails.
void random_bytes(void* out, std::size_t size);

/// A random value of `T`: an integer, or an array of them.
template <typename T>
T random_value() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value{};
    random_bytes(&value, sizeof value);
    return value;
}

}  // namespace sitedns::base
