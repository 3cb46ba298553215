#pragma once
// What the soak test counted and what failed, printed at the end.

#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace sitedns::soak {

class Report {
  public:
    /// A failed check; the first few are printed in full.
    void fail(const std::string& what) {
        if (failures_ < kShown) std::printf("FAIL - %s\n", what.c_str());
        ++failures_;
    }
    /// A passed check, printed as an ok line.
    void pass(const std::string& what) { std::printf("ok   - %s\n", what.c_str()); }
    /// pass() or fail() as `ok` says.
    void check(bool ok, const std::string& what) { ok ? pass(what) : fail(what); }
    /// An informational line.
    void note(const std::string& what) { std::printf("     %s\n", what.c_str()); }
    std::size_t failures() const { return failures_; }

  private:
    static constexpr std::size_t kShown = 20;
    std::size_t failures_ = 0;
};

}  // namespace sitedns::soak
