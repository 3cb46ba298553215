// The JSON zone reader (SPEC §4). RDATA is parsed by ldns through rr_parse.h.

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "zones/dns/types.h"
#include "zones/load/rr_parse.h"
#include "zones/load/zone_checks.h"
#include "zones/load/zone_readers.h"

namespace sitedns::load {

namespace {

using nlohmann::json;

/// TTL used when the zone has no "ttl" key.
constexpr std::uint32_t kDefaultZoneTtl = 3600;

/// Reads one JSON zone document; `source` and the JSON position go into every message.
class JsonZoneReader {
  public:
    JsonZoneReader(std::string_view text, std::string_view source, SoaRule soa)
        : text_(text), soa_(soa) {
        zone_.source = std::string(source);
    }

    model::ZoneData read() {
        const json doc = parse();
        if (!doc.is_object()) {
            fail("top level", "a zone must be a JSON object");
        }
        check_keys(doc, {"origin", "ttl", "soa", "records"}, "top level");
        zone_.origin = read_origin(doc);
        ttl_ = doc.contains("ttl") ? read_ttl(doc, "top level") : kDefaultZoneTtl;
        if (doc.contains("soa")) {
            zone_.records.push_back(read_soa(doc["soa"]));
        } else if (soa_ == SoaRule::Required) {
            fail("top level", "missing key \"soa\" (only a transparent zone may go without)");
        }
        read_records(doc);
        detail::drop_dnssec(zone_);
        detail::check_records(zone_);
        return std::move(zone_);
    }

  private:
    [[noreturn]] void fail(std::string_view where, std::string_view reason) const {
        detail::fail(zone_.source, where, reason);
    }

    json parse() const {
        try {
            return json::parse(text_.begin(), text_.end());
        } catch (const json::parse_error& e) {
            fail(json_position(e.byte), "JSON syntax error: " + json_reason(e.what()));
        } catch (const json::out_of_range& e) {
            // A number beyond a double (406) comes without a position: find its text.
            const std::string number = quoted_token(e.what());
            const std::size_t at = number.empty() ? text_.npos : text_.find(number);
            fail(at == text_.npos ? std::string("top level") : json_position(at + 1),
                 "JSON number out of range: " + shortened(number));
        }
    }

    /// The text between the first and the last single quote of a nlohmann message.
    static std::string quoted_token(std::string_view what) {
        const auto first = what.find('\'');
        const auto last = what.rfind('\'');
        return first == last ? std::string()
                             : std::string(what.substr(first + 1, last - first - 1));
    }

    /// At most 24 characters of `text`, for a message.
    static std::string shortened(const std::string& text) {
        return text.size() <= 24 ? text : text.substr(0, 24) + "...";
    }

    /// "line L, column C" for nlohmann's 1-based byte offset of the last byte read.
    std::string json_position(std::size_t byte) const {
        std::size_t line = 1;
        std::size_t column = 0;
        const std::size_t end = std::min(byte, text_.size());
        for (std::size_t i = 0; i < end; ++i) {
            if (text_[i] == '\n') {
                ++line;
                column = 0;
            } else {
                ++column;
            }
        }
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    }

    /// nlohmann's message without its "[json.exception...] parse error at ...: " prefix.
    static std::string json_reason(std::string_view what) {
        const auto column = what.find("column ");
        const auto colon = what.find(": ", column == std::string_view::npos ? 0 : column);
        return std::string(colon == std::string_view::npos ? what : what.substr(colon + 2));
    }

    void check_keys(const json& object, std::initializer_list<std::string_view> allowed,
                    std::string_view where) const {
        for (const auto& [key, value] : object.items()) {
            bool known = false;
            for (const auto name : allowed) {
                known = known || key == name;
            }
            if (!known) {
                fail(where, "unknown key \"" + key + "\"");
            }
        }
    }

    /// A required string member.
    std::string get_string(const json& object, const char* key, std::string_view where) const {
        const auto it = object.find(key);
        if (it == object.end()) {
            fail(where, std::string("missing key \"") + key + "\"");
        }
        if (!it->is_string()) {
            fail(where, std::string("\"") + key + "\" must be a string");
        }
        return it->get<std::string>();
    }

    /// A required integer member in 0..max: negative, fractional or other values fail.
    std::uint32_t get_uint(const json& object, const char* key, std::string_view where,
                           std::uint32_t max) const {
        const auto it = object.find(key);
        if (it == object.end()) {
            fail(where, std::string("missing key \"") + key + "\"");
        }
        const std::string name = std::string("\"") + key + "\"";
        if (it->is_number_integer() && !it->is_number_unsigned()) {
            fail(where, name + " must not be negative, got " + it->dump());
        }
        if (!it->is_number_unsigned()) {
            fail(where, name + " must be a non-negative integer, got " + it->dump());
        }
        const auto value = it->get<std::uint64_t>();
        if (value > max) {
            fail(where,
                 name + " " + std::to_string(value) + " is out of range 0.." + std::to_string(max));
        }
        return static_cast<std::uint32_t>(value);
    }

