#include "tests/integration/soak/soak_tcp.h"

#include <poll.h>
#include <sys/socket.h>

#include <map>

#include "tests/integration/soak/soak_fixture.h"

namespace sitedns::soak {
namespace {

constexpr int kStalledSilent = 30;
constexpr int kStalledHalfPrefix = 30;
constexpr int kPoolSize = 40;

/// Closes the sending side and waits for the server to close too.
bool closed_after_eof(int fd) {
    ::shutdown(fd, SHUT_WR);
    return wait_closed(fd, after_ms(kGuardMs));
}

void count_line(Report& report, std::size_t count, const std::string& what) {
    report.note("tcp: " + std::to_string(count) + " " + what);
}

}  // namespace

TcpSoak::TcpSoak(std::uint16_t port, std::uint64_t seed, Report& report)
    : port_(port), rng_(seed), report_(report) {}

std::string TcpSoak::next_source() {
    return loopback_address(3, 1 + static_cast<int>(pool_next_++ % kPoolSize));
}

Fd TcpSoak::connect(const std::string& source) {
    Fd fd = tcp_connect(source, port_);
    if (!fd.valid()) report_.fail("tcp: cannot connect from " + source);
    return fd;
}

std::size_t TcpSoak::pipeline(int fd, const std::vector<Case>& cases, const std::string& source) {
    std::map<std::uint16_t, std::size_t> pending;
    Bytes stream;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::uint16_t id = take_checked_id(next_id_);
        const Bytes query = framed(query_for(cases[i], id, i % 2 == 1));
        append(stream, query);
        pending[id] = i;
    }
    if (!send_all(fd, stream, after_ms(3000))) return 0;
    std::size_t answered = 0;
    Bytes answer;
    const auto deadline = after_ms(kGuardMs);
    while (!pending.empty() && read_frame(fd, answer, deadline) == ReadResult::Message) {
        const auto id = answer.size() >= 2 ? static_cast<std::uint16_t>(answer[0] << 8 | answer[1])
                                           : std::uint16_t{0};
        const auto it = pending.find(id);
        if (it == pending.end()) {
            report_.fail("tcp from " + source + ": an answer with an unknown ID " +
                         std::to_string(id));
            return answered;
        }
        const std::size_t i = it->second;
        if (const std::string problem = check_answer(cases[i], id, i % 2 == 1, answer);
            !problem.empty()) {
            report_.fail("tcp from " + source + ": " + problem);
        }
        pending.erase(it);
        ++answered;
    }
    return answered;
}

void TcpSoak::warm_up(std::size_t queries) {
    const std::vector<std::string> sources = {"127.0.2.30", "127.0.2.31",  "127.0.2.32",
                                              "127.0.2.33", kLondonClient, "127.0.3.30",
                                              "127.0.5.30", kTrustedEcs};
    std::size_t sent = 0;
    std::size_t answered = 0;
    for (std::size_t s = 0; s < sources.size(); ++s) {
        Fd fd = connect(sources[s]);
        if (!fd.valid()) continue;
        const std::size_t per_connection = queries / sources.size();
        for (std::size_t done = 0; done < per_connection; done += 100) {
            std::vector<Case> chunk = cases_for(sources[s]);
            for (std::size_t j = done; j < done + 100 && j < per_connection; ++j) {
                chunk.push_back(
                    nxdomain_case(sources[s], "t" + std::to_string(s) + "-" + std::to_string(j)));
            }
            sent += chunk.size();
            answered += pipeline(fd.get(), chunk, sources[s]);
        }
    }
    report_.check(answered == sent, "tcp warm-up: " + std::to_string(answered) + " of " +
                                        std::to_string(sent) + " pipelined queries answered");
}

