#include "server/net/worker.h"

#include <utility>
#include <vector>

#include "server/net/tcp_session.h"

namespace sitedns::net {

Worker::Worker(std::size_t index, boost::asio::io_context& context,
               const runtime::SnapshotHolder& snapshots)
    : index_(index),
      context_(context),
      snapshot_(snapshots),
      buffers_(std::make_unique<Buffers>()) {}

Worker::~Worker() = default;

void Worker::add_session(std::shared_ptr<TcpSession> session) {
    const TcpSession* key = session.get();
    sessions_.emplace(key, std::move(session));
}

void Worker::remove_session(const TcpSession* session) {
    sessions_.erase(session);
}

void Worker::shutdown_sessions() {
    stopping_ = true;
    // shutdown() may close a session, which removes it from the map: walk a copy.
    std::vector<std::shared_ptr<TcpSession>> sessions;
    sessions.reserve(sessions_.size());
    for (const auto& [key, session] : sessions_) {
        sessions.push_back(session);
    }
    for (const auto& session : sessions) {
        session->shutdown();
    }
}

}  // namespace sitedns::net
