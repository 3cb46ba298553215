// Inputs found by the fuzz targets (tests/fuzz), kept as regressions of the
// configuration reader.

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace sitedns {
namespace {

std::string error_of(const std::string& json) {
    try {
        (void)parse_config(json, "/nonexistent", "t.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

/// The JSON reader shared with the zone reader's crash (fuzz_json_zone): a number beyond
/// a double made nlohmann throw out_of_range (406), which escaped parse_config.
TEST(ConfigFuzzRegression, NumberBeyondADoubleIsAConfigError) {
    EXPECT_EQ(error_of(R"({"threads": 1e999})"), "t.json: /threads: number out of range: 1e999");
    EXPECT_EQ(error_of(R"({"listen": ["127.0.0.1:53", -1e400]})"),
              "t.json: /listen/1: number out of range: -1e400");
    EXPECT_EQ(error_of("1" + std::string(400, '0')),
              "t.json: /: number out of range: 100000000000000000000000...");
}

}  // namespace
}  // namespace sitedns
