// DNS Cookies, the server's side: the server cookies of RFC 9018 Appendix A, and the
// verdicts on a returned cookie (valid, another address, another secret, too old, from
// the future). SipHash-2-4 itself: tests/unit/base/siphash_test.cpp.

#include "server/query/cookies.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sitedns::query {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

CookieSecret secret_of(std::string_view text) {
    CookieSecret secret{};
    const auto bytes = hex(text);
    std::copy(bytes.begin(), bytes.end(), secret.begin());
    return secret;
}

/// A COOKIE option's data (client cookie, then any server cookie) as a wire::Cookie.
wire::Cookie cookie_of(std::string_view text) {
    const auto bytes = hex(text);
    wire::Cookie cookie;
    std::copy_n(bytes.begin(), 8, cookie.client.begin());
    std::copy(bytes.begin() + 8, bytes.end(), cookie.server.begin());
    cookie.server_size = static_cast<std::uint8_t>(bytes.size() - 8);
    return cookie;
}

std::string hex_of(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const std::uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

struct Rfc9018Case {
    const char* name;
    const char* secret;
    const char* client_cookie;
    const char* client;
    std::uint32_t now;
    const char* server_cookie;
};

TEST(ServerCookie, Rfc9018AppendixA) {
    const std::vector<Rfc9018Case> cases = {
        {"A.1 a new server cookie", "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957",
         "198.51.100.100", 1559731985, "010000005cf79f111f8130c3eee29480"},
        {"A.2 the same client, renewed", "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957",
         "198.51.100.100", 1559734385, "010000005cf7a871d4a564a1442aca77"},
        {"A.3 another client, renewed", "e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86",
         "203.0.113.203", 1559734700, "010000005cf7a9acf73a7810aca2381e"},
        {"A.4 an IPv6 client, new secret", "445536bcd2513298075a5d379663c962", "22681ab97d52c298",
         "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961, "010000005cf7c609a6bb79d16625507a"},
    };
    for (const Rfc9018Case& c : cases) {
        wire::Cookie cookie = cookie_of(c.client_cookie);
        make_server_cookie(secret_of(c.secret), ip(c.client), c.now, cookie);
        EXPECT_EQ(hex_of(cookie.server_cookie()), c.server_cookie) << c.name;
        EXPECT_TRUE(server_cookie_valid(secret_of(c.secret), ip(c.client), c.now, cookie))
            << c.name;
    }
}

TEST(ServerCookie, ReservedBytesAsSentAreHashed) {
    // RFC 9018 A.3: the client returns a cookie whose reserved bytes are not zero.
    const auto secret = secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf");
    const wire::Cookie cookie = cookie_of("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
    EXPECT_TRUE(server_cookie_valid(secret, ip("203.0.113.203"), 0x5cf78f71 + 10, cookie));
}

TEST(ServerCookie, Verdicts) {
    const auto secret = secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf");
    const auto other_secret = secret_of("445536bcd2513298075a5d379663c962");
    const IpAddress client = ip("192.0.2.7");
    constexpr std::uint32_t kIssued = 1'700'000'000;
    wire::Cookie cookie = cookie_of("0102030405060708");
    make_server_cookie(secret, client, kIssued, cookie);

    EXPECT_TRUE(server_cookie_valid(secret, client, kIssued, cookie));
    EXPECT_TRUE(server_cookie_valid(secret, client, kIssued + kCookieMaxAge, cookie));
    EXPECT_FALSE(server_cookie_valid(secret, client, kIssued + kCookieMaxAge + 1, cookie))
        << "older than an hour";
    EXPECT_TRUE(server_cookie_valid(secret, client, kIssued - kCookieMaxSkew, cookie));
    EXPECT_FALSE(server_cookie_valid(secret, client, kIssued - kCookieMaxSkew - 1, cookie))
        << "more than five minutes in the future";
    EXPECT_FALSE(server_cookie_valid(secret, ip("192.0.2.8"), kIssued, cookie)) << "wrong IP";
    EXPECT_FALSE(server_cookie_valid(secret, ip("::ffff:192.0.2.8"), kIssued, cookie));
    EXPECT_TRUE(server_cookie_valid(secret, ip("::ffff:192.0.2.7"), kIssued, cookie))
        << "an IPv4-mapped address is the IPv4 address";
    EXPECT_FALSE(server_cookie_valid(other_secret, client, kIssued, cookie)) << "wrong secret";

    wire::Cookie tampered = cookie;
    tampered.client[0] ^= 1;
    EXPECT_FALSE(server_cookie_valid(secret, client, kIssued, tampered)) << "other client cookie";
    tampered = cookie;
    tampered.server[0] = 2;
    EXPECT_FALSE(server_cookie_valid(secret, client, kIssued, tampered)) << "version 2";
    tampered = cookie;
    tampered.server_size = 8;
    EXPECT_FALSE(server_cookie_valid(secret, client, kIssued, tampered)) << "8-byte cookie";
}

TEST(ServerCookie, TimestampsWrapAround) {
    const auto secret = secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf");
    const IpAddress client = ip("2001:db8::7");
    wire::Cookie cookie = cookie_of("0102030405060708");
    make_server_cookie(secret, client, 0xFFFFFF00u, cookie);
    EXPECT_TRUE(server_cookie_valid(secret, client, 0x100, cookie)) << "512 s old, across 2^32";
}

TEST(AnswerCookie, NewValidRefreshedInvalid) {
    const auto secret = secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf");
    const IpAddress client = ip("192.0.2.7");
    constexpr std::uint32_t kNow = 1'700'000'000;

    wire::Cookie cookie = cookie_of("0102030405060708");
    EXPECT_EQ(answer_cookie(secret, client, kNow, cookie), CookieResult::New);
    ASSERT_EQ(cookie.server_size, kServerCookieSize);
    const wire::Cookie issued = cookie;

    // Within half an hour the cookie goes back as it came (no second hash).
    wire::Cookie again = issued;
    EXPECT_EQ(answer_cookie(secret, client, kNow + kCookieRefreshAge, again), CookieResult::Valid);
    EXPECT_EQ(again.server, issued.server);

    // Older than half an hour, still valid: a fresh one (RFC 9018 §4.3).
    wire::Cookie old = issued;
    EXPECT_EQ(answer_cookie(secret, client, kNow + kCookieRefreshAge + 1, old),
              CookieResult::Valid);
    EXPECT_NE(old.server, issued.server);
    EXPECT_TRUE(server_cookie_valid(secret, client, kNow + kCookieRefreshAge + 1, old));

    // Older than an hour, or from another address: invalid, and a fresh one handed out.
    wire::Cookie expired = issued;
    EXPECT_EQ(answer_cookie(secret, client, kNow + kCookieMaxAge + 1, expired),
              CookieResult::Invalid);
    EXPECT_TRUE(server_cookie_valid(secret, client, kNow + kCookieMaxAge + 1, expired));
    wire::Cookie moved = issued;
    EXPECT_EQ(answer_cookie(secret, ip("192.0.2.9"), kNow, moved), CookieResult::Invalid);
    EXPECT_TRUE(server_cookie_valid(secret, ip("192.0.2.9"), kNow, moved));
    EXPECT_EQ(moved.client, issued.client) << "the client cookie is kept";

    // A server cookie of another length (another server's construction): replaced.
    wire::Cookie foreign = cookie_of("0102030405060708aabbccddeeff0011");
    EXPECT_EQ(answer_cookie(secret, client, kNow, foreign), CookieResult::Invalid);
    EXPECT_EQ(foreign.server_size, kServerCookieSize);
}

}  // namespace
}  // namespace sitedns::query
