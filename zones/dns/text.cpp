#include "zones/dns/text.h"

namespace sitedns::dns {

std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    const std::size_t length = lead < 0x80         ? 1
                               : lead >> 5 == 0x6  ? 2
                               : lead >> 4 == 0xE  ? 3
                               : lead >> 3 == 0x1E ? 4
                                                   : 0;
    if (length == 0 || i + length > text.size()) {
        ++i;
        return 0xFFFD;
    }
    std::uint32_t point = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        point = point << 6 | (byte(i + k) & 0x3F);
    }
    i += length;
    return point;
}

namespace {

/// True for a code point a message must not show as it is.
bool hidden(std::uint32_t point) {
    return point < 0x20 || (point >= 0x7F && point < 0xA0) ||
           (point >= 0x200B && point <= 0x200F) || (point >= 0x2028 && point <= 0x202E) ||
           (point >= 0x2060 && point <= 0x2069) || point == 0xFEFF;
}

void append_escaped(std::string& out, std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out += "\\x";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xF];
    }
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t begin = i;
        const std::uint32_t point = next_code_point(text, i);
        const std::string_view bytes = text.substr(begin, i - begin);
        // U+FFFD written out is kept; one that stands for an invalid byte is not.
        const bool invalid = point == 0xFFFD && bytes != "\xEF\xBF\xBD";
        if (invalid || hidden(point)) {
            append_escaped(out, bytes);
        } else {
            out += bytes;
        }
    }
    return out;
}

}  // namespace sitedns::dns
