// UnboundEventBase driven as libunbound drives it, through the tables of unbound-event.h:
// descriptors level-triggered, one-shot and persistent events, timeouts, and events
// freed by another event's callback.
#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include "server/upstream/unbound_event_base.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include <gtest/gtest.h>
#include <unbound-event.h>
#include <boost/asio/io_context.hpp>

namespace sitedns::upstream {
namespace {

/// What one event's callback saw, and what it does when called.
struct Seen {
    std::vector<short> bits;
    int read_bytes = 1;  ///< bytes each READ callback consumes
    ub_event* free_on_call = nullptr;
    ub_event* del_on_call = nullptr;
    std::vector<char>* calls = nullptr;  ///< where `name` is written at each call
    char name = '?';
};

void record(int fd, short bits, void* arg) {
    auto& seen = *static_cast<Seen*>(arg);
    seen.bits.push_back(bits);
    if (seen.calls != nullptr) seen.calls->push_back(seen.name);
    if ((bits & UB_EV_READ) != 0 && fd >= 0) {
        std::vector<char> buffer(static_cast<std::size_t>(seen.read_bytes));
        (void)::read(fd, buffer.data(), buffer.size());
    }
    if (seen.del_on_call != nullptr) seen.del_on_call->vmt->del(seen.del_on_call);
    if (seen.free_on_call != nullptr) {
        seen.free_on_call->vmt->free(seen.free_on_call);
        seen.free_on_call = nullptr;
    }
}

class UnboundEventBaseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair_), 0);
        events_ = UnboundEventBase::create(io_);
        base_ = events_->base();
        ASSERT_EQ(base_->magic, static_cast<unsigned long>(UB_EVENT_MAGIC));
    }
    void TearDown() override {
        ::close(pair_[0]);
        ::close(pair_[1]);
    }
    ub_event* make(int fd, short bits, Seen& seen) {
        ub_event* ev = base_->vmt->new_event(base_, fd, bits, record, &seen);
        EXPECT_NE(ev, nullptr);
        EXPECT_EQ(ev->magic, static_cast<unsigned long>(UB_EVENT_MAGIC));
        return ev;
    }
    /// `ev` added as a timer of `delay` that calls `record` with `seen`; add_timer's result.
    int add_timer(ub_event* ev, Seen& seen, timeval delay) {
        return ev->vmt->add_timer(ev, base_, record, &seen, &delay);
    }
    void send(int bytes) {
        const std::vector<char> data(static_cast<std::size_t>(bytes), 'x');
        ASSERT_EQ(::write(pair_[1], data.data(), data.size()), bytes);
    }
    /// Runs what is ready now, as many turns as it takes to go idle.
    void settle() {
        io_.restart();
        io_.poll();
    }
    /// Runs until `done` or 5 s pass (a test never waits on a clock to pass).
    template <class Done>
    void run_until(Done done) {
        const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done() && std::chrono::steady_clock::now() < limit) {
            io_.restart();
            io_.run_one_for(std::chrono::milliseconds(50));
        }
    }

    boost::asio::io_context io_;
    std::shared_ptr<UnboundEventBase> events_;
    ub_event_base* base_ = nullptr;
    int pair_[2] = {-1, -1};
};

TEST_F(UnboundEventBaseTest, APersistentReadIsCalledWhileDataIsLeftUnread) {
    Seen seen;
    seen.read_bytes = 1;
    ub_event* ev = make(pair_[0], UB_EV_READ | UB_EV_PERSIST, seen);
    ASSERT_EQ(ev->vmt->add(ev, nullptr), 0);
    send(3);
    run_until([&] { return seen.bits.size() >= 3; });
    // Level-triggered, as libevent: one byte read per call, called until all are read.
    ASSERT_EQ(seen.bits.size(), 3u);
    for (short bits : seen.bits) EXPECT_EQ(bits, UB_EV_READ);
    settle();
    EXPECT_EQ(seen.bits.size(), 3u);  // nothing left: not called again
    ev->vmt->free(ev);
}

