// DNS Cookies in the query core (RFC 7873 §5.2, §5.4): what the answer to a query with a
// COOKIE option carries and which RCODE it has, for a client cookie only, a valid, an
// invalid and a malformed cookie, a query for a server cookie (QDCOUNT 0), cookies
// turned off, and a forwarded answer; over UDP and TCP alike.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>

#include "server/query/cookies.h"
#include "server/query/responder.h"
#include "server/wire/cookie.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using wire::test::Builder;
using Bytes = std::vector<std::uint8_t>;

constexpr const char* kClient = "127.0.0.1";  // view "london": zone example.test., recursion
constexpr std::uint16_t kBadCookie = 23;

std::shared_ptr<query::Snapshot> make_snapshot(bool cookies) {
    auto s = std::make_shared<query::Snapshot>();
    s->views.push_back(test::make_view("london", test::london_zone_json()));
    s->views.back().recursion = true;
    s->views.back().upstreams = query::UpstreamSet{{*Endpoint::parse("192.0.2.53:53", {})}, 1};
    EXPECT_TRUE(s->add_view_prefix(test::cidr("127.0.0.0/8"), 0));
    s->config.cookies.enabled = cookies;
    for (std::size_t i = 0; i < s->cookie_secret.size(); ++i) {
        s->cookie_secret[i] = static_cast<std::uint8_t>(0xA0 + i);
    }
    return s;
}

const query::Snapshot& snapshot(bool cookies = true) {
    static const auto on = make_snapshot(true);
    static const auto off = make_snapshot(false);
    return cookies ? *on : *off;
}

/// The COOKIE option of a query: `data` is the client cookie and any server cookie.
Bytes cookie_option(const Bytes& data) {
    return wire::test::edns_option(wire::kCookieOptionCode, data);
}

const Bytes kClientCookie = {1, 2, 3, 4, 5, 6, 7, 8};

/// A query for `qname` A (none with an empty name) with an OPT holding `options`.
Bytes query(const char* qname, const Bytes& options) {
    Builder b;
    b.header(0xbeef, wire::test::kRd, qname ? 1 : 0, 0, 0, 1);
    if (qname) b.question(qname);
    return b.opt(1232, 0, options);
}

struct Outcome {
    Decision decision;
    Bytes out = Bytes(kMaxMessage);
    Bytes wire() const { return Bytes(out.begin(), out.begin() + decision.size); }
    Answer answer() const { return sitedns::test::parse_answer(wire()); }

    /// The options of the answer's OPT record, which sitedns always writes last and whose
    /// options (ECS, then COOKIE) are the only ones: nullopt without one.
    std::optional<Bytes> opt_options() const {
        const Bytes message = wire();
        for (std::size_t options = 0; options <= 28; options += 28) {
            if (message.size() < 11 + options) continue;
            const std::size_t opt = message.size() - 11 - options;
            const auto u16_at = [&](std::size_t at) { return message[at] << 8 | message[at + 1]; };
            if (message[opt] == 0 && u16_at(opt + 1) == 41 &&
                static_cast<std::size_t>(u16_at(opt + 9)) == options) {
                return Bytes(message.begin() + static_cast<std::ptrdiff_t>(opt + 11),
                             message.end());
            }
        }
        return std::nullopt;
    }

    /// The COOKIE option of the answer.
    std::optional<wire::Cookie> cookie() const {
        const auto options = opt_options();
        wire::Cookie cookie;
        if (!options || wire::find_cookie(*options, cookie) != wire::CookieStatus::Ok) {
            return std::nullopt;
        }
        return cookie;
    }
};

std::unique_ptr<Outcome> handle(const Bytes& packet, Transport transport = Transport::Udp,
                                bool cookies = true) {
    auto run = std::make_unique<Outcome>();
    Responder::handle(snapshot(cookies), packet, test::ip(kClient), transport, run->out,
                      run->decision);
    return run;
}

/// A server cookie the server made for kClient and kClientCookie, `age` seconds ago.
wire::Cookie issued(std::int64_t age = 0) {
    wire::Cookie cookie;
    std::copy(kClientCookie.begin(), kClientCookie.end(), cookie.client.begin());
    make_server_cookie(snapshot().cookie_secret, test::ip(kClient),
                       static_cast<std::uint32_t>(cookie_clock() - age), cookie);
    return cookie;
}

Bytes data_of(const wire::Cookie& cookie) {
    Bytes data(cookie.client.begin(), cookie.client.end());
    data.insert(data.end(), cookie.server.begin(), cookie.server.begin() + cookie.server_size);
    return data;
}

void expect_fresh_cookie(const Outcome& run) {
    const auto cookie = run.cookie();
    ASSERT_TRUE(cookie.has_value()) << "the answer carries a COOKIE option";
    EXPECT_EQ(Bytes(cookie->client.begin(), cookie->client.end()), kClientCookie);
    EXPECT_EQ(cookie->server_size, kServerCookieSize);
    EXPECT_TRUE(
        server_cookie_valid(snapshot().cookie_secret, test::ip(kClient), cookie_clock(), *cookie));
}

TEST(CookieAnswer, ClientCookieOnlyGetsAServerCookie) {
    for (const Transport transport : {Transport::Udp, Transport::Tcp}) {
        const auto run =
            handle(query("mail.example.test", cookie_option(kClientCookie)), transport);
        EXPECT_EQ(run->decision.cookie, CookieResult::New);
        const Answer a = run->answer();
        EXPECT_EQ(a.rcode, "NOERROR");
        EXPECT_EQ(a.answer.size(), 1u) << "a normal answer";
        expect_fresh_cookie(*run);
    }
}

