#pragma once
// JSON text to nlohmann::json for the configuration reader, with the error messages a
// user can act on: "<source>: line L, column C: ..." for syntax errors, JSON pointers
// (RFC 6901) for the rest, and a "did you mean" for misspelt keys.

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <string_view>

namespace sitedns::json_input {

/// Parses `text`. Throws ConfigError "<source>: line L, column C: <reason>" for a syntax
/// error, "<source>: <pointer>: duplicate key \"K\"" for a key given twice in one
/// object (nlohmann would silently keep the last one, hiding a mistake), and
/// "<source>: <pointer>: number out of range: N" for a number beyond a double.
nlohmann::json parse(std::string_view text, std::string_view source);

/// The 1-based line and column of byte `offset` (0-based) in `text`.
struct TextPosition {
    std::size_t line = 1;
    std::size_t column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset);

/// `key` escaped as one JSON pointer reference token: "~" -> "~0", "/" -> "~1".
std::string pointer_token(std::string_view key);

/// Levenshtein distance between `a` and `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The entry of `known` closest to `word` when at most 2 edits away (the first of
/// equals), or an empty view.
std::string_view closest(std::string_view word, std::span<const std::string_view> known);

}  // namespace sitedns::json_input
