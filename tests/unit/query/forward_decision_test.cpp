// What the query core decides for views with recursion (SPEC §5): forward names outside
// the view's zones when the view has upstreams, answer or refuse everything else, RA in
// every answer of a recursion view; and the view chosen by EDNS Client Subnet from
// trusted senders only (RFC 7871), with the option echoed and its scope.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/query/responder.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"
#include "zones/dns/types.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using sitedns::test::Bytes;
using sitedns::test::QueryOptions;

// The snapshot of these tests:
//   view "london" 127.0.0.0/8            recursion, upstreams   zone example.test. (rich)
//   view "paris"  127.0.2.0/24, 2001:db8:2::/48  recursion, upstreams  example.test. (small)
//   view "noup"   10.2.0.0/16            recursion, no upstream  example.test. (small)
//   view "auth"   10.3.0.0/16            no recursion, upstreams example.test. (rich)
//   view "relay"  10.3.3.3/32            recursion, upstreams   no zones
//   ecs_trust: 127.0.0.53/32, 2001:db8:ffff::/48
constexpr const char* kTrusted = "127.0.0.53";
constexpr const char* kTrusted6 = "2001:db8:ffff::1";

query::View view(std::string name, const std::string& zone, bool recursion, bool upstreams) {
    query::View v = test::make_view(std::move(name), zone);
    v.recursion = recursion;
    if (upstreams) v.upstreams = query::UpstreamSet{{*Endpoint::parse("192.0.2.53:53", {})}, 1};
    return v;
}

std::shared_ptr<const query::Snapshot> make_snapshot() {
    auto s = std::make_shared<query::Snapshot>();
    s->views.push_back(view("london", test::london_zone_json(), true, true));
    s->views.push_back(view("paris", test::paris_zone_json(), true, true));
    s->views.push_back(view("noup", test::paris_zone_json(), true, false));
    s->views.push_back(view("auth", test::london_zone_json(), false, true));
    s->views.push_back(view("relay", "", true, true));
    const std::vector<std::pair<const char*, std::uint32_t>> prefixes = {
        {"127.0.0.0/8", 0}, {"127.0.2.0/24", 1}, {"2001:db8:2::/48", 1},
        {"10.2.0.0/16", 2}, {"10.3.0.0/16", 3},  {"10.3.3.3/32", 4}};
    for (const auto& [prefix, index] : prefixes) {
        EXPECT_TRUE(s->add_view_prefix(test::cidr(prefix), index));
    }
    (void)s->ecs_trust.insert(test::cidr("127.0.0.53/32"), true);
    (void)s->ecs_trust.insert(test::cidr("2001:db8:ffff::/48"), true);
    return s;
}

struct Run {
    Decision decision;
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(kMaxMessage);
    Bytes wire() const { return Bytes(out.begin(), out.begin() + decision.size); }
    Answer answer() const { return sitedns::test::parse_answer(wire()); }
};

std::unique_ptr<Run> handle(const Bytes& packet, const char* client,
                            Transport transport = Transport::Udp) {
    static const auto snapshot = make_snapshot();
    auto run = std::make_unique<Run>();
    Responder::handle(*snapshot, packet, test::ip(client), transport, run->out, run->decision);
    return run;
}

// ------------------------------------------------------------------ the decision table

struct Case {
    const char* name;
    const char* client;
    const char* qname;
    const char* qtype = "A";
    QueryOptions opts{};
    const char* rcode = nullptr;  ///< nullptr: forwarded
    const char* view = nullptr;   ///< the view chosen ("": none)
    bool aa = false;
    bool ra = false;
};

