// Threads: see server/wire/truncated_reply.h.
#include "server/wire/truncated_reply.h"

#include <cstring>

#include "server/wire/edns.h"
#include "server/wire/header.h"
#include "server/wire/reader.h"

namespace sitedns::wire {

std::size_t write_truncated_reply(std::span<const std::uint8_t> query,
                                  std::span<std::uint8_t> out) {
    if (query.size() < kHeaderSize) return 0;
    const Header in(query);
    if (in.qr() || in.qdcount() != 1) return 0;
    WireReader reader(query);
    std::span<const std::uint8_t> header;
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;
    if (reader.bytes(kHeaderSize, header) != WireError::Ok || reader.skip_name() != WireError::Ok ||
        reader.u16(qtype) != WireError::Ok || reader.u16(qclass) != WireError::Ok) {
        return 0;
    }
    const std::size_t size = reader.offset();
    if (out.size() < size) return 0;
    std::memcpy(out.data(), query.data(), size);
    MutableHeader reply(out);
    reply.set_qr(true);
    reply.set_tc(true);
    reply.set_aa(false);
    reply.set_ra(false);
    reply.set_ad(false);
    reply.set_rcode(0);
    out[3] &= 0xbf;  // Z, the bit between RA and AD, must be zero (RFC 1035 §4.1.1)
    reply.set_ancount(0);
    reply.set_nscount(0);
    reply.set_arcount(0);
    return size;
}

std::size_t write_truncated_reply(std::span<const std::uint8_t> query, std::span<std::uint8_t> out,
                                  const Cookie& cookie, std::uint16_t udp_size) {
    const std::size_t size = write_truncated_reply(query, out);
    if (size == 0) return 0;
    WireWriter w(out.subspan(size), out.size() - size);
    EdnsEcho echo;
    echo.cookie = cookie;
    if (!write_opt(w, udp_size, 0, false, echo)) return size;
    MutableHeader(out).set_arcount(1);
    return size + w.size();
}

}  // namespace sitedns::wire
