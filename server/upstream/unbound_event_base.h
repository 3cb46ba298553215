#pragma once
// libunbound's pluggable event base (unbound-event.h) on an Asio io_context, so that
// libunbound resolves and validates on the forwarder's own thread: no thread of its own,
// no pipe between the two, no copy of each answer into a ub_result.
//
// libunbound's events have libevent's meaning: level-triggered descriptors, optional
// persistence and timeouts. Asio's reactor is edge-triggered, so the descriptors live in
// an epoll set of our own (level-triggered), and Asio watches that set's descriptor.
// Threads: the io_context's thread only.

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

struct ub_event_base;

namespace sitedns::upstream {

class UnboundEventBase : public std::enable_shared_from_this<UnboundEventBase> {
  public:
    /// Throws std::system_error when the epoll set cannot be made.
    static std::shared_ptr<UnboundEventBase> create(boost::asio::io_context& io);
    ~UnboundEventBase();
    UnboundEventBase(const UnboundEventBase&) = delete;
    UnboundEventBase& operator=(const UnboundEventBase&) = delete;

    /// For ub_ctx_create_ub_event(). This object must outlive every context made with it
    /// (libunbound frees its events when the context is deleted).
    ub_event_base* base();

    struct Event;
    struct Handle;
    /// The events' timeouts, earliest first.
    using Timeouts = std::multimap<std::chrono::steady_clock::time_point, Event*>;

  private:
    explicit UnboundEventBase(boost::asio::io_context& io, int epoll_fd);
    /// Waits for the epoll set to have a ready descriptor (at once if it has one).
    void watch();
    /// Runs the callbacks of the descriptors ready now, then watches again.
    void run();
    /// Makes sure the clock wakes run_timeouts() at `at` or before.
    void wake_at(std::chrono::steady_clock::time_point at);
    /// Runs the timeouts that are due on the next turn, without the clock.
    void run_soon();
    /// Runs the timeouts that are due, and sets the clock for the next one.
    void run_timeouts();

    friend struct Event;
    boost::asio::io_context& io_;
    int epoll_fd_;
    boost::asio::posix::stream_descriptor ready_;  ///< owns epoll_fd_
    std::unique_ptr<Handle> handle_;
    Timeouts timeouts_;
    boost::asio::steady_timer wake_;
    bool wake_armed_ = false;
    std::chrono::steady_clock::time_point wake_time_;
    std::uint64_t wake_round_ = 0;  ///< a wake-up from an earlier setting is stale
    bool soon_ = false;  ///< run_timeouts() is posted
    /// The batch being run, kept alive while one callback frees another's event.
    struct Ready {
        std::shared_ptr<Event> event;
        std::uint32_t events;  ///< epoll's bits
        std::uint64_t epoch;   ///< the event's, when epoll reported it
    };
    std::vector<Ready> batch_;
};

}  // namespace sitedns::upstream
