#include "tests/support/dns_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>

// ldns/common.h defines bool/true/false unless <stdbool.h> came first.
#include <stdbool.h>
// clang-format off
#include <ldns/ldns.h>
// clang-format on

namespace sitedns::test {
namespace {

using Clock = std::chrono::steady_clock;

struct PktFree {
    void operator()(ldns_pkt* pkt) const { ldns_pkt_free(pkt); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

/// Takes a malloc'd C string from ldns.
std::string take_string(char* text) {
    if (text == nullptr) return {};
    std::string out(text);
    std::free(text);
    return out;
}

/// ldns presentation text with the trailing newline gone and tabs as single spaces.
std::string normalise(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
        text.pop_back();
    }
    std::replace(text.begin(), text.end(), '\t', ' ');
    return text;
}

std::vector<std::string> section_text(const ldns_rr_list* list) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
        out.push_back(normalise(take_string(ldns_rr2str(ldns_rr_list_rr(list, i)))));
    }
    return out;
}

std::string question_text(const ldns_pkt* pkt) {
    const ldns_rr_list* question = ldns_pkt_question(pkt);
    if (ldns_rr_list_rr_count(question) == 0) return {};
    const ldns_rr* rr = ldns_rr_list_rr(question, 0);
    return take_string(ldns_rdf2str(ldns_rr_owner(rr))) + " " +
           take_string(ldns_rr_class2str(ldns_rr_get_class(rr))) + " " +
           take_string(ldns_rr_type2str(ldns_rr_get_type(rr)));
}

std::string rcode_text(std::uint16_t rcode) {
    switch (rcode) {
        case 0:
            return "NOERROR";
        case 1:
            return "FORMERR";
        case 2:
            return "SERVFAIL";
        case 3:
            return "NXDOMAIN";
        case 4:
            return "NOTIMP";
        case 5:
            return "REFUSED";
        case 6:
            return "YXDOMAIN";
        case 7:
            return "YXRRSET";
        case 8:
            return "NXRRSET";
        case 9:
            return "NOTAUTH";
        case 10:
            return "NOTZONE";
        case 16:
            return "BADVERS";
        default:
            return "RCODE" + std::to_string(rcode);
    }
}

std::uint16_t header_u16(std::span<const std::uint8_t> wire, std::size_t at) {
    return static_cast<std::uint16_t>(wire[at] << 8 | wire[at + 1]);
}

/// The first Extended DNS Error option among the OPT's options (RFC 8914 §2): its
/// INFO-CODE and EXTRA-TEXT; nothing when there is none or the options are cut.
void read_extended_error(const ldns_pkt* pkt, Answer& a) {
    const ldns_rdf* options = ldns_pkt_edns_data(pkt);
    if (options == nullptr) return;
    const std::span<const std::uint8_t> data(ldns_rdf_data(options), ldns_rdf_size(options));
    for (std::size_t at = 0; at + 4 <= data.size();) {
        const std::uint16_t code = header_u16(data, at);
        const std::size_t length = header_u16(data, at + 2);
        if (at + 4 + length > data.size()) return;
        if (code == 15 && length >= 2) {
            a.ede = header_u16(data, at + 4);
            a.ede_text.assign(data.begin() + static_cast<std::ptrdiff_t>(at + 6),
                              data.begin() + static_cast<std::ptrdiff_t>(at + 4 + length));
            return;
        }
        at += 4 + length;
    }
}

/// An OPT record owned by the root (RFC 6891 §6.1.2), no options.
void append_opt(Bytes& wire, const QueryOptions& opts) {
    const std::uint8_t flags_hi = opts.do_bit ? 0x80 : 0x00;
    const std::uint8_t opt[] = {0,  // root owner
                                0,
                                41,
                                static_cast<std::uint8_t>(opts.udp_size >> 8),
                                static_cast<std::uint8_t>(opts.udp_size),
                                0,  // extended RCODE
                                opts.edns_version,
                                flags_hi,
                                0,
                                0,
                                0};  // RDLENGTH
    wire.insert(wire.end(), std::begin(opt), std::end(opt));
    const std::uint16_t arcount = static_cast<std::uint16_t>(header_u16(wire, 10) + 1);
    wire[10] = static_cast<std::uint8_t>(arcount >> 8);
    wire[11] = static_cast<std::uint8_t>(arcount);
}

// ---------------------------------------------------------------- sockets

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Fd& operator=(Fd&&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

[[noreturn]] void fail_errno(const std::string& what) {
    throw DnsClientError(what + ": " + std::strerror(errno));
}

/// A socket address for an IPv4 or IPv6 literal and a port.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

SocketAddress socket_address(const std::string& host, std::uint16_t port) {
    SocketAddress out;
    if (auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
        ::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        out.length = sizeof(sockaddr_in);
    } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
               ::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        out.length = sizeof(sockaddr_in6);
        out.family = AF_INET6;
    } else {
        throw DnsClientError("not an IP address: " + host);
    }
    return out;
}

/// A socket connected to address:port, bound first to `source` when it is not empty.
Fd connect_to(std::string_view address, std::uint16_t port, int type, std::string_view source) {
    const std::string host(address);
    const SocketAddress to = socket_address(host, port);
    Fd fd(::socket(to.family, type | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) fail_errno("socket");
    if (!source.empty()) {
        const SocketAddress from = socket_address(std::string(source), 0);
        if (::bind(fd.get(), from.get(), from.length) != 0)
            fail_errno("bind to " + std::string(source));
    }
    if (::connect(fd.get(), to.get(), to.length) != 0) {
        fail_errno("connect to " + host + ":" + std::to_string(port));
    }
    return fd;
}

/// Waits until `fd` is readable, or throws once `deadline` has passed.
void wait_readable(int fd, Clock::time_point deadline) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) throw DnsClientError("timed out waiting for an answer");
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready > 0) return;
        if (ready < 0 && errno != EINTR) fail_errno("poll");
    }
}

