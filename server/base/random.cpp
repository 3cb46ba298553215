// Threads: see server/base/random.h.
#include "server/base/random.h"

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <sys/random.h>

namespace sitedns::base {

void random_bytes(void* out, std::size_t size) {
    auto* at = static_cast<std::uint8_t*>(out);
    while (size > 0) {
        // At most 256 bytes come back whole (getrandom(2)); larger or interrupted
        // requests may come back short, so loop.
        const ssize_t got = ::getrandom(at, size, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        at += got;
        size -= static_cast<std::size_t>(got);
    }
}

}  // namespace sitedns::base
