// The test client itself (tests/support/dns_client): queries it builds, answers it
// reads or rejects, and its UDP/TCP helpers against a responder on loopback, so the
// integration tests can trust it.

#include "tests/support/dns_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "server/query/responder.h"
#include "tests/unit/query/test_snapshot.h"

namespace sitedns::test {
namespace {

TEST(DnsClient, MakeQueryBuildsTheAskedHeaderAndOpt) {
    const Bytes q = make_query("MaIl.ExAmPlE.tEsT", "MX",
                               {.id = 0xabcd,
                                .rd = true,
                                .edns = true,
                                .udp_size = 4096,
                                .do_bit = true,
                                .edns_version = 3,
                                .qclass = "CH",
                                .opcode = 4});
    const Answer a = parse_answer(q);
    EXPECT_EQ(a.id, 0xabcd);
    EXPECT_FALSE(a.qr);
    EXPECT_TRUE(a.rd);
    EXPECT_EQ(a.opcode, 4);
    EXPECT_EQ(a.question, "MaIl.ExAmPlE.tEsT. CH MX");
    EXPECT_TRUE(a.has_opt);
    EXPECT_EQ(a.opt_udp_size, 4096);
    EXPECT_EQ(a.opt_version, 3);
    EXPECT_TRUE(a.opt_do);
    EXPECT_EQ(a.arcount, 1);
}

TEST(DnsClient, MakeQueryWithoutEdnsHasNoOpt) {
    const Bytes q = make_query("example.test.", "A");
    EXPECT_EQ(q.size(), 12u + 14u + 4u);
    EXPECT_FALSE(parse_answer(q).has_opt);
}

TEST(DnsClient, MakeQueryRejectsUnknownTypeAndClass) {
    EXPECT_THROW((void)make_query("example.test", "NOSUCHTYPE"), DnsClientError);
    EXPECT_THROW((void)make_query("example.test", "A", {.qclass = "NOSUCHCLASS"}), DnsClientError);
}

Bytes answer_of(const Bytes& query) {
    static const auto snapshot = query::test::make_snapshot();
    Bytes out(query::kMaxMessage);
    out.resize(query::Responder::respond(*snapshot, query, query::test::ip("127.0.0.1"),
                                         query::Transport::Udp, out));
    return out;
}

TEST(DnsClient, ParseAnswerRejectsMalformedBytes) {
    Bytes wire = answer_of(make_query("example.test", "MX"));
    ASSERT_NO_THROW((void)parse_answer(wire));
    EXPECT_THROW((void)parse_answer(Bytes(wire.begin(), wire.end() - 3)), DnsClientError);
    EXPECT_THROW((void)parse_answer(Bytes{1, 2, 3}), DnsClientError);
    wire[7] = static_cast<std::uint8_t>(wire[7] + 1);  // ANCOUNT one more than there is
    EXPECT_THROW((void)parse_answer(wire), DnsClientError);
}

// ------------------------------------------------------------------ sockets on loopback

/// A socket bound to 127.0.0.1 on a port the kernel picks.
struct Bound {
    int fd = -1;
    std::uint16_t port = 0;
    explicit Bound(int type) {
        fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw DnsClientError("cannot bind a loopback socket");
        }
        port = ntohs(address.sin_port);
        // A server thread never waits forever if the client side of a test fails.
        const timeval limit{2, 0};
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    }
    Bound(const Bound&) = delete;
    Bound& operator=(const Bound&) = delete;
    ~Bound() { ::close(fd); }
};

TEST(DnsClient, UdpExchangeGetsTheAnswer) {
    Bound server(SOCK_DGRAM);
    std::thread responder([&] {
        std::uint8_t buffer[512];
        sockaddr_storage from{};
        socklen_t length = sizeof from;
        const ssize_t n = ::recvfrom(server.fd, buffer, sizeof buffer, 0,
                                     reinterpret_cast<sockaddr*>(&from), &length);
        if (n <= 0) return;
        const Bytes answer = answer_of(Bytes(buffer, buffer + n));
        (void)::sendto(server.fd, answer.data(), answer.size(), 0,
                       reinterpret_cast<sockaddr*>(&from), length);
    });
    Bytes wire;
    EXPECT_NO_THROW(wire = udp_exchange("127.0.0.1", server.port,
                                        make_query("mail.example.test", "A", {.id = 77})));
    responder.join();
    const Answer a = parse_answer(wire);
    EXPECT_EQ(a.id, 77);
    EXPECT_EQ(a.answer, std::vector<std::string>{"mail.example.test. 300 IN A 192.0.2.10"});
}

TEST(DnsClient, UdpExchangeTimesOut) {
    Bound silent(SOCK_DGRAM);
    EXPECT_THROW((void)udp_exchange("127.0.0.1", silent.port, make_query("mail.example.test", "A"),
                                    std::chrono::milliseconds(50)),
                 DnsClientError);
}

/// Reads `count` framed queries from one accepted connection and answers each.
void serve_tcp(int listener, std::size_t count) {
    const int connection = ::accept(listener, nullptr, nullptr);
    if (connection < 0) return;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint8_t prefix[2];
        if (::recv(connection, prefix, 2, MSG_WAITALL) != 2) break;
        Bytes query(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
        if (::recv(connection, query.data(), query.size(), MSG_WAITALL) !=
            static_cast<ssize_t>(query.size()))
            break;
        const Bytes answer = answer_of(query);
        const Bytes framed_length = {static_cast<std::uint8_t>(answer.size() >> 8),
                                     static_cast<std::uint8_t>(answer.size())};
        (void)::send(connection, framed_length.data(), 2, MSG_NOSIGNAL);
        (void)::send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
    }
    ::close(connection);
}

TEST(DnsClient, TcpExchangeGetsTheAnswer) {
    Bound server(SOCK_STREAM);
    ASSERT_EQ(::listen(server.fd, 4), 0);
    std::thread responder([&] { serve_tcp(server.fd, 1); });
    Bytes wire;
    EXPECT_NO_THROW(wire = tcp_exchange("127.0.0.1", server.port,
                                        make_query("example.test", "NS", {.id = 78})));
    responder.join();
    const Answer a = parse_answer(wire);
    EXPECT_EQ(a.id, 78);
    EXPECT_EQ(a.answer.size(), 2u);
}

TEST(DnsClient, TcpPipelinedGetsEveryAnswer) {
    Bound server(SOCK_STREAM);
    ASSERT_EQ(::listen(server.fd, 4), 0);
    std::thread responder([&] { serve_tcp(server.fd, 3); });
    std::vector<Bytes> answers;
    EXPECT_NO_THROW(answers =
                        tcp_exchange_pipelined("127.0.0.1", server.port,
                                               {make_query("mail.example.test", "A", {.id = 1}),
                                                make_query("nothere.example.test", "A", {.id = 2}),
                                                make_query("example.test", "MX", {.id = 3})},
                                               3));
    responder.join();
    ASSERT_EQ(answers.size(), 3u);
    EXPECT_EQ(parse_answer(answers[0]).rcode, "NOERROR");
    EXPECT_EQ(parse_answer(answers[1]).rcode, "NXDOMAIN");
    EXPECT_EQ(parse_answer(answers[2]).id, 3);
}

TEST(DnsClient, TcpExchangeReportsARefusedConnection) {
    std::uint16_t port = 0;
    {
        Bound closed(SOCK_STREAM);  // bound, never listening, then closed: nothing there
        port = closed.port;
    }
    EXPECT_THROW((void)tcp_exchange("127.0.0.1", port, make_query("mail.example.test", "A")),
                 DnsClientError);
}

}  // namespace
}  // namespace sitedns::test
