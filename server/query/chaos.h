#pragma once
// Questions of class CHAOS (RFC 1035 §3.2.4), the server's own names, as Knot's
// nameserver/chaos.c: only `topology.sitedns. TXT` (SPEC §5) is answered.
// Threads: any worker or UDP receive thread; writes only the caller's plan.

#include "server/query/answer_plan.h"
#include "server/query/topology_record.h"
#include "server/wire/message.h"

namespace sitedns::query {

/// Fills `plan` with `topology`'s TXT record, class CH and the question's case, for the
/// question `topology.sitedns.` TXT (any case) and returns NOERROR; every other CH
/// question is REFUSED (SPEC §5), as it was before this name existed. Allocation-free.
dns::RCode plan_chaos(const wire::Query& query, const TopologyRecord& topology, AnswerPlan& plan);

}  // namespace sitedns::query