void write_all(int fd, std::span<const std::uint8_t> data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_errno("send");
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
}

void read_exact(int fd, std::uint8_t* out, std::size_t n, Clock::time_point deadline) {
    std::size_t got = 0;
    while (got < n) {
        wait_readable(fd, deadline);
        const ssize_t r = ::recv(fd, out + got, n - got, 0);
        if (r == 0)
            throw DnsClientError("connection closed after " + std::to_string(got) + " of " +
                                 std::to_string(n) + " bytes");
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            fail_errno("recv");
        }
        got += static_cast<std::size_t>(r);
    }
}

Bytes framed(std::span<const std::uint8_t> query) {
    if (query.size() > 65535) throw DnsClientError("query too large for TCP");
    Bytes out(query.size() + 2);
    out[0] = static_cast<std::uint8_t>(query.size() >> 8);
    out[1] = static_cast<std::uint8_t>(query.size());
    std::copy(query.begin(), query.end(), out.begin() + 2);
    return out;
}

Bytes read_framed(int fd, Clock::time_point deadline) {
    std::uint8_t prefix[2];
    read_exact(fd, prefix, 2, deadline);
    Bytes answer(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
    read_exact(fd, answer.data(), answer.size(), deadline);
    return answer;
}

}  // namespace

Bytes make_query(std::string_view qname, std::string_view qtype, const QueryOptions& opts) {
    const std::string type_text(qtype);
    const std::string class_text(opts.qclass);
    const ldns_rr_type type = ldns_get_rr_type_by_name(type_text.c_str());
    if (type == 0) throw DnsClientError("unknown type " + type_text);
    const ldns_rr_class rrclass = ldns_get_rr_class_by_name(class_text.c_str());
    if (rrclass == 0) throw DnsClientError("unknown class " + class_text);

    ldns_pkt* raw = nullptr;
    const std::string name(qname);
    const ldns_status status = ldns_pkt_query_new_frm_str(&raw, name.c_str(), type, rrclass, 0);
    if (status != LDNS_STATUS_OK) {
        throw DnsClientError("bad query name " + name + ": " + ldns_get_errorstr_by_id(status));
    }
    PktPtr pkt(raw);
    ldns_pkt_set_id(pkt.get(), opts.id);
    ldns_pkt_set_rd(pkt.get(), opts.rd);
    ldns_pkt_set_cd(pkt.get(), opts.cd);
    ldns_pkt_set_opcode(pkt.get(), static_cast<ldns_pkt_opcode>(opts.opcode));

    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&wire, pkt.get(), &size) != LDNS_STATUS_OK)
        throw DnsClientError("ldns_pkt2wire failed");
    Bytes out(wire, wire + size);
    std::free(wire);
    // The OPT is written by hand: ldns would drop an OPT whose fields are all zero.
    if (opts.edns) append_opt(out, opts);
    return out;
}

