#pragma once
// A scriptable upstream on 127.0.0.1 (UDP and TCP on one ephemeral port), run on the
// test's io_context, plus builders for its replies and a reader for answers.

#include <utility>  // before Asio

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "config/address.h"
#include "server/wire/header.h"
#include "server/wire/message.h"
#include "server/wire/reader.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::upstream::test {

namespace asio = boost::asio;
using wire::test::Builder;
using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kSoa = 6;
inline constexpr std::uint16_t kAaaa = 28;
inline constexpr std::uint16_t kOpt = 41;

/// A query the fake received.
struct Received {
    Bytes packet;
    wire::Query query;
    bool tcp = false;
    std::uint16_t source_port = 0;
    std::span<const std::uint8_t> question() const {
        return {packet.data() + wire::kHeaderSize, query.question_end - wire::kHeaderSize};
    }
};

/// One datagram or TCP message the fake sends back.
struct Send {
    Bytes bytes;
    bool other_port = false;  ///< sent from a second socket (a spoofing attempt)
    std::chrono::milliseconds delay{0};
};

/// Decides the replies to one query; an empty list drops it.
using Script = std::function<std::vector<Send>(const Received&)>;

// --- reply builders ---------------------------------------------------------------

/// Header flags for a reply: QR, RD, RA and the RCODE.
inline std::uint16_t reply_flags(std::uint8_t rcode) {
    return static_cast<std::uint16_t>(0x8000 | 0x0100 | 0x0080 | rcode);
}

/// Echoes the question (and an OPT when the query had one) around the given records.
inline Bytes reply(const Received& r, std::uint8_t rcode, std::uint16_t an, std::uint16_t ns,
                   const Bytes& records) {
    const bool edns = r.query.edns.present;
    Builder b;
    b.header(r.query.id, reply_flags(rcode), 1, an, ns, edns ? 1 : 0);
    b.bytes(Bytes(r.question().begin(), r.question().end())).bytes(records);
    if (edns) b.opt(1232, r.query.edns.dnssec_ok ? 0x8000 : 0);
    return b;
}

/// `count` A records for the question name (owner compressed to offset 12).
inline Bytes answer_a(const Received& r, std::uint32_t ttl, std::size_t count = 1) {
    Builder rrs;
    for (std::size_t i = 0; i < count; ++i) {
        rrs.pointer(12).rr_tail(kA, 1, ttl, {192, 0, 2, static_cast<std::uint8_t>(i + 1)});
    }
    return reply(r, 0, static_cast<std::uint16_t>(count), 0, rrs);
}

/// An SOA record for "test." with the given TTL and MINIMUM.
inline Bytes soa_record(std::uint32_t ttl, std::uint32_t minimum) {
    const Bytes rdata = Builder()
                            .name("ns.test")
                            .name("hostmaster.test")
                            .u32(2024010101)
                            .u32(3600)
                            .u32(600)
                            .u32(86400)
                            .u32(minimum);
    return Builder().rr("test", kSoa, 1, ttl, rdata);
}

inline Bytes nxdomain(const Received& r, std::uint32_t soa_ttl, std::uint32_t minimum) {
    return reply(r, 3, 0, 1, soa_record(soa_ttl, minimum));
}
inline Bytes nodata(const Received& r, std::uint32_t soa_ttl, std::uint32_t minimum) {
    return reply(r, 0, 0, 1, soa_record(soa_ttl, minimum));
}
inline Bytes rcode_only(const Received& r, std::uint8_t rcode) {
    return reply(r, rcode, 0, 0, {});
}
/// The header and question with TC=1.
inline Bytes truncated(const Received& r) {
    Bytes b = reply(r, 0, 0, 0, {});
    b[2] |= 0x02;
    return b;
}

// --- the fake ---------------------------------------------------------------------

class FakeUpstream {
  public:
    explicit FakeUpstream(asio::io_context& io) : io_(io), udp_(io), other_(io), acceptor_(io) {
        const auto loopback = asio::ip::make_address_v4("127.0.0.1");
        for (int tries = 0; tries < 20 && !acceptor_.is_open(); ++tries) {
            udp_ = asio::ip::udp::socket(io, {loopback, 0});
            boost::system::error_code ec;
            acceptor_.open(asio::ip::tcp::v4());
            acceptor_.bind({loopback, udp_.local_endpoint().port()}, ec);
            if (ec) {
                acceptor_.close();
                udp_.close();
                continue;
            }
            acceptor_.listen();
        }
        other_ = asio::ip::udp::socket(io, {loopback, 0});
        script_ = [](const Received& r) { return std::vector<Send>{{answer_a(r, 300)}}; };
        receive();
        accept();
    }
    ~FakeUpstream() { *alive_ = false; }

    Endpoint endpoint() const {
        return Endpoint{IpAddress::v4(0x7f000001), udp_.local_endpoint().port()};
    }
    void script(Script s) { script_ = std::move(s); }

    std::vector<Received> received;
    std::size_t udp_count() const { return count(false); }
    std::size_t tcp_count() const { return count(true); }

  private:
    std::size_t count(bool tcp) const {
        std::size_t n = 0;
        for (const Received& r : received) n += r.tcp == tcp ? 1 : 0;
        return n;
    }

    std::vector<Send> take(Bytes packet, bool tcp, std::uint16_t port) {
        Received r;
        r.packet = std::move(packet);
        r.tcp = tcp;
        r.source_port = port;
        if (wire::parse_query(r.packet, r.query) != wire::ParseOutcome::Ok) return {};
        received.push_back(r);
        return script_(received.back());
    }

