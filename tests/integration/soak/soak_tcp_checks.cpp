// TcpSoak's connection-limit bursts and final checks (the abuse is in soak_tcp.cpp).
#include <poll.h>
#include <sys/socket.h>

#include "tests/integration/soak/soak_fixture.h"
#include "tests/integration/soak/soak_tcp.h"

namespace sitedns::soak {
namespace {

constexpr const char* kBurstClient = "127.0.3.200";
constexpr int kTotalBurst = 120;
constexpr int kFreshAttempts = 12;

std::vector<std::string> repeated(const std::string& source, std::size_t n) {
    return std::vector<std::string>(n, source);
}

}  // namespace

void TcpSoak::answered_or_closed(std::vector<Fd>& fds, const std::vector<std::string>& sources,
                                 std::size_t& answered, std::size_t& closed) {
    std::vector<std::uint16_t> ids;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        ids.push_back(take_checked_id(next_id_));
        const Bytes query = framed(query_for(cases_for(sources[i])[0], ids.back(), false));
        if (!send_all(fds[i].get(), query, after_ms(1000))) fds[i].reset();  // reset at once
    }
    const auto deadline = after_ms(kGuardMs);
    for (std::size_t i = 0; i < fds.size(); ++i) {
        Bytes answer;
        const ReadResult r =
            fds[i].valid() ? read_frame(fds[i].get(), answer, deadline) : ReadResult::Closed;
        if (r == ReadResult::Message) {
            const std::string problem =
                check_answer(cases_for(sources[i])[0], ids[i], false, answer);
            if (!problem.empty()) report_.fail("tcp: " + problem);
            ++answered;
        } else if (r == ReadResult::Closed) {
            ++closed;
        } else {
            report_.fail("tcp: a connection from " + sources[i] + " neither answered nor closed");
        }
    }
}

bool TcpSoak::fresh_query(const std::string& source, std::size_t case_index) {
    const Case& c = cases_for(source)[case_index];
    for (int attempt = 1; attempt <= kFreshAttempts; ++attempt) {
        Fd fd = connect(source);
        const std::uint16_t id = take_checked_id(next_id_);
        Bytes answer;
        if (fd.valid() && send_all(fd.get(), framed(query_for(c, id, true)), after_ms(1000)) &&
            read_frame(fd.get(), answer, after_ms(kGuardMs)) == ReadResult::Message) {
            const std::string problem = check_answer(c, id, true, answer);
            if (!problem.empty()) report_.fail("tcp from " + source + ": " + problem);
            return problem.empty();
        }
        // Refused at accept: connections closed a moment ago may not be released yet.
        ::poll(nullptr, 0, 20 * attempt);
    }
    report_.fail("tcp: no answer over " + std::to_string(kFreshAttempts) +
                 " fresh connections from " + source);
    return false;
}

std::size_t TcpSoak::limits() {
    // Past the per-client limit from one address: the first ones are served, the rest
    // closed at accept; once they close, the address is served again.
    std::vector<Fd> burst;
    const std::size_t per_client = kMaxTcpPerClient + 5;
    for (std::size_t i = 0; i < per_client; ++i) burst.push_back(connect(kBurstClient));
    std::size_t answered = 0;
    std::size_t closed = 0;
    answered_or_closed(burst, repeated(kBurstClient, per_client), answered, closed);
    report_.check(answered == kMaxTcpPerClient && closed == 5,
                  "tcp: " + std::to_string(per_client) + " connections from one address: " +
                      std::to_string(answered) + " answered, " + std::to_string(closed) +
                      " closed at accept (limit " + std::to_string(kMaxTcpPerClient) + ")");
    burst.clear();
    report_.check(fresh_query(kBurstClient, 0), "tcp: that address is served again");

    // Past the total limit, from many addresses, while the stalled connections hold theirs.
    std::vector<std::string> sources;
    for (int i = 0; i < kTotalBurst; ++i) {
        sources.push_back(loopback_address(2, 150 + i / 2));
        burst.push_back(connect(sources.back()));
    }
    answered = closed = 0;
    answered_or_closed(burst, sources, answered, closed);
    const std::size_t room = kMaxTcpConnections - stalled_.size();
    report_.check(answered + closed == kTotalBurst && answered >= 1 && answered <= room &&
                      closed >= kTotalBurst - room,
                  "tcp: " + std::to_string(kTotalBurst) + " more connections with " +
                      std::to_string(stalled_.size()) + " stalled ones open: " +
                      std::to_string(answered) + " answered, " + std::to_string(closed) +
                      " closed at accept (limit " + std::to_string(kMaxTcpConnections) + ")");
    return per_client + 1 + kTotalBurst;
}

void TcpSoak::final_checks() {
    std::size_t cases = 0;
    std::size_t right = 0;
    for (const char* source :
         {kLondonClient, "127.0.2.52", "127.0.3.52", kTrustedEcs, "127.0.5.52"}) {
        const std::vector<Case>& all = cases_for(source);
        for (std::size_t i = 0; i < all.size(); ++i) {
            ++cases;
            right += fresh_query(source, i) ? 1 : 0;
        }
        Fd fd = connect(source);
        std::vector<Case> twice = all;
        twice.insert(twice.end(), all.begin(), all.end());
        cases += twice.size();
        right += fd.valid() ? pipeline(fd.get(), twice, source) : 0;
    }
    report_.check(right == cases, "tcp: " + std::to_string(right) + " of " + std::to_string(cases) +
                                      " final queries over fresh connections answered as expected "
                                      "while the stalled connections are open");
    const std::string said = ask_forwarded(port_, "tcp.soak.example.org.", true);
    report_.check(
        said == kUpstreamTimedOut,
        "tcp: a forwarded name gets SERVFAIL after the upstream timed out (" + said + ")");
}

void TcpSoak::close_stalled() {
    std::size_t open = 0;
    for (const Fd& fd : stalled_) open += still_open(fd.get()) ? 1 : 0;
    report_.check(open == stalled_.size(), "tcp: " + std::to_string(open) + " of " +
                                               std::to_string(stalled_.size()) +
                                               " stalled connections still open at the end");
    stalled_.clear();
}

}  // namespace sitedns::soak
