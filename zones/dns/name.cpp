#include "zones/dns/name.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "zones/dns/wire_hash.h"

namespace sitedns::dns {

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view wire) {
    return {reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()};
}

/// Offsets of each label's length byte, root label excluded, left to right.
std::vector<std::size_t> label_offsets(std::string_view wire) {
    std::vector<std::size_t> offsets;
    LabelWalk walk(bytes_of(wire));
    while (walk.next()) offsets.push_back(walk.at());
    return offsets;
}

bool equal_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower(static_cast<std::uint8_t>(x)) == lower(static_cast<std::uint8_t>(y));
           });
}

/// Compares two labels as lowercased octet strings (RFC 4034 §6.1): -1, 0 or 1.
int compare_label(std::string_view a, std::string_view b) {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = lower(static_cast<std::uint8_t>(a[i]));
        const auto y = lower(static_cast<std::uint8_t>(b[i]));
        if (x != y) {
            return x < y ? -1 : 1;
        }
    }
    if (a.size() == b.size()) {
        return 0;
    }
    return a.size() < b.size() ? -1 : 1;
}

/// Reads one `\X` or `\DDD` escape starting at text[pos] (the backslash); advances pos.
std::uint8_t read_escape(std::string_view text, std::size_t& pos) {
    ++pos;  // the backslash
    if (pos >= text.size()) {
        throw NameError("bad escape: '\\' at the end of the name");
    }
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!is_digit(text[pos])) {
        return static_cast<std::uint8_t>(text[pos++]);
    }
    if (pos + 3 > text.size() || !is_digit(text[pos + 1]) || !is_digit(text[pos + 2])) {
        throw NameError("bad escape: \\DDD needs three decimal digits");
    }
    const int value = (text[pos] - '0') * 100 + (text[pos + 1] - '0') * 10 + (text[pos + 2] - '0');
    if (value > 255) {
        throw NameError("bad escape: \\" + std::string(text.substr(pos, 3)) + " is above 255");
    }
    pos += 3;
    return static_cast<std::uint8_t>(value);
}

/// Parses the labels of `text` into wire form without the root label.
/// Returns whether the text ended with an unescaped dot (absolute name).
bool parse_labels(std::string_view text, std::string& out) {
    std::string label;
    std::size_t pos = 0;
    const auto close_label = [&] {
        if (label.empty()) {
            throw NameError("empty label in '" + std::string(text) + "'");
        }
        if (label.size() > kMaxLabel) {
            throw NameError("label longer than 63 octets in '" + std::string(text) + "'");
        }
        out.push_back(static_cast<char>(label.size()));
        out += label;
        label.clear();
    };
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == '.') {
            close_label();
            ++pos;
        } else if (c == '\\') {
            label.push_back(static_cast<char>(read_escape(text, pos)));
        } else {
            label.push_back(c);
            ++pos;
        }
    }
    if (label.empty()) {
        return true;  // ended with '.'
    }
    close_label();
    return false;
}

/// Escapes one byte of a label for presentation, as BIND's master file output does.
void append_escaped(std::uint8_t c, std::string& out) {
    switch (c) {
        case '.':
        case '\\':
        case '"':
        case '(':
        case ')':
        case ';':
        case '@':
        case '$':
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
            return;
        default:
            break;
    }
    if (c <= 0x20 || c >= 0x7f) {
        const std::array<char, 4> digits = {'\\', static_cast<char>('0' + c / 100),
                                            static_cast<char>('0' + c / 10 % 10),
                                            static_cast<char>('0' + c % 10)};
        out.append(digits.data(), digits.size());
        return;
    }
    out.push_back(static_cast<char>(c));
}

std::string_view view_of(std::span<const std::uint8_t> wire) {
    return {reinterpret_cast<const char*>(wire.data()), wire.size()};
}

/// Canonical order of two wire names (RFC 4034 §6.1).
bool canonical_less(std::string_view wa, std::string_view wb) {
    const auto la = label_offsets(wa);
    const auto lb = label_offsets(wb);
    auto ia = la.rbegin();
    auto ib = lb.rbegin();
    for (; ia != la.rend() && ib != lb.rend(); ++ia, ++ib) {
        const int c = compare_label(wa.substr(*ia + 1, static_cast<std::uint8_t>(wa[*ia])),
                                    wb.substr(*ib + 1, static_cast<std::uint8_t>(wb[*ib])));
        if (c != 0) {
            return c < 0;
        }
    }
    return la.size() < lb.size();  // the ancestor sorts first
}

