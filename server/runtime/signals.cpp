// Threads: see server/runtime/signals.h.
#include "server/runtime/signals.h"

#include <csignal>
#include <utility>

namespace sitedns::runtime {

SignalWatcher::SignalWatcher(boost::asio::io_context& context, std::function<void(int)> on_stop,
                             std::function<void()> on_reload)
    : signals_(context, SIGTERM, SIGINT, SIGHUP),
      on_stop_(std::move(on_stop)),
      on_reload_(std::move(on_reload)) {
    wait();
}

void SignalWatcher::cancel() {
    cancelled_ = true;
    boost::system::error_code ignored;
    signals_.cancel(ignored);
}

void SignalWatcher::wait() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
        if (ec || cancelled_) {
            return;
        }
        if (signal == SIGHUP) {
            on_reload_();
        } else {
            on_stop_(signal);
        }
        if (!cancelled_) {
            wait();
        }
    });
}

}  // namespace sitedns::runtime
