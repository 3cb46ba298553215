// The malformed-traffic soak test (issue 7): tens of thousands of mutated and random UDP
// packets and hundreds of garbage, oversized, stalled and reset TCP connections against
// a running sitedns; afterwards it must still be alive, answer every view correctly over
// UDP and TCP, and its resident memory must not have grown by more than a few MiB.
//
//   sitedns_soak write-config DIR        DIR/sitedns.json and DIR/lab.json (dead upstream)
//   sitedns_soak run PORT PID [SEED]     the soak against the sitedns PID serving PORT
//
// soak_test.sh starts sitedns and runs both. Exit status 0 when every check passed.

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/integration/soak/soak_fixture.h"
#include "tests/integration/soak/soak_net.h"
#include "tests/integration/soak/soak_tcp.h"
#include "tests/integration/soak/soak_udp.h"

namespace {

using namespace sitedns::soak;

/// Memory growth allowed between the end of the warm-up and the end of the soak.
constexpr long kMaxGrowthKib = 8 * 1024;
/// Distinct queries of the warm-up: enough to touch every page of the answer caches.
constexpr std::size_t kWarmUpUdp = 24000;
constexpr std::size_t kWarmUpTcp = 16000;

/// A field of /proc/PID/status in KiB (VmRSS, VmHWM), -1 when the process is gone.
long status_kib(long pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    long value = 0;
    while (status >> key) {
        if (key == field + ":" && status >> value) return value;
        status.ignore(1 << 16, '\n');
    }
    return -1;
}

bool alive(long pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_text, name, state;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 && stat >> pid_text >> name >> state &&
           state != "Z";
}

std::string mib(long kib) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(kib) / 1024.0);
    return text;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int run(std::uint16_t port, long pid, std::uint64_t seed) {
    Report report;
    const auto start = Clock::now();
    udp_warm_up(port, kWarmUpUdp, report);
    TcpSoak tcp(port, seed, report);
    tcp.warm_up(kWarmUpTcp);
    const long before = status_kib(pid, "VmRSS");
    report.note("warm-up done in " + std::to_string(seconds_since(start)) + " s; VmRSS " +
                mib(before));

    const auto soak_start = Clock::now();
    std::size_t connections = tcp.open_stalled();
    const std::size_t packets = udp_soak(port, seed, report);
    connections += tcp.abuse();
    connections += tcp.limits();
    report.note("sent " + std::to_string(packets) + " malformed UDP packets and made " +
                std::to_string(connections) + " TCP connections in " +
                std::to_string(seconds_since(soak_start)) + " s");

    report.check(alive(pid), "sitedns is alive after the soak");
    udp_final(port, report);
    tcp.final_checks();
    const long after = status_kib(pid, "VmRSS");
    const long growth = after - before;
    report.check(before > 0 && after > 0 && growth <= kMaxGrowthKib,
                 "VmRSS " + mib(before) + " after the warm-up, " + mib(after) +
                     " after the soak: grew by " + mib(growth) + " (bound " + mib(kMaxGrowthKib) +
                     "); peak " + mib(status_kib(pid, "VmHWM")));
    tcp.close_stalled();
    udp_final(port, report);
    report.check(alive(pid), "sitedns is alive after the stalled connections closed");
    report.note("soak finished in " + std::to_string(seconds_since(start)) + " s, " +
                std::to_string(report.failures()) + " failure(s)");
    return report.failures() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string usage =
        "usage: sitedns_soak write-config DIR | sitedns_soak run PORT PID [SEED]\n";
    try {
        const std::string command = argc > 1 ? argv[1] : "";
        if (command == "write-config" && argc == 3) {
            write_config(argv[2], free_udp_port());
            return 0;
        }
        if (command == "run" && (argc == 4 || argc == 5)) {
            const auto port = static_cast<std::uint16_t>(std::stoul(argv[2]));
            const long pid = std::stol(argv[3]);
            const std::uint64_t seed = argc == 5 ? std::stoull(argv[4]) : 20260701;
            return run(port, pid, seed);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sitedns_soak: %s\n", e.what());
        return 1;
    }
    std::fputs(usage.c_str(), stderr);
    return 2;
}