std::vector<Case> cases() {
    const QueryOptions rd{.rd = true};
    const QueryOptions ch{.rd = true, .qclass = "CH"};
    const QueryOptions badvers{.edns = true, .edns_version = 1};
    return {
        // recursion and upstreams: names outside the zones are forwarded, RD or not.
        {"RecursionInZone", "127.0.0.1", "mail.example.test", "A", rd, "NOERROR", "london", true,
         true},
        {"RecursionInZoneNxdomain", "127.0.0.1", "nothere.example.test", "A", rd, "NXDOMAIN",
         "london", true, true},
        {"RecursionOutOfZone", "127.0.0.1", "www.outside.test", "A", rd, nullptr, "london"},
        {"RecursionOutOfZoneNoRd", "127.0.0.1", "www.outside.test", "MX", {}, nullptr, "london"},
        {"RecursionAboveZone", "127.0.0.1", "test", "NS", rd, nullptr, "london"},
        {"RecursionRoot", "127.0.0.1", ".", "NS", rd, nullptr, "london"},
        {"RecursionOtherViewsZoneName", "127.0.2.9", "mx8.example.test", "MX", rd, "NXDOMAIN",
         "paris", true, true},
        {"RecursionClassChRefused", "127.0.0.1", "www.outside.test", "TXT", ch, "REFUSED", "london",
         false, true},
        {"RecursionAxfrRefused", "127.0.0.1", "outside.test", "AXFR", rd, "REFUSED", "london",
         false, true},
        {"RecursionBadversNotForwarded", "127.0.0.1", "www.outside.test", "A", badvers, "BADVERS",
         "london", false, true},
        {"RecursionIpv6Client", "2001:db8:2::5", "www.outside.test", "AAAA", rd, nullptr, "paris"},
        {"RelayViewWithoutZones", "10.3.3.3", "mail.example.test", "A", rd, nullptr, "relay"},
        // recursion without upstreams: REFUSED as before, RA still set.
        {"NoUpstreamsOutOfZone", "10.2.0.1", "www.outside.test", "A", rd, "REFUSED", "noup", false,
         true},
        {"NoUpstreamsInZone", "10.2.0.1", "mail.example.test", "A", rd, "NOERROR", "noup", true,
         true},
        // no recursion: upstreams or not, REFUSED, no RA.
        {"NoRecursionOutOfZone", "10.3.0.1", "www.outside.test", "A", rd, "REFUSED", "auth", false,
         false},
        {"NoRecursionInZone", "10.3.0.1", "mail.example.test", "A", rd, "NOERROR", "auth", true,
         false},
        // no view at all.
        {"NoViewRefused", "192.168.1.1", "www.outside.test", "A", rd, "REFUSED", "", false, false},
    };
}

/// Uncompressed wire form of a lowercase dotted name.
Bytes wire_name(std::string_view text) {
    Bytes out;
    while (!text.empty() && text != ".") {
        const std::size_t dot = std::min(text.find('.'), text.size());
        out.push_back(static_cast<std::uint8_t>(dot));
        out.insert(out.end(), text.begin(), text.begin() + static_cast<std::ptrdiff_t>(dot));
        text.remove_prefix(std::min(dot + 1, text.size()));
    }
    out.push_back(0);
    return out;
}

Bytes lower_wire(const wire::Query& q) {
    const auto name = q.qname_lower.wire();
    return Bytes(name.begin(), name.end());
}

class ForwardDecision : public ::testing::TestWithParam<Case> {};

TEST_P(ForwardDecision, Table) {
    const Case& c = GetParam();
    const auto run = handle(sitedns::test::make_query(c.qname, c.qtype, c.opts), c.client);
    const Decision& d = run->decision;
    const std::string view = d.view ? d.view->name : "";
    EXPECT_EQ(view, c.view);
    if (c.rcode == nullptr) {
        ASSERT_EQ(d.action, Action::Forward);
        EXPECT_EQ(d.size, 0u);
        EXPECT_EQ(lower_wire(d.query), wire_name(c.qname)) << "the question goes with it";
        return;
    }
    ASSERT_EQ(d.action, Action::Send);
    const Answer a = run->answer();
    EXPECT_EQ(a.rcode, c.rcode) << sitedns::test::to_string(a);
    EXPECT_EQ(a.aa, c.aa);
    EXPECT_EQ(a.ra, c.ra) << "RA in every answer of a recursion view, and only there";
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
    return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, ForwardDecision, ::testing::ValuesIn(cases()), case_name);

