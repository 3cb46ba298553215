#include "tests/integration/soak/soak_udp.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/soak/soak_fixture.h"
#include "tests/integration/soak/soak_net.h"
#include "tests/integration/soak/soak_packets.h"

namespace sitedns::soak {
namespace {

/// A UDP socket from one source address, with the IDs of its checked queries.
struct Sender {
    Sender(const std::string& from, std::uint16_t port)
        : source(from), fd(udp_socket(from, port)) {}
    std::string source;
    Fd fd;
    std::uint16_t next_id = kFirstCheckedId;
    std::size_t since_check = 0;
    std::size_t next_case = 0;
};

struct UdpStats {
    std::size_t checked = 0;
    std::size_t answered = 0;
    std::size_t unanswered = 0;
    std::size_t other_replies = 0;  ///< replies to the malformed packets
    std::size_t bad_replies = 0;    ///< of those, replies ldns cannot read or without QR
    std::size_t at_limit = 0;       ///< SERVFAILs that say the forwarder was at its limit
};

std::vector<Sender> senders(std::uint16_t port, const std::vector<std::string>& sources) {
    std::vector<Sender> out;
    for (const std::string& source : sources) out.emplace_back(source, port);
    return out;
}

/// A reply that is not the answer to a checked query: it must still be a DNS response.
void other_reply(std::span<const std::uint8_t> reply, UdpStats& stats, Report& report) {
    ++stats.other_replies;
    try {
        if (test::parse_answer(reply).qr) return;
        ++stats.bad_replies;
        report.fail("a reply without QR");
    } catch (const test::DnsClientError& e) {
        if (stats.bad_replies++ == 0) report.fail(std::string("a reply ldns rejects: ") + e.what());
    }
}

/// A query to check: the case, with or without EDNS.
struct Checked {
    Case c;
    bool edns = false;
};

/// Each of `cases` once, with EDNS on every `edns_every`-th.
std::vector<Checked> checked(const std::vector<Case>& cases, std::size_t edns_every) {
    std::vector<Checked> out;
    for (std::size_t i = 0; i < cases.size(); ++i) out.push_back({cases[i], i % edns_every == 1});
    return out;
}

/// Reads every datagram waiting on `s`; answers to `pending` are checked against `cases`.
void drain(Sender& s, const std::vector<Checked>& cases,
           std::map<std::uint16_t, std::size_t>& pending, UdpStats& stats, Report& report) {
    Bytes buffer(65536);
    for (;;) {
        const ssize_t n = ::recv(s.fd.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) return;
        const std::span<const std::uint8_t> reply(buffer.data(), static_cast<std::size_t>(n));
        const auto id = n >= 2 ? static_cast<std::uint16_t>(reply[0] << 8 | reply[1]) : 0;
        const auto it = id >= kFirstCheckedId ? pending.find(id) : pending.end();
        if (it == pending.end()) {
            other_reply(reply, stats, report);
            continue;
        }
        const Checked& q = cases[it->second];
        if (const std::string problem = check_answer(q.c, id, q.edns, reply); !problem.empty()) {
            report.fail("udp from " + s.source + ": " + problem);
        }
        if (q.edns && extended_error(reply) == kInFlightLimit) ++stats.at_limit;
        ++stats.answered;
        pending.erase(it);
    }
}

/// Sends `cases` from `s`, at most `window` unanswered at a time, and checks the
/// answers; a query unanswered after `timeout_ms` of silence is counted, not resent.
void exchange(Sender& s, const std::vector<Checked>& cases, std::size_t window, int timeout_ms,
              UdpStats& stats, Report& report) {
    std::map<std::uint16_t, std::size_t> pending;
    std::size_t next = 0;
    while (next < cases.size() || !pending.empty()) {
        for (; next < cases.size() && pending.size() < window; ++next) {
            const std::uint16_t id = take_checked_id(s.next_id);
            const Bytes query = query_for(cases[next].c, id, cases[next].edns);
            ::send(s.fd.get(), query.data(), query.size(), 0);
            pending[id] = next;
            ++stats.checked;
        }
        if (wait_for(s.fd.get(), POLLIN, after_ms(timeout_ms)) == 0) {
            stats.unanswered += pending.size();
            pending.clear();
            continue;
        }
        drain(s, cases, pending, stats, report);
    }
}

/// Forwarded names (SERVFAIL from the dead upstream) from many sockets, sent in bursts
/// before any answer is read, until the forwarder says it is at its in-flight limit, as
/// the soak will make it: memory is counted before the soak, not as growth during it.
/// What overflows the server's socket buffer is lost (more of it on a loaded machine):
/// only the answers that come are checked.
class ForwardBurst {
  public:
    ForwardBurst(std::uint16_t port, Report& report)
        : london_(senders(port, std::vector<std::string>(kSockets, kLondonClient))),
          queries_(kSockets),
          pending_(kSockets),
          report_(report) {
        for (const Sender& s : london_) fds_.push_back({s.fd.get(), POLLIN, 0});
    }

