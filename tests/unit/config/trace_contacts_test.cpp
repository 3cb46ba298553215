// `sitedns trace` through the primary site's contacts, over TLS hops and by the
// SMTP-connector method (SPEC §1, §2).

#include <gtest/gtest.h>

#include <algorithm>

#include "config/recipients.h"
#include "config/topology.h"
#include "topology_fixture.h"

namespace sitedns::topology_test {
namespace {

using Lines = std::vector<std::string>;

constexpr std::size_t kLondon = 0, kParis = 1, kMadrid = 2;

/// bob at madrid, alice at london (the primary), dave at paris.
Recipients recipients() {
    Recipients out;
    out.list = {{"bob", kMadrid, 2}, {"alice", kLondon, 3}, {"dave", kParis, 4}};
    return out;
}

class TraceContacts : public testing::Test {
  protected:
    TraceResult trace(const Topology& topology, std::string_view from, std::string_view address,
                      bool connector = false) {
        served_ = serve(topology.json(), dir_.path());
        return trace_mail(served_->config(), served_->views(), from, address,
                          TraceOptions{&recipients_, connector});
    }

    ZoneDir dir_;
    Recipients recipients_ = recipients();
    std::unique_ptr<Served> served_;
};

const std::string kToPrimary =
    "at paris: example.com. is the public domain: its public MX delivers to the primary site "
    "london";

TEST_F(TraceContacts, PublicAddressGoesThroughThePrimarysContact) {
    const TraceResult result = trace(Topology{}, "paris", "bob@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.site, "madrid");
    EXPECT_EQ(
        result.lines,
        (Lines{kToPrimary, "at london: contact bob@example.com -> bob@madrid.example.internal",
               "at london: view london",
               "  MX madrid.example.internal.: 10 mail.madrid.example.internal.",
               "  mail.madrid.example.internal. -> 203.0.113.30 (site madrid)",
               "at madrid: madrid.example.internal. is madrid's own domain",
               "delivered at madrid (bob)"}));
}

TEST_F(TraceContacts, ASitesOwnUserComesBackThroughThePrimaryWithoutALoop) {
    const TraceResult result = trace(Topology{}, "paris", "dave@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.lines.back(), "delivered at paris (dave)");
}

TEST_F(TraceContacts, LocalPartAndDomainAreCaseInsensitive) {
    const TraceResult result = trace(Topology{}, "paris", "Bob@Example.COM");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.lines.back(), "delivered at madrid (bob)");
}

TEST_F(TraceContacts, AddressNoRecipientHasEndsNoSuchRecipient) {
    const TraceResult result = trace(Topology{}, "paris", "carol@example.com");
    EXPECT_EQ(result.end, TraceEnd::NoSuchRecipient);
    EXPECT_EQ(result.site, "");
    EXPECT_EQ(result.lines,
              (Lines{kToPrimary, "at london: no recipient carol@example.com in the recipients file",
                     "no such recipient"}));
}

TEST_F(TraceContacts, ThePrimarysOwnUserIsDeliveredThere) {
    const TraceResult result = trace(Topology{}, "london", "alice@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.site, "london");
    EXPECT_EQ(result.lines, (Lines{"at london: alice@example.com has its mailbox at london",
                                   "delivered at london (alice)"}));
}

TEST_F(TraceContacts, TheBareDomainStillEndsAtThePrimary) {
    const TraceResult result = trace(Topology{}, "paris", "example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.lines, (Lines{kToPrimary, "delivered at london"}));
}

TEST_F(TraceContacts, HopToATlsSiteNamesTheCertificate) {
    Topology topology;
    topology.paris += R"(, "tls": true, "mail_host": "mail-paris.example.com.")";
    const TraceResult result = trace(topology, "madrid", "dave@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(
        result.lines,
        (Lines{"at madrid: example.com. is the public domain: its public MX delivers to the "
               "primary site london",
               "at london: contact dave@example.com -> dave@paris.example.internal",
               "at london: view london", "  MX paris.example.internal.: 10 mail-paris.example.com.",
               "  mail-paris.example.com. -> 203.0.113.20 (site paris)",
               "  TLS to paris: verifies the certificate name mail-paris.example.com",
               "at paris: paris.example.internal. is paris's own domain",
               "delivered at paris (dave)"}));
}

TEST_F(TraceContacts, ConnectorGoesToTheSmartHostWithoutMx) {
    // london's view sends madrid's MX to a host of no site: the DNS method has no route,
    // the connector method does not look the MX up.
    dir_.write("mail-madrid.json",
               zone_json("mail.madrid.example.internal.",
                         R"({ "name": "@", "type": "A", "data": "198.51.100.99" })"));
    Topology topology;
    topology.london += R"(, "zones": ["mail-madrid.json"])";
    EXPECT_EQ(trace(topology, "london", "someone@madrid.example.internal").end, TraceEnd::NoRoute);

    const TraceResult result = trace(topology, "paris", "bob@example.com", true);
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(
        result.lines,
        (Lines{kToPrimary, "at london: contact bob@example.com -> bob@madrid.example.internal",
               "at london: connector for madrid.example.internal.: smart host "
               "[203.0.113.30] (site madrid)",
               "at madrid: madrid.example.internal. is madrid's own domain",
               "delivered at madrid (bob)"}));
}

TEST_F(TraceContacts, ConnectorToATlsSiteNamesTheCertificate) {
    Topology topology;
    topology.madrid += R"(, "tls": true, "mail_host": "mx.madrid.example.com.")";
    const TraceResult result = trace(topology, "paris", "user@madrid.example.internal", true);
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.lines,
              (Lines{"at paris: connector for madrid.example.internal.: smart host [203.0.113.30] "
                     "(site madrid)",
                     "  TLS to madrid: verifies the certificate name mx.madrid.example.com",
                     "at madrid: madrid.example.internal. is madrid's own domain",
                     "delivered at madrid"}));
}

TEST_F(TraceContacts, ConnectorLeavesOtherDomainsToTheMx) {
    const TraceResult result = trace(Topology{}, "madrid", "someone@example.org", true);
    EXPECT_EQ(result.end, TraceEnd::ForwardedUpstream);
    EXPECT_EQ(result.lines.front(), "at madrid: view madrid");
}

/// config/examples/sites-ad.json with its recipients.csv: paris on TLS.
TEST(TraceContactsExample, TheExampleRecipientsFile) {
    Served served(read_config_file(SITEDNS_SOURCE_DIR "/config/examples/sites-ad.json"));
    std::vector<Problem> problems;
    const Recipients recipients = read_recipients(*served.config().sites, problems);
    EXPECT_EQ(printed(problems), Lines{});
    EXPECT_EQ(recipients.list.size(), 5u);
    const TraceOptions options{&recipients, false};
    const TraceResult bob =
        trace_mail(served.config(), served.views(), "paris", "bob@example.com", options);
    EXPECT_EQ(bob.end, TraceEnd::Delivered);
    EXPECT_EQ(bob.lines.back(), "delivered at madrid (bob)");
    const TraceResult carol =
        trace_mail(served.config(), served.views(), "madrid", "carol@example.com", options);
    EXPECT_EQ(carol.lines.back(), "delivered at paris (carol)");
    EXPECT_NE(std::find(carol.lines.begin(), carol.lines.end(),
                        "  TLS to paris: verifies the certificate name mail-paris.example.com"),
              carol.lines.end());
}

}  // namespace
}  // namespace sitedns::topology_test
