#include "tests/integration/soak/soak_fixture.h"

#include <algorithm>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "tests/integration/soak/soak_net.h"

namespace sitedns::soak {
namespace {

constexpr const char* kLabZone = R"({
  "origin": "lab.test.", "ttl": 120,
  "soa": { "mname": "ns.lab.test.", "rname": "hostmaster.lab.test.", "serial": 7,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [
    { "name": "@", "type": "NS", "data": "ns" },
    { "name": "@", "type": "MX", "data": "10 mail" },
    { "name": "@", "type": "TXT", "data": "\"soak\"" },
    { "name": "ns", "type": "A", "data": "192.0.2.53" },
    { "name": "mail", "type": "A", "data": "192.0.2.25" },
    { "name": "www", "type": "A", "data": "192.0.2.1" },
    { "name": "www", "type": "AAAA", "data": "2001:db8::1" },
    { "name": "alias", "type": "CNAME", "data": "www" }
  ]
}
)";

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw test::DnsClientError("cannot write " + path);
}

nlohmann::json site(const char* name, const char* subnet, const char* address) {
    return {{"name", name},
            {"subnets", {std::string("10.") + subnet + ".0.0/16"}},
            {"address", address}};
}

std::string config_text(std::uint16_t dead_port) {
    nlohmann::json london = site("london", "1", "203.0.113.10");
    london["subnets"].push_back(std::string(kLondonClient) + "/32");
    london["primary"] = true;
    nlohmann::json paris = site("paris", "2", "203.0.113.20");
    paris["subnets"].push_back("127.0.2.0/24");
    nlohmann::json madrid = site("madrid", "3", "203.0.113.30");
    madrid["subnets"].push_back("127.0.3.0/24");
    const nlohmann::json config = {
        {"listen", {"127.0.0.1:0"}},
        {"threads", 2},
        {"metrics_listen", "127.0.0.1:0"},
        {"upstreams", {"127.0.0.1:" + std::to_string(dead_port)}},
        {"dnssec", {{"validate", false}}},  // the dead upstream's SERVFAIL, not libunbound's
        {"ecs_trust", {std::string(kTrustedEcs) + "/32"}},
        {"forwarding",
         {{"attempt_timeout_ms", 200},
          {"query_deadline_ms", kForwardDeadlineMs},
          {"max_in_flight", kMaxForwardsInFlight}}},
        // The stalled connections must outlive the run: a long idle timeout.
        {"tcp",
         {{"idle_timeout_ms", 120000},
          {"max_connections", kMaxTcpConnections},
          {"max_connections_per_client", kMaxTcpPerClient}}},
        {"sites",
         {{"domain", "example.com"},
          {"internal_suffix", "example.local"},
          {"ttl", 300},
          {"list", {london, paris, madrid}}}},
        {"views",
         {{{"name", "lab"},
           {"match_clients", {"127.0.0.0/8"}},
           {"zones", {"lab.json"}},
           {"recursion", true}}}},
    };
    return config.dump(2) + "\n";
}

/// A site's MX and its mail host's address, as every other site's view answers them.
Case site_mx(const std::string& site, const std::string& address) {
    const std::string zone = site + ".example.local.";
    return {zone,
            "MX",
            "NOERROR",
            true,
            {zone + " 300 IN MX 10 mail." + zone},
            {"mail." + zone + " 300 IN A " + address},
            ""};
}

Case site_a(const std::string& site, const std::string& address) {
    const std::string zone = site + ".example.local.";
    return {
        "mail." + zone, "A", "NOERROR", true, {"mail." + zone + " 300 IN A " + address}, {}, ""};
}

std::string site_soa(const std::string& site) {
    return site + ".example.local. 300 IN SOA ns.example.local. hostmaster.example.com. ";
}

/// NODATA: the name exists, the type does not (RFC 2308 §2.2).
Case site_nodata(const std::string& site) {
    return {"mail." + site + ".example.local.", "TXT", "NOERROR", true, {}, {}, site_soa(site)};
}

std::vector<Case> site_cases(const std::string& one, const std::string& one_address,
                             const std::string& other, const std::string& other_address) {
    return {site_mx(one, one_address), site_a(one, one_address), site_mx(other, other_address),
            site_a(other, other_address), site_nodata(other)};
}

std::vector<Case> lab_cases() {
    const std::string soa = "lab.test. 60 IN SOA ns.lab.test. hostmaster.lab.test. 7 ";
    return {
        {"lab.test.",
         "MX",
         "NOERROR",
         true,
         {"lab.test. 120 IN MX 10 mail.lab.test."},
         {"mail.lab.test. 120 IN A 192.0.2.25"},
         ""},
        {"www.lab.test.", "A", "NOERROR", true, {"www.lab.test. 120 IN A 192.0.2.1"}, {}, ""},
        {"WwW.Lab.TEST.",
         "AAAA",
         "NOERROR",
         true,
         {"WwW.Lab.TEST. 120 IN AAAA 2001:db8::1"},
         {},
         ""},
        {"alias.lab.test.",
         "A",
         "NOERROR",
         true,
         {"alias.lab.test. 120 IN CNAME www.lab.test.", "www.lab.test. 120 IN A 192.0.2.1"},
         {},
         ""},
        {"lab.test.", "TXT", "NOERROR", true, {"lab.test. 120 IN TXT \"soak\""}, {}, ""},
        {"nothing.lab.test.", "A", "NXDOMAIN", true, {}, {}, soa},
    };
}

