// EDNS Client Subnet (RFC 7871 §6): parsing the option of a query and writing it back
// among an answer's echoed options (wire::write_options).

#include "server/wire/ecs.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "server/wire/edns.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;

/// The DATA of an ECS option: family, source, scope, address bytes.
Bytes ecs_data(std::uint16_t family, std::uint8_t source, std::uint8_t scope,
               const Bytes& address) {
    return Builder().u16(family).u8(source).u8(scope).bytes(address);
}

struct ParseCase {
    std::string name;
    Bytes data;
    bool ok;
};

TEST(ParseClientSubnet, Table) {
    const std::vector<ParseCase> cases = {
        {"ipv4 /24", ecs_data(1, 24, 0, {127, 0, 2}), true},
        {"ipv4 /32", ecs_data(1, 32, 0, {10, 2, 3, 4}), true},
        {"ipv4 /20 partial byte", ecs_data(1, 20, 0, {10, 2, 0x30}), true},
        {"ipv6 /56", ecs_data(2, 56, 0, {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0}), true},
        {"ipv6 /128", ecs_data(2, 128, 0, Bytes(16, 0x11)), true},
        {"prefix 0, no address", ecs_data(1, 0, 0, {}), true},
        {"ipv6 prefix 0", ecs_data(2, 0, 0, {}), true},
        {"bad family 3", ecs_data(3, 24, 0, {10, 2, 3}), false},
        {"family 0", ecs_data(0, 0, 0, {}), false},
        {"ipv4 prefix 33", ecs_data(1, 33, 0, {10, 2, 3, 4, 0}), false},
        {"ipv6 prefix 129", ecs_data(2, 129, 0, Bytes(17, 0)), false},
        {"address longer than the prefix needs", ecs_data(1, 24, 0, {10, 2, 3, 0}), false},
        {"address shorter than the prefix needs", ecs_data(1, 24, 0, {10, 2}), false},
        {"bits set beyond the prefix", ecs_data(1, 20, 0, {10, 2, 0x31}), false},
        {"prefix 0 with an address byte", ecs_data(1, 0, 0, {0}), false},
        {"shorter than the fixed part", Bytes{0, 1, 24}, false},
        {"empty", Bytes{}, false},
    };
    for (const ParseCase& c : cases) {
        ClientSubnet ecs;
        EXPECT_EQ(parse_client_subnet(c.data, ecs), c.ok) << c.name;
    }
}

TEST(ParseClientSubnet, Fields) {
    ClientSubnet ecs;
    ASSERT_TRUE(parse_client_subnet(ecs_data(1, 20, 0, {10, 2, 0x30}), ecs));
    EXPECT_EQ(ecs.family, kEcsFamilyV4);
    EXPECT_EQ(ecs.source_prefix, 20);
    EXPECT_EQ(ecs.scope_prefix, 0);
    EXPECT_EQ(ecs.address_bytes(), 3u);
    EXPECT_EQ(ecs.option_size(), 11u);
    const std::array<std::uint8_t, 16> want{10, 2, 0x30};
    EXPECT_EQ(ecs.address, want);

    ASSERT_TRUE(parse_client_subnet(ecs_data(2, 48, 0, {0x20, 0x01, 0x0d, 0xb8, 0, 2}), ecs));
    EXPECT_EQ(ecs.family, kEcsFamilyV6);
    EXPECT_EQ(ecs.address[3], 0xb8);
    EXPECT_EQ(ecs.address[6], 0);
}

TEST(FindClientSubnet, AmongOtherOptions) {
    const Bytes cookie = test::edns_option(10, Bytes(8, 0xAB));
    const Bytes ecs = test::edns_option(kEcsOptionCode, ecs_data(1, 24, 0, {127, 0, 2}));
    ClientSubnet out;
    EXPECT_EQ(find_client_subnet({}, out), EcsStatus::Absent);
    EXPECT_EQ(find_client_subnet(cookie, out), EcsStatus::Absent);
    EXPECT_EQ(find_client_subnet(Builder().bytes(cookie).bytes(ecs).get(), out), EcsStatus::Ok);
    EXPECT_EQ(out.source_prefix, 24);
    EXPECT_EQ(find_client_subnet(Builder().bytes(ecs).bytes(ecs).get(), out), EcsStatus::Malformed)
        << "two ECS options";
    const Bytes bad = test::edns_option(kEcsOptionCode, ecs_data(1, 24, 0, {127, 0, 2, 9}));
    EXPECT_EQ(find_client_subnet(bad, out), EcsStatus::Malformed);
}