    /// Bursts until a SERVFAIL says the limit was reached; a few at the most.
    void run() {
        for (std::size_t round = 0; round < kRounds && stats_.at_limit == 0; ++round) {
            send(round);
            wait_quiet();
        }
        report_.note("udp: bursts of " + std::to_string(stats_.checked) +
                     " forwarded queries: " + std::to_string(stats_.answered) + " answered (" +
                     std::to_string(stats_.at_limit) + " at the in-flight limit), " +
                     std::to_string(stats_.checked - stats_.answered) +
                     " lost when the server's socket buffer overflowed");
        report_.check(stats_.at_limit > 0,
                      "udp: the forward burst took the forwarder to its in-flight limit (its "
                      "SERVFAILs say \"too many queries in flight\")");
    }

  private:
    static constexpr std::size_t kSockets = 24;
    static constexpr std::size_t kEach = 100;  // sockets * each well above the limit
    static constexpr std::size_t kRounds = 5;

    /// kEach names from every socket, reading only what came at once now and then.
    void send(std::size_t round) {
        for (std::size_t j = 0; j < kEach; ++j) {
            for (std::size_t s = 0; s < kSockets; ++s) {
                const std::string name = "fw" + std::to_string(round) + "-" + std::to_string(s) +
                                         "-" + std::to_string(j) + ".example.org.";
                queries_[s].push_back({forwarded_case(name), j % 2 == 1});
                const Checked& q = queries_[s].back();
                const std::uint16_t id = take_checked_id(london_[s].next_id);
                const Bytes query = query_for(q.c, id, q.edns);
                ::send(london_[s].fd.get(), query.data(), query.size(), 0);
                pending_[s][id] = queries_[s].size() - 1;
                ++stats_.checked;
            }
            if (j % 10 == 9) collect(0);  // the answers at once, over the in-flight limit
        }
    }

    /// Every answer that will come comes within the forwarding deadline of its query's
    /// arrival: stops when none came for longer than that. Answers a loaded server sends
    /// later still count: the next round's reads take them.
    void wait_quiet() {
        auto until = after_ms(kForwardDeadlineMs + 400);
        while (stats_.answered < stats_.checked && Clock::now() < until) {
            const std::size_t before = stats_.answered;
            collect(100);
            if (stats_.answered > before) until = after_ms(kForwardDeadlineMs + 400);
        }
    }

    void collect(int timeout_ms) {
        if (::poll(fds_.data(), fds_.size(), timeout_ms) <= 0) return;
        for (std::size_t s = 0; s < kSockets; ++s) {
            if ((fds_[s].revents & POLLIN) != 0) {
                drain(london_[s], queries_[s], pending_[s], stats_, report_);
            }
        }
    }

