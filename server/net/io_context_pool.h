#pragma once
// One io_context per thread (Asio's server2/io_context_pool): the workers' and, last,
// the forwarder's (server.cpp). Each socket and each TCP session lives on one thread;
// other threads only post to a context (a UDP hand-over, a forwarded answer going home),
// which Asio's queue locks.
// Threads: made and joined on the main thread; each context is run by one thread of
// its own, and other threads only post to it.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace sitedns::net {

class IoContextPool {
  public:
    /// `size` contexts (at least one), not yet running.
    explicit IoContextPool(std::size_t size);
    ~IoContextPool();

    IoContextPool(const IoContextPool&) = delete;
    IoContextPool& operator=(const IoContextPool&) = delete;

    std::size_t size() const { return contexts_.size(); }
    boost::asio::io_context& context(std::size_t index) { return *contexts_[index]; }

    /// Runs each context on its own thread. `on_all_returned` is called, on the last
    /// thread to finish, once every context has run out of work or been stopped.
    /// A handler that throws is logged and its context keeps running.
    void start(std::function<void()> on_all_returned);

    /// Lets each context return once its remaining work is done.
    void release();

    /// Stops every context now; pending handlers are abandoned.
    void stop();

    /// Waits for the threads started by start().
    void join();

  private:
    using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

    void run_one(std::size_t index);

    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<std::optional<WorkGuard>> guards_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> running_{0};
    std::function<void()> on_all_returned_;
};

}  // namespace sitedns::net
