// Threads: see server/query/chaos.h.
#include "server/query/chaos.h"

#include <algorithm>

namespace sitedns::query {

dns::RCode plan_chaos(const wire::Query& query, const TopologyRecord& topology, AnswerPlan& plan) {
    const auto qname = query.qname_lower.wire();
    if (query.qtype != dns::rrtype::TXT ||
        !std::equal(qname.begin(), qname.end(), kTopologyName.begin(), kTopologyName.end())) {
        return dns::RCode::Refused;
    }
    const model::RRset& txt = topology.rrset();
    plan.answer.add({query.qname.wire(), &txt, txt.ttl, dns::rrclass::CH});
    plan.rcode = dns::RCode::NoError;
    return plan.rcode;
}

}  // namespace sitedns::query