    /// A TTL (RFC 2181 §8: 0 .. 2^31 - 1).
    std::uint32_t read_ttl(const json& object, std::string_view where) const {
        return get_uint(object, "ttl", where, detail::kMaxTtl);
    }

    /// A name in a zone, `@`, relative or absolute; `what` names it in messages.
    dns::Name read_name(const std::string& text, std::string_view where,
                        std::string_view what) const {
        try {
            return dns::Name::parse(text, zone_.origin);
        } catch (const dns::NameError& e) {
            fail(where, std::string("bad ") + std::string(what) + " \"" + text + "\": " + e.what());
        }
    }

    dns::Name read_origin(const json& doc) const {
        const std::string text = get_string(doc, "origin", "top level");
        std::size_t backslashes = 0;
        for (auto it = text.rbegin() + (text.empty() ? 0 : 1); it != text.rend() && *it == '\\';
             ++it) {
            ++backslashes;
        }
        if (text.empty() || text.back() != '.' || backslashes % 2 != 0) {
            fail("top level", "origin \"" + text + "\" must be an absolute name ending in '.'");
        }
        return read_name(text, "top level", "origin");
    }

    model::Record read_soa(const json& soa) const {
        if (!soa.is_object()) {
            fail("soa", "\"soa\" must be an object");
        }
        check_keys(soa, {"mname", "rname", "serial", "refresh", "retry", "expire", "minimum"},
                   "soa");
        std::string data = read_name(get_string(soa, "mname", "soa"), "soa", "mname").to_text();
        data += ' ' + read_name(get_string(soa, "rname", "soa"), "soa", "rname").to_text();
        data += ' ' + std::to_string(get_uint(soa, "serial", "soa", 0xffffffff));
        for (const char* key : {"refresh", "retry", "expire", "minimum"}) {
            data += ' ' + std::to_string(get_uint(soa, key, "soa", detail::kMaxTtl));
        }
        return make_record(zone_.origin, dns::rrtype::SOA, "SOA", ttl_, data, "soa");
    }

    void read_records(const json& doc) {
        const auto it = doc.find("records");
        if (it == doc.end()) {
            return;
        }
        if (!it->is_array()) {
            fail("top level", "\"records\" must be an array");
        }
        for (std::size_t i = 0; i < it->size(); ++i) {
            zone_.records.push_back(read_record((*it)[i], "record " + std::to_string(i)));
        }
    }

    model::Record read_record(const json& object, const std::string& where) const {
        if (!object.is_object()) {
            fail(where, "a record must be a JSON object");
        }
        check_keys(object, {"name", "type", "data", "ttl"}, where);
        const std::string name_text = get_string(object, "name", where);
        const std::string type_text = get_string(object, "type", where);
        const std::string data = get_string(object, "data", where);
        const std::uint32_t ttl = object.contains("ttl") ? read_ttl(object, where) : ttl_;
        const dns::Name owner = read_name(name_text, where, "name");
        if (!owner.is_subdomain_of(zone_.origin)) {
            fail(where, "name \"" + name_text + "\" (" + owner.to_text() +
                            ") is outside the origin " + zone_.origin.to_text());
        }
        const std::uint16_t type = detail::lookup_type(type_text);
        if (type == 0) {
            fail(where, "unknown type \"" + type_text + "\"");
        }
        if (type == dns::rrtype::SOA) {
            fail(where, "SOA record in \"records\": the SOA comes from \"soa\"");
        }
        if (const std::string reason = detail::forbidden_type_reason(type); !reason.empty()) {
            fail(where, reason);
        }
        return make_record(owner, type, type_text, ttl, data, where);
    }

    /// Parses the RDATA text with ldns and builds the record.
    model::Record make_record(const dns::Name& owner, std::uint16_t type,
                              std::string_view type_text, std::uint32_t ttl,
                              const std::string& data, const std::string& where) const {
        if (data.find_first_of("\n\r") != std::string::npos) {
            fail(where, "bad " + std::string(type_text) + " data \"" + data +
                            "\": a line break in the data");
        }
        const std::string text = owner.to_text() + ' ' + std::to_string(ttl) + " IN TYPE" +
                                 std::to_string(type) + ' ' + data;
        auto parsed = detail::parse_rr_text(text, zone_.origin);
        if (const auto* reason = std::get_if<std::string>(&parsed)) {
            fail(where, "bad " + std::string(type_text) + " data \"" + data + "\": " + *reason);
        }
        auto& rr = std::get<detail::ParsedRr>(parsed);
        return model::Record{owner, type, ttl, std::move(rr.rdata), where};
    }

    std::string_view text_;
    SoaRule soa_;
    model::ZoneData zone_;
    std::uint32_t ttl_ = kDefaultZoneTtl;
};

}  // namespace

model::ZoneData read_json_zone(std::string_view text, std::string_view source, SoaRule soa) {
    return JsonZoneReader(text, source, soa).read();
}

}  // namespace sitedns::load
