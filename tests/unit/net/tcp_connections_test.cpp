// The TCP connection caps (server/net/tcp_connections): the total, the count per client
// address, the refusal counters, and places freed by release().

#include "server/net/tcp_connections.h"

#include <gtest/gtest.h>

namespace sitedns::net {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

using Admit = TcpConnections::Admit;

TEST(ClientAddressHash, IsTheKeyedHashOfBytesAndFamily) {
    const IpAddress v4 = ip("192.0.2.1");
    IpAddress v6 = v4;
    v6.family = IpAddress::Family::V6;  // the same bytes
    const ClientAddressHash hash;
    EXPECT_EQ(hash(v4), base::keyed_hash(v4.bytes, 4));
    EXPECT_EQ(hash(v4), hash(ip("192.0.2.1")));
    EXPECT_NE(hash(v4), hash(v6));
    EXPECT_NE(hash(v4), hash(ip("192.0.2.2")));
}

TEST(TcpConnections, PerClientCapCountsAddressesApart) {
    TcpConnections connections;
    EXPECT_EQ(connections.admit(ip("127.0.0.1"), 10, 2), Admit::Yes);
    EXPECT_EQ(connections.admit(ip("127.0.0.1"), 10, 2), Admit::Yes);
    EXPECT_EQ(connections.admit(ip("127.0.0.1"), 10, 2), Admit::OverClient);
    EXPECT_EQ(connections.admit(ip("127.0.0.2"), 10, 2), Admit::Yes);
    EXPECT_EQ(connections.admit(ip("::ffff:127.0.0.1"), 10, 2), Admit::Yes);  // not the same
    EXPECT_EQ(connections.live(), 4U);
    EXPECT_EQ(connections.refused_per_client(), 1U);
    EXPECT_EQ(connections.refused_total(), 0U);

    connections.release(ip("127.0.0.1"));
    EXPECT_EQ(connections.live(), 3U);
    EXPECT_EQ(connections.admit(ip("127.0.0.1"), 10, 2), Admit::Yes);
    EXPECT_EQ(connections.admit(ip("127.0.0.1"), 10, 2), Admit::OverClient);
    EXPECT_EQ(connections.refused_per_client(), 2U);
}

TEST(TcpConnections, TotalCapComesFirst) {
    TcpConnections connections;
    EXPECT_EQ(connections.admit(ip("10.0.0.1"), 2, 5), Admit::Yes);
    EXPECT_EQ(connections.admit(ip("10.0.0.2"), 2, 5), Admit::Yes);
    EXPECT_EQ(connections.admit(ip("10.0.0.3"), 2, 5), Admit::OverTotal);
    EXPECT_EQ(connections.admit(ip("10.0.0.1"), 2, 1), Admit::OverTotal);
    EXPECT_EQ(connections.refused_total(), 2U);
    EXPECT_EQ(connections.refused_per_client(), 0U);

    connections.release(ip("10.0.0.2"));
    connections.release(ip("10.0.0.1"));
    EXPECT_EQ(connections.live(), 0U);
    EXPECT_EQ(connections.admit(ip("10.0.0.3"), 2, 5), Admit::Yes);
    EXPECT_EQ(connections.admit(ip("10.0.0.1"), 2, 1), Admit::Yes);  // its place was freed
}

TEST(TcpConnections, IdleClosesAreCountedApartFromRefusals) {
    TcpConnections connections;
    EXPECT_EQ(connections.idle_closed(), 0u);
    connections.count_idle_close();
    connections.count_idle_close();
    EXPECT_EQ(connections.idle_closed(), 2u);
    EXPECT_EQ(connections.refused_total(), 0u);
    EXPECT_EQ(connections.refused_per_client(), 0u);
}

}  // namespace
}  // namespace sitedns::net