std::vector<std::string> lowered(const std::vector<std::string>& records) {
    std::vector<std::string> out;
    for (const std::string& r : records) out.push_back(test::ascii_lower(r));
    std::sort(out.begin(), out.end());
    return out;
}

/// What differs between the answer and `c`, "" when nothing does.
std::string compare(const Case& c, std::uint16_t id, bool edns, const test::Answer& a) {
    if (a.id != id) return "id " + std::to_string(a.id) + ", expected " + std::to_string(id);
    if (!a.qr) return "QR clear";
    if (a.rcode != c.rcode) return "rcode " + a.rcode + ", expected " + c.rcode;
    if (a.aa != c.aa) return "AA is not as expected";
    if (a.tc) return "TC set";
    if (a.question != c.qname + " IN " + c.qtype) return "question " + a.question;
    if (a.has_opt != edns) return "OPT presence differs from the query";
    if (lowered(a.answer) != lowered(c.answer)) return "answer section";
    if (lowered(a.additional) != lowered(c.additional)) return "additional section";
    if (c.authority.empty() != a.authority.empty()) return "authority section";
    if (!c.authority.empty() &&
        (a.authority.size() != 1 ||
         test::ascii_lower(a.authority[0]).rfind(test::ascii_lower(c.authority), 0) != 0)) {
        return "authority section";
    }
    return "";
}

}  // namespace

void write_config(const std::string& dir, std::uint16_t dead_port) {
    write_file(dir + "/lab.json", kLabZone);
    write_file(dir + "/sitedns.json", config_text(dead_port));
}

std::string view_of(const std::string& client) {
    if (client == kLondonClient) return "london";
    if (client.rfind("127.0.2.", 0) == 0) return "paris";
    if (client.rfind("127.0.3.", 0) == 0) return "madrid";
    return "lab";
}

const std::vector<Case>& cases_for(const std::string& client) {
    static const std::map<std::string, std::vector<Case>> cases = {
        {"london", site_cases("paris", "203.0.113.20", "madrid", "203.0.113.30")},
        {"paris", site_cases("london", "203.0.113.10", "madrid", "203.0.113.30")},
        {"madrid", site_cases("paris", "203.0.113.20", "london", "203.0.113.10")},
        {"lab", lab_cases()},
    };
    return cases.at(view_of(client));
}

Case forwarded_case(const std::string& qname) {
    return {qname, "A", "SERVFAIL", false, {}, {}, ""};
}

Case nxdomain_case(const std::string& client, const std::string& label) {
    const std::string view = view_of(client);
    if (view == "lab") {
        return {label + ".lab.test.", "A", "NXDOMAIN", true, {}, {}, "lab.test. 60 IN SOA "};
    }
    const std::string site = view == "madrid" ? "london" : view == "paris" ? "madrid" : "paris";
    return {label + "." + site + ".example.local.", "A", "NXDOMAIN", true, {}, {}, site_soa(site)};
}

test::Bytes query_for(const Case& c, std::uint16_t id, bool edns) {
    test::QueryOptions options;
    options.id = id;
    options.rd = true;
    options.edns = edns;
    return test::make_query(c.qname, c.qtype, options);
}

std::string check_answer(const Case& c, std::uint16_t id, bool edns,
                         std::span<const std::uint8_t> reply) {
    try {
        const test::Answer a = test::parse_answer(reply);
        const std::string problem = compare(c, id, edns, a);
        return problem.empty() ? ""
                               : c.qname + " " + c.qtype + ": " + problem + "\n" + to_string(a);
    } catch (const test::DnsClientError& e) {
        return c.qname + " " + c.qtype + ": " + e.what();
    }
}

std::string extended_error(std::span<const std::uint8_t> reply) {
    try {
        const test::Answer a = test::parse_answer(reply);
        return a.ede < 0 ? "no EDE" : "EDE " + std::to_string(a.ede) + ": " + a.ede_text;
    } catch (const test::DnsClientError& e) {
        return e.what();
    }
}

std::string ask_forwarded(std::uint16_t port, const std::string& qname, bool tcp) {
    constexpr std::uint16_t kId = 0xF0F0;
    const Case c = forwarded_case(qname);
    const test::Bytes query = query_for(c, kId, true);
    const std::chrono::milliseconds guard(kGuardMs);
    try {
        const test::Bytes reply =
            tcp ? test::tcp_exchange("127.0.0.1", port, query, guard, kLondonClient)
                : test::udp_exchange("127.0.0.1", port, query, guard, kLondonClient);
        const std::string problem = check_answer(c, kId, true, reply);
        return problem.empty() ? extended_error(reply) : problem;
    } catch (const test::DnsClientError& e) {
        return e.what();
    }
}

}  // namespace sitedns::soak
