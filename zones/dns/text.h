#pragma once
// Text read from a file, as a message may show it: UTF-8 decoding and the one escaping
// function every layer's messages go through, so that a control character in a zone,
// configuration or recipients file never reaches a terminal or a log as it is.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sitedns::dns {

/// The next code point of UTF-8 `text` at `i`, advancing `i`; U+FFFD for a byte that
/// starts no valid sequence (and `i` moves past that byte only).
std::uint32_t next_code_point(std::string_view text, std::size_t& i);

/// `text` safe to print: each byte of a control character (C0, DEL, C1), of a Unicode
/// format character that reorders or hides text (U+200B..U+200F, U+2028..U+202E,
/// U+2060..U+2069, U+FEFF) and each byte that is not valid UTF-8 becomes "\xNN" (lower-case
/// hex: ESC is "\x1b"). Everything else, a backslash included, is kept, so applying it
/// twice changes nothing.
std::string printable(std::string_view text);

}  // namespace sitedns::dns
