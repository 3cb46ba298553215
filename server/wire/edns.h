#pragma once
// Threads: any thread; works on the caller's buffers only.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "server/wire/cookie.h"
#include "server/wire/ecs.h"
#include "server/wire/limits.h"
#include "server/wire/writer.h"

namespace sitedns::wire {

/// Appends an OPT record (RFC 6891 §6.1.2) advertising `udp_size`, with the upper 8
/// bits of an extended RCODE, version 0 and the DO bit as given. False if it does not fit.
[[nodiscard]] bool write_opt(WireWriter& w, std::uint16_t udp_size, std::uint8_t extended_rcode,
                             bool dnssec_ok);

/// The options an answer gives back to the client in its OPT record: the ECS option
/// with its scope (RFC 7871 §7.2.1) and the COOKIE option (RFC 7873 §5.2). Kept by a
/// forwarded query until its reply.
struct EdnsEcho {
    std::optional<ClientSubnet> ecs;
    std::optional<Cookie> cookie;

    bool empty() const { return !ecs && !cookie; }
    void clear() {
        ecs.reset();
        cookie.reset();
    }
    /// Bytes the options take in the OPT's RDATA.
    std::size_t size() const {
        return (ecs ? ecs->option_size() : 0) + (cookie ? cookie->option_size() : 0);
    }
};

/// Writes the options of `echo` (OPT RDATA), ECS first; false (and a partial write) if
/// they do not fit.
[[nodiscard]] bool write_options(WireWriter& w, const EdnsEcho& echo);

/// Appends an OPT record like write_opt whose RDATA holds the options of `echo`.
/// False and nothing written when it does not fit.
[[nodiscard]] bool write_opt(WireWriter& w, std::uint16_t udp_size, std::uint8_t extended_rcode,
                             bool dnssec_ok, const EdnsEcho& echo);

}  // namespace sitedns::wire
