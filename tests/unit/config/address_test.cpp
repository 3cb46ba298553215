#include "config/address.h"

#include <gtest/gtest.h>

#include <string>

namespace sitedns {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
    struct Case {
        const char* text;
        IpAddress::Family family;
        const char* printed;
    };
    const Case cases[] = {
        {"192.0.2.1", IpAddress::Family::V4, "192.0.2.1"},
        {"0.0.0.0", IpAddress::Family::V4, "0.0.0.0"},
        {"255.255.255.255", IpAddress::Family::V4, "255.255.255.255"},
        {"2001:db8::1", IpAddress::Family::V6, "2001:db8::1"},
        {"2001:DB8:0:0:0:0:0:1", IpAddress::Family::V6, "2001:db8::1"},
        {"::", IpAddress::Family::V6, "::"},
        {"::ffff:10.1.2.3", IpAddress::Family::V6, "::ffff:10.1.2.3"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        auto address = IpAddress::parse(c.text);
        ASSERT_TRUE(address.has_value());
        EXPECT_EQ(address->family, c.family);
        EXPECT_EQ(address->to_string(), c.printed);
    }
}

TEST(IpAddress, RejectsInvalidText) {
    for (const char* text :
         {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "a.b.c.d", "2001:db8:::1",
          "fe80::1%eth0", "1.2.3.4/32", "[::1]", "example.com",
          "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc"}) {
        SCOPED_TRACE(text);
        EXPECT_FALSE(IpAddress::parse(text).has_value());
    }
    EXPECT_FALSE(IpAddress::parse(std::string("1.2.3.4\0", 8)).has_value());
}

TEST(IpAddress, V4FromHostOrderAndBytes) {
    IpAddress a = IpAddress::v4(0x0A010203);
    EXPECT_EQ(a.to_string(), "10.1.2.3");
    EXPECT_EQ(a, *IpAddress::parse("10.1.2.3"));
    EXPECT_EQ(a.bit_length(), 32U);
    EXPECT_EQ(IpAddress::parse("::1")->bit_length(), 128U);
}

TEST(IpAddress, Loopback) {
    EXPECT_TRUE(IpAddress::parse("127.0.0.1")->is_loopback());
    EXPECT_TRUE(IpAddress::parse("127.255.3.4")->is_loopback());
    EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
    EXPECT_FALSE(IpAddress::parse("128.0.0.1")->is_loopback());
    EXPECT_FALSE(IpAddress::parse("::2")->is_loopback());
    EXPECT_FALSE(IpAddress::parse("10.0.0.1")->is_loopback());
}

TEST(Cidr, ParsesValidPrefixes) {
    struct Case {
        const char* text;
        const char* printed;
        int length;
    };
    const Case cases[] = {
        {"10.1.0.0/16", "10.1.0.0/16", 16},
        {"0.0.0.0/0", "0.0.0.0/0", 0},
        {"10.1.2.3", "10.1.2.3/32", 32},
        {"10.1.2.3/32", "10.1.2.3/32", 32},
        {"2001:db8::/32", "2001:db8::/32", 32},
        {"::/0", "::/0", 0},
        {"2001:db8::1", "2001:db8::1/128", 128},
        {"10.1.2.128/25", "10.1.2.128/25", 25},
        {"2001:db8:0:8000::/49", "2001:db8:0:8000::/49", 49},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        std::string error;
        auto cidr = Cidr::parse(c.text, &error);
        ASSERT_TRUE(cidr.has_value()) << error;
        EXPECT_EQ(cidr->to_string(), c.printed);
        EXPECT_EQ(cidr->length, c.length);
    }
}

TEST(Cidr, RejectsInvalidPrefixesWithAMessage) {
    struct Case {
        const char* text;
        const char* error;
    };
    const Case cases[] = {
        {"10.1.2.3/16", "10.1.2.3/16 has host bits set; did you mean 10.1.0.0/16?"},
        {"10.1.2.3/8", "10.1.2.3/8 has host bits set; did you mean 10.0.0.0/8?"},
        {"2001:db8::1/32", "2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?"},
        {"10.0.0.0/33", "invalid prefix length \"33\" in \"10.0.0.0/33\" (0..32)"},
        {"::/129", "invalid prefix length \"129\" in \"::/129\" (0..128)"},
        {"10.0.0.0/", "invalid prefix length \"\" in \"10.0.0.0/\" (0..32)"},
        {"10.0.0.0/-1", "invalid prefix length \"-1\" in \"10.0.0.0/-1\" (0..32)"},
        {"10.0.0.0/8x", "invalid prefix length \"8x\" in \"10.0.0.0/8x\" (0..32)"},
        {"10.0.0.0/ 8", "invalid prefix length \" 8\" in \"10.0.0.0/ 8\" (0..32)"},
        {"10.0.0/8", "invalid address \"10.0.0\" in CIDR \"10.0.0/8\""},
        {"any", "invalid address \"any\" in CIDR \"any\""},
        {"", "invalid address \"\" in CIDR \"\""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        std::string error;
        EXPECT_FALSE(Cidr::parse(c.text, &error).has_value());
        EXPECT_EQ(error, c.error);
        EXPECT_FALSE(Cidr::parse(c.text).has_value());  // no error sink: still fails
    }
}

TEST(Cidr, Contains) {
    Cidr net = *Cidr::parse("10.1.0.0/16");
    EXPECT_TRUE(net.contains(*IpAddress::parse("10.1.0.0")));
    EXPECT_TRUE(net.contains(*IpAddress::parse("10.1.255.255")));
    EXPECT_FALSE(net.contains(*IpAddress::parse("10.2.0.0")));
    EXPECT_FALSE(net.contains(*IpAddress::parse("::ffff:10.1.0.1")));  // families apart
    Cidr odd = *Cidr::parse("10.1.2.128/25");
    EXPECT_TRUE(odd.contains(*IpAddress::parse("10.1.2.200")));
    EXPECT_FALSE(odd.contains(*IpAddress::parse("10.1.2.127")));
    EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("203.0.113.1")));
    EXPECT_FALSE(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("::1")));
    EXPECT_TRUE(Cidr::parse("::/0")->contains(*IpAddress::parse("2001:db8::5")));
    EXPECT_TRUE(Cidr::parse("2001:db8::/32")->contains(*IpAddress::parse("2001:db8:ffff::1")));
    EXPECT_FALSE(Cidr::parse("2001:db8::/32")->contains(*IpAddress::parse("2001:db9::1")));
    EXPECT_TRUE(Cidr::parse("10.1.2.3")->contains(*IpAddress::parse("10.1.2.3")));
    EXPECT_FALSE(Cidr::parse("10.1.2.3")->contains(*IpAddress::parse("10.1.2.4")));
}

