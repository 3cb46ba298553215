// The encoder's patch list (wire::AnswerPatches) against the answer it describes, read
// back with server/wire's record iterator: what the packet cache patches is exactly
// where the encoder says.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "server/query/answer_plan.h"
#include "server/query/encoder.h"
#include "server/wire/limits.h"
#include "server/wire/message.h"
#include "server/wire/rr_iterator.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"
#include "zones/dns/types.h"

namespace sitedns::query {
namespace {

struct Encoded {
    std::vector<std::uint8_t> wire;
    wire::AnswerPatches patches;
};

/// Encodes the answer of the London view to `qname`/`qtype` within `limit` bytes.
Encoded encode_answer(const std::string& qname, const std::string& qtype, std::size_t limit) {
    const auto snapshot = test::make_snapshot();
    const auto packet = sitedns::test::make_query(qname, qtype);
    wire::Query query;
    EXPECT_EQ(wire::parse_query(packet, query), wire::ParseOutcome::Ok);
    const model::Zone* zone = snapshot->views[0].zones.find(query.qname_lower.wire());
    EXPECT_NE(zone, nullptr);
    AnswerPlan plan;
    plan_answer(*zone, query.qname.wire(), query.qname_lower.wire(), query.qtype, plan);
    Encoded out;
    out.wire.resize(limit);
    const Framing framing{limit};
    out.wire.resize(encode(query, plan, framing, out.wire, &out.patches));
    return out;
}

void expect_patches_match(const std::string& qname, const std::string& qtype, std::size_t limit) {
    SCOPED_TRACE(qname + " " + qtype + " within " + std::to_string(limit));
    const Encoded e = encode_answer(qname, qtype, limit);
    const std::span<const std::uint8_t> m(e.wire);
    EXPECT_EQ(e.patches.question_size, sitedns::test::make_query(qname, qtype).size() -
                                           wire::kHeaderSize - wire::kQuestionTail);
    // The owners that end in a pointer, read back from the answer.
    wire::RrIterator records(m);
    wire::RecordView rr;
    std::vector<std::size_t> owner_pointers;
    while (records.next(rr)) {
        const std::size_t owner_end = rr.ttl_at - wire::kTtlAt;
        if (owner_end >= 2 && (m[owner_end - 2] & wire::kPointerBits) == wire::kPointerBits &&
            owner_end - 2 >= rr.owner_at) {
            owner_pointers.push_back(owner_end - 2);
        }
    }
    ASSERT_TRUE(records.complete());
    // Every pointer logged is a pointer to its target; those ending owners are marked.
    const bool overflow = e.patches.pointers.overflow;  // then the first kMax pointers
    std::size_t owners = 0;
    for (std::size_t i = 0; i < e.patches.pointers.count; ++i) {
        const std::size_t at = e.patches.pointers.at[i];
        ASSERT_LT(at + 1, m.size());
        EXPECT_EQ((m[at] & 0x3F) << 8 | m[at + 1], e.patches.pointers.target[i]);
        EXPECT_EQ(m[at] & wire::kPointerBits, wire::kPointerBits);
        const bool owner =
            std::find(owner_pointers.begin(), owner_pointers.end(), at) != owner_pointers.end();
        EXPECT_EQ(e.patches.ends_owner(at), owner) << "pointer at " << at;
        owners += owner ? 1 : 0;
    }
    EXPECT_EQ(e.patches.owner_pointers, owners);
    if (!overflow) {
        EXPECT_EQ(owners, owner_pointers.size());
    }
}

TEST(EncoderPatches, DescribeTheAnswerTheyCameWith) {
    for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
             {"example.test", "MX"},
             {"example.test", "NS"},
             {"WWW.example.test", "A"},
             {"c1.example.test", "AAAA"},
             {"nothere.example.test", "A"},
             {"mail.example.test", "TXT"},
             {"mx8.example.test", "MX"},
             {"big.example.test", "TXT"},
             {"bigcut.example.test", "A"},
         }) {
        expect_patches_match(name, type, 512);
        expect_patches_match(name, type, 4096);
    }
}

}  // namespace
}  // namespace sitedns::query
