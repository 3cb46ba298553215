#pragma once
// The live DNS-over-TCP connections of the whole server, for the connection caps (RFC 7766
// §6.2.2): a total, and one per client address. Listeners admit connections on their
// worker's thread; sessions release them from theirs.
// Threads: any worker thread (accept and close); a scrape reads the counters from
// the metrics thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "config/address.h"
#include "server/base/keyed_hash.h"

namespace sitedns::net {

/// The keyed hash (server/base/keyed_hash.h) of a client's address, its 16 bytes and its
/// family, for tables keyed by the addresses clients choose.
struct ClientAddressHash {
    std::size_t operator()(const IpAddress& address) const noexcept {
        return base::keyed_hash(address.bytes, static_cast<std::uint64_t>(address.family));
    }
};

class TcpConnections {
  public:
    /// What admit() decided.
    enum class Admit : std::uint8_t { Yes, OverTotal, OverClient };

    /// Counts a connection from `client` in, unless there are `max_total` connections
    /// already, or `max_per_client` from `client`; a refusal is counted instead. A
    /// connection admitted must be release()d once.
    Admit admit(const IpAddress& client, std::size_t max_total, std::size_t max_per_client);
    /// Counts a connection admitted from `client` out (any thread).
    void release(const IpAddress& client);

    /// Connections open now.
    std::size_t live() const { return live_.load(std::memory_order_relaxed); }
    /// Connections refused over the total cap, and over the per-client cap.
    std::uint64_t refused_total() const { return refused_total_.load(std::memory_order_relaxed); }
    std::uint64_t refused_per_client() const {
        return refused_per_client_.load(std::memory_order_relaxed);
    }
    /// A connection closed after idle_timeout_ms without a query (any thread).
    void count_idle_close() { idle_closed_.fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t idle_closed() const { return idle_closed_.load(std::memory_order_relaxed); }

  private:
    std::mutex mutex_;  // guards per_client_; accept and close only, never per query
    std::unordered_map<IpAddress, std::size_t, ClientAddressHash> per_client_;  ///< clients choose
    std::atomic<std::size_t> live_{0};
    std::atomic<std::uint64_t> refused_total_{0};
    std::atomic<std::uint64_t> refused_per_client_{0};
    std::atomic<std::uint64_t> idle_closed_{0};
};

}  // namespace sitedns::net