TEST(ForwardDecisionLimit, TheClientsLimitGoesWithTheQuery) {
    struct Limit {
        QueryOptions opts;
        Transport transport;
        std::size_t want;
    };
    const std::vector<Limit> limits = {
        {{}, Transport::Udp, 512},  // RFC 1035 §4.2.1
        {{.edns = true, .udp_size = 4096}, Transport::Udp, 1232},
        {{.edns = true, .udp_size = 1000}, Transport::Udp, 1000},
        {{.edns = true, .udp_size = 100}, Transport::Udp, 512},  // RFC 6891 §6.2.5
        {{}, Transport::Tcp, 65535},
    };
    for (const Limit& l : limits) {
        const auto run = handle(sitedns::test::make_query("www.outside.test", "A", l.opts),
                                "127.0.0.1", l.transport);
        ASSERT_EQ(run->decision.action, Action::Forward);
        EXPECT_EQ(run->decision.limit, l.want) << l.opts.udp_size;
        EXPECT_FALSE(run->decision.echo.ecs.has_value());
    }
}

TEST(ForwardDecisionQuery, KeepsWhatTheForwarderNeeds) {
    QueryOptions opts{.id = 0xBEEF, .rd = true, .cd = true, .edns = true, .do_bit = true};
    const auto run = handle(sitedns::test::make_query("WwW.Outside.TEST", "MX", opts), "127.0.0.1");
    const wire::Query& q = run->decision.query;
    ASSERT_EQ(run->decision.action, Action::Forward);
    EXPECT_EQ(q.id, 0xBEEF);
    EXPECT_TRUE(q.rd);
    EXPECT_TRUE(q.cd);
    EXPECT_TRUE(q.edns.present);
    EXPECT_TRUE(q.edns.dnssec_ok);
    EXPECT_EQ(q.qtype, dns::rrtype::MX);
    EXPECT_EQ(q.qname.bytes[1], 'W') << "the question's case is kept";
    EXPECT_EQ(q.qname_lower.bytes[1], 'w');
}