TEST(WriteClientSubnet, BytesAndRoundTrip) {
    ClientSubnet ecs;
    ASSERT_TRUE(parse_client_subnet(ecs_data(1, 24, 0, {127, 0, 2}), ecs));
    ecs.scope_prefix = 24;
    std::array<std::uint8_t, 64> buffer{};
    WireWriter w(buffer, buffer.size());
    ASSERT_TRUE(write_client_subnet(w, ecs));
    const Bytes want = {0, 8, 0, 7, 0, 1, 24, 24, 127, 0, 2};
    EXPECT_EQ(Bytes(w.written().begin(), w.written().end()), want);

    WireWriter small(buffer, want.size() - 1);
    EXPECT_FALSE(write_client_subnet(small, ecs));
    EXPECT_EQ(small.size(), 0u) << "nothing written when it does not fit";
}

/// The options of an answer that echoes `ecs` only.
EdnsEcho with_ecs(const ClientSubnet& ecs) {
    EdnsEcho echo;
    echo.ecs = ecs;
    return echo;
}

TEST(WriteOptWithEcs, RdlengthCoversTheOption) {
    ClientSubnet ecs;
    ASSERT_TRUE(parse_client_subnet(ecs_data(2, 48, 0, {0x20, 0x01, 0x0d, 0xb8, 0, 2}), ecs));
    ecs.scope_prefix = 48;
    std::array<std::uint8_t, 64> buffer{};
    WireWriter w(buffer, buffer.size());
    ASSERT_TRUE(write_opt(w, 1232, 0, true, with_ecs(ecs)));
    const Bytes want = Builder().opt(
        1232, 0x8000, test::edns_option(8, ecs_data(2, 48, 48, {0x20, 0x01, 0x0d, 0xb8, 0, 2})));
    EXPECT_EQ(Bytes(w.written().begin(), w.written().end()), want);

    WireWriter plain(buffer, buffer.size());
    ASSERT_TRUE(write_opt(plain, 1232, 0, false, EdnsEcho{}));
    EXPECT_EQ(plain.size(), kOptSize);

    WireWriter tight(buffer, kOptSize + 4);
    EXPECT_FALSE(write_opt(tight, 1232, 0, false, with_ecs(ecs)));
    EXPECT_EQ(tight.size(), 0u) << "the OPT is rolled back too";
}

TEST(WriteOptions, WritesTheSubnetThenTheCookie) {
    ClientSubnet ecs;
    ASSERT_TRUE(parse_client_subnet(ecs_data(1, 24, 0, {127, 0, 2}), ecs));
    ecs.scope_prefix = 24;
    EdnsEcho echo = with_ecs(ecs);
    echo.cookie.emplace();
    echo.cookie->client = {1, 2, 3, 4, 5, 6, 7, 8};
    Bytes out(64);
    WireWriter w(out, out.size());
    ASSERT_TRUE(write_options(w, echo));
    ASSERT_EQ(w.size(), echo.size());
    Bytes want = test::edns_option(8, ecs_data(1, 24, 24, {127, 0, 2}));
    const Bytes cookie = test::edns_option(10, {1, 2, 3, 4, 5, 6, 7, 8});
    want.insert(want.end(), cookie.begin(), cookie.end());
    EXPECT_EQ(Bytes(w.written().begin(), w.written().end()), want);

    WireWriter short_of_room(out, echo.size() - 1);
    EXPECT_FALSE(write_options(short_of_room, echo));
}

}  // namespace
}  // namespace sitedns::wire
