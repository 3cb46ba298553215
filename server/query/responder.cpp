// Threads: see server/query/responder.h.
#include "server/query/responder.h"

#include <algorithm>

#include "server/query/answer_plan.h"
#include "server/query/chaos.h"
#include "server/query/encoder.h"
#include "server/wire/limits.h"

namespace sitedns::query {
namespace {

namespace rrtype = dns::rrtype;

/// The largest answer the client takes: 512 without EDNS (RFC 1035 §4.2.1), its
/// advertised size with it (never below 512, RFC 6891 §6.2.5), the 16-bit frame on TCP.
std::size_t answer_limit(const wire::Query& query, Transport transport) {
    if (transport == Transport::Tcp) return kMaxMessage;
    if (!query.edns.present) return wire::kClassicUdpSize;
    return std::clamp<std::size_t>(query.edns.udp_size, wire::kClassicUdpSize, wire::kEdnsPayload);
}

/// The zone of the view that answers a name, from `zone`, the deepest one holding it:
/// a transparent zone answers only the names it has records for (SPEC §5, Unbound's
/// `transparent`); for others the next enclosing zone is asked, as if it were absent.
/// nullptr when none answers.
const model::Zone* answering_zone(const model::ZoneSet& zones, const model::Zone* zone,
                                  std::span<const std::uint8_t> qname) {
    while (zone != nullptr && zone->transparent()) {
        if (zone->lookup(qname).has_records()) return zone;
        const std::size_t origin = qname.size() - zone->key().size();
        if (qname[origin] == 0) return nullptr;  // a transparent root zone: nothing above
        zone = zones.find(qname.subspan(origin + qname[origin] + 1u));
    }
    return zone;
}

/// DS lives on the parent side of a cut (RFC 4035 §3.1.4.1): at a zone's apex it is
/// answered from the enclosing zone when the view holds that one too.
const model::Zone* parent_side(const model::ZoneSet& zones, const model::Zone& zone,
                               std::span<const std::uint8_t> qname) {
    if (qname.size() != zone.key().size() || qname.size() <= 1) return &zone;
    const model::Zone* parent =
        answering_zone(zones, zones.find(qname.subspan(qname[0] + 1u)), qname);
    return parent != nullptr ? parent : &zone;
}

/// Where a name outside the view's authoritative data goes (SPEC §5): the deepest
/// forward zone holding it, unless `zone`, the zone answering it, is deeper (a forward
/// zone at a zone's own origin does not hide it); else, for a name outside every zone,
/// the view's upstreams when it has recursion. nullptr: answered from `zone`, or REFUSED.
const UpstreamSet* forward_target(const View& view, const model::Zone* zone,
                                  std::span<const std::uint8_t> qname) {
    if (!view.forward_zones.empty()) [[unlikely]] {
        const ForwardZone* forward = view.forward_zone_for(qname);
        if (forward != nullptr && (zone == nullptr || forward->name.size() > zone->key().size()) &&
            !forward->upstreams.endpoints.empty()) {
            return &forward->upstreams;
        }
    }
    if (zone != nullptr || !view.recursion || view.upstreams.endpoints.empty()) return nullptr;
    return &view.upstreams;
}

/// The subnet of an ECS option as an address (the bits past the prefix are zero).
IpAddress subnet_address(const wire::ClientSubnet& ecs) {
    IpAddress address;
    address.family =
        ecs.family == wire::kEcsFamilyV4 ? IpAddress::Family::V4 : IpAddress::Family::V6;
    address.bytes = ecs.address;
    return address;
}

/// SPEC §5, RFC 7871 §7.1.1: the address that chooses the view. A trusted sender's ECS
/// subnet, kept in `ecs` for the echo; the sender itself otherwise. FORMERR for a
/// malformed option from a trusted sender; untrusted senders' options are not read.
dns::RCode view_address(const Snapshot& snapshot, const wire::Query& query, const IpAddress& sender,
                        IpAddress& chosen, std::optional<wire::ClientSubnet>& ecs) {
    chosen = sender;
    if (!query.edns.present || !snapshot.trusts_ecs_from(sender)) return dns::RCode::NoError;
    wire::ClientSubnet option;
    switch (wire::find_client_subnet(query.edns.options, option)) {
        case wire::EcsStatus::Absent:
            return dns::RCode::NoError;
        case wire::EcsStatus::Malformed:
            return dns::RCode::FormErr;
        case wire::EcsStatus::Ok:
            break;
    }
    chosen = subnet_address(option);
    ecs = option;
    return dns::RCode::NoError;
}

/// RFC 7873 §5.2: the COOKIE option of a query from `client`, checked, and the one the
/// answer carries in `decision.echo`. False when it is malformed: FORMERR (§5.2.2).
bool take_cookie(const Snapshot& snapshot, const IpAddress& client, Decision& decision) {
    const wire::Edns& edns = decision.query.edns;
    if (edns.options.empty() || !snapshot.config.cookies.enabled) return true;
    wire::Cookie cookie;
    switch (wire::find_cookie(edns.options, cookie)) {
        case wire::CookieStatus::Absent:
            return true;
        case wire::CookieStatus::Malformed:
            decision.cookie = CookieResult::Malformed;
            return false;
        case wire::CookieStatus::Ok:
            break;
    }
    decision.cookie = answer_cookie(snapshot.cookie_secret, client, cookie_clock(), cookie);
    decision.echo.cookie = cookie;
    return true;
}

/// The RCODE of a query answered without a lookup: FORMERR, NOTIMP, NOTAUTH for a signed
/// query, a malformed COOKIE option, or a query for a server cookie (QDCOUNT 0, RFC 7873
/// §5.4: NOERROR, BADCOOKIE when the server cookie it sent is not valid, FORMERR without a
/// COOKIE option). nullopt for a question to look up. Reads the COOKIE option into
/// `decision`.
std::optional<dns::RCode> answer_without_lookup(const Snapshot& snapshot, const IpAddress& client,
                                                wire::ParseOutcome outcome, Decision& decision,
                                                Framing& framing) {
    if (outcome == wire::ParseOutcome::FormErr) {
        framing.opt = false;  // the OPT itself may be what was malformed
        return dns::RCode::FormErr;
    }
    if (outcome == wire::ParseOutcome::NotImp) {
        // Another opcode: only QR and the opcode set, as BIND answers; the question and
        // the OPT echoed when the query had them (RFC 6891 §7), as Knot answers.
        framing.flags = false;
        return dns::RCode::NotImp;
    }
    if (decision.query.tsig.present) {
        // RFC 8945 §5.2.1: sitedns knows no TSIG key, so every signed query gets NOTAUTH
        // with an unsigned BADKEY TSIG, before its view or name is looked at. Never
        // forwarded: sitedns asks upstreams queries of its own (new ID, its own OPT), in
        // which the client's MAC could never verify (§5.5 is for a server that passes the
        // client's message on).
        framing.tsig = &decision.query.tsig;
        return dns::RCode::NotAuth;
    }
    if (!take_cookie(snapshot, client, decision)) return dns::RCode::FormErr;  // OPT kept
    if (outcome == wire::ParseOutcome::Ok) return std::nullopt;
    switch (decision.cookie) {
        case CookieResult::None:
            framing.opt = false;
            return dns::RCode::FormErr;
        case CookieResult::Invalid:
            return dns::RCode::BadCookie;
        default:
            return dns::RCode::NoError;
    }
}

/// Refuses, answers NOTIMP or FORMERR, sets `forward` to the upstreams the query goes
/// to, or, with `plan` filled, answers from the view, or from the snapshot's own CHAOS
/// records for a client that has a view (SPEC §5).
dns::RCode decide(const Snapshot& snapshot, const wire::Query& query, const View* view,
                  AnswerPlan& plan, const UpstreamSet*& forward) {
    forward = nullptr;
    if (query.edns.present && query.edns.version > 0)
        return dns::RCode::BadVers;  // RFC 6891 §6.1.3
    if (query.qclass == dns::rrclass::CH) [[unlikely]] {
        return view != nullptr ? plan_chaos(query, snapshot.topology, plan) : dns::RCode::Refused;
    }
    if (query.qclass != dns::rrclass::IN) return dns::RCode::Refused;
    // Zone transfers are not offered; meta-types other than ANY are not answered.
    if (query.qtype == rrtype::AXFR || query.qtype == rrtype::IXFR) return dns::RCode::Refused;
    if (query.qtype == rrtype::MAILA || query.qtype == rrtype::MAILB) return dns::RCode::NotImp;
    if (query.qtype == rrtype::OPT) return dns::RCode::FormErr;
    if (view == nullptr) return dns::RCode::Refused;
    const auto qname = query.qname_lower.wire();
    const model::Zone* zone = view->zones.find(qname);
    if (zone != nullptr && zone->transparent()) [[unlikely]] {
        zone = answering_zone(view->zones, zone, qname);
    }
    forward = forward_target(*view, zone, qname);
    if (forward != nullptr) return dns::RCode::NoError;
    if (zone == nullptr) return dns::RCode::Refused;  // SPEC §5: outside the view
    if (query.qtype == rrtype::DS) zone = parent_side(view->zones, *zone, qname);
    plan_answer(*zone, query.qname.wire(), qname, query.qtype, plan);
    return plan.rcode;
}

/// An answer without records: FORMERR, NOTIMP, REFUSED, SERVFAIL...
void error_plan(dns::RCode rcode, AnswerPlan& plan) {
    plan = AnswerPlan{};
    plan.rcode = rcode;
    plan.authoritative = false;
}

/// Chooses the view of a well-formed query by its sender or ECS option; false, with an
/// error plan, when a trusted sender's option is malformed.
bool choose_view(const Snapshot& snapshot, const IpAddress& client, Decision& decision,
                 AnswerPlan& plan) {
    IpAddress chosen;
    const dns::RCode ecs_rcode =
        view_address(snapshot, decision.query, client, chosen, decision.echo.ecs);
    const ViewMatch match = snapshot.match_view(chosen);
    decision.view = match.view;
    if (auto& ecs = decision.echo.ecs) {
        // RFC 7871 §7.2.1: the scope is the prefix the answer was chosen for.
        ecs->scope_prefix = match.view ? match.length : ecs->source_prefix;
    }
    if (ecs_rcode != dns::RCode::NoError) {
        decision.view = snapshot.view_for(client);  // RA as for the sender's own view
        error_plan(ecs_rcode, plan);
        return false;
    }
    return true;
}

/// Chooses the view of a well-formed query and decides; true when it is to be forwarded,
/// to `decision.upstreams`. A plain query's view is known already (`plain_view`): no ECS
/// option can choose another.
bool choose_and_decide(const Snapshot& snapshot, const IpAddress& client, Decision& decision,
                       AnswerPlan& plan, const View* const* plain_view) {
    if (plain_view != nullptr) {
        decision.view = *plain_view;
    } else if (!choose_view(snapshot, client, decision, plan)) {
        return false;
    }
    const dns::RCode rcode =
        decide(snapshot, decision.query, decision.view, plan, decision.upstreams);
    if (decision.upstreams != nullptr) return true;
    if (rcode != plan.rcode) error_plan(rcode, plan);  // no records with an error
    return false;
}

/// Parses a query, chooses its view and decides; true when `plan` and `framing` are an
/// answer to encode, false when the decision is to drop or forward. With the `key` of a
/// plain query and its view, the packet is not read again nor the view looked up.
bool decide_answer(const Snapshot& snapshot, std::span<const std::uint8_t> packet,
                   const IpAddress& client, Transport transport, Decision& decision,
                   AnswerPlan& plan, Framing& framing, const AnswerKey* key = nullptr,
                   const View* const* plain_view = nullptr) {
    decision.action = Action::Drop;
    decision.forwarded = false;
    decision.size = 0;
    decision.view = nullptr;
    decision.upstreams = nullptr;
    decision.echo.clear();
    decision.cookie = CookieResult::None;
    wire::Query& query = decision.query;
    const wire::ParseOutcome outcome =
        key != nullptr ? wire::parse_plain_query(packet, key->plain,
                                                 {key->lowered_name(), key->name_size}, query)
                       : wire::parse_query(packet, query);
    decision.limit = answer_limit(query, transport);
    if (outcome == wire::ParseOutcome::Drop) return false;

    framing = Framing{decision.limit, query.question_end != 0, query.edns.present};
    if (const auto rcode = answer_without_lookup(snapshot, client, outcome, decision, framing)) {
        decision.view = snapshot.view_for(client);
        error_plan(*rcode, plan);
    } else if (choose_and_decide(snapshot, client, decision, plan, plain_view)) {
        decision.action = Action::Forward;
        return false;
    }
    framing.ra = decision.view != nullptr && decision.view->recursion;
    framing.echo = &decision.echo;
    decision.action = Action::Send;
    return true;
}

/// A cache miss of a plain query: answered in full and stored, except a name that does
/// not exist, whose answer is made from (or becomes) the template of its closest
/// encloser: unique NXDOMAIN and wildcard names would only push known answers out.
void answer_uncached(const Snapshot& snapshot, std::span<const std::uint8_t> packet,
                     const IpAddress& client, Transport transport, std::span<std::uint8_t> out,
                     Decision& decision, PacketCache& cache, const View* view,
                     const AnswerKey& key) {
    AnswerPlan plan;
    Framing framing;
    if (!decide_answer(snapshot, packet, client, transport, decision, plan, framing, &key, &view)) {
        return;  // a forwarded answer is kept by the transport, under decision.key
    }
    if (plan.nonexistent_under == nullptr) {
        wire::AnswerPatches patches;
        decision.size = encode(decision.query, plan, framing, out, &patches);
        cache.store(snapshot, view, key, out.first(decision.size), patches);
        return;
    }
    const Nonexistent name{plan.nonexistent_under, plan.nonexistent_match};
    decision.size = cache.find_nonexistent(snapshot, view, key, name, packet,
                                           out.first(std::min(out.size(), decision.limit)));
    if (decision.size != 0) return;
    wire::AnswerPatches patches;
    decision.size = encode(decision.query, plan, framing, out, &patches);
    cache.store_nonexistent(snapshot, view, key, name, out.first(decision.size), patches,
                            decision.limit);
}

}  // namespace

void Responder::handle(const Snapshot& snapshot, std::span<const std::uint8_t> packet,
                       const IpAddress& client, Transport transport, std::span<std::uint8_t> out,
                       Decision& decision) {
    decision.key.size = 0;  // not a plain query, or not through a packet cache
    AnswerPlan plan;
    Framing framing;
    if (decide_answer(snapshot, packet, client, transport, decision, plan, framing)) {
        decision.size = encode(decision.query, plan, framing, out);
    }
}

void Responder::handle(const Snapshot& snapshot, std::span<const std::uint8_t> packet,
                       const IpAddress& client, Transport transport, std::span<std::uint8_t> out,
                       Decision& decision, PacketCache& cache) {
    AnswerKey& key = decision.key;
    if (!PacketCache::make_key(packet, transport, key)) {
        handle(snapshot, packet, client, transport, out, decision);
        return;
    }
    // A plain query carries no ECS option: the sender's address chooses the view.
    const View* view = cache.view_for(snapshot, client);
    if (const std::size_t size = cache.find(snapshot, view, key, packet, out); size != 0) {
        decision.action = Action::Send;
        decision.size = size;
        decision.view = view;
        decision.echo.clear();
        decision.cookie = CookieResult::None;
        decision.forwarded = cache.last_hit_forwarded();
        return;
    }
    if (!PacketCache::plain_name(key)) {
        handle(snapshot, packet, client, transport, out, decision);
        return;
    }
    answer_uncached(snapshot, packet, client, transport, out, decision, cache, view, key);
}

std::size_t Responder::respond(const Snapshot& snapshot, std::span<const std::uint8_t> packet,
                               const IpAddress& client, Transport transport,
                               std::span<std::uint8_t> out) {
    Decision decision;
    handle(snapshot, packet, client, transport, out, decision);
    if (decision.action != Action::Forward) return decision.size;
    // No forwarder here: what a forwarder says when no upstream answers.
    AnswerPlan plan;
    error_plan(dns::RCode::ServFail, plan);
    const wire::Query& query = decision.query;
    Framing framing{answer_limit(query, transport), true, query.edns.present, true};
    framing.echo = &decision.echo;
    return encode(query, plan, framing, out);
}

}  // namespace sitedns::query
