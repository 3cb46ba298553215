#pragma once
// Golden texts: an output compared with the file that holds what it must be. A developer
// rewrites the files with SITEDNS_UPDATE_GOLDEN=1 and reviews `git diff` (README,
// "Testing"). An update run compares the output with itself, so it is reported as
// Skipped, and under CI it is refused: there the files are only read.
// Header-only: the unit binaries that use it link no test support library.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace sitedns::test {

/// True when the CI variable is set to anything but "", "0" or "false".
inline bool under_ci() {
    const char* ci = std::getenv("CI");
    if (ci == nullptr) return false;
    const std::string_view value = ci;
    return !value.empty() && value != "0" && value != "false";
}

inline std::string read_golden(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Compares `text` with the golden file `path`. With SITEDNS_UPDATE_GOLDEN set it rewrites
/// the file instead and marks the test skipped; under CI that is a failure.
inline void expect_golden(const std::filesystem::path& path, const std::string& text) {
    if (std::getenv("SITEDNS_UPDATE_GOLDEN") != nullptr) {
        if (under_ci()) {
            ADD_FAILURE() << "SITEDNS_UPDATE_GOLDEN is refused under CI: it would compare "
                             "the output with itself ("
                          << path << ")";
            return;
        }
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        GTEST_SKIP() << "rewrote golden file " << path << "; review it with git diff";
    }
    EXPECT_EQ(text, read_golden(path)) << "golden file " << path;
}

}  // namespace sitedns::test
