// The plain-record reader of master files (rr_fast.h). Every rule here mirrors what
// ldns 1.8 does with the same text (ldns_rr_new_frm_fp_l, ldns_rr_new_frm_str and the
// ldns_str2rdf_* converters); rr_fast_test.cpp compares the two on many lines.

#include "zones/load/rr_fast.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "zones/dns/types.h"

namespace sitedns::load::detail {
namespace {

/// LDNS_DEFAULT_TTL: ldns's TTL for a record without one when its default is 0.
constexpr std::uint32_t kLdnsDefaultTtl = 3600;
/// Longer lines go to ldns, which has limits of its own (LDNS_MAX_LINELEN and others).
constexpr std::size_t kMaxPlainLine = 4000;
/// Longer name texts go to ldns (its limit is the 255-octet wire form).
constexpr std::size_t kMaxPlainName = 200;
/// Longest character-string (RFC 1035 §3.3).
constexpr std::size_t kMaxString = 255;

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

/// A character that means nothing special to ldns in an unquoted token.
bool plain_char(char c) {
    return c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != ';' && c != '(' && c != ')';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool equal_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return dns::lower(static_cast<std::uint8_t>(x)) ==
                      dns::lower(static_cast<std::uint8_t>(y));
           });
}

/// The next run of non-blank characters of `rest`, blanks before it skipped.
std::string_view next_token(std::string_view& rest) {
    std::size_t at = 0;
    while (at < rest.size() && is_blank(rest[at])) ++at;
    std::size_t end = at;
    while (end < rest.size() && !is_blank(rest[end])) ++end;
    const std::string_view token = rest.substr(at, end - at);
    rest.remove_prefix(end);
    return token;
}

/// True when `text` is all decimal digits with a value above `max`: a number ldns would
/// wrap silently.
bool too_big(std::string_view text, std::uint32_t max) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) return false;
    if (text.size() > 10) return true;
    std::uint64_t value = 0;
    for (const char c : text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    return value > max;
}

/// Decimal digits only, at most 10, up to `max`; false otherwise (ldns would wrap or
/// refuse: it gets the text).
bool read_number(std::string_view text, std::uint32_t max, std::uint32_t& out) {
    if (text.empty() || text.size() > 10) return false;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (!is_digit(c)) return false;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > max) return false;
    out = static_cast<std::uint32_t>(value);
    return true;
}

/// A name without escapes (ldns_str2rdf_dname, then completed with the origin unless it
/// ends with a dot). "@" alone is the origin. Returns the wire size, 0 when ldns must
/// read it.
std::size_t read_name(std::string_view text, std::span<const std::uint8_t> origin,
                      std::uint8_t* out) {
    if (text == "@") {
        std::copy(origin.begin(), origin.end(), out);
        return origin.size();
    }
    if (text.empty() || text.size() > kMaxPlainName) return 0;
    if (text == ".") {
        out[0] = 0;
        return 1;
    }
    std::size_t label_at = 0;  // where the current label's length byte goes
    std::size_t n = 1;
    std::size_t length = 0;
    for (const char c : text) {
        if (c == '.') {
            if (length == 0 || length > dns::kMaxLabel) return 0;
            out[label_at] = static_cast<std::uint8_t>(length);
            label_at = n++;
            length = 0;
        } else {
            if (!plain_char(c) || c == '@') return 0;
            out[n++] = static_cast<std::uint8_t>(c);
            ++length;
        }
    }
    if (length == 0) {  // ended with a dot: absolute
        out[label_at] = 0;
        return n;
    }
    if (length > dns::kMaxLabel || n + origin.size() > dns::kMaxNameWire) return 0;
    out[label_at] = static_cast<std::uint8_t>(length);
    std::copy(origin.begin(), origin.end(), out + n);
    return n + origin.size();
}

bool append_name(std::string_view text, std::span<const std::uint8_t> origin,
                 std::vector<std::uint8_t>& rdata) {
    std::uint8_t wire[dns::kMaxNameWire];
    const std::size_t size = read_name(text, origin, wire);
    if (size == 0) return false;
    rdata.insert(rdata.end(), wire, wire + size);
    return true;
}

