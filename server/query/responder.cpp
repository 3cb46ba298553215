#include "server/query/responder.h"

#include <algorithm>

#include "server/query/answer_plan.h"
#include "server/query/encoder.h"
#include "server/wire/message.h"

namespace sitedns::query {
namespace {

namespace rrtype = dns::rrtype;

/// The largest answer the client takes: 512 without EDNS (RFC 1035 §4.2.1), its
/// advertised size with it (never below 512, RFC 6891 §6.2.5), the 16-bit frame on TCP.
std::size_t answer_limit(const wire::Query& query, Transport transport) {
    if (transport == Transport::Tcp) return kMaxMessage;
    if (!query.edns.present) return 512;
    return std::clamp<std::size_t>(query.edns.udp_size, 512, kEdnsPayload);
}

/// DS lives on the parent side of a cut (RFC 4035 §3.1.4.1): at a zone's apex it is
/// answered from the enclosing zone when the view holds that one too.
const model::Zone* parent_side(const model::ZoneSet& zones, const model::Zone& zone,
                               std::span<const std::uint8_t> qname) {
    if (qname.size() != zone.key().size() || qname.size() <= 1) return &zone;
    const model::Zone* parent = zones.find(qname.subspan(qname[0] + 1u));
    return parent != nullptr ? parent : &zone;
}

/// Refuses, answers NOTIMP or FORMERR, or, with `plan` filled, answers from the view.
dns::RCode decide(const runtime::Snapshot& snapshot, const wire::Query& query, const IpAddress& client,
                  AnswerPlan& plan) {
    if (query.edns.present && query.edns.version > 0) return dns::RCode::BadVers;  // RFC 6891 §6.1.3
    if (query.qclass != dns::rrclass::IN) return dns::RCode::Refused;
    // Zone transfers are not offered; meta-types other than ANY are not answered.
    if (query.qtype == rrtype::AXFR || query.qtype == rrtype::IXFR) return dns::RCode::Refused;
    if (query.qtype == rrtype::MAILA || query.qtype == rrtype::MAILB) return dns::RCode::NotImp;
    if (query.qtype == rrtype::OPT) return dns::RCode::FormErr;
    const runtime::View* view = snapshot.view_for(client);
    if (view == nullptr) return dns::RCode::Refused;
    const model::Zone* zone = view->zones.find(query.qname_lower.wire());
    if (zone == nullptr) return dns::RCode::Refused;  // forwarding comes with recursion
    if (query.qtype == rrtype::DS) zone = parent_side(view->zones, *zone, query.qname_lower.wire());
    plan_answer(*zone, query.qname.wire(), query.qname_lower.wire(), query.qtype, plan);
    return plan.rcode;
}

}  // namespace

std::size_t Responder::respond(const runtime::Snapshot& snapshot, std::span<const std::uint8_t> packet,
                               const IpAddress& client, Transport transport, std::span<std::uint8_t> out) {
    wire::Query query;
    const wire::ParseOutcome outcome = wire::parse_query(packet, query);
    if (outcome == wire::ParseOutcome::Drop) return 0;

    AnswerPlan plan;
    Framing framing{answer_limit(query, transport), query.question_end != 0, query.edns.present};
    if (outcome == wire::ParseOutcome::FormErr) {
        framing.opt = false;  // the OPT itself may be what was malformed
        plan.rcode = dns::RCode::FormErr;
        plan.authoritative = false;
    } else if (outcome == wire::ParseOutcome::NotImp) {
        plan.rcode = dns::RCode::NotImp;
        plan.authoritative = false;
    } else {
        const dns::RCode rcode = decide(snapshot, query, client, plan);
        if (rcode != plan.rcode) {
            plan = AnswerPlan{};  // an error answer carries no records
            plan.rcode = rcode;
            plan.authoritative = false;
        }
    }
    return encode(query, plan, framing, out);
}

}  // namespace sitedns::query