TEST_F(UnboundEventBaseTest, AOneShotReadIsInactiveAfterItsCall) {
    Seen seen;
    seen.read_bytes = 1;
    ub_event* ev = make(pair_[0], UB_EV_READ, seen);
    ASSERT_EQ(ev->vmt->add(ev, nullptr), 0);
    send(2);
    run_until([&] { return !seen.bits.empty(); });
    settle();
    EXPECT_EQ(seen.bits.size(), 1u);  // a byte is left, but the event is no longer added
    ASSERT_EQ(ev->vmt->add(ev, nullptr), 0);
    run_until([&] { return seen.bits.size() == 2; });
    EXPECT_EQ(seen.bits.size(), 2u);
    ev->vmt->free(ev);
}

TEST_F(UnboundEventBaseTest, DataAlreadyThereWhenAddedIsReported) {
    send(1);
    Seen seen;
    ub_event* ev = make(pair_[0], UB_EV_READ | UB_EV_PERSIST, seen);
    ASSERT_EQ(ev->vmt->add(ev, nullptr), 0);
    run_until([&] { return !seen.bits.empty(); });
    EXPECT_EQ(seen.bits.size(), 1u);
    ev->vmt->free(ev);
}

TEST_F(UnboundEventBaseTest, WriteReadinessAndAnEventDeletedBeforeItRuns) {
    Seen seen;
    ub_event* ev = make(pair_[1], UB_EV_WRITE, seen);
    ASSERT_EQ(ev->vmt->add(ev, nullptr), 0);
    run_until([&] { return !seen.bits.empty(); });
    ASSERT_EQ(seen.bits.size(), 1u);
    EXPECT_EQ(seen.bits[0], UB_EV_WRITE);

    Seen later;
    ub_event* deleted = make(pair_[1], UB_EV_WRITE, later);
    ASSERT_EQ(deleted->vmt->add(deleted, nullptr), 0);
    deleted->vmt->del(deleted);
    settle();
    EXPECT_TRUE(later.bits.empty());
    ev->vmt->free(ev);
    deleted->vmt->free(deleted);
}

TEST_F(UnboundEventBaseTest, ATimeoutFiresOnceAndAnotherTimerCanBeStopped) {
    Seen fired;
    Seen stopped;
    ub_event* timer = make(-1, UB_EV_TIMEOUT, fired);
    ub_event* other = make(-1, UB_EV_TIMEOUT, stopped);
    timeval soon{0, 1000};
    timeval later{0, 50000};
    ASSERT_EQ(add_timer(timer, fired, soon), 0);
    ASSERT_EQ(add_timer(other, stopped, later), 0);
    ASSERT_EQ(other->vmt->del_timer(other), 0);
    run_until([&] { return !fired.bits.empty(); });
    ASSERT_EQ(fired.bits.size(), 1u);
    EXPECT_EQ(fired.bits[0], UB_EV_TIMEOUT);
    EXPECT_TRUE(stopped.bits.empty());
    timer->vmt->free(timer);
    other->vmt->free(other);
}

TEST_F(UnboundEventBaseTest, AStoppedEarlierTimeoutLeavesTheLaterOnesToFire) {
    // The clock is set for the earliest timeout and left so when it is stopped: the
    // wake-up that finds nothing due must still lead to the later ones, in order.
    std::vector<char> order;
    Seen first;
    Seen second;
    Seen third;
    first.calls = second.calls = third.calls = &order;
    first.name = 'a';
    second.name = 'b';
    third.name = 'c';
    ub_event* a = make(-1, UB_EV_TIMEOUT, first);
    ub_event* b = make(-1, UB_EV_TIMEOUT, second);
    ub_event* c = make(-1, UB_EV_TIMEOUT, third);
    timeval t1{0, 1000};
    timeval t2{0, 5000};
    timeval t3{0, 10000};
    ASSERT_EQ(add_timer(c, third, t3), 0);
    ASSERT_EQ(add_timer(a, first, t1), 0);
    ASSERT_EQ(add_timer(b, second, t2), 0);
    ASSERT_EQ(a->vmt->del_timer(a), 0);
    run_until([&] { return order.size() == 2; });
    settle();
    EXPECT_EQ(order, (std::vector<char>{'b', 'c'}));
    a->vmt->free(a);
    b->vmt->free(b);
    c->vmt->free(c);
}