TEST(ForwardDecisionMalformed, FormerrCarriesRaInARecursionViewNotimpOnlyQr) {
    const auto formerr = handle(Bytes{0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "127.0.0.1");
    ASSERT_EQ(formerr->decision.action, Action::Send);
    EXPECT_EQ(formerr->answer().rcode, "FORMERR");
    EXPECT_TRUE(formerr->answer().ra);
    // Another opcode: only QR and the opcode, as BIND answers; RA too is clear.
    const auto notimp = handle(
        sitedns::test::make_query("www.outside.test", "A", {.rd = true, .cd = true, .opcode = 2}),
        "127.0.0.1");
    ASSERT_EQ(notimp->decision.action, Action::Send);
    const Answer a = notimp->answer();
    EXPECT_EQ(a.rcode, "NOTIMP");
    EXPECT_EQ(a.opcode, 2);
    EXPECT_TRUE(a.qr);
    EXPECT_FALSE(a.ra || a.rd || a.cd || a.aa || a.tc || a.ad) << sitedns::test::to_string(a);
    const auto dropped = handle(Bytes{0, 7, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0}, "127.0.0.1");
    EXPECT_EQ(dropped->decision.action, Action::Drop);
}

TEST(ForwardDecisionRespond, AForwardableQueryIsServfailWithoutAForwarder) {
    static const auto snapshot = make_snapshot();
    std::vector<std::uint8_t> out(kMaxMessage);
    const Bytes q = sitedns::test::make_query("www.outside.test", "A", {.rd = true, .edns = true});
    const std::size_t n =
        Responder::respond(*snapshot, q, test::ip("127.0.0.1"), Transport::Udp, out);
    const Answer a = sitedns::test::parse_answer(std::span(out).first(n));
    EXPECT_EQ(a.rcode, "SERVFAIL");
    EXPECT_TRUE(a.ra);
    EXPECT_TRUE(a.rd);
    EXPECT_TRUE(a.has_opt);
    EXPECT_EQ(a.question, "www.outside.test. IN A");
}

// ------------------------------------------------------------------ EDNS Client Subnet

/// An ECS option (RFC 7871 §6): code 8, length, family, source, scope, address bytes.
Bytes ecs_option(std::uint16_t family, std::uint8_t source, std::uint8_t scope, Bytes address) {
    Bytes out(8 + address.size());
    out[1] = 8;
    out[3] = static_cast<std::uint8_t>(4 + address.size());
    out[5] = static_cast<std::uint8_t>(family);
    out[6] = source;
    out[7] = scope;
    std::copy(address.begin(), address.end(), out.begin() + 8);
    return out;
}

/// A query with EDNS whose OPT (the last record, RDLENGTH 0) carries `option`.
Bytes with_option(Bytes query, const Bytes& option) {
    query[query.size() - 1] = static_cast<std::uint8_t>(option.size());
    query.insert(query.end(), option.begin(), option.end());
    return query;
}

Bytes ecs_query(const char* qname, const Bytes& option, const char* qtype = "A") {
    return with_option(sitedns::test::make_query(qname, qtype, {.rd = true, .edns = true}), option);
}

/// True when the message ends with `tail` (the OPT is last, its options last in it).
bool ends_with(const Bytes& message, const Bytes& tail) {
    return message.size() >= tail.size() &&
           Bytes(message.end() - static_cast<std::ptrdiff_t>(tail.size()), message.end()) == tail;
}

/// True when the answer's OPT carries no option (RDLENGTH 0 closes the message).
bool opt_without_options(const Run& run) {
    const Bytes m = run.wire();
    return run.answer().has_opt && ends_with(m, Bytes{0, 0});
}

TEST(EcsView, TrustedSenderGetsTheSubnetsViewAndTheScope) {
    const auto run =
        handle(ecs_query("mail.example.test", ecs_option(1, 24, 0, {127, 0, 2})), kTrusted);
    ASSERT_EQ(run->decision.action, Action::Send);
    EXPECT_EQ(run->decision.view->name, "paris");
    const Answer a = run->answer();
    ASSERT_EQ(a.answer.size(), 1u) << sitedns::test::to_string(a);
    EXPECT_EQ(a.answer[0], "mail.example.test. 60 IN A 198.51.100.10");
    EXPECT_TRUE(ends_with(run->wire(), ecs_option(1, 24, 24, {127, 0, 2})))
        << "the option comes back with SCOPE PREFIX-LENGTH 24 (RFC 7871 §7.2.1)";
}

TEST(EcsView, UntrustedSenderKeepsItsOwnViewAndGetsNoEcs) {
    const auto run =
        handle(ecs_query("mail.example.test", ecs_option(1, 24, 0, {127, 0, 2})), "127.0.0.1");
    EXPECT_EQ(run->decision.view->name, "london");
    const Answer a = run->answer();
    ASSERT_EQ(a.answer.size(), 1u);
    EXPECT_EQ(a.answer[0], "mail.example.test. 300 IN A 192.0.2.10");
    EXPECT_TRUE(opt_without_options(*run)) << "no ECS echo for an untrusted sender";
    EXPECT_FALSE(run->decision.echo.ecs.has_value());
}

TEST(EcsView, TrustedSenderWithoutEcsUsesItsOwnAddress) {
    const auto run =
        handle(sitedns::test::make_query("mail.example.test", "A", {.edns = true}), kTrusted);
    EXPECT_EQ(run->decision.view->name, "london");
    EXPECT_TRUE(opt_without_options(*run));
}

TEST(EcsView, ScopeIsTheMatchedViewPrefix) {
    // A /24 inside auth's /16 (relay's /32 does not contain 10.3.3.0): scope 16.
    auto run = handle(ecs_query("mail.example.test", ecs_option(1, 24, 0, {10, 3, 3})), kTrusted);
    EXPECT_EQ(run->decision.view->name, "auth");
    EXPECT_TRUE(ends_with(run->wire(), ecs_option(1, 24, 16, {10, 3, 3})));
    EXPECT_FALSE(run->answer().ra);
    // A /32 on relay's host prefix: scope 32, forwarded with the echo kept for later.
    run = handle(ecs_query("mail.example.test", ecs_option(1, 32, 0, {10, 3, 3, 3})), kTrusted);
    ASSERT_EQ(run->decision.action, Action::Forward);
    EXPECT_EQ(run->decision.view->name, "relay");
    ASSERT_TRUE(run->decision.echo.ecs.has_value());
    EXPECT_EQ(run->decision.echo.ecs->scope_prefix, 32);
    EXPECT_EQ(run->decision.limit, 1232u)
        << "the whole limit: the forwarder counts the echo within it (write_answer)";
}

TEST(EcsView, Ipv6SubnetFromAnIpv6Sender) {
    const Bytes option = ecs_option(2, 56, 0, {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0x77});
    const auto run = handle(ecs_query("mail.example.test", option), kTrusted6);
    EXPECT_EQ(run->decision.view->name, "paris");
    EXPECT_TRUE(
        ends_with(run->wire(), ecs_option(2, 56, 48, {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0x77})));
}

TEST(EcsView, PrefixZeroMatchesNoSiteView) {
    const auto run = handle(ecs_query("mail.example.test", ecs_option(1, 0, 0, {})), kTrusted);
    EXPECT_EQ(run->answer().rcode, "REFUSED") << "0.0.0.0/0 is in no view here";
    EXPECT_TRUE(ends_with(run->wire(), ecs_option(1, 0, 0, {})));
}

TEST(EcsView, MalformedEcsFromATrustedSenderIsFormerr) {
    const std::vector<Bytes> bad = {
        ecs_option(3, 24, 0, {127, 0, 2}),        // unknown family
        ecs_option(1, 33, 0, {127, 0, 2, 1, 0}),  // prefix longer than IPv4
        ecs_option(1, 24, 0, {127, 0, 2, 0}),     // more address bytes than /24 needs
        ecs_option(1, 20, 0, {127, 0, 0x21}),     // a bit set beyond the prefix
    };
    for (const Bytes& option : bad) {
        const auto run = handle(ecs_query("mail.example.test", option), kTrusted);
        ASSERT_EQ(run->decision.action, Action::Send);
        const Answer a = run->answer();
        EXPECT_EQ(a.rcode, "FORMERR");  // RFC 7871 §7.1.1
        EXPECT_TRUE(a.has_opt);
        EXPECT_TRUE(opt_without_options(*run)) << "no echo of a malformed option";
        EXPECT_TRUE(a.ra) << "the sender's own view (london) has recursion";

        const auto ignored = handle(ecs_query("mail.example.test", option), "127.0.0.1");
        EXPECT_EQ(ignored->answer().rcode, "NOERROR") << "untrusted: the option is not read";
    }
}

TEST(EcsView, ForwardedQueryCarriesTheEcho) {
    const auto run =
        handle(ecs_query("www.outside.test", ecs_option(1, 24, 0, {127, 0, 2})), kTrusted);
    ASSERT_EQ(run->decision.action, Action::Forward);
    EXPECT_EQ(run->decision.view->name, "paris");
    // The scope is the view's prefix; the forwarder writes the option into the answer
    // (upstream::write_answer, message_edit_test).
    ASSERT_TRUE(run->decision.echo.ecs.has_value());
    EXPECT_EQ(run->decision.echo.ecs->scope_prefix, 24);
    EXPECT_FALSE(run->decision.echo.cookie.has_value());
}

}  // namespace
}  // namespace sitedns::query
