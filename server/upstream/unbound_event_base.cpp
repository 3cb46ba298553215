// Threads: see server/upstream/unbound_event_base.h.
#include "server/upstream/unbound_event_base.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <system_error>

#include <unbound-event.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sitedns::upstream {

namespace asio = boost::asio;

/// What libunbound holds: its structs first, so that its pointers convert back.
struct UnboundEventBase::Handle {
    ub_event_base base;
    UnboundEventBase* owner;
};

namespace {

struct EventHandle {
    ub_event event;
    UnboundEventBase::Event* owner;
};

constexpr short kDescriptorBits = UB_EV_READ | UB_EV_WRITE;

}  // namespace

/// One libunbound event: a descriptor, a timeout, or both.
struct UnboundEventBase::Event : std::enable_shared_from_this<Event> {
    Event(UnboundEventBase& b, int descriptor, short wanted, void (*cb)(int, short, void*),
          void* argument);

    int add(const timeval* tv);
    void del();
    void fire(short ready);
    void start_timeout();

    EventHandle handle;
    UnboundEventBase& base;
    int fd;
    short bits;
    void (*callback)(int, short, void*);
    void* arg;
    bool active = false;
    bool in_epoll = false;
    std::optional<std::chrono::microseconds> timeout;
    /// Its place among the base's timeouts, while one runs.
    std::optional<Timeouts::iterator> due;
    /// Bumped by del(): what epoll or the clock reported before it is stale.
    std::uint64_t epoch = 0;
    /// libunbound's reference, dropped by its free().
    std::shared_ptr<Event> self;
};

namespace {

UnboundEventBase::Event& event_of(ub_event* ev) {
    return *reinterpret_cast<EventHandle*>(ev)->owner;
}

void ev_add_bits(ub_event* ev, short bits) {
    event_of(ev).bits |= bits;
}
void ev_del_bits(ub_event* ev, short bits) {
    event_of(ev).bits &= static_cast<short>(~bits);
}
void ev_set_fd(ub_event* ev, int fd) {
    event_of(ev).fd = fd;
}
void ev_free(ub_event* ev) {
    UnboundEventBase::Event& e = event_of(ev);
    e.del();
    e.self.reset();  // a batch still running holds its own reference
}
int ev_add(ub_event* ev, timeval* tv) {
    return event_of(ev).add(tv);
}
int ev_del(ub_event* ev) {
    event_of(ev).del();
    return 0;
}
int ev_add_timer(ub_event* ev, ub_event_base*, void (*cb)(int, short, void*), void* arg,
                 timeval* tv) {
    UnboundEventBase::Event& e = event_of(ev);
    e.del();
    e.fd = -1;
    e.bits = UB_EV_TIMEOUT;
    e.callback = cb;
    e.arg = arg;
    return e.add(tv);
}
int ev_del_timer(ub_event* ev) {
    event_of(ev).del();
    return 0;
}
// Signals and Windows events: libunbound never asks for them in this mode.
int ev_add_signal(ub_event*, timeval*) {
    return -1;
}
int ev_del_signal(ub_event*) {
    return -1;
}
void ev_unregister_wsaevent(ub_event*) {}
void ev_tcp_wouldblock(ub_event*, int) {}

ub_event_vmt kEventVmt = {ev_add_bits,
                          ev_del_bits,
                          ev_set_fd,
                          ev_free,
                          ev_add,
                          ev_del,
                          ev_add_timer,
                          ev_del_timer,
                          ev_add_signal,
                          ev_del_signal,
                          ev_unregister_wsaevent,
                          ev_tcp_wouldblock};

UnboundEventBase& base_of(ub_event_base* base) {
    return *reinterpret_cast<UnboundEventBase::Handle*>(base)->owner;
}

// The base is owned by its UnboundEventBase, never by libunbound.
void base_free(ub_event_base*) {}
// Only for ub_ctx_create_ub_event's own loop, which this mode does not run.
int base_dispatch(ub_event_base*) {
    return -1;
}
int base_loopexit(ub_event_base*, timeval*) {
    return -1;
}
ub_event* base_new_event(ub_event_base* base, int fd, short bits, void (*cb)(int, short, void*),
                         void* arg) {
    auto e = std::make_shared<UnboundEventBase::Event>(base_of(base), fd, bits, cb, arg);
    e->self = e;
    return &e->handle.event;
}
ub_event* base_new_signal(ub_event_base*, int, void (*)(int, short, void*), void*) {
    return nullptr;
}
ub_event* base_register_wsaevent(ub_event_base*, void*, void (*)(int, short, void*), void*) {
    return nullptr;
}

ub_event_base_vmt kBaseVmt = {base_free,      base_dispatch,   base_loopexit,
                              base_new_event, base_new_signal, base_register_wsaevent};

}  // namespace

