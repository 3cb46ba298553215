// Threads: see server/upstream/message_edit.h.
#include "server/upstream/message_edit.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "server/wire/edns.h"
#include "server/wire/header.h"
#include "server/wire/rr_iterator.h"
#include "server/wire/writer.h"
#include "zones/dns/name.h"
#include "zones/dns/types.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::upstream {

namespace {

/// EDNS option code of the Extended DNS Error (RFC 8914 §2).
constexpr std::uint16_t kEdeOption = 15;
/// RDATA of an SOA ends with five 32-bit fields, MINIMUM last (RFC 1035 §3.3.13).
constexpr std::size_t kSoaMinRdata = 2 + 20;

/// A TTL with the top bit set counts as zero (RFC 2181 §8).
std::uint32_t sane_ttl(std::uint32_t ttl) {
    return ttl > 0x7FFFFFFFu ? 0 : ttl;
}

/// Bytes an OPT takes in an answer for this client.
std::size_t opt_size(const ClientView& client, const ExtendedError* error) {
    if (!client.edns) return 0;
    return wire::kOptSize + (error != nullptr ? 6 + error->text.size() : 0) +
           (client.echo != nullptr ? client.echo->size() : 0);
}

/// Appends the OPT (RFC 6891 §6.1.2) with the DO bit echoed and, if given, one
/// Extended DNS Error option (RFC 8914 §2), then the client's echoed options (ECS,
/// COOKIE), in the order the OPT of an authoritative answer has them. The caller has
/// checked the room (opt_size).
void append_opt(std::span<std::uint8_t> out, const ClientView& client, const ExtendedError* error) {
    wire::WireWriter w(out, out.size());
    bool ok = wire::write_opt(w, wire::kEdnsPayload, 0, client.dnssec_ok);
    if (error != nullptr) {
        const auto text_size = static_cast<std::uint16_t>(error->text.size());
        ok = ok && w.u16(kEdeOption) && w.u16(static_cast<std::uint16_t>(2 + text_size)) &&
             w.u16(static_cast<std::uint16_t>(error->code)) &&
             w.bytes({reinterpret_cast<const std::uint8_t*>(error->text.data()), text_size});
    }
    if (client.echo != nullptr) ok = ok && wire::write_options(w, *client.echo);
    w.patch_u16(wire::kOptSize - 2, static_cast<std::uint16_t>(w.size() - wire::kOptSize));
    (void)ok;
}

/// Rewrites every TTL of a copied message (RFC 8767 §4 for stale ones).
void rewrite_ttls(std::span<std::uint8_t> msg, std::span<const std::uint16_t> offsets,
                  TtlRewrite how) {
    for (const std::uint16_t at : offsets) {
        const std::uint32_t ttl = wire::load_u32(msg, at);
        wire::store_u32(msg, at, how.stale ? kStaleTtl : (ttl > how.age ? ttl - how.age : 0));
    }
}

/// What the record walk of scan_reply learns.
struct Walk {
    std::size_t end = 0;  ///< where the message ends once the OPT is gone
    bool has_opt = false;
    std::uint32_t answer_ttl = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t negative_ttl = 0;
    bool has_soa = false;
};

/// Takes one record into `walk`; its TTL offset goes to `ttls` unless it is the OPT,
/// which must be the last record and in the additional section.
bool take_record(const wire::RecordView& rr, bool answer, bool authority, bool last, Walk& walk,
                 std::vector<std::uint16_t>& ttls) {
    if (rr.type == dns::rrtype::OPT) {
        if (answer || authority || !last || walk.has_opt) return false;
        walk.has_opt = true;
        walk.end = rr.owner_at;
        return true;
    }
    ttls.push_back(static_cast<std::uint16_t>(rr.ttl_at));
    if (answer) walk.answer_ttl = std::min(walk.answer_ttl, sane_ttl(rr.ttl));
    if (authority && rr.type == dns::rrtype::SOA && !walk.has_soa &&
        rr.rdata.size() >= kSoaMinRdata) {
        // RFC 2308 §5: the negative TTL is the lower of the SOA's TTL and MINIMUM.
        walk.has_soa = true;
        walk.negative_ttl =
            std::min(sane_ttl(rr.ttl), sane_ttl(wire::load_u32(rr.rdata, rr.rdata.size() - 4)));
    }
    return true;
}

/// The cache TTL of a scanned reply, 0 when it is not to be cached.
std::uint32_t cache_ttl(const wire::Header& h, const Walk& walk, const TtlCaps& caps) {
    if (h.tc()) return 0;
    const auto rcode = static_cast<dns::RCode>(h.rcode());
    const bool nxdomain = rcode == dns::RCode::NXDomain;
    if (rcode == dns::RCode::NoError && h.ancount() > 0) {
        return std::min(walk.answer_ttl, caps.max_ttl);
    }
    if (!nxdomain && rcode != dns::RCode::NoError) return 0;  // SERVFAIL, REFUSED, ...
    if (!walk.has_soa) return 0;  // NXDOMAIN or NODATA (or a referral) without SOA
    std::uint32_t ttl = std::min(walk.negative_ttl, caps.max_negative_ttl);
    if (h.ancount() > 0) ttl = std::min(ttl, walk.answer_ttl);  // a CNAME chain to nowhere
    return ttl;
}

/// NSEC3 (RFC 5155 §3).
constexpr std::uint16_t kNsec3 = 50;

/// The records a client without DO is not sent (RFC 4035 §3.2.1), unless it asks for them.
bool dnssec_only(std::uint16_t type, std::uint16_t qtype) {
    const bool dnssec = type == dns::rrtype::RRSIG || type == dns::rrtype::NSEC || type == kNsec3;
    return dnssec && qtype != type && qtype != dns::rrtype::ANY;
}

/// The RDATA of `rr` with its names expanded and written again, for the types whose
/// names may be compressed: the 16-bit preference of MX first, then one name (two for
/// SOA), then the fixed fields as they are.
bool copy_rdata(std::span<const std::uint8_t> message, const wire::RecordView& rr,
                wire::WireWriter& w) {
    if (!dns::rdata_names_compressible(rr.type)) return w.bytes(rr.rdata);
    const auto start = static_cast<std::size_t>(rr.rdata.data() - message.data());
    const std::size_t end = start + rr.rdata.size();
    wire::WireReader r(message);
    if (r.seek(start) != wire::WireError::Ok) return false;
    std::span<const std::uint8_t> fixed;
    if (rr.type == dns::rrtype::MX &&
        (r.bytes(2, fixed) != wire::WireError::Ok || !w.bytes(fixed))) {
        return false;
    }
    const int names = rr.type == dns::rrtype::SOA ? 2 : 1;
    for (int i = 0; i < names; ++i) {
        wire::NameBuffer name;
        if (r.name(name) != wire::WireError::Ok || r.offset() > end || !w.name(name.wire())) {
            return false;
        }
    }
    return r.bytes(end - r.offset(), fixed) == wire::WireError::Ok && w.bytes(fixed);
}

/// Writes `rr` of `message` again: owner expanded, then compressed against what `w` holds.
bool copy_record(std::span<const std::uint8_t> message, const wire::RecordView& rr,
                 wire::WireWriter& w) {
    wire::NameBuffer owner;
    if (!wire::read_owner(message, rr, owner)) return false;
    if (!w.name(owner.wire()) || !w.u16(rr.type) || !w.u16(rr.rrclass) || !w.u32(rr.ttl)) {
        return false;
    }
    const std::size_t length_at = w.size();
    if (!w.u16(0) || !copy_rdata(message, rr, w)) return false;
    w.patch_u16(length_at, static_cast<std::uint16_t>(w.size() - length_at - 2));
    return true;
}

}  // namespace

