// Threads: see server/wire/message.h.
#include "server/wire/message.h"

#include <cstring>

#include "server/wire/header.h"
#include "server/wire/rr_iterator.h"
#include "zones/dns/name.h"
#include "zones/dns/types.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::wire {

namespace {

/// Clears what parse_query fills, without touching the name bytes (no 500-byte copy).
void reset(Query& q) {
    q.id = 0;
    q.opcode = 0;
    q.rd = false;
    q.cd = false;
    q.ad = false;
    q.qname.size = 0;
    q.qname_lower.size = 0;
    q.qtype = 0;
    q.qclass = 0;
    q.question_end = 0;
    q.edns = Edns{};
    q.tsig.present = false;
}

/// Reads the question (RFC 1035 §4.1.2) into `out`, the name lowercased beside it.
bool read_question(WireReader& r, Query& out) {
    if (r.name(out.qname) != WireError::Ok || r.u16(out.qtype) != WireError::Ok ||
        r.u16(out.qclass) != WireError::Ok) {
        return false;
    }
    dns::copy_lower(out.qname_lower.bytes, out.qname.bytes, out.qname.size);
    out.qname_lower.size = out.qname.size;
    out.question_end = r.offset();
    return true;
}

/// True when the OPT RDATA is a sequence of whole options: code, length and that many
/// bytes each (RFC 6891 §6.1.2).
bool options_well_framed(std::span<const std::uint8_t> rdata) {
    WireReader r(rdata);
    while (r.remaining() > 0) {
        std::uint16_t code = 0;
        std::span<const std::uint8_t> data;
        if (r.option(code, data) != WireError::Ok) return false;
    }
    return true;
}

/// Takes an OPT record into `edns` (RFC 6891 §6.1.1-6.1.3): one at most, owned by the
/// root, options well framed. The extended RCODE bits of a query mean nothing; ignored.
bool take_opt(std::span<const std::uint8_t> packet, const RecordView& rr, Edns& edns) {
    NameBuffer owner;
    if (edns.present || !read_owner(packet, rr, owner) || owner.size != 1 ||
        !options_well_framed(rr.rdata)) {
        return false;
    }
    edns.present = true;
    edns.udp_size = rr.rrclass;
    edns.version = static_cast<std::uint8_t>(rr.ttl >> 16);
    edns.dnssec_ok = (rr.ttl & 0x8000) != 0;
    edns.options = rr.rdata;
    return true;
}

/// Takes a TSIG record into `tsig` (RFC 8945 §5.2): the last of the `count` additional
/// records (`index`), its RDATA whole.
bool take_tsig(std::span<const std::uint8_t> packet, const RecordView& rr, std::uint16_t index,
               std::uint16_t count, Tsig& tsig) {
    NameBuffer owner;
    if (index + 1 != count || !read_owner(packet, rr, owner)) return false;
    const auto rdata_at = static_cast<std::size_t>(rr.rdata.data() - packet.data());
    return read_tsig(packet, rdata_at, rr.rdata.size(), owner, tsig);
}

/// Reads the next `count` records of `records`, the additional section: the OPT into
/// `out.edns`, the TSIG into `out.tsig`; other types are skipped.
bool read_additional(std::span<const std::uint8_t> packet, RrIterator& records, std::uint16_t count,
                     Query& out) {
    for (std::uint16_t i = 0; i < count; ++i) {
        RecordView rr;
        if (!records.next(rr)) {
            return false;
        }
        if (rr.type == dns::rrtype::OPT && !take_opt(packet, rr, out.edns)) {
            return false;
        }
        if (rr.type == dns::rrtype::TSIG && !take_tsig(packet, rr, i, count, out.tsig)) {
            return false;
        }
    }
    return true;
}

/// Best effort for an opcode sitedns does not implement, so that the NOTIMP answer can
/// echo the question and the OPT (RFC 6891 §7): NOTIFY and UPDATE carry records in the
/// answer and authority sections, which are skipped.
void read_unknown_opcode(WireReader& r, const Header& h, Query& out) {
    if (h.qdcount() != 1 || !read_question(r, out)) {
        out.question_end = 0;
        return;
    }
    const std::uint32_t skipped = std::uint32_t{h.ancount()} + h.nscount();
    RrIterator records(r, skipped + h.arcount());
    RecordView rr;
    for (std::uint32_t i = 0; i < skipped; ++i) {
        if (!records.next(rr)) return;
    }
    if (!read_additional(r.packet(), records, h.arcount(), out)) {
        out.edns = Edns{};
        out.tsig.present = false;
    }
}

}  // namespace