/// Presentation format of a valid wire name.
std::string wire_to_text(std::string_view wire) {
    if (wire.size() == 1) {
        return ".";
    }
    std::string out;
    for (const std::size_t offset : label_offsets(wire)) {
        const auto len = static_cast<std::uint8_t>(wire[offset]);
        for (std::size_t i = 1; i <= len; ++i) {
            append_escaped(static_cast<std::uint8_t>(wire[offset + i]), out);
        }
        out.push_back('.');
    }
    return out;
}

std::size_t wire_label_count(std::string_view wire) {
    std::size_t count = 0;
    LabelWalk walk(bytes_of(wire));
    while (walk.next()) ++count;
    return count;
}

}  // namespace

Name::Name() : wire_(1, '\0') {}

Name Name::parse(std::string_view text, const Name& origin) {
    if (text == "@") {
        return origin;
    }
    if (text.empty()) {
        throw NameError("empty name");
    }
    if (text == ".") {
        return Name();
    }
    std::string wire;
    const bool absolute = parse_labels(text, wire);
    if (absolute) {
        wire.push_back('\0');
    } else {
        wire += origin.wire_;
    }
    if (wire.size() > kMaxNameWire) {
        throw NameError("name longer than 255 octets: '" + std::string(text) + "'");
    }
    return Name(std::move(wire));
}

Name Name::parse_absolute(std::string_view text) {
    return parse(text, Name());
}

Name Name::from_wire(std::span<const std::uint8_t> wire) {
    if (wire.empty() || name_length(wire) != wire.size()) {
        throw NameError(
            "bad wire name: not one uncompressed name (a label length byte above 63, a label "
            "past the end, or data after the root label)");
    }
    if (wire.size() > kMaxNameWire) {
        throw NameError("bad wire name: longer than 255 octets");
    }
    return Name(std::string(reinterpret_cast<const char*>(wire.data()), wire.size()));
}

std::string Name::key() const {
    std::string out = wire_;
    for (auto& c : out) {
        c = static_cast<char>(lower(static_cast<std::uint8_t>(c)));
    }
    return out;
}

std::string Name::to_text() const {
    return wire_to_text(wire_);
}

std::size_t Name::label_count() const {
    return wire_label_count(wire_);  // counted in place: lookups call this per query
}

bool Name::is_wildcard() const {
    return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*';
}

bool Name::is_subdomain_of(const Name& other) const {
    const auto mine = label_offsets(wire_);
    const std::size_t theirs = other.label_count();
    if (theirs > mine.size()) {
        return false;
    }
    const std::size_t skip = mine.size() - theirs;  // labels in front of the suffix
    const std::size_t start = skip < mine.size() ? mine[skip] : wire_.size() - 1;
    return equal_nocase(std::string_view(wire_).substr(start), other.wire_);
}

Name Name::parent() const {
    if (is_root()) {
        return *this;
    }
    return Name(wire_.substr(1 + static_cast<std::uint8_t>(wire_[0])));
}

Name Name::wildcard() const {
    if (wire_.size() + 2 > kMaxNameWire) {
        throw NameError("wildcard of '" + to_text() + "' would be longer than 255 octets");
    }
    return Name(std::string("\x01*", 2) + wire_);
}

std::string Name::relative_to(const Name& origin) const {
    if (*this == origin) {
        return "@";
    }
    if (!is_subdomain_of(origin) || origin.is_root()) {
        return to_text();
    }
    const std::string text = to_text();
    const std::string suffix = origin.to_text();
    // The escaped text of the suffix labels is the same in both, so cut it off.
    return text.substr(0, text.size() - suffix.size() - 1);
}

bool operator==(const Name& a, const Name& b) {
    return equal_nocase(a.wire_, b.wire_);
}

bool operator<(const Name& a, const Name& b) {
    return canonical_less(a.wire_, b.wire_);
}

std::string NameRef::to_text() const {
    return wire_to_text(view_of(wire()));
}

std::size_t NameRef::label_count() const {
    return wire_label_count(view_of(wire()));
}

bool operator==(NameRef a, NameRef b) {
    return equal_nocase(view_of(a.wire()), view_of(b.wire()));
}

bool operator<(NameRef a, NameRef b) {
    return canonical_less(view_of(a.wire()), view_of(b.wire()));
}

std::size_t NameHash::operator()(const Name& name) const {
    return static_cast<std::size_t>(hash_lower(name.wire().data(), name.wire().size()));
}

bool equal_nocase(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool at_or_below(std::span<const std::uint8_t> name, std::span<const std::uint8_t> origin) {
    // Suffixes only get shorter: the first one as long as `origin` decides.
    for (SuffixWalk walk(name); walk.next();) {
        if (walk.suffix().size() <= origin.size()) return equal_nocase(walk.suffix(), origin);
    }
    return false;
}

}  // namespace sitedns::dns