// --- events -------------------------------------------------------------------------

UnboundEventBase::Event::Event(UnboundEventBase& b, int descriptor, short wanted,
                               void (*cb)(int, short, void*), void* argument)
    : handle{{UB_EVENT_MAGIC, &kEventVmt}, this},
      base(b),
      fd(descriptor),
      bits(wanted),
      callback(cb),
      arg(argument) {}

/// Activates the event. A descriptor joins the epoll set level-triggered, as libevent
/// watches it: a callback that reads part of what is there is called again.
int UnboundEventBase::Event::add(const timeval* tv) {
    if (active) del();
    if (fd >= 0 && (bits & kDescriptorBits) != 0) {
        epoll_event wanted{};
        wanted.events =
            ((bits & UB_EV_READ) != 0 ? EPOLLIN : 0u) | ((bits & UB_EV_WRITE) != 0 ? EPOLLOUT : 0u);
        wanted.data.ptr = this;
        // One event per descriptor: libunbound's comm points never share one.
        if (epoll_ctl(base.epoll_fd_, EPOLL_CTL_ADD, fd, &wanted) != 0) return -1;
        in_epoll = true;
    }
    active = true;
    timeout.reset();
    if (tv != nullptr) {
        timeout = std::chrono::seconds(tv->tv_sec) + std::chrono::microseconds(tv->tv_usec);
        start_timeout();
    }
    return 0;
}

