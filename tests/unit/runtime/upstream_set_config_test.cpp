// From configuration to the forwarder: the `upstreams` entries of a snapshot's views,
// string and object form, become UpstreamSets carrying each upstream's options.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config.h"
#include "server/runtime/snapshot_builder.h"

namespace sitedns::upstream {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const query::Snapshot> snapshot_of(const std::string& json) {
    return runtime::build_snapshot(parse_config(json, "/etc/sitedns", "u.json"), 1);
}

TEST(UpstreamSetFromConfig, ViewsGetTheirUpstreamsWithOptions) {
    const auto snapshot = snapshot_of(R"({
      "upstreams": [ { "address": "192.0.2.1", "timeout_ms": 300 }, "192.0.2.2:5300" ],
      "views": [
        { "name": "top", "match_clients": ["10.0.0.0/8"], "recursion": true },
        { "name": "own", "match_clients": ["any"], "recursion": true,
          "upstreams": [ { "address": "192.0.2.3", "tcp": true } ] } ] })");
    ASSERT_EQ(snapshot->views.size(), 2u);
    const query::UpstreamSet& top = snapshot->views[0].upstreams;
    ASSERT_EQ(top.endpoints.size(), 2u);
    EXPECT_EQ(top.endpoints[1].to_string(), "192.0.2.2:5300");
    EXPECT_EQ(top.options_of(0), (query::UpstreamOptions{300ms, false}));
    EXPECT_EQ(top.options_of(1), query::UpstreamOptions{}) << "the string form: the defaults";
    const query::UpstreamSet& own = snapshot->views[1].upstreams;
    ASSERT_EQ(own.endpoints.size(), 1u);
    EXPECT_EQ(own.options_of(0), (query::UpstreamOptions{0ms, true})) << "0: the attempt_timeout";
    EXPECT_NE(top.id, own.id);
}

TEST(UpstreamSetFromConfig, TheSameUpstreamsShareAnIdUnlessTheirOptionsDiffer) {
    const auto snapshot = snapshot_of(R"({ "upstreams": [],
      "views": [
        { "name": "a", "match_clients": ["10.1.0.0/16"], "recursion": true,
          "upstreams": ["192.0.2.1"] },
        { "name": "b", "match_clients": ["10.2.0.0/16"], "recursion": true,
          "upstreams": [ { "address": "192.0.2.1:53" } ] },
        { "name": "c", "match_clients": ["10.3.0.0/16"], "recursion": true,
          "upstreams": [ { "address": "192.0.2.1", "tcp": true } ] },
        { "name": "d", "match_clients": ["10.4.0.0/16"], "recursion": true,
          "upstreams": [ { "address": "192.0.2.1", "timeout_ms": 200 } ] } ] })");
    const auto id = [&](std::size_t i) { return snapshot->views[i].upstreams.id; };
    EXPECT_EQ(id(0), id(1)) << "an object with no options is the string form";
    EXPECT_NE(id(0), id(2));
    EXPECT_NE(id(0), id(3));
    EXPECT_NE(id(2), id(3));
}

}  // namespace
}  // namespace sitedns::upstream