Answer parse_answer(std::span<const std::uint8_t> wire) {
    if (wire.size() < 12)
        throw DnsClientError("answer shorter than a header: " + std::to_string(wire.size()) +
                             " bytes");
    ldns_pkt* raw = nullptr;
    const ldns_status status = ldns_wire2pkt(&raw, wire.data(), wire.size());
    if (status != LDNS_STATUS_OK)
        throw DnsClientError(std::string("ldns rejects the answer: ") +
                             ldns_get_errorstr_by_id(status));
    PktPtr pkt(raw);

    Answer a;
    a.size = wire.size();
    a.id = ldns_pkt_id(pkt.get());
    a.qr = ldns_pkt_qr(pkt.get());
    a.aa = ldns_pkt_aa(pkt.get());
    a.tc = ldns_pkt_tc(pkt.get());
    a.rd = ldns_pkt_rd(pkt.get());
    a.ra = ldns_pkt_ra(pkt.get());
    a.ad = ldns_pkt_ad(pkt.get());
    a.cd = ldns_pkt_cd(pkt.get());
    a.opcode = static_cast<std::uint8_t>(ldns_pkt_get_opcode(pkt.get()));
    a.qdcount = header_u16(wire, 4);
    a.ancount = header_u16(wire, 6);
    a.nscount = header_u16(wire, 8);
    a.arcount = header_u16(wire, 10);
    a.has_opt = ldns_pkt_edns(pkt.get());
    if (a.has_opt) {
        a.opt_udp_size = ldns_pkt_edns_udp_size(pkt.get());
        a.opt_version = ldns_pkt_edns_version(pkt.get());
        a.opt_do = ldns_pkt_edns_do(pkt.get());
        read_extended_error(pkt.get(), a);
    }
    const std::uint16_t extended = a.has_opt ? ldns_pkt_edns_extended_rcode(pkt.get()) : 0;
    a.rcode_value =
        static_cast<std::uint16_t>(extended << 4 | (ldns_pkt_get_rcode(pkt.get()) & 0x0f));
    a.rcode = rcode_text(a.rcode_value);
    a.question = question_text(pkt.get());
    a.answer = section_text(ldns_pkt_answer(pkt.get()));
    a.authority = section_text(ldns_pkt_authority(pkt.get()));
    a.additional = section_text(ldns_pkt_additional(pkt.get()));
    // ldns takes the TSIG, the last additional record, out of the section.
    if (const ldns_rr* tsig = ldns_pkt_tsig(pkt.get())) {
        a.tsig = normalise(take_string(ldns_rr2str(tsig)));
    }

    const std::size_t opt_count = (a.has_opt ? 1 : 0) + (a.tsig.empty() ? 0 : 1);
    if (ldns_rr_list_rr_count(ldns_pkt_question(pkt.get())) != a.qdcount ||
        a.answer.size() != a.ancount || a.authority.size() != a.nscount ||
        a.additional.size() + opt_count != a.arcount) {
        throw DnsClientError("section sizes disagree with the header counts:\n" + to_string(a));
    }
    return a;
}

std::string to_string(const Answer& a) {
    std::ostringstream out;
    out << ";; id " << a.id << " opcode " << int{a.opcode} << " rcode " << a.rcode << " flags"
        << (a.qr ? " qr" : "") << (a.aa ? " aa" : "") << (a.tc ? " tc" : "") << (a.rd ? " rd" : "")
        << (a.ra ? " ra" : "") << (a.ad ? " ad" : "") << (a.cd ? " cd" : "") << "; QUERY "
        << a.qdcount << " ANSWER " << a.ancount << " AUTHORITY " << a.nscount << " ADDITIONAL "
        << a.arcount << "; " << a.size << " bytes\n";
    if (a.has_opt) {
        out << ";; OPT udp " << a.opt_udp_size << " version " << int{a.opt_version}
            << (a.opt_do ? " do" : "") << "\n";
    }
    if (a.ede >= 0) out << ";; EDE " << a.ede << ": " << a.ede_text << "\n";
    out << ";; QUESTION: " << a.question << "\n";
    const auto section = [&out](const char* title, const std::vector<std::string>& records) {
        out << ";; " << title << ":\n";
        for (const std::string& rr : records) out << "   " << rr << "\n";
    };
    section("ANSWER", a.answer);
    section("AUTHORITY", a.authority);
    section("ADDITIONAL", a.additional);
    return out.str();
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

Bytes udp_exchange(std::string_view address, std::uint16_t port,
                   std::span<const std::uint8_t> query, std::chrono::milliseconds timeout,
                   std::string_view source) {
    const auto deadline = Clock::now() + timeout;
    Fd fd = connect_to(address, port, SOCK_DGRAM, source);
    write_all(fd.get(), query);
    Bytes answer(65535);
    for (;;) {
        wait_readable(fd.get(), deadline);
        const ssize_t n = ::recv(fd.get(), answer.data(), answer.size(), 0);
        if (n >= 0) {
            answer.resize(static_cast<std::size_t>(n));
            return answer;
        }
        if (errno != EINTR && errno != EAGAIN) fail_errno("recv");
    }
}

Bytes tcp_exchange(std::string_view address, std::uint16_t port,
                   std::span<const std::uint8_t> query, std::chrono::milliseconds timeout,
                   std::string_view source) {
    const auto deadline = Clock::now() + timeout;
    Fd fd = connect_to(address, port, SOCK_STREAM, source);
    write_all(fd.get(), framed(query));
    return read_framed(fd.get(), deadline);
}

std::vector<Bytes> tcp_exchange_pipelined(std::string_view address, std::uint16_t port,
                                          const std::vector<Bytes>& queries, std::size_t count,
                                          std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Fd fd = connect_to(address, port, SOCK_STREAM, {});
    Bytes all;
    for (const Bytes& query : queries) {
        const Bytes one = framed(query);
        all.insert(all.end(), one.begin(), one.end());
    }
    write_all(fd.get(), all);
    std::vector<Bytes> answers;
    for (std::size_t i = 0; i < count; ++i) answers.push_back(read_framed(fd.get(), deadline));
    return answers;
}

}  // namespace sitedns::test
