// Threads: see server/net/tcp_connections.h.
#include "server/net/tcp_connections.h"

namespace sitedns::net {

TcpConnections::Admit TcpConnections::admit(const IpAddress& client, std::size_t max_total,
                                            std::size_t max_per_client) {
    std::lock_guard lock(mutex_);
    if (live_.load(std::memory_order_relaxed) >= max_total) {
        refused_total_.fetch_add(1, std::memory_order_relaxed);
        return Admit::OverTotal;
    }
    std::size_t& count = per_client_[client];
    if (count >= max_per_client) {
        refused_per_client_.fetch_add(1, std::memory_order_relaxed);
        return Admit::OverClient;
    }
    ++count;
    live_.fetch_add(1, std::memory_order_relaxed);
    return Admit::Yes;
}

void TcpConnections::release(const IpAddress& client) {
    std::lock_guard lock(mutex_);
    if (const auto it = per_client_.find(client); it != per_client_.end()) {
        if (--it->second == 0) per_client_.erase(it);
    }
    live_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace sitedns::net