ParseOutcome parse_query(std::span<const std::uint8_t> packet, Query& out) {
    reset(out);
    if (packet.size() < kHeaderSize) {
        return ParseOutcome::Drop;
    }
    const Header h(packet);
    if (h.qr()) {
        return ParseOutcome::Drop;
    }
    out.id = h.id();
    out.opcode = h.opcode();
    out.rd = h.rd();
    out.cd = h.cd();
    out.ad = h.ad();

    WireReader r(packet);
    std::span<const std::uint8_t> header;
    (void)r.bytes(kHeaderSize, header);

    if (out.opcode != dns::opcode::QUERY) {
        read_unknown_opcode(r, h, out);
        return ParseOutcome::NotImp;
    }
    if (h.qdcount() > 1) {
        return ParseOutcome::FormErr;
    }
    if (h.qdcount() == 1 && !read_question(r, out)) {
        out.question_end = 0;
        return ParseOutcome::FormErr;
    }
    // A query carries no answer or authority records; NOTIFY and UPDATE, which do,
    // are other opcodes (RFC 1996, RFC 2136).
    if (h.ancount() != 0 || h.nscount() != 0) {
        return ParseOutcome::FormErr;
    }
    RrIterator records(r, h.arcount());
    if (!read_additional(packet, records, h.arcount(), out)) {
        out.edns = Edns{};  // the FORMERR goes back without an OPT: it may be the bad part
        out.tsig.present = false;
        return ParseOutcome::FormErr;
    }
    // Bytes after the last counted record: FORMERR, as Knot does (knot_pkt_parse
    // fails with KNOT_ETRAIL). RFC 1035 says nothing; strict is safer than guessing.
    if (!records.complete()) {
        return ParseOutcome::FormErr;
    }
    return h.qdcount() == 0 ? ParseOutcome::NoQuestion : ParseOutcome::Ok;
}

ParseOutcome parse_plain_query(std::span<const std::uint8_t> packet, const PlainQuery& plain,
                               std::span<const std::uint8_t> lower, Query& out) {
    if (!plain.checked(packet)) return parse_query(packet, out);
    const std::size_t name_size = plain.name_size();
    const Header h(packet);
    if (h.qr()) {
        reset(out);
        return ParseOutcome::Drop;
    }
    out.id = h.id();
    out.opcode = h.opcode();
    out.rd = h.rd();
    out.cd = h.cd();
    out.ad = h.ad();
    const std::uint8_t* name = packet.data() + kHeaderSize;
    std::memcpy(out.qname.bytes, name, name_size);
    if (lower.size() == name_size) {
        std::memcpy(out.qname_lower.bytes, lower.data(), name_size);
    } else {
        dns::copy_lower(out.qname_lower.bytes, name, name_size);
    }
    out.qname.size = out.qname_lower.size = name_size;
    const std::uint8_t* tail = name + name_size;
    out.qtype = static_cast<std::uint16_t>(tail[0] << 8 | tail[1]);
    out.qclass = static_cast<std::uint16_t>(tail[2] << 8 | tail[3]);
    out.question_end = kHeaderSize + name_size + kQuestionTail;
    out.edns = Edns{};
    out.tsig.present = false;  // a plain query's one additional record is an OPT
    if (plain.has_opt()) {
        // The OPT (take_opt): owner, type, then the UDP size in the class and the
        // version and DO bit in the TTL; no options.
        const std::uint8_t* opt = tail + 4;
        out.edns.present = true;
        out.edns.udp_size = static_cast<std::uint16_t>(opt[3] << 8 | opt[4]);
        out.edns.version = opt[6];
        out.edns.dnssec_ok = (opt[7] & 0x80) != 0;
        out.edns.options = packet.subspan(packet.size());
    }
    // NOTIMP (read_unknown_opcode) reads the same question and OPT.
    return out.opcode == dns::opcode::QUERY ? ParseOutcome::Ok : ParseOutcome::NotImp;
}

}  // namespace sitedns::wire
