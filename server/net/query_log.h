#pragma once
// The query log (`log.queries`, issue 5 item 5): one line per answered query, written by
// an asynchronous spdlog logger so a worker only formats the line and queues it. When the
// option is off the workers never get here: the cost is one well-predicted branch on a
// flag the worker keeps (WorkerStats::log_queries()), no allocation.
// Threads: any worker or UDP receive thread formats and queues a line; the logger's own
// thread writes it.

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include <spdlog/async_logger.h>
#include <spdlog/common.h>

#include "config/address.h"
#include "server/query/responder.h"

namespace sitedns::net {

/// One answered query as the log shows it.
struct QueryLogEntry {
    IpAddress client;
    std::uint16_t port = 0;
    std::string_view view;                 ///< empty: answered without a view
    std::span<const std::uint8_t> answer;  ///< name and type come from its question
    query::Transport transport = query::Transport::Udp;
    std::uint64_t microseconds = 0;  ///< from receiving the query to sending the answer
};

/// The line for one query:
/// `client=127.0.0.1#53211 view=london name=paris.example.local. type=MX rcode=NOERROR
/// proto=udp us=42`; "-" for a missing view, name or type (an answer without question).
std::string format_query_line(const QueryLogEntry& entry);

class QueryLog {
  public:
    /// Lines go to stderr (the journal under systemd), without colours.
    QueryLog();
    /// Lines go to `sink` (tests).
    explicit QueryLog(spdlog::sink_ptr sink);
    /// Writes the lines still queued, then stops the logger's thread.
    ~QueryLog();

    QueryLog(const QueryLog&) = delete;
    QueryLog& operator=(const QueryLog&) = delete;

    /// Formats and queues one line (allocates: only called when `log.queries` is on).
    /// Thread-safe; the logger and its thread start at the first call. When the queue is
    /// full the oldest lines are dropped: a worker never waits for the log.
    void write(const QueryLogEntry& entry);

  private:
    /// Lines queued before the oldest are overwritten.
    static constexpr std::size_t kQueue = 8192;

    spdlog::async_logger& logger();

    spdlog::sink_ptr sink_;
    std::once_flag started_;
    // The pool outlives the logger: queued lines hold the logger, the pool's thread
    // writes them out when it is destroyed.
    std::shared_ptr<spdlog::details::thread_pool> pool_;
    std::shared_ptr<spdlog::async_logger> logger_;
};

}  // namespace sitedns::net