std::size_t TcpSoak::open_stalled() {
    for (int i = 0; i < kStalledSilent + kStalledHalfPrefix; ++i) {
        Fd fd =
            connect(loopback_address(2, 10 + i / 4));  // 4 per address: under the per-client limit
        if (!fd.valid()) continue;
        if (i >= kStalledSilent) {
            const std::uint8_t half_prefix = 0;
            send_all(fd.get(), {&half_prefix, 1}, after_ms(1000));
        }
        stalled_.push_back(std::move(fd));
    }
    count_line(report_, static_cast<std::size_t>(kStalledSilent),
               "stalled connections that send nothing");
    count_line(report_, static_cast<std::size_t>(kStalledHalfPrefix),
               "stalled connections that send half a length prefix");
    return static_cast<std::size_t>(kStalledSilent + kStalledHalfPrefix);
}

std::size_t TcpSoak::abuse() {
    std::size_t made = 0;
    made += garbage(100);
    made += huge_length(30);
    made += tiny_messages(40);
    made += byte_by_byte(20);
    made += reset_mid_message(40);
    made += pipelined_unread(20);
    return made;
}

template <typename Body>
void TcpSoak::each_connection(std::size_t count, Body&& body) {
    for (std::size_t i = 0; i < count; ++i) {
        const std::string source = next_source();
        Fd fd = connect(source);
        if (fd.valid()) body(fd, source, i);
    }
}

std::size_t TcpSoak::garbage(std::size_t count) {
    std::size_t closed = 0;
    each_connection(count, [&](Fd& fd, const std::string& source, std::size_t i) {
        Bytes stream;
        if (i % 4 == 0) {  // a real query first, then the garbage
            stream = framed(query_for(cases_for(source)[0], take_checked_id(next_id_), false));
        }
        append(stream, rng_.bytes(1 + rng_.below(8000)));
        send_all(fd.get(), stream, after_ms(1000));  // fails when the server closed first
        closed += closed_after_eof(fd.get()) ? 1 : 0;
    });
    count_line(report_, count, "connections sending random garbage, then EOF");
    report_.check(closed == count, "tcp: the server closed " + std::to_string(closed) + " of " +
                                       std::to_string(count) + " garbage connections after EOF");
    return count;
}

std::size_t TcpSoak::huge_length(std::size_t count) {
    std::size_t waited = 0;
    std::size_t closed = 0;
    each_connection(count, [&](Fd& fd, const std::string& source, std::size_t i) {
        Bytes stream{0xFF, 0xFF};  // 65,535 bytes announced
        if (i % 3 == 2) {          // and sent: a query followed by junk
            const Bytes q = query_for(cases_for(source)[0], take_checked_id(next_id_), false);
            append(stream, q);
            append(stream, rng_.bytes(65535 - q.size()));
        } else {  // far fewer sent
            append(stream, rng_.bytes(1 + rng_.below(1000)));
        }
        send_all(fd.get(), stream, after_ms(1000));
        if (i % 3 == 0) return;  // closed at once
        ++waited;
        closed += closed_after_eof(fd.get()) ? 1 : 0;
    });
    count_line(report_, count, "connections announcing 65535-byte messages, 2 in 3 sending fewer");
    report_.check(closed == waited, "tcp: the server closed " + std::to_string(closed) + " of " +
                                        std::to_string(waited) + " of them after EOF");
    return count;
}