TEST_F(UnboundEventBaseTest, AZeroTimeoutRunsOnTheNextTurnAndCanBeStopped) {
    Seen now;
    Seen stopped;
    Seen later;
    ub_event* a = make(-1, UB_EV_TIMEOUT, now);
    ub_event* b = make(-1, UB_EV_TIMEOUT, stopped);
    ub_event* c = make(-1, UB_EV_TIMEOUT, later);
    timeval zero{0, 0};
    timeval soon{0, 2000};
    ASSERT_EQ(add_timer(c, later, soon), 0);
    ASSERT_EQ(add_timer(a, now, zero), 0);
    ASSERT_EQ(add_timer(b, stopped, zero), 0);
    ASSERT_EQ(b->vmt->del_timer(b), 0);
    EXPECT_TRUE(now.bits.empty());  // never inside add_timer
    settle();
    EXPECT_EQ(now.bits.size(), 1u);
    EXPECT_TRUE(stopped.bits.empty());
    run_until([&] { return !later.bits.empty(); });  // the clock still runs for the others
    EXPECT_EQ(later.bits.size(), 1u);
    a->vmt->free(a);
    b->vmt->free(b);
    c->vmt->free(c);
}

TEST_F(UnboundEventBaseTest, APersistentReadTimesOutAgainAfterEachCall) {
    Seen seen;
    ub_event* ev = make(pair_[0], UB_EV_READ | UB_EV_PERSIST | UB_EV_TIMEOUT, seen);
    timeval soon{0, 1000};
    ASSERT_EQ(ev->vmt->add(ev, &soon), 0);
    run_until([&] { return seen.bits.size() >= 3; });
    ASSERT_GE(seen.bits.size(), 3u);
    for (short bits : seen.bits) EXPECT_EQ(bits, UB_EV_TIMEOUT);
    ev->vmt->del(ev);
    const std::size_t stopped_at = seen.bits.size();
    send(1);
    settle();
    EXPECT_EQ(seen.bits.size(), stopped_at);  // deleted: neither read nor timeout
    ev->vmt->free(ev);
}

TEST_F(UnboundEventBaseTest, AReadWithATimeoutTimesOutWithoutData) {
    Seen seen;
    ub_event* ev = make(pair_[0], UB_EV_READ | UB_EV_TIMEOUT, seen);
    timeval soon{0, 1000};
    ASSERT_EQ(ev->vmt->add(ev, &soon), 0);
    run_until([&] { return !seen.bits.empty(); });
    ASSERT_EQ(seen.bits.size(), 1u);
    EXPECT_EQ(seen.bits[0], UB_EV_TIMEOUT);
    // One-shot: the data that comes later is not reported.
    send(1);
    settle();
    EXPECT_EQ(seen.bits.size(), 1u);
    ev->vmt->free(ev);
}

TEST_F(UnboundEventBaseTest, ACallbackMayFreeAnotherReadyEvent) {
    int second[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, second), 0);
    Seen a;
    Seen b;
    ub_event* first_event = make(pair_[0], UB_EV_READ | UB_EV_PERSIST, a);
    ub_event* second_event = make(second[0], UB_EV_READ | UB_EV_PERSIST, b);
    // Whichever runs first frees the other: the other is never called after it.
    a.free_on_call = second_event;
    b.free_on_call = first_event;
    ASSERT_EQ(first_event->vmt->add(first_event, nullptr), 0);
    ASSERT_EQ(second_event->vmt->add(second_event, nullptr), 0);
    send(1);
    ASSERT_EQ(::write(second[1], "x", 1), 1);
    run_until([&] { return a.bits.size() + b.bits.size() >= 1; });
    settle();
    EXPECT_EQ(a.bits.size() + b.bits.size(), 1u);
    ub_event* survivor = a.bits.empty() ? second_event : first_event;
    survivor->vmt->free(survivor);
    ::close(second[0]);
    ::close(second[1]);
}

}  // namespace
}  // namespace sitedns::upstream