TEST(CookieAnswer, ValidServerCookieIsEchoed) {
    const wire::Cookie cookie = issued(60);
    const auto run = handle(query("mail.example.test", cookie_option(data_of(cookie))));
    EXPECT_EQ(run->decision.cookie, CookieResult::Valid);
    EXPECT_EQ(run->answer().rcode, "NOERROR");
    ASSERT_TRUE(run->cookie().has_value());
    EXPECT_EQ(data_of(*run->cookie()), data_of(cookie)) << "young enough to go back as it came";
}

TEST(CookieAnswer, OldButValidServerCookieIsRefreshed) {
    const wire::Cookie cookie = issued(kCookieRefreshAge + 60);
    const auto run = handle(query("mail.example.test", cookie_option(data_of(cookie))));
    EXPECT_EQ(run->decision.cookie, CookieResult::Valid);
    expect_fresh_cookie(*run);
    EXPECT_NE(data_of(*run->cookie()), data_of(cookie));
}

TEST(CookieAnswer, InvalidServerCookieIsAnsweredWithAFreshOne) {
    wire::Cookie wrong = issued();
    wrong.server[15] ^= 0xFF;
    for (const Bytes& data : {data_of(wrong), data_of(issued(kCookieMaxAge + 60)),
                              Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9}}) {
        const auto run = handle(query("mail.example.test", cookie_option(data)));
        EXPECT_EQ(run->decision.cookie, CookieResult::Invalid);
        EXPECT_EQ(run->answer().rcode, "NOERROR") << "not enforced: answered normally";
        EXPECT_EQ(run->answer().answer.size(), 1u);
        expect_fresh_cookie(*run);
    }
}

TEST(CookieAnswer, EveryBadLengthIsFormerr) {
    for (std::size_t length = 0; length <= 41; ++length) {
        if (length == 8 || (length >= 16 && length <= 40)) continue;
        const auto run = handle(query("mail.example.test", cookie_option(Bytes(length, 7))));
        EXPECT_EQ(run->decision.cookie, CookieResult::Malformed) << length;
        const Answer a = run->answer();
        EXPECT_EQ(a.rcode, "FORMERR") << length << " bytes";  // RFC 7873 §5.2.2
        EXPECT_TRUE(a.answer.empty());
        EXPECT_TRUE(a.has_opt) << "the OPT itself is sound";
        EXPECT_FALSE(run->cookie().has_value());
    }
}

TEST(CookieAnswer, QueryForAServerCookie) {
    // RFC 7873 §5.4: QDCOUNT 0 with a COOKIE option.
    const auto fresh = handle(query(nullptr, cookie_option(kClientCookie)));
    Answer a = fresh->answer();
    EXPECT_EQ(a.rcode_value, 0);
    EXPECT_EQ(a.qdcount, 0);
    EXPECT_EQ(a.ancount, 0);
    expect_fresh_cookie(*fresh);

    const wire::Cookie cookie = issued(10);
    const auto valid = handle(query(nullptr, cookie_option(data_of(cookie))));
    EXPECT_EQ(valid->answer().rcode_value, 0);
    EXPECT_EQ(valid->decision.cookie, CookieResult::Valid);

    wire::Cookie wrong = cookie;
    wrong.server[9] ^= 1;
    const auto invalid = handle(query(nullptr, cookie_option(data_of(wrong))), Transport::Tcp);
    a = invalid->answer();
    EXPECT_EQ(a.rcode_value, kBadCookie) << "BADCOOKIE: upper bits in the OPT";
    EXPECT_EQ(invalid->wire()[3] & 0x0f, kBadCookie & 0x0f) << "the header's lower 4 bits";
    expect_fresh_cookie(*invalid);

    const auto no_cookie = handle(query(nullptr, {}));
    a = no_cookie->answer();
    EXPECT_EQ(a.rcode, "FORMERR") << "QDCOUNT 0 without a COOKIE option";
    EXPECT_FALSE(a.has_opt);

    const auto malformed = handle(query(nullptr, cookie_option(Bytes(9, 1))));
    EXPECT_EQ(malformed->answer().rcode, "FORMERR");
}

TEST(CookieAnswer, CookiesOff) {
    const auto run =
        handle(query("mail.example.test", cookie_option(kClientCookie)), Transport::Udp, false);
    EXPECT_EQ(run->decision.cookie, CookieResult::None);
    EXPECT_EQ(run->answer().rcode, "NOERROR");
    ASSERT_TRUE(run->opt_options().has_value());
    EXPECT_TRUE(run->opt_options()->empty()) << "an OPT without options";

    const auto probe = handle(query(nullptr, cookie_option(kClientCookie)), Transport::Udp, false);
    EXPECT_EQ(probe->answer().rcode, "FORMERR");
    const auto bad =
        handle(query("mail.example.test", cookie_option(Bytes(3, 1))), Transport::Udp, false);
    EXPECT_EQ(bad->answer().rcode, "NOERROR") << "the option is not read";
}

TEST(CookieAnswer, ForwardedQueryCarriesTheCookie) {
    const auto run = handle(query("www.outside.test", cookie_option(kClientCookie)));
    ASSERT_EQ(run->decision.action, Action::Forward);
    ASSERT_TRUE(run->decision.echo.cookie.has_value());
    EXPECT_EQ(run->decision.echo.size(), 28u);
    // The forwarder writes the option into the answer within the client's whole limit
    // (upstream::write_answer, message_edit_test): nothing is set aside here.
    EXPECT_EQ(run->decision.limit, 1232u);
}

}  // namespace
}  // namespace sitedns::query
