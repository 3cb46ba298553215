#pragma once
// Threads: any worker or UDP receive thread; writes only the caller's buffer.

#include <cstddef>
#include <cstdint>
#include <span>

#include "server/query/answer_plan.h"
#include "server/wire/answer_patches.h"
#include "server/wire/edns.h"
#include "server/wire/limits.h"
#include "server/wire/message.h"
#include "server/wire/tsig.h"
#include "server/wire/writer.h"

namespace sitedns::query {

/// How the answer to a query is framed: which parts of the query it echoes and how
/// large it may grow.
struct Framing {
    std::size_t limit = wire::kClassicUdpSize;  ///< the largest answer the client accepts
    bool question = true;                       ///< echo the question
    bool opt = false;  ///< append an OPT record (the query had a valid one)
    bool ra = false;   ///< recursion available: the client's view forwards
    /// The options the OPT carries (ECS, RFC 7871 §7.2.1; COOKIE, RFC 7873 §5.2), or
    /// null; only with `opt`.
    const wire::EdnsEcho* echo = nullptr;
    /// Echo RD and CD and set AA and RA as decided. False: only QR and the opcode are set,
    /// every other flag clear (NOTIMP for an opcode other than QUERY, as BIND answers).
    bool flags = true;
    /// The query's TSIG, answered with an unsigned BADKEY TSIG after the OPT (RFC 8945
    /// §5.2.1, §5.3.2), or null.
    const wire::Tsig* tsig = nullptr;
};

/// Writes the plan as a DNS message (the only place that encodes answers): header,
/// question, then whole RRsets per section with name compression. An RRset of the
/// answer or authority section that does not fit truncates the message with TC=1;
/// additional records that do not fit are left out (RFC 2181 §9). The OPT, with its
/// options, always fits. Returns the length. With `patches`, what a copy of the answer
/// must patch to answer another query is noted there (the packet cache's entries): the
/// question name's length, the compression pointers (which end an owner name) and the
/// TTLs. The TSIG of `framing.tsig` comes last; when it does not fit, TC is set.
std::size_t encode(const wire::Query& query, const AnswerPlan& plan, const Framing& framing,
                   std::span<std::uint8_t> out, wire::AnswerPatches* patches = nullptr);

}  // namespace sitedns::query
