// The recipients file (SPEC §3.3): `address,site` CSV, as a directory exports it
// (Active Directory's Export-Csv quotes every field and may end lines with CRLF; both
// are accepted). Every mistake is reported, each as "FILE:LINE: ...", so one `check`
// lists all that an operator has to fix; a line with a mistake is left out of the list.

#include "config/recipients.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include <optional>
#include <unordered_map>
#include <utility>

#include "config/json_input.h"
#include "config/mail_text.h"
#include "config/value_reader.h"

namespace sitedns {
namespace {

using json_input::in_quotes;
using json_input::join_names;

/// RFC 5321 §4.5.3.1.1: the longest local part.
constexpr std::size_t kMaxLocalPart = 64;
/// A site list longer than this is not spelled out in a message.
constexpr std::size_t kSitesNamed = 10;

/// ASCII letters lowercased; UTF-8 bytes (RFC 6531 local parts) are kept as they are.
std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view trim(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

/// The fields of one CSV line (RFC 4180 §2: a field may be quoted, "" is a quote in
/// it), each trimmed; nullopt when a quote is left open.
std::optional<std::vector<std::string>> split_fields(std::string_view line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c != '"') {
                fields.back() += c;
            } else if (i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    if (quoted) return std::nullopt;
    for (std::string& field : fields) field = std::string(trim(field));
    return fields;
}

/// Why `local` is not a local part a mail server accepts unquoted, or "". RFC 5321
/// §4.1.2 Dot-string: atoms joined by single dots; refused_character() has already
/// narrowed the atoms' characters.
std::string local_part_problem(std::string_view local) {
    if (local.empty()) return "nothing before the @";
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return "a dot at the start or end of the local part, or two in a row (RFC 5321 §4.1.2)";
    }
    return {};
}

/// A Unicode quote: PowerShell's tokenizer ends a single-quoted string at U+2018..U+201B
/// as at ', and a double-quoted one at U+201C..U+201E; the others (primes, guillemets,
/// full-width quotes) are refused with them, since no directory address holds one.
bool unicode_quote(std::uint32_t point) {
    return point == 0xAB || point == 0xBB || (point >= 0x2018 && point <= 0x201F) ||
           (point >= 0x2032 && point <= 0x2037) || point == 0x2039 || point == 0x203A ||
           point == 0x2057 || (point >= 0x275B && point <= 0x275E) || point == 0x2E42 ||
           (point >= 0x301D && point <= 0x301F) || point == 0xFF02 || point == 0xFF07;
}

/// Unicode white space and separators (Zs, Zl, Zp, and U+FEFF): PowerShell reads
/// U+00A0 and its kin as a space between tokens.
bool unicode_space(std::uint32_t point) {
    return point == 0xA0 || point == 0x1680 || (point >= 0x2000 && point <= 0x200B) ||
           point == 0x2028 || point == 0x2029 || point == 0x202F || point == 0x205F ||
           point == 0x3000 || point == 0xFEFF;
}

/// Invisible formatting characters (soft hyphen, joiners, bidirectional controls): an
/// address holding one looks like another.
bool invisible_format(std::uint32_t point) {
    return point == 0xAD || (point >= 0x200C && point <= 0x200F) ||
           (point >= 0x202A && point <= 0x202E) || (point >= 0x2060 && point <= 0x206F);
}

/// Why a recipient address may not hold `point`, or nullptr. The ASCII set is narrower
/// than RFC 5322 §3.2.3 atext on purpose: a directory export holds letters, digits and
/// . - _ + ' (O'Brien), never $ ` | ; # or a quote, and each of those is syntax to
/// PowerShell, a shell or postmap. Beyond ASCII, RFC 6531 §3.3 allows UTF-8 letters, so
/// only controls, quotes, spaces and invisible characters are refused there.
const char* refused_character(std::uint32_t point) {
    if (point < 0x20 || point == 0x7F || (point >= 0x80 && point <= 0x9F)) {
        return "a control character";
    }
    if (point == 0xFFFD) return "a byte that is not UTF-8 (save the file as UTF-8)";
    if (unicode_quote(point)) return "a Unicode quote, which PowerShell reads as a quote";
    if (unicode_space(point)) return "Unicode white space, which PowerShell reads as a space";
    if (invisible_format(point)) return "an invisible formatting character";
    if (point >= 0x80) return nullptr;
    const auto c = static_cast<char>(point);
    const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view(".-_+'").find(c) != std::string_view::npos;
    if (kept) return nullptr;
    return "an address here holds letters, digits and . - _ + ' only, as a directory export "
           "does";
}

/// "U+2019", and for printable ASCII also the character: "U+0024 \"$\"".
std::string character_name(std::uint32_t point) {
    std::string out = "U+" + mail_text::hex_code(point);
    if (point > 0x20 && point < 0x7F)
        out += " " + in_quotes(std::string(1, static_cast<char>(point)));
    return out;
}

/// The number of code points in `text` (columns count characters, not bytes).
std::size_t code_points(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++count) mail_text::next_code_point(text, i);
    return count;
}

class RecipientsReader {
  public:
    RecipientsReader(const Sites& sites, std::vector<Problem>& problems, std::uint64_t max_bytes,
                     load::TextReader reader)
        : sites_(sites),
          problems_(problems),
          file_(sites.recipients),
          max_bytes_(max_bytes),
          reader_(reader) {
        domain_ = lowercase(sites_.domain);
        for (std::size_t i = 0; i < sites_.list.size(); ++i) {
            site_names_.push_back(sites_.list[i].name);
            site_index_.try_emplace(sites_.list[i].name, i);
            // "madrid.example.local": a location address in the file is the classic
            // contact mistake turned around, worth naming as such.
            location_domains_.try_emplace(
                lowercase(sites_.list[i].name + "." + sites_.internal_suffix), i);
        }
    }

