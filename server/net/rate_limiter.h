#pragma once
// Response rate limiting over UDP (BIND's and Knot's RRL; Knot's rrl.c is the model):
// each client prefix (/24 for IPv4 and /56 for IPv6 by default) gets a budget of answers
// per second; over it, answers are dropped, but every `slip`-th goes out truncated so a
// real client retries over TCP (RFC 7766), which is never limited. A spoofed flood thus
// reflects little, while a real client behind the same prefix still gets its answers.
// A query with a valid DNS server cookie has proven its address and is never limited.
//
// One limiter per UDP receive thread, used by that thread only: a fixed table of buckets
// (a counter per prefix for the current second), no lock, no allocation per answer. A
// prefix lives in one of two neighbouring buckets chosen by a keyed hash; a bucket not
// used this second is taken over by another prefix, else the quieter of the two.
// Threads: one UDP receive thread per limiter (see above).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "config/address.h"
#include "config/config.h"
#include "config/prefix_table.h"

namespace sitedns::net {

/// What to do with one answer.
enum class RateVerdict : std::uint8_t {
    Pass,  ///< within the budget (or exempt, or limiting is off): send it
    Drop,  ///< over the budget: send nothing
    Slip,  ///< over the budget, the slip-th: send a truncated reply (TC=1)
};

class RateLimiter {
  public:
    /// Off until configure() turns it on.
    RateLimiter() = default;

    RateLimiter(const RateLimiter&) = delete;
    RateLimiter& operator=(const RateLimiter&) = delete;

    /// Applies `config` (nullopt: off). The table is rebuilt (allocated, and every count
    /// forgotten) only when the settings differ from those in force; returns true then.
    bool configure(const std::optional<RateLimitConfig>& config);

    bool enabled() const { return !buckets_.empty(); }
    /// Buckets in the table: table_size rounded up to a power of two; 0 when off.
    std::size_t buckets() const { return buckets_.size(); }

    /// Counts one more answer to `client` in second `now` (any count of seconds that
    /// never goes back, e.g. the steady clock's) and says what to do with it.
    /// Allocation-free.
    RateVerdict check(const IpAddress& client, std::uint32_t now) {
        if (buckets_.empty()) return RateVerdict::Pass;
        return limit(client, now);
    }
    /// The same for a query that may have proven its address: one with a valid server
    /// cookie (RFC 7873 §5.2.5) passes and is not counted, as in BIND, so a spoofed flood
    /// from its prefix does not starve a client that can prove it is real.
    RateVerdict check(const IpAddress& client, std::uint32_t now, bool address_proven) {
        if (address_proven) return RateVerdict::Pass;
        return check(client, now);
    }

  private:
    /// One prefix's count in its current second. Four share a cache line.
    struct Bucket {
        std::uint64_t key = 0;      ///< key_of() the prefix; 0: never used
        std::uint32_t count = 0;    ///< answers passed in `second`
        std::uint16_t second = 0;   ///< the low bits of the second counted
        std::uint16_t limited = 0;  ///< limited answers since the last slip
    };

    RateVerdict limit(const IpAddress& client, std::uint32_t now);
    /// The client's masked prefix as a non-zero key, IPv4 and IPv6 kept apart.
    std::uint64_t key_of(const IpAddress& client) const;
    /// The bucket of `key`: the one holding it, else one of its two not used in
    /// `second`, else the one with the lower count, taken over (and reset).
    Bucket& bucket_for(std::uint64_t key, std::uint16_t second);

    RateLimitConfig config_;
    std::vector<Bucket> buckets_;
    std::size_t mask_ = 0;  ///< buckets_.size() - 1
    PrefixTable<bool> exempt_;
};

}  // namespace sitedns::net
