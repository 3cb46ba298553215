// `trace` and the Postfix export share one model of the routes (SPEC §2): for every site,
// every recipient and both methods, the hops `trace --from S` prints are the ones S's
// own `virtual` and `transport` make its Postfix take.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "config/mail_export.h"
#include "config/recipients.h"
#include "config/topology.h"
#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

/// A Postfix lookup table as `postmap` reads it: "key value", '#' comments.
std::map<std::string, std::string> table(const std::vector<ExportFile>& files,
                                         const std::string& name) {
    std::map<std::string, std::string> out;
    for (const ExportFile& file : files) {
        if (file.name != name) continue;
        std::istringstream lines(file.text);
        for (std::string line; std::getline(lines, line);) {
            if (line.empty() || line[0] == '#') continue;
            const std::size_t space = line.find(' ');
            out[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
        }
    }
    return out;
}

bool has_line(const TraceResult& trace, const std::string& line) {
    return std::find(trace.lines.begin(), trace.lines.end(), line) != trace.lines.end();
}

bool has_line_starting(const TraceResult& trace, const std::string& start) {
    return std::any_of(trace.lines.begin(), trace.lines.end(),
                       [&](const std::string& line) { return line.starts_with(start); });
}

/// The site whose location domain is `domain` ("madrid.example.local"), or nullptr.
const Site* site_of(const Sites& sites, const std::string& domain) {
    for (const Site& site : sites.list) {
        if (site.name + "." + sites.internal_suffix == domain) return &site;
    }
    return nullptr;
}

/// Every site, every address of the public domain S's `virtual` maps and both methods.
void expect_trace_matches_exports(const Config& config, std::span<const ServedView> views) {
    const Sites& sites = *config.sites;
    std::vector<Problem> problems;
    const Recipients recipients = read_recipients(sites, problems);
    ASSERT_EQ(printed(problems), std::vector<std::string>{});
    ASSERT_FALSE(recipients.list.empty());
    std::size_t compared = 0;
    for (const MailMethod method : {MailMethod::Dns, MailMethod::Connector}) {
        const bool connector = method == MailMethod::Connector;
        for (const Site& from : sites.list) {
            const auto files = export_postfix(sites, recipients, from.name, method, "/etc/postfix");
            const auto transport = table(files, "transport");
            for (const auto& [address, target] : table(files, "virtual")) {
                SCOPED_TRACE("from " + from.name + " to " + address +
                             (connector ? " (connector)" : " (dns)"));
                const TraceResult trace = trace_mail(config, views, from.name, address,
                                                     TraceOptions{&recipients, connector});
                ASSERT_EQ(trace.end, TraceEnd::Delivered) << testing::PrintToString(trace.lines);
                const std::size_t at = target.find('@');
                const std::string domain = at == std::string::npos ? "" : target.substr(at + 1);
                const Site* home = site_of(sites, domain);
                ++compared;
                if (home == nullptr || home->name == from.name) {
                    // A mailbox here, or the local postmaster: no hop.
                    EXPECT_EQ(trace.site, from.name);
                    continue;
                }
                EXPECT_EQ(trace.site, home->name);
                EXPECT_TRUE(
                    has_line(trace, "at " + from.name + ": contact " + address + " -> " + target));
                const auto entry = transport.find(domain);
                const std::string smart_host = "[" + home->address.to_string() + "]";
                if (connector) {
                    ASSERT_NE(entry, transport.end());
                    EXPECT_EQ(entry->second, "smtp:" + smart_host + ":25");
                    EXPECT_TRUE(has_line(trace, "at " + from.name + ": connector for " + domain +
                                                    ".: smart host " + smart_host + " (site " +
                                                    home->name + ")"));
                } else {
                    // An empty next hop: Postfix looks the MX up, whatever relayhost says.
                    ASSERT_NE(entry, transport.end());
                    EXPECT_EQ(entry->second, "smtp:");
                    EXPECT_TRUE(has_line_starting(trace, "  MX " + domain + ".: "));
                    EXPECT_TRUE(has_line_starting(trace, "at " + from.name + ": view "));
                    EXPECT_TRUE(std::any_of(
                        trace.lines.begin(), trace.lines.end(), [&](const std::string& line) {
                            return line.ends_with(" -> " + home->address.to_string() + " (site " +
                                                  home->name + ")");
                        }));
                }
            }
        }
    }
    // Every recipient, postmaster@ and abuse@ from every site, with both methods.
    EXPECT_GE(compared, 2 * sites.list.size() * (recipients.list.size() + 2));
}

TEST(TraceMatchesExports, TheExampleWithItsRecipients) {
    Served served(read_config_file(SITEDNS_SOURCE_DIR "/config/examples/sites-ad.json"));
    expect_trace_matches_exports(served.config(), served.views());
}

/// The end-to-end test's topology (tests/e2e): every site with tls and a public mail host.
TEST(TraceMatchesExports, TheEndToEndTopology) {
    ZoneDir dir;
    dir.write("recipients.csv",
              "address,site\nalice@example.com,paris\nbob@example.com,madrid\n"
              "carol@example.com,london\n");
    std::string list;
    for (const auto& [name, number] : {std::pair{"london", 1}, {"paris", 2}, {"madrid", 3}}) {
        const std::string n = std::to_string(number);
        list += std::string(list.empty() ? "" : ", ") + R"({ "name": ")" + name +
                R"(", "subnets": ["10.)" + n + R"(.0.0/16"], "address": "203.0.113.)" + n +
                R"(0", "mail_host": "mail-)" + name + R"(.example.com.", "tls": true)" +
                (number == 1 ? R"(, "primary": true })" : " }");
    }
    const auto served = serve(R"({ "upstreams": [], "sites": { "domain": "example.com",
        "internal_suffix": "example.local", "recipients": "recipients.csv", "list": [ )" +
                                  list + " ] } }",
                              dir.path());
    expect_trace_matches_exports(served->config(), served->views());
}

}  // namespace
}  // namespace sitedns::topology_test
