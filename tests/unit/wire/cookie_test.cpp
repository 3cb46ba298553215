// The COOKIE option (RFC 7873 §4): every length a query may send, the first option
// winning, writing it back, beside ECS in an answer's OPT, and in a truncated reply.

#include "server/wire/cookie.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "server/wire/edns.h"
#include "server/wire/header.h"
#include "server/wire/truncated_reply.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;

/// `n` bytes counting up from `first`.
Bytes counting(std::size_t n, std::uint8_t first = 1) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(first + i);
    return out;
}

TEST(FindCookie, EveryLength) {
    // RFC 7873 §5.2.2: 8 (client only) and 16..40 (client and server) are well formed;
    // every other length is FORMERR.
    for (std::size_t length = 0; length <= 48; ++length) {
        const bool ok = length == 8 || (length >= 16 && length <= 40);
        Cookie cookie;
        const CookieStatus status =
            find_cookie(test::edns_option(kCookieOptionCode, counting(length)), cookie);
        EXPECT_EQ(status, ok ? CookieStatus::Ok : CookieStatus::Malformed) << length << " bytes";
        if (!ok) continue;
        EXPECT_EQ(cookie.client[0], 1);
        EXPECT_EQ(cookie.client[7], 8);
        EXPECT_EQ(cookie.server_size, length - 8);
        EXPECT_EQ(cookie.option_size(), 4 + length);
        if (length > 8) {
            EXPECT_EQ(cookie.server_cookie().back(), length);
        }
    }
}

TEST(FindCookie, AmongOtherOptionsTheFirstCounts) {
    const Bytes ecs = test::edns_option(8, Builder().u16(1).u8(24).u8(0).bytes({127, 0, 2}));
    const Bytes first = test::edns_option(kCookieOptionCode, counting(8, 0x10));
    const Bytes second = test::edns_option(kCookieOptionCode, counting(3));
    Cookie cookie;
    EXPECT_EQ(find_cookie({}, cookie), CookieStatus::Absent);
    EXPECT_EQ(find_cookie(ecs, cookie), CookieStatus::Absent);
    ASSERT_EQ(find_cookie(Builder().bytes(ecs).bytes(first).bytes(second).get(), cookie),
              CookieStatus::Ok);
    EXPECT_EQ(cookie.client[0], 0x10);
    EXPECT_EQ(cookie.server_size, 0);
    EXPECT_EQ(find_cookie(Builder().bytes(second).bytes(first).get(), cookie),
              CookieStatus::Malformed);
}

TEST(WriteCookie, RoundTripsAndRollsBack) {
    Cookie cookie;
    ASSERT_EQ(find_cookie(test::edns_option(kCookieOptionCode, counting(24)), cookie),
              CookieStatus::Ok);
    std::array<std::uint8_t, 64> buffer{};
    WireWriter w(buffer, buffer.size());
    ASSERT_TRUE(write_cookie(w, cookie));
    EXPECT_EQ(Bytes(w.written().begin(), w.written().end()),
              test::edns_option(kCookieOptionCode, counting(24)));
    WireWriter tight(buffer, cookie.option_size() - 1);
    EXPECT_FALSE(write_cookie(tight, cookie));
    EXPECT_EQ(tight.size(), 0u);
}

TEST(WriteOpt, EcsThenCookie) {
    EdnsEcho echo;
    ClientSubnet ecs;
    const Bytes ecs_data = Builder().u16(1).u8(24).u8(0).bytes({127, 0, 2});
    ASSERT_TRUE(parse_client_subnet(ecs_data, ecs));
    echo.ecs = ecs;
    Cookie cookie;
    ASSERT_EQ(find_cookie(test::edns_option(kCookieOptionCode, counting(8)), cookie),
              CookieStatus::Ok);
    echo.cookie = cookie;
    EXPECT_EQ(echo.size(), ecs.option_size() + 12);
    std::array<std::uint8_t, 128> buffer{};
    WireWriter w(buffer, buffer.size());
    ASSERT_TRUE(write_opt(w, 1232, 1, false, echo));
    const Bytes options = Builder()
                              .bytes(test::edns_option(8, ecs_data))
                              .bytes(test::edns_option(kCookieOptionCode, counting(8)));
    EXPECT_EQ(Bytes(w.written().begin(), w.written().end()),
              Builder().opt(1232, 0x01000000, options).get());
}

TEST(TruncatedReply, CarriesTheCookieInAnOpt) {
    const Bytes query = Builder()
                            .header(0x4242, 0x0100, 1, 0, 0, 1)
                            .question("www.example.com")
                            .opt(1232, 0, test::edns_option(kCookieOptionCode, counting(8)));
    Cookie cookie;
    ASSERT_EQ(find_cookie(test::edns_option(kCookieOptionCode, counting(24)), cookie),
              CookieStatus::Ok);
    std::array<std::uint8_t, 512> out{};
    const std::size_t size = write_truncated_reply(query, out, cookie, 1232);
    const Bytes want = Builder()
                           .header(0x4242, test::kQr | 0x0200 | 0x0100, 1, 0, 0, 1)
                           .question("www.example.com")
                           .opt(1232, 0, test::edns_option(kCookieOptionCode, counting(24)));
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size)), want);

    std::array<std::uint8_t, 40> small{};
    const std::size_t bare = write_truncated_reply(query, small, cookie, 1232);
    EXPECT_EQ(bare, 12u + 17u + 4u) << "no room for the OPT: header and question only";
    EXPECT_EQ(Header(std::span<const std::uint8_t>(small)).arcount(), 0);
}

}  // namespace
}  // namespace sitedns::wire
