#pragma once
// Signals, the Asio way (STYLE rule 8): an asio::signal_set turns SIGTERM, SIGINT and
// SIGHUP into handlers run on the control io_context, never in signal context.
// Threads: the main thread's control io_context only.

#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace sitedns::runtime {

class SignalWatcher {
  public:
    /// Watches SIGTERM and SIGINT (`on_stop`, with the signal number) and SIGHUP
    /// (`on_reload`) until cancel().
    SignalWatcher(boost::asio::io_context& context, std::function<void(int)> on_stop,
                  std::function<void()> on_reload);

    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    /// Stops watching; the control io_context no longer waits for signals.
    void cancel();

  private:
    void wait();

    boost::asio::signal_set signals_;
    std::function<void(int)> on_stop_;
    std::function<void()> on_reload_;
    bool cancelled_ = false;
};

}  // namespace sitedns::runtime
