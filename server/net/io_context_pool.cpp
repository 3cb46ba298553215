// Threads: see server/net/io_context_pool.h.
#include "server/net/io_context_pool.h"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

namespace sitedns::net {

IoContextPool::IoContextPool(std::size_t size) {
    if (size == 0) {
        size = 1;
    }
    for (std::size_t i = 0; i < size; ++i) {
        // One thread runs each context: Asio then keeps that thread's own posts off the
        // shared queue. Posts from other threads still take the queue's lock.
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.emplace_back(boost::asio::make_work_guard(*contexts_.back()));
    }
}

IoContextPool::~IoContextPool() {
    stop();
    join();
}

void IoContextPool::start(std::function<void()> on_all_returned) {
    on_all_returned_ = std::move(on_all_returned);
    running_ = contexts_.size();
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
        threads_.emplace_back([this, i] { run_one(i); });
    }
}

void IoContextPool::run_one(std::size_t index) {
    for (;;) {
        try {
            contexts_[index]->run();
            break;
        } catch (const std::exception& e) {
            spdlog::error("worker {}: {}", index, e.what());
        }
    }
    if (running_.fetch_sub(1) == 1 && on_all_returned_) {
        on_all_returned_();
    }
}

void IoContextPool::release() {
    for (auto& guard : guards_) {
        guard.reset();
    }
}

void IoContextPool::stop() {
    for (auto& context : contexts_) {
        context->stop();
    }
}

void IoContextPool::join() {
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
    threads_.clear();
}

}  // namespace sitedns::net
