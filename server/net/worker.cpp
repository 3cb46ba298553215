// Threads: see server/net/worker.h.
#include "server/net/worker.h"

#include <boost/asio/post.hpp>

#include <utility>
#include <vector>

#include "server/net/tcp_session.h"

namespace sitedns::net {

upstream::ForwarderOptions forwarder_options(const ForwardingConfig& config) {
    upstream::ForwarderOptions options;
    options.attempt_timeout = std::chrono::milliseconds(config.attempt_timeout_ms);
    options.query_deadline = std::chrono::milliseconds(config.query_deadline_ms);
    options.down_time = std::chrono::milliseconds(config.down_time_ms);
    options.cache_entries = config.cache_entries;
    options.serve_stale = std::chrono::seconds(config.serve_stale_s);
    options.max_ttl = std::chrono::seconds(config.max_ttl_s);
    options.max_negative_ttl = std::chrono::seconds(config.max_negative_ttl_s);
    options.max_in_flight = config.max_in_flight;
    return options;
}

upstream::ValidationOptions validation_options(const query::Snapshot& snapshot) {
    upstream::ValidationOptions options;
    const DnssecConfig& dnssec = snapshot.config.dnssec;
    options.enabled = dnssec.validate;
    if (!options.enabled) return options;
    options.trust_anchor = dnssec.trust_anchor;
    options.insecure = snapshot.negative_trust_anchors;
    return options;
}

Worker::Worker(std::size_t index, boost::asio::io_context& context,
               const runtime::SnapshotHolder& snapshots, Telemetry& telemetry,
               upstream::Forwarder& forwarder)
    : index_(index),
      context_(context),
      snapshots_(&snapshots),
      snapshot_(snapshots),
      buffers_(std::make_unique<Buffers>()),
      stats_(telemetry),
      forwarder_stats_(telemetry),
      telemetry_(telemetry),
      forwarder_(forwarder) {
    // An idle worker lets go of a replaced snapshot at once, not at its next packet.
    snapshots.on_publish([this] { boost::asio::post(context_, [this] { refresh_snapshot(); }); });
}

void Worker::refresh_snapshot() {
    snapshot_.refresh();
}

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

WorkerStats& Worker::acquire_udp_stats() {
    std::lock_guard lock(udp_stats_mutex_);
    for (std::size_t i = 0; i < udp_stats_.size(); ++i) {
        if (!udp_stats_taken_[i]) {
            udp_stats_taken_[i] = true;
            return *udp_stats_[i];
        }
    }
    udp_stats_.push_back(std::make_unique<WorkerStats>(telemetry_));
    udp_stats_taken_.push_back(true);
    return *udp_stats_.back();
}

void Worker::release_udp_stats(WorkerStats& stats) {
    std::lock_guard lock(udp_stats_mutex_);
    for (std::size_t i = 0; i < udp_stats_.size(); ++i) {
        if (udp_stats_[i].get() == &stats) udp_stats_taken_[i] = false;
    }
}

void Worker::for_each_stats(const std::function<void(const WorkerStats&)>& visit) const {
    visit(stats_);
    visit(forwarder_stats_);
    std::lock_guard lock(udp_stats_mutex_);
    for (const auto& stats : udp_stats_) visit(*stats);
}

namespace {

upstream::ClientQuery client_of(const query::Decision& decision) {
    return {&decision.query, decision.limit, &decision.echo};
}

}  // namespace

std::span<const std::uint8_t> Worker::cached_forward(const query::Snapshot& snapshot,
                                                     const query::Decision& decision,
                                                     std::span<std::uint8_t> out,
                                                     query::PacketCache& cache,
                                                     upstream::CacheCounters& counters) {
    query::ForwardedCopy copy;
    const std::size_t length = forwarder_.answer_from_cache(
        client_of(decision), *decision.upstreams, out, &copy, &counters);
    if (length == 0) return {};
    const auto answer = out.first(length);
    cache.store_forwarded(snapshot, decision.view, decision.key, answer, copy);
    return answer;
}

void Worker::resolve(const query::Decision& decision, upstream::Reply reply,
                     boost::asio::io_context* home) {
    forwarder_.resolve(upstream::Request::of(client_of(decision), *decision.upstreams, home),
                       std::move(reply));
}

}  // namespace sitedns::net