std::size_t strip_dnssec(std::span<const std::uint8_t> reply, std::uint16_t qtype,
                         std::span<std::uint8_t> out) {
    if (reply.size() < wire::kHeaderSize) return 0;
    const wire::Header h(reply);
    wire::WireReader question(reply);
    wire::NameBuffer qname;
    std::uint16_t type = 0;
    std::uint16_t qclass = 0;
    if (h.qdcount() != 1 || question.seek(wire::kHeaderSize) != wire::WireError::Ok ||
        question.name(qname) != wire::WireError::Ok || question.u16(type) != wire::WireError::Ok ||
        question.u16(qclass) != wire::WireError::Ok) {
        return 0;
    }
    wire::WireWriter w(out, out.size());
    if (!w.bytes(reply.first(wire::kHeaderSize)) || !w.question_name(qname.wire()) ||
        !w.u16(type) || !w.u16(qclass)) {
        return 0;
    }
    const std::uint16_t counts[3] = {h.ancount(), h.nscount(), h.arcount()};
    std::uint16_t kept[3] = {0, 0, 0};
    std::size_t section = 0;
    std::size_t left = counts[0];
    wire::RrIterator records(reply);
    wire::RecordView rr;
    while (records.next(rr)) {
        while (left == 0 && section < 2) left = counts[++section];
        --left;
        if (dnssec_only(rr.type, qtype)) continue;
        if (!copy_record(reply, rr, w)) return 0;
        ++kept[section];
    }
    if (records.error() != wire::WireError::Ok) return 0;
    wire::MutableHeader m(out);
    m.set_ancount(kept[0]);
    m.set_nscount(kept[1]);
    m.set_arcount(kept[2]);
    return w.size();
}

