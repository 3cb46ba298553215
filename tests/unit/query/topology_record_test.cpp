// The `topology.sitedns.` TXT record and its text (server/query/topology_record).

#include "server/query/topology_record.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace sitedns::query {
namespace {

/// The text of the record's one RDATA: its one character-string.
std::string text_of(const TopologyRecord& record) {
    const model::Rdata rdata = record.rrset().rdatas.front();
    EXPECT_EQ(rdata.size(), 1u + rdata[0]);
    return std::string(rdata.begin() + 1, rdata.end());
}

TEST(TopologyText, FormatsAndParsesBack) {
    const TopologyVersion version{4294967295u, 18446744073709551615u};
    EXPECT_EQ(format_topology(version), "serial=4294967295 generation=18446744073709551615");
    EXPECT_EQ(parse_topology(format_topology(version)), version);
    EXPECT_EQ(parse_topology("serial=0 generation=1"), (TopologyVersion{0, 1}));
}

TEST(TopologyText, RejectsAnythingElse) {
    for (const char* text :
         {"", "serial=1", "serial=1 generation=", "serial= generation=2", "serial=-1 generation=2",
          "serial=4294967296 generation=1", "serial=1  generation=2", "serial=1 generation=2 ",
          "Serial=1 generation=2", "generation=2 serial=1", "serial=1 generation=2x"}) {
        EXPECT_EQ(parse_topology(text), std::nullopt) << text;
    }
}

TEST(TopologyRecord, IsOneTxtStringWithTtlZero) {
    const TopologyRecord record({2026120501, 3});
    EXPECT_EQ(record.rrset().type, 16);
    EXPECT_EQ(record.rrset().ttl, 0u);
    ASSERT_EQ(record.rrset().rdatas.size(), 1u);
    EXPECT_EQ(text_of(record), "serial=2026120501 generation=3");
    EXPECT_EQ(record.version(), (TopologyVersion{2026120501, 3}));
    EXPECT_EQ(text_of(TopologyRecord()), "serial=0 generation=0");
}

TEST(TopologyRecord, ACopyOutlivesItsSource) {
    auto source = std::make_unique<TopologyRecord>(TopologyVersion{7, 8});
    const TopologyRecord copied(*source);
    TopologyRecord assigned;
    assigned = *source;
    source.reset();  // the copies must not point at its bytes
    EXPECT_EQ(text_of(copied), "serial=7 generation=8");
    EXPECT_EQ(text_of(assigned), "serial=7 generation=8");
}

}  // namespace
}  // namespace sitedns::query
