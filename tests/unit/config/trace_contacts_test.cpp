// `sitedns trace` through the sending site's own contacts, from the Internet through the
// primary's, over TLS hops and by the SMTP-connector method (SPEC §1, §2).

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
    "at internet: example.com. is the public domain: its public MX delivers to the primary "
    "site london";

TEST_F(TraceContacts, PublicAddressGoesThroughTheSendingSitesOwnContact) {
    // paris's `virtual` holds a contact for bob: paris sends straight to madrid, never
    // through the primary site.
    const TraceResult result = trace(Topology{}, "paris", "bob@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.site, "madrid");
    EXPECT_EQ(result.lines,
              (Lines{"at paris: contact bob@example.com -> bob@madrid.example.internal",
                     "at paris: view paris",
                     "  MX madrid.example.internal.: 10 mail.madrid.example.internal.",
                     "  mail.madrid.example.internal. -> 203.0.113.30 (site madrid)",
                     "at madrid: madrid.example.internal. is madrid's own domain",
                     "delivered at madrid (bob)"}));
}

TEST_F(TraceContacts, MailFromTheInternetGoesThroughThePrimarysContact) {
    const TraceResult result = trace(Topology{}, "internet", "bob@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(
        result.lines,
        (Lines{kToPrimary, "at london: contact bob@example.com -> bob@madrid.example.internal",
               "at london: view london",
               "  MX madrid.example.internal.: 10 mail.madrid.example.internal.",
               "  mail.madrid.example.internal. -> 203.0.113.30 (site madrid)",
               "at madrid: madrid.example.internal. is madrid's own domain",
               "delivered at madrid (bob)"}));
}

TEST_F(TraceContacts, TheInternetSeesNoInternalName) {
    const TraceResult internal = trace(Topology{}, "internet", "bob@madrid.example.internal");
    EXPECT_EQ(internal.end, TraceEnd::NoRoute);
    EXPECT_EQ(internal.lines,
              (Lines{"at internet: madrid.example.internal. is under the internal suffix "
                     "example.internal., which the public DNS does not have",
                     "no route"}));
    EXPECT_EQ(trace(Topology{}, "internet", "x@example.org").end, TraceEnd::ForwardedUpstream);
}

TEST_F(TraceContacts, ASitesOwnUserIsDeliveredAtOnce) {
    const TraceResult result = trace(Topology{}, "paris", "dave@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(result.lines, (Lines{"at paris: dave@example.com has its mailbox at paris",
                                   "delivered at paris (dave)"}));
    // From the Internet, paris's own user comes back to paris without a loop.
    EXPECT_EQ(trace(Topology{}, "internet", "dave@example.com").lines.back(),
              "delivered at paris (dave)");
}

TEST_F(TraceContacts, PostmasterAndAbuseAreTheSendingSitesOwn) {
    for (const char* local : {"postmaster", "abuse", "PostMaster"}) {
        const TraceResult result = trace(Topology{}, "madrid", std::string(local) + "@example.com");
        EXPECT_EQ(result.end, TraceEnd::Delivered) << local;
        EXPECT_EQ(result.site, "madrid") << local;
    }
    // RFC 5321 §4.5.1: the primary's own postmaster takes what comes from outside.
    EXPECT_EQ(trace(Topology{}, "internet", "postmaster@example.com").site, "london");
    // A recipients file that names postmaster sends it to its site like any user.
    recipients_.list.push_back({"postmaster", kParis, 5});
    const TraceResult listed = trace(Topology{}, "madrid", "postmaster@example.com");
    EXPECT_EQ(listed.site, "paris");
    EXPECT_EQ(listed.lines.back(), "delivered at paris (postmaster)");
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
              (Lines{"at paris: no recipient carol@example.com in the recipients file",
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
    EXPECT_EQ(result.lines, (Lines{"at paris: example.com. is the public domain: its public MX "
                                   "delivers to the primary site london",
                                   "delivered at london"}));
}

TEST_F(TraceContacts, HopToATlsSiteNamesTheCertificate) {
    Topology topology;
    topology.paris += R"(, "tls": true, "mail_host": "mail-paris.example.com.")";
    const TraceResult result = trace(topology, "madrid", "dave@example.com");
    EXPECT_EQ(result.end, TraceEnd::Delivered);
    EXPECT_EQ(
        result.lines,
        (Lines{"at madrid: contact dave@example.com -> dave@paris.example.internal",
               "at madrid: view madrid", "  MX paris.example.internal.: 10 mail-paris.example.com.",
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
    EXPECT_EQ(result.lines,
              (Lines{"at paris: contact bob@example.com -> bob@madrid.example.internal",
                     "at paris: connector for madrid.example.internal.: smart host "
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

TEST_F(TraceContacts, ANameSentToAForwardZoneNamesItAndItsUpstreams) {
    Topology topology;
    topology.madrid += R"(, "forward_zones": [ { "name": "corp.example.org.",
                                                 "upstreams": ["10.3.0.53", "10.3.0.54:5353"] } ])";
    const TraceResult result = trace(topology, "madrid", "x@hq.corp.example.org");
    EXPECT_EQ(result.end, TraceEnd::ForwardedUpstream);
    EXPECT_EQ(result.lines,
              (Lines{"at madrid: view madrid",
                     "  hq.corp.example.org. goes to forward zone corp.example.org. (upstreams "
                     "10.3.0.53:53, 10.3.0.54:5353): not internal",
                     // Validation is on by default: a forward zone is exempt from it.
                     "  hq.corp.example.org. is not validated: negative trust anchor "
                     "corp.example.org. (forward zone (view madrid))",
                     "forwarded upstream"}));
    // Only madrid's view has it: paris asks its default upstreams.
    EXPECT_EQ(trace(topology, "paris", "x@hq.corp.example.org").lines[1],
              "  hq.corp.example.org. is in none of the view's zones: not internal");
}

TEST_F(TraceContacts, ANameUnderTheSuffixThatNoSiteOwnsHasNoRoute) {
    const TraceResult result = trace(Topology{}, "paris", "x@nowhere.example.internal");
    EXPECT_EQ(result.end, TraceEnd::NoRoute);
    EXPECT_EQ(result.lines.back(), "no route");
    // The Active Directory domain is often the suffix: a forward zone there takes it,
    // and the site zones, deeper, still answer inside it.
    Topology topology;
    topology.paris += R"(, "forward_zones": [ { "name": "example.internal.",
                                                "upstreams": ["10.2.0.53"] } ])";
    EXPECT_EQ(trace(topology, "paris", "x@nowhere.example.internal").lines,
              (Lines{"at paris: view paris",
                     "  nowhere.example.internal. goes to forward zone example.internal. "
                     "(upstreams 10.2.0.53:53): not internal",
                     "  nowhere.example.internal. is not validated: negative trust anchor "
                     "example.internal. (internal suffix)",
                     "forwarded upstream"}));
    EXPECT_EQ(trace(topology, "paris", "x@madrid.example.internal").site, "madrid");
    EXPECT_EQ(trace(topology, "paris", "x@paris.example.internal").site, "paris");
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