std::size_t write_upstream_query(const Question& q, std::uint16_t id, std::span<std::uint8_t> out) {
    wire::WireWriter w(out, out.size());
    const bool ok = w.u16(id) && w.u16(0) && w.u16(1) && w.u16(0) && w.u16(0) && w.u16(1) &&
                    w.name(q.qname.wire(), false) && w.u16(q.qtype) && w.u16(q.qclass) &&
                    wire::write_opt(w, wire::kEdnsPayload, 0, q.dnssec_ok);
    if (!ok) return 0;
    wire::MutableHeader(out).set_rd(true);
    return w.size();
}

bool reply_matches(std::span<const std::uint8_t> reply, std::uint16_t id, const Question& q) {
    const std::size_t n = q.qname_lower.size;
    if (reply.size() < wire::kHeaderSize + n + 4) return false;
    const wire::Header h(reply);
    if (!h.qr() || h.id() != id || h.opcode() != dns::opcode::QUERY || h.qdcount() != 1) {
        return false;
    }
    // The question name is the first name of the message, so it cannot be compressed:
    // equal bytes (ignoring case, RFC 4343) are the same name. Label lengths are < 64,
    // which lowercasing leaves alone.
    if (!dns::equal_lower(reply.data() + wire::kHeaderSize, q.qname_lower.bytes, n)) return false;
    const std::size_t at = wire::kHeaderSize + n;
    const auto u16 = [&](std::size_t o) {
        return static_cast<std::uint16_t>(reply[o] << 8 | reply[o + 1]);
    };
    return u16(at) == q.qtype && u16(at + 2) == q.qclass;
}