    Recipients read() {
        std::string text;
        if (!load(text)) return std::move(recipients_);
        std::size_t number = 0;
        std::size_t start = 0;
        recipients_.by_local.reserve(
            static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n') + 1));
        while (start < text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            const std::string_view raw = std::string_view(text).substr(start, end - start);
            const std::string_view line = trim(raw);
            start = end + 1;
            if (++number == 1) {
                header(line);
            } else if (!line.empty()) {
                entry(line, Place{number, code_points(raw.substr(0, line.data() - raw.data()))});
            }
        }
        return std::move(recipients_);
    }

  private:
    void error(std::size_t line, std::string text) {
        problems_.push_back({Problem::Severity::Error,
                             file_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " + text});
    }

    /// The whole file, UTF-8 (a leading byte-order mark dropped); false after an error.
    bool load(std::string& text) {
        try {
            text = reader_(file_, max_bytes_);
        } catch (const load::FileTextError& e) {
            error(0, e.too_large()
                         ? std::string(e.what()) + " (limits.recipients_bytes)"
                         : "cannot read the recipients file (sites.recipients): " + e.reason());
            return false;
        }
        if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
        if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF") ||
            text.find('\0') != std::string::npos) {
            // Windows PowerShell's Out-File and ">" write UTF-16.
            error(0, "UTF-16 text: save the recipients file as UTF-8 (Export-Csv -Encoding UTF8)");
            return false;
        }
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
            error(0, "empty: a recipients file starts with the header line \"address,site\"");
            return false;
        }
        return true;
    }

    /// SPEC §3.3: the first line names the columns, `address,site`.
    void header(std::string_view line) {
        const auto fields = split_fields(lowercase(line));
        if (fields && *fields == std::vector<std::string>{"address", "site"}) return;
        std::string text =
            "the first line must be the header \"address,site\", found " + in_quotes(line);
        static constexpr std::string_view kColumns[] = {"address", "site"};
        if (fields && *fields == std::vector<std::string>{"site", "address"}) {
            text += ": put the columns in the order address,site";
        } else if (fields && fields->size() == 2) {
            for (const std::string& field : *fields) {
                const std::string_view guess = json_input::closest(field, kColumns);
                if (!guess.empty() && guess != field) {
                    text += "; did you mean " + in_quotes(guess) + " for " + in_quotes(field) + "?";
                }
            }
        }
        if (line.find('@') != std::string_view::npos) {
            text += " (it reads like a recipient: add the header line above it)";
        }
        error(1, std::move(text));
    }

    /// Where a line is: its number, and the columns trimmed before it.
    struct Place {
        std::size_t number = 0;
        std::size_t lead = 0;
    };

    /// One `address,site` line: a recipient, or one error.
    void entry(std::string_view line, Place place) {
        const std::size_t number = place.number;
        const auto fields = split_fields(line);
        if (!fields) return error(number, malformed(line, "a quote is not closed"));
        if (fields->size() != 2) {
            return error(number, malformed(line, std::to_string(fields->size()) +
                                                     (fields->size() == 1 ? " field" : " fields")));
        }
        const std::string& address = (*fields)[0];
        const std::string site_name = lowercase((*fields)[1]);
        if (address.empty()) return error(number, malformed(line, "no address"));
        if (site_name.empty()) return error(number, malformed(line, "no site"));
        if (refused(address, line, place)) return;
        std::optional<std::string> local = local_part(address, line, number);
        if (!local) return;
        const std::optional<std::size_t> site = site_of(site_name, number);
        if (!site) return;
        add(Recipient{std::move(*local), *site, number});
    }

    static std::string malformed(std::string_view line, std::string_view why) {
        return "malformed line " + in_quotes(line) + ": " + std::string(why) +
               "; expected \"address,site\" (bob@example.com,madrid or bob,madrid)";
    }

    /// True after an error for the first character of `address` that no address needs,
    /// or for a local part past RFC 5321 §4.5.3.1.1's 64 octets. The message names the
    /// character and its column, and does not echo the line: a control character in it
    /// would reach the terminal.
    bool refused(std::string_view address, std::string_view line, Place place) {
        const std::size_t at = address.rfind('@');
        // The address as written: the first field, unless CSV's "" escapes changed it.
        const std::size_t found = line.find(address);
        for (std::size_t i = 0; i < address.size();) {
            const std::size_t begin = i;
            const std::uint32_t point = mail_text::next_code_point(address, i);
            const char* why = begin == at ? nullptr : refused_character(point);
            if (why == nullptr) continue;
            const std::size_t offset =
                found != std::string_view::npos
                    ? found + begin
                    : line.find(address.substr(begin, i - begin), line.starts_with('"') ? 1 : 0);
            std::string text =
                "column " + std::to_string(place.lead + code_points(line.substr(0, offset)) + 1) +
                ": " + character_name(point) + " in the address: ";
            if (begin == 0 && point == '#') {
                text += "a leading # would make the address a comment in Postfix's tables";
            } else {
                text += why;
            }
            error(place.number, std::move(text));
            return true;
        }
        const std::size_t local = std::min(at, address.size());
        if (local > kMaxLocalPart) {
            error(place.number, "column " + std::to_string(place.lead + 1) +
                                    ": the local part is " + std::to_string(local) +
                                    " octets long, over the 64 of RFC 5321 §4.5.3.1.1");
            return true;
        }
        return false;
    }

    /// The lowercased local part of "bob" or "bob@<public domain>", or nullopt after an
    /// error.
    std::optional<std::string> local_part(std::string_view address, std::string_view line,
                                          std::size_t number) {
        const std::size_t at = address.rfind('@');
        const std::string_view local = address.substr(0, at);
        if (std::string problem = local_part_problem(local); !problem.empty()) {
            error(number, malformed(line, problem));
            return std::nullopt;
        }
        if (at + 1 == address.size()) {
            error(number, malformed(line, "nothing after the @"));
            return std::nullopt;
        }
        if (at != std::string_view::npos) {
            const std::string domain = lowercase(address.substr(at + 1));
            if (domain != domain_) {
                error(number, outside(address, local, domain));
                return std::nullopt;
            }
        }
        return lowercase(local);
    }

    /// The message for an address of another domain than the public one.
    std::string outside(std::string_view address, std::string_view local,
                        const std::string& domain) const {
        const std::string public_address = std::string(local) + "@" + domain_;
        std::string text =
            std::string(address) + " is not an address of the public domain " + domain_ + "; ";
        if (const auto it = location_domains_.find(domain); it != location_domains_.end()) {
            // The location address is what the contacts point to, not the user's name.
            return text + domain + " is " + sites_.list[it->second].name +
                   "'s location domain: list the public address " + public_address + " (or just " +
                   std::string(local) + ")";
        }
        const std::string_view known[] = {domain_};
        if (!json_input::closest(domain, known).empty()) {
            return text + "did you mean " + public_address + "?";
        }
        return text + "list only the users of " + domain_ + ", as " + public_address + " or " +
               std::string(local);
    }

    std::optional<std::size_t> site_of(const std::string& name, std::size_t number) {
        if (const auto it = site_index_.find(name); it != site_index_.end()) return it->second;
        std::string text = "unknown site " + in_quotes(name);
        const std::string_view guess = json_input::closest(name, site_names_);
        if (!guess.empty()) text += "; did you mean " + in_quotes(guess) + "?";
        if (site_names_.size() <= kSitesNamed) {
            const std::vector<std::string> names(site_names_.begin(), site_names_.end());
            text += (guess.empty() ? "; the sites are " : " The sites are ") + join_names(names);
        }
        error(number, std::move(text));
        return std::nullopt;
    }

    /// A user has one mailbox, at one site: a second line for it is a second home, and
    /// the contacts could not say which one is right.
    void add(Recipient recipient) {
        const auto [it, added] =
            recipients_.by_local.try_emplace(recipient.local, recipients_.list.size());
        if (added) {
            recipients_.list.push_back(std::move(recipient));
            return;
        }
        const Recipient& first = recipients_.list[it->second];
        const std::string address = recipient.local + "@" + domain_;
        const std::string& here = sites_.list[recipient.site].name;
        const std::string& there = sites_.list[first.site].name;
        if (recipient.site == first.site) {
            return error(recipient.line, address + " is listed twice (also line " +
                                             std::to_string(first.line) + ", at " + there +
                                             "); remove one of the lines");
        }
        error(recipient.line, address + " is listed twice, at " + here + " here and at " + there +
                                  " on line " + std::to_string(first.line) +
                                  ": a user has one mailbox, at one site; keep the line of the "
                                  "site that holds it");
    }

    const Sites& sites_;
    std::vector<Problem>& problems_;
    const std::string& file_;
    std::uint64_t max_bytes_;  ///< limits.recipients_bytes
    load::TextReader reader_;
    std::string domain_;  ///< the public domain, lowercased
    std::vector<std::string_view> site_names_;
    std::unordered_map<std::string_view, std::size_t> site_index_;
    std::unordered_map<std::string, std::size_t> location_domains_;
    Recipients recipients_;
};

}  // namespace

const Recipient* Recipients::find(std::string_view local) const {
    const std::string key = lowercase(local);
    if (by_local.size() == list.size()) {
        const auto it = by_local.find(key);
        return it == by_local.end() ? nullptr : &list[it->second];
    }
    // A list filled by hand has no index.
    for (const Recipient& recipient : list) {
        if (recipient.local == key) return &recipient;
    }
    return nullptr;
}

Recipients read_recipients(const Sites& sites, std::vector<Problem>& problems,
                           std::uint64_t max_bytes, load::TextReader reader) {
    if (sites.recipients.empty()) return {};
    try {
        return RecipientsReader(sites, problems, max_bytes, reader).read();
    } catch (const std::bad_alloc&) {
        problems.push_back(
            {Problem::Severity::Error,
             sites.recipients + ": out of memory while reading the recipients file"});
        return {};
    }
}

}  // namespace sitedns