void append_u16(std::uint16_t value, std::vector<std::uint8_t>& rdata) {
    rdata.push_back(static_cast<std::uint8_t>(value >> 8));
    rdata.push_back(static_cast<std::uint8_t>(value));
}

void append_u32(std::uint32_t value, std::vector<std::uint8_t>& rdata) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        rdata.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

/// The text of a line that ldns would hand to its record parser: the comment cut off,
/// a final CR and trailing blanks dropped. False when the line holds anything the plain
/// reader leaves to ldns: control characters, non-ASCII bytes, backslashes, parentheses,
/// unbalanced quotes, or quotes at all when `quotes_allowed` is false.
bool plain_text(std::string_view line, std::string_view& out, bool& quoted) {
    if (line.size() > kMaxPlainLine) return false;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool in_quotes = false;
    quoted = false;
    std::size_t end = line.size();
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            in_quotes = !in_quotes;
            quoted = true;
        } else if (in_quotes) {
            if (c == '\\' || static_cast<unsigned char>(c) < ' ' ||
                static_cast<unsigned char>(c) >= 0x7f) {
                return false;
            }
        } else if (c == ';') {
            end = i;
            break;
        } else if (!is_blank(c) && !plain_char(c)) {
            return false;
        }
    }
    if (in_quotes) return false;
    line = line.substr(0, end);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    out = line;
    return true;
}

/// TXT RDATA (RFC 1035 §3.3.14): character-strings, quoted or plain words, each at
/// most 255 octets, separated by blanks.
bool read_txt(std::string_view rest, std::vector<std::uint8_t>& rdata) {
    std::size_t strings = 0;
    std::size_t at = 0;
    while (true) {
        while (at < rest.size() && is_blank(rest[at])) ++at;
        if (at == rest.size()) break;
        std::string_view text;
        if (rest[at] == '"') {
            const std::size_t close = rest.find('"', at + 1);
            if (close == std::string_view::npos) return false;
            text = rest.substr(at + 1, close - at - 1);
            at = close + 1;
            // ldns skips the one character after the closing quote: it must be a blank.
            if (at < rest.size() && !is_blank(rest[at])) return false;
        } else {
            const std::size_t begin = at;
            while (at < rest.size() && !is_blank(rest[at])) {
                if (!plain_char(rest[at])) return false;
                ++at;
            }
            text = rest.substr(begin, at - begin);
        }
        if (text.size() > kMaxString) return false;
        rdata.push_back(static_cast<std::uint8_t>(text.size()));
        rdata.insert(rdata.end(), text.begin(), text.end());
        ++strings;
    }
    return strings > 0;
}

/// The RDATA of `type` from its text: the fields, separated by blanks, exactly as many
/// as the type has (ldns refuses missing and superfluous ones).
bool read_rdata(std::uint16_t type, std::string_view rest, std::span<const std::uint8_t> origin,
                std::vector<std::uint8_t>& rdata, std::string& range_error) {
    if (type == dns::rrtype::TXT) return read_txt(rest, rdata);
    std::array<std::string_view, 8> fields;
    std::size_t count = 0;
    for (std::string_view token = next_token(rest); !token.empty(); token = next_token(rest)) {
        if (count == fields.size()) return false;
        fields[count++] = token;
    }
    char text[INET6_ADDRSTRLEN + 1];
    const auto address = [&](int family, std::size_t size) {
        if (count != 1 || fields[0].size() >= sizeof text) return false;
        std::memcpy(text, fields[0].data(), fields[0].size());
        text[fields[0].size()] = '\0';
        std::uint8_t bytes[16];
        if (inet_pton(family, text, bytes) != 1) return false;
        rdata.insert(rdata.end(), bytes, bytes + size);
        return true;
    };
    switch (type) {
        case dns::rrtype::A:
            return address(AF_INET, 4);
        case dns::rrtype::AAAA:
            return address(AF_INET6, 16);
        case dns::rrtype::NS:
        case dns::rrtype::CNAME:
        case dns::rrtype::PTR:
            return count == 1 && append_name(fields[0], origin, rdata);
        case dns::rrtype::MX: {
            std::uint32_t preference = 0;
            if (count == 2 && too_big(fields[0], 0xffff)) {
                range_error =
                    "MX preference " + std::string(fields[0]) + " is out of range 0..65535";
                return false;
            }
            if (count != 2 || !read_number(fields[0], 0xffff, preference)) return false;
            append_u16(static_cast<std::uint16_t>(preference), rdata);
            return append_name(fields[1], origin, rdata);
        }
        case dns::rrtype::SOA: {
            if (count != 7 || !append_name(fields[0], origin, rdata) ||
                !append_name(fields[1], origin, rdata)) {
                return false;
            }
            for (std::size_t i = 2; i < 7; ++i) {
                std::uint32_t value = 0;
                if (too_big(fields[i], 0xffffffff)) {
                    range_error =
                        "SOA value " + std::string(fields[i]) + " is out of range 0..4294967295";
                    return false;
                }
                if (!read_number(fields[i], 0xffffffff, value)) return false;
                append_u32(value, rdata);
            }
            return true;
        }
        default:
            return false;
    }
}

