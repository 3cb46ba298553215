#pragma once
// The process's one source of randomness: the kernel's CSPRNG through getrandom(2). For
// what an attacker must not guess: upstream query IDs (RFC 5452 §9.2), the cookie
// secret, the key of the hash of tables whose keys clients choose (keyed_hash.h).
// Threads: any thread (getrandom(2) needs no lock).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

/// The same bytes, fetched from getrandom(2) a block at a time and handed out in small
/// pieces: for a thread that asks for many small values (an upstream query's ID for each
/// forwarded miss), one system call per kBlock bytes instead of one per value. A byte
/// is handed out once and never again. Not thread-safe: one per thread.
class RandomPool {
  public:
    template <typename T>
    T value() {
        static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kBlock);
        if (used_ + sizeof(T) > kBlock) {
            random_bytes(bytes_.data(), kBlock);
            used_ = 0;
        }
        T v;
        std::memcpy(&v, bytes_.data() + used_, sizeof v);
        used_ += sizeof v;
        return v;
    }

  private:
    static constexpr std::size_t kBlock = 256;  ///< what getrandom(2) gives whole
    std::array<std::uint8_t, kBlock> bytes_{};
    std::size_t used_ = kBlock;
};

}  // namespace sitedns::base