std::size_t TcpSoak::tiny_messages(std::size_t count) {
    std::size_t closed = 0;
    std::size_t answered = 0;
    std::size_t led = 0;
    each_connection(count, [&](Fd& fd, const std::string& source, std::size_t i) {
        Bytes stream;
        const Case& c = cases_for(source)[1];
        const std::uint16_t id = take_checked_id(next_id_);
        if (i % 4 == 0) stream = framed(query_for(c, id, false));  // answered first
        led += i % 4 == 0 ? 1 : 0;
        stream.insert(stream.end(), {0, static_cast<std::uint8_t>(i % 2)});
        if (i % 2 == 1) stream.push_back(rng_.byte());  // a 1-byte message
        send_all(fd.get(), stream, after_ms(1000));
        Bytes answer;
        if (i % 4 == 0 && read_frame(fd.get(), answer, after_ms(kGuardMs)) == ReadResult::Message) {
            const std::string problem = check_answer(c, id, false, answer);
            if (!problem.empty()) report_.fail("tcp: " + problem);
            answered += problem.empty() ? 1 : 0;
        }
        // Not DNS (no message is shorter than a header): closed without waiting for EOF.
        closed += wait_closed(fd.get(), after_ms(kGuardMs)) ? 1 : 0;
    });
    count_line(report_, count, "connections sending a 0-byte or 1-byte message");
    report_.check(closed == count && answered == led,
                  "tcp: the server closed all " + std::to_string(closed) +
                      " of them by itself, after answering the " + std::to_string(answered) +
                      " queries before");
    return count;
}

std::size_t TcpSoak::byte_by_byte(std::size_t count) {
    std::size_t answered = 0;
    each_connection(count, [&](Fd& fd, const std::string& source, std::size_t i) {
        const std::vector<Case>& cases = cases_for(source);
        const Case& c = cases[i % cases.size()];
        const std::uint16_t id = take_checked_id(next_id_);
        const Bytes stream = framed(query_for(c, id, i % 2 == 1));
        for (const std::uint8_t& byte : stream) send_all(fd.get(), {&byte, 1}, after_ms(1000));
        Bytes answer;
        if (read_frame(fd.get(), answer, after_ms(kGuardMs)) != ReadResult::Message) return;
        const std::string problem = check_answer(c, id, i % 2 == 1, answer);
        if (!problem.empty()) report_.fail("tcp: " + problem);
        answered += problem.empty() ? 1 : 0;
    });
    count_line(report_, count, "connections sending a query one byte at a time");
    report_.check(answered == count, "tcp: " + std::to_string(answered) + " of " +
                                         std::to_string(count) + " answered as expected");
    return count;
}

std::size_t TcpSoak::reset_mid_message(std::size_t count) {
    each_connection(count, [&](Fd& fd, const std::string& source, std::size_t i) {
        const Bytes query =
            framed(query_for(cases_for(source)[0], take_checked_id(next_id_), false));
        Bytes stream;
        switch (i % 4) {
            case 0:  // half a message
                stream.assign(query.begin(), query.begin() + query.size() / 2);
                break;
            case 1:  // a whole query: the answer meets a reset
                stream = query;
                break;
            case 2:  // 20 whole queries and half of one more
                for (int n = 0; n < 20; ++n) append(stream, query);
                stream.insert(stream.end(), query.begin(), query.begin() + 9);
                break;
            default:  // half a length prefix
                stream.push_back(0);
                break;
        }
        send_all(fd.get(), stream, after_ms(1000));
        reset_connection(fd);
    });
    count_line(report_, count, "connections reset (SO_LINGER 0) in the middle of a message");
    return count;
}

std::size_t TcpSoak::pipelined_unread(std::size_t count) {
    std::vector<Fd> open;
    std::size_t sent = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string source = loopback_address(2, 100 + static_cast<int>(i));
        Fd fd = connect(source);
        if (!fd.valid()) continue;
        const std::vector<Case>& cases = cases_for(source);
        Bytes stream;
        for (std::size_t n = 0; n < 100; ++n) {
            const Bytes q =
                framed(query_for(cases[n % cases.size()], take_checked_id(next_id_), n % 2));
            append(stream, q);
        }
        sent += send_all(fd.get(), stream, after_ms(kGuardMs)) ? 1 : 0;
        open.push_back(std::move(fd));
    }
    count_line(report_, count, "connections pipelining 100 queries and never reading");
    report_.check(sent == count, "tcp: all " + std::to_string(sent) + " pipelines sent");
    return count;  // closed here, their answers unread
}

}  // namespace sitedns::soak
