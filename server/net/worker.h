#pragma once
// What one worker thread owns: its io_context, its copy of the snapshot, its TCP
// sessions and the fixed buffers every TCP query on this thread is answered from
// (STYLE rule 7). Forwarded queries go to the process's one Forwarder, which runs on a
// thread of its own: it sends the answers of UDP queries itself, through the listener's
// socket, and posts those of TCP queries back to the worker's session.
// Threads: its own io_context thread; its UDP receive threads take their stats from
// it (acquire_udp_stats), the forwarder's thread writes forwarder_stats(), and the
// metrics thread reads every stats through it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "server/net/worker_stats.h"
#include "server/query/responder.h"
#include "server/runtime/snapshot_holder.h"
#include "server/upstream/forwarder.h"

namespace sitedns::net {

class TcpSession;

/// The forwarder's options for the configured `forwarding` keys.
upstream::ForwarderOptions forwarder_options(const ForwardingConfig& config);
/// What the forwarder validates under `snapshot` (its `dnssec` and negative trust anchors).
upstream::ValidationOptions validation_options(const query::Snapshot& snapshot);

class Worker {
  public:
    /// `telemetry` (view labels, query log) and `forwarder` (the process's) are shared
    /// by the workers and outlive them.
    Worker(std::size_t index, boost::asio::io_context& context,
           const runtime::SnapshotHolder& snapshots, Telemetry& telemetry,
           upstream::Forwarder& forwarder);
    ~Worker();

    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    std::size_t index() const { return index_; }
    boost::asio::io_context& context() { return context_; }

    /// What the worker's snapshot copies come from (a UDP receive thread keeps its own).
    const runtime::SnapshotHolder& snapshots() const { return *snapshots_; }

    /// Counters for one of this worker's UDP receive threads (one writer each), until
    /// release_udp_stats(). They live as long as the worker and are handed out again, so
    /// the counts of a listener closed by a reload stay in the metrics.
    WorkerStats& acquire_udp_stats();
    void release_udp_stats(WorkerStats& stats);
    /// Every WorkerStats of this worker (its own and its UDP threads'), for a scrape.
    void for_each_stats(const std::function<void(const WorkerStats&)>& visit) const;

    /// The snapshot to answer the next packet from (no lock; see SnapshotReader).
    const query::Snapshot& snapshot() { return snapshot_.get(); }

    /// Where the TCP sessions of this worker write answers before queueing them (this
    /// thread only; the UDP receive threads have buffers of their own).
    std::span<std::uint8_t> answer_buffer() { return buffers_->answer; }
    /// The process's forwarder (thread-safe where Forwarder says so).
    upstream::Forwarder& forwarder() { return forwarder_; }
    /// This worker's query counters (written on this thread; collect() from any thread).
    WorkerStats& stats() { return stats_; }
    const WorkerStats& stats() const { return stats_; }
    /// Where the TCP sessions of this worker decide a query (same rule; a Decision is
    /// large). A forwarded query leaves it as a Request copied at once, so it is free
    /// again when the session's read handler returns.
    query::Decision& decision() { return buffers_->decision; }
    /// The finished authoritative answers of this worker's TCP sessions (same rule).
    query::PacketCache& packet_cache() { return buffers_->answers; }

    /// Counters of this worker's queries answered on the forwarder's thread (UDP
    /// queries that missed the caches): written there only.
    WorkerStats& forwarder_stats() { return forwarder_stats_; }

    /// A forwarded query answered from the forwarder's cache into `out` (room for the
    /// decision's limit), with the client's echoed options, and kept in `cache` (the
    /// calling thread's packet cache, which `decision` was handled through) when a copy
    /// may answer it again; empty on a miss, counted in `counters` (the calling
    /// thread's). From the worker's thread or its UDP threads.
    std::span<const std::uint8_t> cached_forward(const query::Snapshot& snapshot,
                                                 const query::Decision& decision,
                                                 std::span<std::uint8_t> out,
                                                 query::PacketCache& cache,
                                                 upstream::CacheCounters& counters);
    /// Hands a forwarded query the caches did not have to the forwarder: `reply` gets
    /// the finished answer on `home`'s thread, or on the forwarder's own (nullptr). From
    /// the worker's thread or its UDP threads.
    void resolve(const query::Decision& decision, upstream::Reply reply,
                 boost::asio::io_context* home);

    /// Registers a TCP session running on this worker (called on its thread).
    void add_session(std::shared_ptr<TcpSession> session);
    /// Forgets a closed session (called on this worker's thread).
    void remove_session(const TcpSession* session);
    /// Asks every session to finish the answers it has and close, and marks the worker
    /// as stopping so sessions handed over later close at once (on this thread).
    void shutdown_sessions();
    bool stopping() const { return stopping_; }

  private:
    /// On this thread, after a publish: moves to the new snapshot.
    void refresh_snapshot();

    struct Buffers {
        std::array<std::uint8_t, query::kMaxMessage> answer;
        query::Decision decision;
        query::PacketCache answers;
    };

    std::size_t index_;
    boost::asio::io_context& context_;
    const runtime::SnapshotHolder* snapshots_;
    runtime::SnapshotReader snapshot_;
    std::unique_ptr<Buffers> buffers_;
    WorkerStats stats_;
    WorkerStats forwarder_stats_;
    Telemetry& telemetry_;
    mutable std::mutex udp_stats_mutex_;  // acquire/release and scrapes: slow paths only
    std::vector<std::unique_ptr<WorkerStats>> udp_stats_;
    std::vector<bool> udp_stats_taken_;
    std::unordered_map<const TcpSession*, std::shared_ptr<TcpSession>> sessions_;
    bool stopping_ = false;
    upstream::Forwarder& forwarder_;
};

}  // namespace sitedns::net
