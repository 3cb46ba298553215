// EDNS Client Subnet (RFC 7871 §6): parsing the option of a query, writing it back, and
// adding it to a finished answer's OPT record (wire::append_options).

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

/// An answer: header, question, one A record and an OPT (last), as a relay gets it.
Bytes relayed_answer(bool with_opt) {
    Builder b;
    b.header(0x1234, test::kQr | 0x0080, 1, 1, 0, with_opt ? 1 : 0).question("www.example.com");
    b.pointer(12).rr_tail(1, 1, 300, {192, 0, 2, 1});
    if (with_opt) b.opt(1232);
    return b;
}

TEST(AppendClientSubnet, AddsTheOptionToTheLastOpt) {
    ClientSubnet ecs;
    ASSERT_TRUE(parse_client_subnet(ecs_data(1, 24, 0, {127, 0, 2}), ecs));
    ecs.scope_prefix = 24;
    Bytes message = relayed_answer(true);
    const std::size_t length = message.size();
    message.resize(512);
    const std::size_t grown = append_options(message, length, 512, with_ecs(ecs));
    ASSERT_EQ(grown, length + ecs.option_size());
    message.resize(grown);
    Bytes want = relayed_answer(false);
    want[11] = 1;  // ARCOUNT
    want =
        Builder().bytes(want).opt(1232, 0, test::edns_option(8, ecs_data(1, 24, 24, {127, 0, 2})));
    EXPECT_EQ(message, want);
}

TEST(AppendClientSubnet, LeavesOtherMessagesAlone) {
    ClientSubnet ecs;
    ASSERT_TRUE(parse_client_subnet(ecs_data(1, 24, 0, {127, 0, 2}), ecs));
    Bytes no_opt = relayed_answer(false);
    const std::size_t length = no_opt.size();
    no_opt.resize(512);
    EXPECT_EQ(append_options(no_opt, length, 512, with_ecs(ecs)), length) << "no OPT";

    Bytes with_opt = relayed_answer(true);
    const std::size_t opt_length = with_opt.size();
    with_opt.resize(512);
    EXPECT_EQ(append_options(with_opt, opt_length, opt_length + 5, with_ecs(ecs)), opt_length)
        << "the option would pass the limit";
    EXPECT_EQ(append_options(with_opt, opt_length - 1, 512, with_ecs(ecs)), opt_length - 1)
        << "a message cut short";
    Bytes garbage(40, 0xFF);
    EXPECT_EQ(append_options(garbage, 40, 40, with_ecs(ecs)), 40u);
}

}  // namespace
}  // namespace sitedns::wire
