// The shared table of query cases (tests/support/query_cases.h) against the real sitedns
// binary on loopback, over UDP and over TCP (STYLE rule 12): the same example data and
// views as the query core's unit tests, written as a configuration, and each case sent
// from its client address (the loopback cases; the others need an address loopback does
// not have and run in the unit tests only).
//
//   sitedns_cases write-config DIR   DIR/sitedns.json and one zone file per view
//   sitedns_cases run PORT           every loopback case against 127.0.0.1:PORT
//
// cases_test.sh starts sitedns between the two. Exit status 0 when every case passed.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/dns_client.h"
#include "tests/support/query_cases.h"
#include "tests/support/test_zones.h"

namespace {

using sitedns::test::QueryCase;

/// How long one answer may take (sanitizer builds included).
constexpr std::chrono::milliseconds kTimeout{3000};
/// Queries left without an answer before the run stops.
constexpr int kMaxUnanswered = 3;

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw sitedns::test::DnsClientError("cannot write " + path);
}

/// The example views as SPEC §3 configuration: one zone file per view with a zone, no
/// recursion, a free port on 127.0.0.1.
void write_config(const std::string& dir) {
    nlohmann::json views = nlohmann::json::array();
    for (const sitedns::test::TestView& view : sitedns::test::test_views()) {
        nlohmann::json zones = nlohmann::json::array();
        if (!view.zone_json.empty()) {
            const std::string file = view.name + ".json";
            write_file(dir + "/" + file, view.zone_json);
            zones.push_back(file);
        }
        views.push_back({{"name", view.name},
                         {"match_clients", view.match_clients},
                         {"zones", zones},
                         {"recursion", false}});
    }
    const nlohmann::json config = {{"listen", {"127.0.0.1:0"}}, {"threads", 2}, {"views", views}};
    write_file(dir + "/sitedns.json", config.dump(2) + "\n");
}

/// Asks `c` over one transport; "" when the answer is the case's, else why not. Throws
/// DnsClientError when no readable answer came.
std::string run_case(const QueryCase& c, bool tcp, std::uint16_t port, std::uint16_t id) {
    const auto query = sitedns::test::case_query(c, c.qname, id);
    const auto wire =
        tcp ? sitedns::test::tcp_exchange("127.0.0.1", port, query, kTimeout, c.client)
            : sitedns::test::udp_exchange("127.0.0.1", port, query, kTimeout, c.client);
    const sitedns::test::Answer a = sitedns::test::parse_answer(wire);
    const std::string problems = sitedns::test::check_answer(c, c.qname, id, a);
    return problems.empty() ? "" : problems + sitedns::test::to_string(a);
}

int run(std::uint16_t port) {
    int passed = 0;
    int failed = 0;
    int unanswered = 0;
    std::uint16_t id = 0x2000;
    for (const QueryCase& c : sitedns::test::query_cases()) {
        if (!sitedns::test::on_loopback(c)) continue;
        for (const bool tcp : sitedns::test::case_transports(c)) {
            std::string problems;
            try {
                problems = run_case(c, tcp, port, ++id);
            } catch (const sitedns::test::DnsClientError& e) {
                problems = std::string(e.what()) + "\n";
                ++unanswered;
            }
            if (problems.empty()) {
                ++passed;
                continue;
            }
            ++failed;
            std::printf("FAIL - %s over %s from %s:\n%s", c.name.c_str(), tcp ? "TCP" : "UDP",
                        c.client.c_str(), problems.c_str());
            // A server that stopped answering: say so now, not after a timeout per case.
            if (unanswered == kMaxUnanswered) {
                std::printf("FAIL - %d queries without an answer: giving up\n", unanswered);
                return 1;
            }
        }
    }
    std::printf("%s - %d case runs over UDP and TCP passed, %d failed\n", failed ? "FAIL" : "ok  ",
                passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string command = argc > 1 ? argv[1] : "";
        if (command == "write-config" && argc == 3) {
            write_config(argv[2]);
            return 0;
        }
        if (command == "run" && argc == 3)
            return run(static_cast<std::uint16_t>(std::stoul(argv[2])));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sitedns_cases: %s\n", e.what());
        return 1;
    }
    std::fputs("usage: sitedns_cases write-config DIR | sitedns_cases run PORT\n", stderr);
    return 2;
}
