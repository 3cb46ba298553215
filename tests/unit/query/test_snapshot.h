#pragma once

// The snapshot the query core tests answer from, built by hand (no configuration file)
// from the example data of tests/support/test_zones.h: views london, paris and empty.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/address.h"
#include "server/query/snapshot.h"
#include "tests/support/test_zones.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::query::test {

using sitedns::test::kBigCount;
using sitedns::test::kBigCutCount;
using sitedns::test::kEmptyViewClient;
using sitedns::test::kLondonClient;
using sitedns::test::kMediumCount;
using sitedns::test::kMx8Count;
using sitedns::test::kNoViewClient;
using sitedns::test::kParisClient;
using sitedns::test::london_zone_json;
using sitedns::test::paris_zone_json;
using sitedns::test::txt_string;

inline IpAddress ip(std::string_view text) {
    const auto address = IpAddress::parse(text);
    if (!address) throw std::invalid_argument("bad test address " + std::string(text));
    return *address;
}

inline Cidr cidr(std::string_view text) {
    std::string error;
    const auto prefix = Cidr::parse(text, &error);
    if (!prefix) throw std::invalid_argument("bad test prefix " + std::string(text) + ": " + error);
    return *prefix;
}

inline query::View make_view(std::string name, const std::string& zone_json) {
    query::View view;
    view.name = std::move(name);
    view.recursion = false;
    if (!zone_json.empty()) {
        (void)view.zones.add(model::Zone::compile(load::read_json_zone(zone_json, "test")));
    }
    return view;
}

/// The snapshot of the example data's views (tests/support/test_zones.h).
inline std::shared_ptr<const query::Snapshot> make_snapshot() {
    auto snapshot = std::make_shared<query::Snapshot>();
    for (const sitedns::test::TestView& view : sitedns::test::test_views()) {
        const auto index = static_cast<std::uint32_t>(snapshot->views.size());
        snapshot->views.push_back(make_view(view.name, view.zone_json));
        for (const std::string& prefix : view.match_clients) {
            if (!snapshot->add_view_prefix(cidr(prefix), index))
                throw std::invalid_argument("duplicate test prefix " + prefix);
        }
        if (!view.zone_json.empty()) ++snapshot->zone_count;
    }
    return snapshot;
}

}  // namespace sitedns::query::test
