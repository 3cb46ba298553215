#include "zones/load/file_text.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace sitedns::load {

namespace {

[[noreturn]] void too_large(std::uint64_t max_bytes) {
    throw FileTextError("", "larger than the limit of " + byte_size_text(max_bytes));
}

}  // namespace

std::string read_file_text(const std::filesystem::path& file, std::uint64_t max_bytes) {
    std::error_code error;
    const auto status = std::filesystem::status(file, error);
    // A directory opens, and reports a size of up to 2^63 (found by fuzz_rfc1035_zone:
    // "$INCLUDE" of a name that is empty once its NUL bytes end it).
    if (std::filesystem::is_directory(status)) {
        throw FileTextError("cannot open", std::strerror(EISDIR));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw FileTextError("cannot open", std::strerror(errno));
    std::string text;
    if (std::filesystem::is_regular_file(status)) {
        const std::uintmax_t size = std::filesystem::file_size(file, error);
        if (!error && size > max_bytes) too_large(max_bytes);
        if (!error) text.reserve(static_cast<std::size_t>(size));
    }
    // Read in blocks even for a regular file: it may grow meanwhile, and a pipe has no size.
    std::array<char, 65536> block{};
    while (in.read(block.data(), block.size()) || in.gcount() > 0) {
        const auto got = static_cast<std::size_t>(in.gcount());
        if (text.size() + got > max_bytes) too_large(max_bytes);
        text.append(block.data(), got);
    }
    if (in.bad()) throw FileTextError("cannot read", std::strerror(errno));
    return text;
}

std::string byte_size_text(std::uint64_t bytes) {
    constexpr std::array<const char*, 3> kUnits{"GiB", "MiB", "KiB"};
    for (std::size_t i = 0; i < kUnits.size(); ++i) {
        const std::uint64_t unit = std::uint64_t{1} << (10 * (kUnits.size() - i));
        if (bytes >= unit && bytes % unit == 0) {
            return std::to_string(bytes / unit) + " " + kUnits[i];
        }
    }
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace sitedns::load