TEST(Cidr, Overlaps) {
    auto overlaps = [](const char* a, const char* b) {
        return Cidr::parse(a)->overlaps(*Cidr::parse(b));
    };
    EXPECT_TRUE(overlaps("10.0.0.0/8", "10.1.0.0/16"));
    EXPECT_TRUE(overlaps("10.1.0.0/16", "10.0.0.0/8"));
    EXPECT_TRUE(overlaps("10.1.0.0/16", "10.1.0.0/16"));
    EXPECT_FALSE(overlaps("10.1.0.0/16", "10.2.0.0/16"));
    EXPECT_TRUE(overlaps("0.0.0.0/0", "192.0.2.1"));
    EXPECT_FALSE(overlaps("0.0.0.0/0", "::/0"));
    EXPECT_TRUE(overlaps("2001:db8::/32", "2001:db8:1::/48"));
    EXPECT_FALSE(overlaps("2001:db8::/32", "2001:db9::/32"));
}

TEST(Endpoint, ParsesValidForms) {
    struct Case {
        const char* text;
        std::optional<std::uint16_t> default_port;
        const char* printed;
    };
    const Case cases[] = {
        {"127.0.0.1:5353", std::nullopt, "127.0.0.1:5353"},
        {"[::1]:53", std::nullopt, "[::1]:53"},
        {"[2001:db8::1]:853", std::nullopt, "[2001:db8::1]:853"},
        {"127.0.0.1:0", std::nullopt, "127.0.0.1:0"},  // ephemeral port, for tests
        {"127.0.0.1:65535", std::nullopt, "127.0.0.1:65535"},
        {"127.0.0.1", 53, "127.0.0.1:53"},
        {"[::1]", 53, "[::1]:53"},
        {"2001:db8::1", 53, "[2001:db8::1]:53"},
        {"192.0.2.1:5300", 53, "192.0.2.1:5300"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        std::string error;
        auto endpoint = Endpoint::parse(c.text, c.default_port, &error);
        ASSERT_TRUE(endpoint.has_value()) << error;
        EXPECT_EQ(endpoint->to_string(), c.printed);
    }
    Endpoint e = *Endpoint::parse("[::1]:5353", std::nullopt);
    EXPECT_EQ(e.address, *IpAddress::parse("::1"));
    EXPECT_EQ(e.port, 5353);
}

TEST(Endpoint, RejectsBadFormsWithAMessage) {
    struct Case {
        const char* text;
        std::optional<std::uint16_t> default_port;
        const char* error;
    };
    const Case cases[] = {
        {"127.0.0.1", std::nullopt,
         "missing port in \"127.0.0.1\" (expected ADDR:PORT, IPv6 as [ADDR]:PORT)"},
        {"127.0.0.1:65536", std::nullopt,
         "invalid port \"65536\" in \"127.0.0.1:65536\" (0..65535)"},
        {"127.0.0.1:", std::nullopt, "invalid port \"\" in \"127.0.0.1:\" (0..65535)"},
        {"127.0.0.1:dns", 53, "invalid port \"dns\" in \"127.0.0.1:dns\" (0..65535)"},
        {"127.0.0.1:-1", std::nullopt, "invalid port \"-1\" in \"127.0.0.1:-1\" (0..65535)"},
        {"localhost:53", std::nullopt, "invalid address \"localhost\" in \"localhost:53\""},
        {"::1", std::nullopt, "an IPv6 endpoint needs brackets and a port: \"[::1]:53\""},
        {"[::1", std::nullopt, "missing \"]\" in \"[::1\""},
        {"[::1]53", std::nullopt, "expected \":PORT\" after \"]\" in \"[::1]53\""},
        {"[::1]", std::nullopt,
         "missing port in \"[::1]\" (expected ADDR:PORT, IPv6 as [ADDR]:PORT)"},
        {"[nope]:53", std::nullopt, "invalid address \"nope\" in \"[nope]:53\""},
        {"", 53, "invalid address \"\" in \"\""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        std::string error;
        EXPECT_FALSE(Endpoint::parse(c.text, c.default_port, &error).has_value());
        EXPECT_EQ(error, c.error);
    }
}

TEST(PrivateAddress, Rfc1918AndRfc4193) {
    for (const char* text : {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
                             "192.168.0.1", "fc00::1", "fd12:3456::1"}) {
        EXPECT_TRUE(IpAddress::parse(text)->is_private()) << text;
    }
    for (const char* text :
         {"9.255.255.255", "11.0.0.1", "172.15.255.255", "172.32.0.1", "192.167.0.1", "192.169.0.1",
          "127.0.0.1", "203.0.113.10", "fe80::1", "fbff::1", "2001:db8::1", "::1"}) {
        EXPECT_FALSE(IpAddress::parse(text)->is_private()) << text;
    }
}

}  // namespace
}  // namespace sitedns