    void receive() {
        buffer_.resize(65535);
        udp_.async_receive_from(
            asio::buffer(buffer_), from_,
            [this, alive = alive_](const boost::system::error_code& ec, std::size_t n) {
                if (!*alive || ec) return;
                const Bytes packet(buffer_.begin(), buffer_.begin() + n);
                for (Send& s : take(packet, false, from_.port())) {
                    send_udp(std::move(s), from_);
                }
                receive();
            });
    }

    void send_udp(Send s, asio::ip::udp::endpoint to) {
        auto data = std::make_shared<Send>(std::move(s));
        auto go = [this, data, to, alive = alive_] {
            if (!*alive) return;
            boost::system::error_code ec;
            (data->other_port ? other_ : udp_).send_to(asio::buffer(data->bytes), to, 0, ec);
        };
        later(data->delay, go);
    }

    void accept() {
        acceptor_.async_accept([this, alive = alive_](const boost::system::error_code& ec,
                                                      asio::ip::tcp::socket socket) {
            if (!*alive || ec) return;
            serve(std::make_shared<asio::ip::tcp::socket>(std::move(socket)));
            accept();
        });
    }

    void serve(std::shared_ptr<asio::ip::tcp::socket> socket) {
        auto len = std::make_shared<std::array<std::uint8_t, 2>>();
        asio::async_read(
            *socket, asio::buffer(*len),
            [this, socket, len, alive = alive_](const boost::system::error_code& ec, std::size_t) {
                if (!*alive || ec) return;
                auto body = std::make_shared<Bytes>(std::size_t{(*len)[0]} << 8 | (*len)[1]);
                asio::async_read(
                    *socket, asio::buffer(*body),
                    [this, socket, body, alive](const boost::system::error_code& rec, std::size_t) {
                        if (!*alive || rec) return;
                        const auto port = socket->remote_endpoint().port();
                        for (Send& s : take(*body, true, port)) send_tcp(socket, s);
                    });
            });
    }

    void send_tcp(std::shared_ptr<asio::ip::tcp::socket> socket, const Send& s) {
        auto framed = std::make_shared<Bytes>(
            Builder().u16(static_cast<std::uint16_t>(s.bytes.size())).bytes(s.bytes));
        later(s.delay, [socket, framed] {
            boost::system::error_code ec;
            asio::write(*socket, asio::buffer(*framed), ec);
        });
    }

    template <typename F>
    void later(std::chrono::milliseconds delay, F f) {
        if (delay.count() == 0) return f();
        auto timer = std::make_shared<asio::steady_timer>(io_, delay);
        timer->async_wait([timer, f](const boost::system::error_code& ec) {
            if (!ec) f();
        });
    }

    asio::io_context& io_;
    asio::ip::udp::socket udp_;
    asio::ip::udp::socket other_;
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::udp::endpoint from_;
    Bytes buffer_;
    Script script_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// --- reading answers ----------------------------------------------------------------

/// An answer, read back for assertions.
struct Answer {
    std::uint16_t id = 0;
    bool tc = false, rd = false, ra = false, aa = false, cd = false, ad = false;
    std::uint8_t rcode = 0;
    std::uint16_t an = 0, ns = 0, ar = 0;
    Bytes qname;                      ///< the question name as written (case kept)
    std::vector<std::uint32_t> ttls;  ///< every record but the OPT
    bool has_opt = false;
    bool dnssec_ok = false;
    std::uint16_t opt_size = 0;
    std::optional<std::uint16_t> ede;
    std::string ede_text;
    std::size_t opt_option_bytes = 0;
};

inline Answer read_answer(std::span<const std::uint8_t> msg) {
    Answer a;
    if (msg.size() < wire::kHeaderSize) return a;
    const wire::Header h(msg);
    a.id = h.id();
    a.tc = h.tc();
    a.rd = h.rd();
    a.ra = h.ra();
    a.aa = h.aa();
    a.cd = h.cd();
    a.ad = h.ad();
    a.rcode = h.rcode();
    a.an = h.ancount();
    a.ns = h.nscount();
    a.ar = h.arcount();
    wire::WireReader r(msg);
    std::span<const std::uint8_t> skip;
    wire::NameBuffer name;
    if (r.bytes(12, skip) != wire::WireError::Ok || r.name(name) != wire::WireError::Ok ||
        r.bytes(4, skip) != wire::WireError::Ok) {
        return a;
    }
    a.qname.assign(name.bytes, name.bytes + name.size);
    for (int i = 0; i < a.an + a.ns + a.ar; ++i) {
        std::uint16_t type = 0, rrclass = 0, rdlength = 0;
        std::uint32_t ttl = 0;
        std::span<const std::uint8_t> rdata;
        if (r.skip_name() != wire::WireError::Ok || r.u16(type) != wire::WireError::Ok ||
            r.u16(rrclass) != wire::WireError::Ok || r.u32(ttl) != wire::WireError::Ok ||
            r.u16(rdlength) != wire::WireError::Ok ||
            r.bytes(rdlength, rdata) != wire::WireError::Ok) {
            return a;
        }
        if (type != kOpt) {
            a.ttls.push_back(ttl);
            continue;
        }
        a.has_opt = true;
        a.opt_size = rrclass;
        a.dnssec_ok = (ttl & 0x8000) != 0;
        a.opt_option_bytes = rdata.size();
        wire::WireReader o(rdata);
        std::uint16_t code = 0, len = 0;
        std::span<const std::uint8_t> data;
        while (o.u16(code) == wire::WireError::Ok && o.u16(len) == wire::WireError::Ok &&
               o.bytes(len, data) == wire::WireError::Ok) {
            if (code == 15 && len >= 2) {
                a.ede = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
                a.ede_text.assign(data.begin() + 2, data.end());
            }
        }
    }
    return a;
}

}  // namespace sitedns::upstream::test
