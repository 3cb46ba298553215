#pragma once
// Whole input files for the loaders (configuration, zones, recipients), read with a limit
// on their size: an oversized file fails with its name and the limit instead of taking
// the process's memory. Threads: whichever thread loads; no shared state.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace sitedns::load {

/// Why read_file_text() refused a file. what() does not name the file: each loader wraps
/// it in its own error type (ConfigError, ZoneError, a Problem) with the file's name.
class FileTextError : public std::runtime_error {
  public:
    /// `action`: "cannot open", "cannot read", or "" when the file is too large.
    FileTextError(const std::string& action, const std::string& reason)
        : std::runtime_error(action.empty() ? reason : action + ": " + reason),
          too_large_(action.empty()),
          reason_(reason) {}
    /// True when the file is larger than the limit it was read with.
    bool too_large() const { return too_large_; }
    /// what() without "cannot open: ": the system's reason, or the limit.
    const std::string& reason() const { return reason_; }

  private:
    bool too_large_;
    std::string reason_;
};

/// Reads a whole file of at most `max_bytes` bytes. The loaders take one as a parameter,
/// so that a test can hand them a reader that throws std::bad_alloc.
using TextReader = std::string (*)(const std::filesystem::path& file, std::uint64_t max_bytes);

/// The TextReader of the loaders. Throws FileTextError: "cannot open: <strerror>", "is a
/// directory", "cannot read: <strerror>", or "larger than the limit of <size>" (checked
/// before reading for a regular file, while reading for a pipe).
std::string read_file_text(const std::filesystem::path& file, std::uint64_t max_bytes);

/// A size for messages: "64 MiB", "1 GiB", "1500 bytes" (binary units when exact).
std::string byte_size_text(std::uint64_t bytes);

}  // namespace sitedns::load
