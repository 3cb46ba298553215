// Threads: see server/query/encoder.h.
#include "server/query/encoder.h"

#include "server/wire/edns.h"
#include "server/wire/header.h"
#include "server/wire/tsig.h"
#include "server/wire/writer.h"
#include "zones/dns/name.h"

namespace sitedns::query {
namespace {

/// RDATA of the RFC 1035 types, with their names compressed (RFC 3597 §4).
bool write_compressed_rdata(wire::WireWriter& w, std::uint16_t type,
                            std::span<const std::uint8_t> rdata) {
    std::size_t prefix = type == dns::rrtype::MX ? 2 : 0;
    if (!w.bytes(rdata.first(std::min(prefix, rdata.size())))) return false;
    auto rest = rdata.subspan(std::min(prefix, rdata.size()));
    const int names = type == dns::rrtype::SOA ? 2 : 1;
    for (int i = 0; i < names; ++i) {
        const std::size_t length = dns::name_length(rest);
        if (length == 0) return w.bytes(rest);  // malformed at load: written as it is
        if (!w.name(rest.first(length))) return false;
        rest = rest.subspan(length);
    }
    return w.bytes(rest);
}

/// The owner, type and class of a record; with kNote, a pointer that ends the owner is
/// noted in `patches`.
template <bool kNote>
bool write_owner(wire::WireWriter& w, const PlanEntry& entry, wire::AnswerPatches* patches) {
    std::size_t logged = 0;
    if constexpr (kNote) logged = patches->pointers.count;
    if (!w.name(entry.owner) || !w.u16(entry.rrset->type) || !w.u16(entry.rrclass)) return false;
    if constexpr (kNote) {
        if (patches->pointers.count > logged) patches->note_owner_pointer();
    }
    return true;
}

template <bool kNote>
bool write_rr(wire::WireWriter& w, const PlanEntry& entry, std::span<const std::uint8_t> rdata,
              wire::AnswerPatches* patches) {
    if (!write_owner<kNote>(w, entry, patches) || !w.u32(entry.ttl) || !w.u16(0)) return false;
    const std::size_t start = w.size();
    const bool written = dns::rdata_names_compressible(entry.rrset->type)
                             ? write_compressed_rdata(w, entry.rrset->type, rdata)
                             : w.bytes(rdata);
    if (!written) return false;
    w.patch_u16(start - 2, static_cast<std::uint16_t>(w.size() - start));
    return true;
}

/// Writes whole RRsets of one section; returns the records written, and sets
/// `truncated` when an RRset did not fit (it is then rolled back entirely, its notes
/// in `patches` too with kNote).
template <bool kNote>
std::uint16_t write_rrsets(wire::WireWriter& w, std::span<const PlanEntry> entries, bool& truncated,
                           wire::AnswerPatches* patches) {
    std::uint16_t records = 0;
    for (const PlanEntry& entry : entries) {
        const auto mark = w.mark();
        bool fits = true;
        for (const auto& rdata : entry.rrset->rdatas) {
            if (!(fits = write_rr<kNote>(w, entry, rdata, patches))) break;
        }
        if (!fits) {
            w.rollback(mark);
            if constexpr (kNote) patches->roll_back(w.size());
            truncated = true;
            return records;
        }
        records = static_cast<std::uint16_t>(records + entry.rrset->rdatas.size());
    }
    return records;
}

/// write_rrsets, noting the patch list only when there is one: an encoding without one
/// pays a branch per section, not several per record.
std::uint16_t write_section(wire::WireWriter& w, std::span<const PlanEntry> entries,
                            bool& truncated, wire::AnswerPatches* patches) {
    return patches != nullptr ? write_rrsets<true>(w, entries, truncated, patches)
                              : write_rrsets<false>(w, entries, truncated, nullptr);
}

bool write_question(wire::WireWriter& w, const wire::Query& query) {
    return w.question_name(query.qname.wire()) && w.u16(query.qtype) && w.u16(query.qclass);
}

}  // namespace

std::size_t encode(const wire::Query& query, const AnswerPlan& plan, const Framing& framing,
                   std::span<std::uint8_t> out, wire::AnswerPatches* patches) {
    const std::size_t limit = std::min(framing.limit, out.size());
    wire::WireWriter w(out, limit);
    w.log_pointers(patches != nullptr ? &patches->pointers : nullptr);
    static constexpr std::uint8_t kZeroHeader[wire::kHeaderSize] = {};
    (void)w.bytes(kZeroHeader);
    wire::MutableHeader header(out);
    header.set_id(query.id);
    header.set_qr(true);
    header.set_opcode(query.opcode);
    if (framing.flags) {
        header.set_rd(query.rd);
        header.set_cd(query.cd);
        header.set_aa(plan.authoritative);
        header.set_ra(framing.ra);
    }
    const auto rcode = static_cast<std::uint16_t>(plan.rcode);
    header.set_rcode(static_cast<std::uint8_t>(rcode & 0x0f));

    if (framing.question && write_question(w, query)) {
        header.set_qdcount(1);
        if (patches != nullptr) patches->question_size = query.qname.size;
    }
    static constexpr wire::EdnsEcho kNoOptions{};
    const wire::EdnsEcho& echo = framing.opt && framing.echo ? *framing.echo : kNoOptions;
    const std::size_t opt_size = framing.opt ? wire::kOptSize + echo.size() : 0;
    const std::size_t tsig_size = framing.tsig ? wire::tsig_error_size(*framing.tsig) : 0;
    // The OPT always fits; the TSIG, after it, when the question leaves room for it.
    if (opt_size + tsig_size != 0) w.set_limit(limit - std::min(limit, opt_size + tsig_size));

    bool truncated = false;
    header.set_ancount(write_section(w, plan.answer.view(), truncated, patches));
    if (!truncated) header.set_nscount(write_section(w, plan.authority.view(), truncated, patches));
    header.set_tc(truncated);
    std::uint16_t additional = 0;
    if (!truncated) {
        const auto entries = plan.additional.view();
        additional = write_section(w, entries.first(plan.required_additional), truncated, patches);
        bool dropped = false;  // optional data: left out without TC (RFC 2181 §9)
        if (!truncated)
            additional +=
                write_section(w, entries.subspan(plan.required_additional), dropped, patches);
        header.set_tc(truncated);
    }
    if (framing.opt) {
        w.set_limit(limit);
        if (wire::write_opt(w, wire::kEdnsPayload, static_cast<std::uint8_t>(rcode >> 4),
                            query.edns.dnssec_ok, echo)) {
            ++additional;
        }
    }
    if (framing.tsig) {
        w.set_limit(limit);
        if (wire::write_tsig_error(w, *framing.tsig, wire::kTsigBadKey)) {
            ++additional;
        } else {
            header.set_tc(true);
        }
    }
    header.set_arcount(additional);
    return w.size();
}

}  // namespace sitedns::query
