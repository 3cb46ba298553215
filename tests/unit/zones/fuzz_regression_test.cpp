// Inputs found by the fuzz targets (tests/fuzz), kept as regressions of the zone readers.

#include <gtest/gtest.h>

#include <string>

#include "zones/load/zone_readers.h"

namespace sitedns::load {
namespace {

/// fuzz_json_zone: a number beyond a double made nlohmann throw out_of_range (406),
/// which escaped read_json_zone instead of a ZoneError, ending the process.
TEST(JsonZoneFuzzRegression, NumberBeyondADoubleIsAZoneError) {
    const std::string text = "{\"origin\": \"t.\",\n \"ttl\": 1" + std::string(400, '0') + "}";
    try {
        (void)read_json_zone(text, "z.json");
        FAIL() << "no error";
    } catch (const model::ZoneError& e) {
        EXPECT_EQ(
            std::string(e.what()),
            "z.json: line 2, column 9: JSON number out of range: 100000000000000000000000...");
    }
}

TEST(JsonZoneFuzzRegression, NumberOverflowInTheFoundInputIsAZoneError) {
    // The input as the fuzzer reduced it: an overflow deep inside a half-written SOA.
    const std::string text = "{\"origin\": \"t.\", \"soa\": {\"mnresh\": 1, \"retry\": 1e999}}";
    EXPECT_THROW((void)read_json_zone(text, "fuzz"), model::ZoneError);
}

}  // namespace
}  // namespace sitedns::load