bool scan_reply(std::span<const std::uint8_t> reply, const TtlCaps& caps, ScannedReply& out) {
    if (reply.size() < wire::kHeaderSize) return false;
    const wire::Header h(reply);
    if (h.qdcount() != 1) return false;
    out.ttl_offsets.clear();
    Walk walk;
    const std::size_t an = h.ancount();
    const std::size_t ns = h.nscount();
    const std::size_t total = an + ns + h.arcount();
    wire::RrIterator records(reply);
    wire::RecordView rr;
    for (std::size_t i = 0; records.next(rr); ++i) {
        if (!take_record(rr, i < an, i >= an && i < an + ns, i + 1 == total, walk,
                         out.ttl_offsets)) {
            return false;
        }
    }
    if (records.error() != wire::WireError::Ok) return false;
    if (!walk.has_opt) walk.end = records.offset();  // trailing bytes are dropped
    out.message.assign(reply.begin(), reply.begin() + static_cast<std::ptrdiff_t>(walk.end));
    wire::MutableHeader m(out.message);
    m.set_id(0);
    if (walk.has_opt) m.set_arcount(static_cast<std::uint16_t>(h.arcount() - 1));
    out.rcode = h.rcode();
    out.ttl = cache_ttl(h, walk, caps);
    out.cacheable = out.ttl > 0;
    if (out.cacheable) {
        for (const std::uint16_t at : out.ttl_offsets) {
            wire::store_u32(out.message, at,
                            std::min(sane_ttl(wire::load_u32(out.message, at)), out.ttl));
        }
    }
    return true;
}

std::size_t write_answer(const StoredMessage& stored, const ClientView& client, TtlRewrite ttl,
                         const ExtendedError* error, std::span<std::uint8_t> out) {
    if (stored.security == Security::Bogus && !client.cd) {
        return write_servfail(client, {Ede::DnssecBogus, "DNSSEC validation failed"}, out);
    }
    const std::size_t question_end = wire::kHeaderSize + client.qname.size() + 4;
    const std::size_t opt = opt_size(client, error);
    if (stored.bytes.size() < question_end) return 0;
    const bool truncated = stored.bytes.size() + opt > std::min(out.size(), client.limit);
    const std::size_t body = truncated ? question_end : stored.bytes.size();
    if (body + opt > out.size()) return 0;

    std::memcpy(out.data(), stored.bytes.data(), body);
    std::memcpy(out.data() + wire::kHeaderSize, client.qname.data(), client.qname.size());
    const wire::Header stored_header(stored.bytes);
    wire::MutableHeader m(out);
    m.set_id(client.id);
    m.set_qr(true);
    m.set_aa(false);
    m.set_tc(truncated || stored_header.tc());  // a TCP reply the upstream cut itself
    m.set_rd(client.rd);
    m.set_cd(client.cd);
    m.set_ra(true);
    m.set_ad(stored.security == Security::Secure && !client.cd && (client.dnssec_ok || client.ad));
    std::uint16_t arcount = stored_header.arcount();
    if (truncated) {
        m.set_ancount(0);
        m.set_nscount(0);
        arcount = 0;
    } else {
        rewrite_ttls(out.first(body), stored.ttl_offsets, ttl);
    }
    if (client.edns) {
        append_opt(out.subspan(body, opt), client, error);
        ++arcount;
    }
    m.set_arcount(arcount);
    return body + opt;
}

std::size_t write_servfail(const ClientView& client, const ExtendedError& error,
                           std::span<std::uint8_t> out) {
    const std::size_t opt = opt_size(client, &error);
    wire::WireWriter w(out, out.size());
    const bool ok = w.u16(client.id) && w.u16(0) && w.u16(1) && w.u16(0) && w.u16(0) &&
                    w.u16(client.edns ? 1 : 0) && w.name(client.qname, false) &&
                    w.u16(client.qtype) && w.u16(client.qclass);
    if (!ok || w.size() + opt > out.size()) return 0;
    wire::MutableHeader m(out);
    m.set_qr(true);
    m.set_rd(client.rd);
    m.set_ra(true);
    m.set_cd(client.cd);
    m.set_rcode(static_cast<std::uint8_t>(dns::RCode::ServFail));
    const std::size_t body = w.size();
    if (client.edns) append_opt(out.subspan(body, opt), client, &error);
    return body + opt;
}

}  // namespace sitedns::upstream