/// Deactivates the event. libunbound calls this before it closes the descriptor.
void UnboundEventBase::Event::del() {
    if (in_epoll) {
        epoll_ctl(base.epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        in_epoll = false;
    }
    if (due) {
        base.timeouts_.erase(*due);
        due.reset();
    }
    active = false;
    ++epoch;
}

void UnboundEventBase::Event::start_timeout() {
    const auto at = std::chrono::steady_clock::now() + *timeout;
    due = base.timeouts_.emplace(at, this);
    // libunbound sets timeouts of zero (work for the next turn) on every query: those
    // are run as posted work, the clock left as it is.
    if (timeout->count() <= 0) {
        base.run_soon();
    } else {
        base.wake_at(at);
    }
}

/// As libevent: a one-shot event is inactive when its callback runs; a persistent one
/// stays active, its timeout started again.
void UnboundEventBase::Event::fire(short ready) {
    if ((bits & UB_EV_PERSIST) == 0) {
        del();
    } else if (timeout) {
        if (due) base.timeouts_.erase(*due);
        start_timeout();
    }
    callback(fd, ready, arg);
}

// --- the base -----------------------------------------------------------------------

std::shared_ptr<UnboundEventBase> UnboundEventBase::create(asio::io_context& io) {
    const int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    std::shared_ptr<UnboundEventBase> made(new UnboundEventBase(io, fd));
    made->watch();
    return made;
}

UnboundEventBase::UnboundEventBase(asio::io_context& io, int epoll_fd)
    : io_(io),
      epoll_fd_(epoll_fd),
      ready_(io, epoll_fd),
      handle_(std::make_unique<Handle>(Handle{{UB_EVENT_MAGIC, &kBaseVmt}, this})),
      wake_(io) {
    batch_.reserve(64);
}

UnboundEventBase::~UnboundEventBase() = default;

ub_event_base* UnboundEventBase::base() {
    return &handle_->base;
}

void UnboundEventBase::watch() {
    auto next = [weak = weak_from_this()](const boost::system::error_code& ec) {
        if (const std::shared_ptr<UnboundEventBase> self = weak.lock(); self && !ec) self->run();
    };
    // Asio's reactor reports edges: a set that is still ready would not be reported
    // again, so it is run on the next turn instead.
    pollfd still{epoll_fd_, POLLIN, 0};
    if (poll(&still, 1, 0) > 0) {
        asio::post(io_, [next] { next({}); });
    } else {
        ready_.async_wait(asio::posix::descriptor_base::wait_read, next);
    }
}

/// One clock for every timeout, moved only earlier: a timeout that is stopped (most
/// are: each upstream query has one, and its answer stops it) leaves the clock as it
/// is, and a wake-up that finds nothing due just sets the next one. Re-programming the
/// kernel's timer for each query would cost more than the query's own timeout logic.
void UnboundEventBase::wake_at(std::chrono::steady_clock::time_point at) {
    if (wake_armed_ && wake_time_ <= at) return;
    wake_armed_ = true;
    wake_time_ = at;
    wake_.expires_at(at);
    wake_.async_wait([weak = weak_from_this(), round = ++wake_round_](
                         const boost::system::error_code& ec) {
        const std::shared_ptr<UnboundEventBase> self = weak.lock();
        if (ec || !self || self->wake_round_ != round) return;
        self->wake_armed_ = false;
        self->run_timeouts();
    });
}

void UnboundEventBase::run_soon() {
    if (soon_) return;
    soon_ = true;
    asio::post(io_, [weak = weak_from_this()] {
        const std::shared_ptr<UnboundEventBase> self = weak.lock();
        if (!self) return;
        self->soon_ = false;
        self->run_timeouts();
    });
}

void UnboundEventBase::run_timeouts() {
    const auto now = std::chrono::steady_clock::now();
    while (!timeouts_.empty() && timeouts_.begin()->first <= now) {
        Event* e = timeouts_.begin()->second;
        timeouts_.erase(timeouts_.begin());
        e->due.reset();
        batch_.push_back({e->shared_from_this(), 0, e->epoch});
    }
    for (const auto& [e, events, epoch] : batch_) {
        if (e->active && e->epoch == epoch) e->fire(UB_EV_TIMEOUT);
    }
    batch_.clear();
    // With a run posted, that run sets the clock.
    if (!timeouts_.empty() && !soon_) wake_at(timeouts_.begin()->first);
}

void UnboundEventBase::run() {
    std::array<epoll_event, 64> ready;
    const int n = epoll_wait(epoll_fd_, ready.data(), static_cast<int>(ready.size()), 0);
    // Every event of the batch is held before any callback runs: one may free another.
    for (int i = 0; i < n; ++i) {
        auto* e = static_cast<Event*>(ready[i].data.ptr);
        batch_.push_back({e->shared_from_this(), ready[i].events, e->epoch});
    }
    for (const auto& [e, events, epoch] : batch_) {
        // An earlier callback of the batch may have stopped it or moved it elsewhere.
        if (!e->active || !e->in_epoll || e->epoch != epoch) continue;
        const bool failed = (events & (EPOLLERR | EPOLLHUP)) != 0;
        short bits = 0;
        if ((e->bits & UB_EV_READ) != 0 && (failed || (events & EPOLLIN) != 0)) {
            bits |= UB_EV_READ;
        }
        if ((e->bits & UB_EV_WRITE) != 0 && (failed || (events & EPOLLOUT) != 0)) {
            bits |= UB_EV_WRITE;
        }
        if (bits != 0) e->fire(bits);
    }
    batch_.clear();
    watch();
}

}  // namespace sitedns::upstream