    std::vector<Sender> london_;
    std::vector<std::vector<Checked>> queries_;
    std::vector<std::map<std::uint16_t, std::size_t>> pending_;
    std::vector<pollfd> fds_;
    UdpStats stats_;
    Report& report_;
};

/// One checked query of the view of `s`, which also waits until the server has worked
/// through what `s` sent before it.
void check_one(Sender& s, UdpStats& stats, Report& report) {
    const std::vector<Case>& all = cases_for(s.source);
    const std::size_t n = s.next_case++;
    exchange(s, {{all[n % all.size()], n / all.size() % 2 == 1}}, 1, 1000, stats, report);
    s.since_check = 0;
}

void send_packet(Sender& s, const Bytes& packet) {
    if (::send(s.fd.get(), packet.data(), packet.size(), 0) < 0 && errno == EAGAIN) {
        wait_for(s.fd.get(), POLLOUT, after_ms(1000));
        ::send(s.fd.get(), packet.data(), packet.size(), 0);
    }
}

struct Planned {
    Mutation kind;
    std::size_t count;
};
constexpr std::array<Planned, kMutationKinds> kPlan = {{
    {Mutation::BitFlip, 6000},
    {Mutation::ByteChange, 6000},
    {Mutation::Extend, 2000},
    {Mutation::Counts, 2000},
    {Mutation::Pointers, 1500},
    {Mutation::LongLabel, 800},
    {Mutation::LongName, 800},
    {Mutation::BadEdns, 3000},
    {Mutation::BadEcs, 1500},
    {Mutation::TypeClass, 2000},
    {Mutation::QrSet, 500},
    {Mutation::Opcode, 1000},
    {Mutation::Empty, 300},
    {Mutation::Random, 5000},
    {Mutation::Huge, 5},
}};
/// A checked query after this many malformed packets from one socket.
constexpr std::size_t kCheckEvery = 32;

void report_udp(const UdpStats& stats, Report& report) {
    report.note("udp: " + std::to_string(stats.checked) + " checked queries, " +
                std::to_string(stats.answered) + " answered, " + std::to_string(stats.unanswered) +
                " unanswered; " + std::to_string(stats.other_replies) +
                " replies to malformed packets, " + std::to_string(stats.bad_replies) +
                " of them unreadable");
}

}  // namespace

void udp_warm_up(std::uint16_t port, std::size_t distinct, Report& report) {
    // Several sockets per view: SO_REUSEPORT spreads them over every receive thread.
    std::vector<Sender> all =
        senders(port, {kLondonClient, kLondonClient, kLondonClient, kLondonClient, "127.0.2.30",
                       "127.0.2.31", "127.0.3.30", "127.0.3.31", "127.0.5.30", "127.0.5.31"});
    UdpStats stats;
    for (std::size_t i = 0; i < all.size(); ++i) {
        std::vector<Case> cases = cases_for(all[i].source);
        for (std::size_t j = 0; j < distinct / all.size(); ++j) {
            cases.push_back(
                nxdomain_case(all[i].source, "w" + std::to_string(i) + "-" + std::to_string(j)));
        }
        exchange(all[i], checked(cases, 3), 64, 2000, stats, report);
    }
    ForwardBurst(port, report).run();
    report_udp(stats, report);
    report.check(stats.unanswered * 100 <= stats.checked,
                 "udp warm-up: at most 1% of the checked queries unanswered");
}

std::size_t udp_soak(std::uint16_t port, std::uint64_t seed, Report& report) {
    std::vector<Sender> plain = senders(
        port, {kLondonClient, kLondonClient, kLondonClient, "127.0.2.7", "127.0.3.7", "127.0.5.7"});
    std::vector<Sender> trusted = senders(port, {kTrustedEcs, kTrustedEcs});
    Mutator mutator(seed);
    std::vector<Mutation> schedule;
    for (const Planned& p : kPlan) schedule.insert(schedule.end(), p.count, p.kind);
    Rng order(seed + 1);
    std::shuffle(schedule.begin(), schedule.end(), std::mt19937_64(order.next()));

    UdpStats stats;
    std::size_t sent = 0;
    const auto send = [&](Sender& s, const Bytes& packet) {
        send_packet(s, packet);
        ++sent;
        if (++s.since_check == kCheckEvery) check_one(s, stats, report);
    };
    const std::vector<Bytes> truncated = mutator.truncations();
    for (const Bytes& packet : truncated) send(plain[sent % plain.size()], packet);
    for (const Mutation kind : schedule) {
        // ECS is read only from trusted senders (SPEC §5): they get every bad ECS packet
        // and a quarter of the rest.
        auto& group = kind == Mutation::BadEcs || sent % 4 == 0 ? trusted : plain;
        send(group[sent % group.size()], mutator.make(kind));
    }
    for (Sender& s : plain) check_one(s, stats, report);
    for (Sender& s : trusted) check_one(s, stats, report);

    report.note("udp: " + std::to_string(truncated.size()) + " seed queries cut at every length");
    for (const Planned& p : kPlan) {
        report.note("udp: " + std::to_string(p.count) + " " + std::string(mutation_name(p.kind)));
    }
    report_udp(stats, report);
    report.check(stats.answered * 2 >= stats.checked,
                 "udp soak: most checked queries interleaved with the malformed ones answered");
    report.check(stats.bad_replies == 0, "udp soak: every reply is a readable DNS response");
    return sent;
}

void udp_final(std::uint16_t port, Report& report) {
    UdpStats stats;
    for (const char* source :
         {kLondonClient, "127.0.2.51", "127.0.3.51", kTrustedEcs, "127.0.5.51"}) {
        Sender s(source, port);
        std::vector<Checked> both;
        for (const Case& c : cases_for(source)) both.insert(both.end(), {{c, false}, {c, true}});
        exchange(s, both, 1, kGuardMs, stats, report);
    }
    report.check(stats.unanswered == 0 && stats.answered == stats.checked,
                 "udp: all " + std::to_string(stats.checked) +
                     " final queries of every view answered as expected");
    // Right after the soak the forwarder may still be at its in-flight limit and answer
    // SERVFAIL at once, saying so; once it has room, a name reaches the dead upstream and
    // the SERVFAIL says the upstream timed out. New names: none is merged or cached.
    const auto name = [](std::size_t n) {
        return "final" + std::to_string(n) + ".soak.example.org.";
    };
    std::size_t immediate = 0;
    std::string said = ask_forwarded(port, name(immediate), false);
    for (const auto guard = after_ms(kGuardMs); said == kInFlightLimit && Clock::now() < guard;) {
        said = ask_forwarded(port, name(++immediate), false);
    }
    report.check(said == kUpstreamTimedOut,
                 "udp: a forwarded name gets SERVFAIL after the upstream timed out (" + said +
                     "; " + std::to_string(immediate) +
                     " immediate SERVFAILs before, at the in-flight limit)");
}

}  // namespace sitedns::soak