/// The types the plain reader knows, by mnemonic (case-insensitive); 0 for others.
std::uint16_t plain_type(std::string_view token) {
    static constexpr std::pair<std::string_view, std::uint16_t> kTypes[] = {
        {"A", dns::rrtype::A},         {"AAAA", dns::rrtype::AAAA}, {"NS", dns::rrtype::NS},
        {"CNAME", dns::rrtype::CNAME}, {"PTR", dns::rrtype::PTR},   {"MX", dns::rrtype::MX},
        {"TXT", dns::rrtype::TXT},     {"SOA", dns::rrtype::SOA},
    };
    for (const auto& [name, type] : kTypes) {
        if (equal_nocase(token, name)) return type;
    }
    return 0;
}

/// A token ldns takes for a class (ldns_get_rr_class_by_name).
bool is_class(std::string_view token) {
    if (token.size() > 5 && equal_nocase(token.substr(0, 5), "CLASS")) return true;
    for (const std::string_view name : {"IN", "CH", "HS", "NONE", "ANY"}) {
        if (equal_nocase(token, name)) return true;
    }
    return false;
}

}  // namespace

bool read_plain_rr(std::string_view line, const MasterState& state, PlainRr& out) {
    out.range_error.clear();
    std::string_view text;
    bool quoted = false;
    if (line.empty() || line.front() == '$' || !plain_text(line, text, quoted) || text.empty()) {
        return false;
    }
    // The owner: a blank first character means the previous owner (else the origin).
    std::string_view rest = text;
    out.owner_named = !is_blank(text.front());
    if (out.owner_named) {
        const std::string_view owner = next_token(rest);
        if (owner.find('"') != std::string_view::npos) return false;
        out.owner_size = read_name(owner, state.origin, out.owner);
        if (out.owner_size == 0) return false;
    } else {
        const auto previous = state.previous.empty() ? state.origin : state.previous;
        std::copy(previous.begin(), previous.end(), out.owner);
        out.owner_size = previous.size();
    }
    // [TTL] [class] type, as ldns takes them: a token starting with a digit is the TTL.
    std::string_view token = next_token(rest);
    if (token.empty()) return false;
    out.ttl = state.default_ttl == 0 ? kLdnsDefaultTtl : state.default_ttl;
    if (is_digit(token.front())) {
        if (too_big(token, 0xffffffff)) {
            out.range_error =
                "TTL " + std::string(token) + " is out of range 0..2147483647 (RFC 2181 §8)";
            return false;
        }
        if (!read_number(token, 0xffffffff, out.ttl)) return false;
        token = next_token(rest);
    }
    if (is_class(token)) {
        if (!equal_nocase(token, "IN")) return false;
        token = next_token(rest);
    }
    out.type = plain_type(token);
    if (out.type == 0 || (quoted && out.type != dns::rrtype::TXT)) return false;
    out.rdata.clear();
    return read_rdata(out.type, rest, state.origin, out.rdata, out.range_error);
}

}  // namespace sitedns::load::detail
