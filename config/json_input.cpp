#include "config/json_input.h"

#include <algorithm>
#include <set>
#include <vector>

#include "config/config.h"

namespace sitedns::json_input {
namespace {

using nlohmann::json;

/// Follows the parser's events to know the JSON pointer of the value being read and
/// the keys already seen in every open object.
class KeyTracker {
  public:
    explicit KeyTracker(std::string_view source) : source_(source) {}

    bool on_event(int /*depth*/, json::parse_event_t event, const json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
                frames_.emplace_back().array = false;
                break;
            case json::parse_event_t::array_start:
                frames_.emplace_back().array = true;
                break;
            case json::parse_event_t::key:
                on_key(parsed.get_ref<const std::string&>());
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                frames_.pop_back();
                element_done();
                break;
            case json::parse_event_t::value:
                element_done();
                break;
        }
        return true;
    }

    /// The JSON pointer of the value being read ("/" at the top level).
    std::string where() const {
        const std::string at = pointer();
        return at.empty() ? "/" : at;
    }

  private:
    struct Frame {
        bool array = false;
        std::size_t index = 0;  ///< arrays: the element being read
        std::string key;        ///< objects: the member being read
        std::set<std::string> keys;
    };

    void on_key(const std::string& key) {
        Frame& frame = frames_.back();
        frame.key = key;
        if (!frame.keys.insert(key).second) {
            throw ConfigError(std::string(source_) + ": " + pointer() + ": duplicate key \"" + key +
                              "\"");
        }
    }

    void element_done() {
        if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    }

    std::string pointer() const {
        std::string out;
        for (const Frame& frame : frames_) {
            out += '/';
            out += frame.array ? std::to_string(frame.index) : pointer_token(frame.key);
        }
        return out;
    }

    std::string_view source_;
    std::vector<Frame> frames_;
};

/// nlohmann's parse_error text without its "[json.exception...] parse error at line L,
/// column C: " preamble, since the caller prints the position itself.
std::string reason_of(const json::parse_error& error) {
    std::string_view what = error.what();
    std::size_t start = what.find("parse error");
    if (start != std::string_view::npos) {
        std::size_t colon = what.find(": ", start);
        if (colon != std::string_view::npos) return std::string(what.substr(colon + 2));
    }
    return std::string(what);
}

/// The text between the first and the last single quote of a nlohmann message.
std::string quoted_token(std::string_view what) {
    const auto first = what.find('\'');
    const auto last = what.rfind('\'');
    return first == last ? std::string() : std::string(what.substr(first + 1, last - first - 1));
}

/// At most 24 characters of `text`, for a message.
std::string shortened(const std::string& text) {
    return text.size() <= 24 ? text : text.substr(0, 24) + "...";
}

}  // namespace

json parse(std::string_view text, std::string_view source) {
    KeyTracker tracker(source);
    json::parser_callback_t callback = [&tracker](int depth, json::parse_event_t event,
                                                  json& parsed) {
        return tracker.on_event(depth, event, parsed);
    };
    try {
        return json::parse(text.begin(), text.end(), callback);
    } catch (const json::parse_error& error) {
        // `byte` counts the characters read, the offending one included.
        std::size_t offset = error.byte == 0 ? 0 : error.byte - 1;
        TextPosition at = position_of(text, std::min(offset, text.size()));
        throw ConfigError(std::string(source) + ": line " + std::to_string(at.line) + ", column " +
                          std::to_string(at.column) + ": " + reason_of(error));
    } catch (const json::out_of_range& error) {
        // A number beyond a double (406): nlohmann gives no position, the tracker does.
        throw ConfigError(std::string(source) + ": " + tracker.where() +
                          ": number out of range: " + shortened(quoted_token(error.what())));
    }
}

TextPosition position_of(std::string_view text, std::size_t offset) {
    TextPosition at;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++at.line;
            line_start = i + 1;
        }
    }
    at.column = offset - line_start + 1;
    return at;
}

std::string pointer_token(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string_view closest(std::string_view word, std::span<const std::string_view> known) {
    std::string_view best;
    std::size_t best_distance = 3;
    for (std::string_view candidate : known) {
        std::size_t distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

}  // namespace sitedns::json_input
