// The RFC 1035 master file reader (RFC 1035 §5), parsed by ldns.

// clang-format off
#include <stdbool.h>  // before ldns: ldns/common.h defines bool otherwise
// clang-format on
#include <ldns/ldns.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "zones/dns/types.h"
#include "zones/load/file_reader.h"
#include "zones/load/ldns_handles.h"
#include "zones/load/rr_fast.h"
#include "zones/load/rr_parse.h"
#include "zones/load/zone_checks.h"
#include "zones/load/zone_readers.h"

namespace sitedns::load {

namespace {

/// TTL for records before any $TTL and without their own TTL.
constexpr std::uint32_t kDefaultFileTtl = 3600;
/// Deepest $INCLUDE nesting, so that a file including itself fails cleanly.
constexpr int kMaxIncludeDepth = 8;

struct FileClose {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

/// The physical lines of a text, for the line numbers and $INCLUDE arguments ldns hides.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

/// True for a line ldns skips: blanks only, or blanks and a comment.
bool blank_or_comment(std::string_view line) {
    const auto first = line.find_first_not_of(" \t\r\f\v");
    return first == std::string_view::npos || line[first] == ';';
}

std::span<const std::uint8_t> rdf_bytes(const ldns_rdf* rdf) {
    return rdf == nullptr ? std::span<const std::uint8_t>()
                          : std::span<const std::uint8_t>(ldns_rdf_data(rdf), ldns_rdf_size(rdf));
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

/// Reads one master file's text, following $INCLUDE; appends to the records.
/// Plain one-line records are read here (rr_fast.h); every other entry, directives
/// included, goes to ldns, which continues from that line with the same $ORIGIN, $TTL
/// and previous owner.
class MasterReader {
  public:
    /// `unquoted` collects the files read whose text no message may quote.
    MasterReader(model::ZoneData& zone, ZoneFiles& files, std::filesystem::path file,
                 std::string label, std::vector<std::string>& unquoted)
        : zone_(zone),
          files_(files),
          file_(std::move(file)),
          label_(std::move(label)),
          quote_(may_quote(file_)),
          unquoted_(unquoted) {
        if (!quote_) unquoted_.push_back(file_.string());
    }

    void read(const std::string& text, const ldns_rdf* origin, std::uint32_t ttl, int depth) {
        lines_ = split_lines(text);
        std::unique_ptr<std::FILE, FileClose> fp(
            fmemopen(const_cast<char*>(text.data()), text.size(), "r"));
        if (!fp) {
            fail_at(1, std::strerror(errno));
        }
        RdfHandle current_origin(ldns_rdf_clone(origin));
        origin_raw_ = current_origin.release();
        prev_ = nullptr;
        set_bytes(origin_wire_, rdf_bytes(origin_raw_));
        prev_wire_.clear();
        prev_synced_ = true;
        try {
            read_entries(text, fp.get(), ttl, depth);
        } catch (...) {
            ldns_rdf_deep_free(origin_raw_);
            ldns_rdf_deep_free(prev_);
            throw;
        }
        ldns_rdf_deep_free(origin_raw_);
        ldns_rdf_deep_free(prev_);
    }

  private:
    static void set_bytes(std::vector<std::uint8_t>& to, std::span<const std::uint8_t> from) {
        to.assign(from.begin(), from.end());
    }

    void read_entries(const std::string& text, std::FILE* fp, std::uint32_t& ttl, int depth) {
        std::size_t pos = 0;
        int line = 1;  // the line `pos` is on
        while (pos < text.size()) {
            const bool line_start = pos == 0 || text[pos - 1] == '\n';
            std::size_t end = text.find('\n', pos);
            if (end == std::string::npos) end = text.size();
            if (line_start) {
                const std::string_view physical(text.data() + pos, end - pos);
                if (blank_or_comment(physical)) {
                    pos = end + 1;
                    ++line;
                    continue;
                }
                const detail::MasterState state{origin_wire_, ttl, prev_wire_};
                if (detail::read_plain_rr(physical, state, plain_)) {
                    add_plain(line);
                    pos = end + 1;
                    ++line;
                    continue;
                }
                if (!plain_.range_error.empty()) {
                    fail_at(line, plain_.range_error);
                }
            }
            if (!read_with_ldns(fp, pos, line, ttl, depth)) break;
        }
    }

    /// ldns reads the entry at `pos`; moves `pos` and `line` past it. False when ldns
    /// could not move on (nothing left it could read).
    bool read_with_ldns(std::FILE* fp, std::size_t& pos, int& line, std::uint32_t& ttl, int depth) {
        if (!prev_synced_) {
            ldns_rdf_deep_free(prev_);
            prev_ = prev_wire_.empty()
                        ? nullptr
                        : ldns_dname_new_frm_data(static_cast<std::uint16_t>(prev_wire_.size()),
                                                  prev_wire_.data());
            prev_synced_ = true;
        }
        if (std::fseek(fp, static_cast<long>(pos), SEEK_SET) != 0) {
            fail_at(line, std::strerror(errno));
        }
        int line_nr = line - 1;
        const int before = line_nr;
        ldns_rr* raw = nullptr;
        const ldns_status status =
            ldns_rr_new_frm_fp_l(&raw, fp, &ttl, &origin_raw_, &prev_, &line_nr);
        const RrHandle rr(raw);
        handle(status, rr.get(), start_line(before, line_nr), origin_raw_, ttl, depth);
        set_bytes(origin_wire_, rdf_bytes(origin_raw_));
        set_bytes(prev_wire_, rdf_bytes(prev_));
        const long after = std::ftell(fp);
        if (after < 0 || static_cast<std::size_t>(after) <= pos) return false;
        pos = static_cast<std::size_t>(after);
        line = line_nr + 1;
        return true;
    }

    /// Adds the record read_plain_rr() just read.
    void add_plain(int line) {
        if (plain_.owner_named) {
            set_bytes(prev_wire_, plain_.owner_wire());
            prev_synced_ = false;
        }
        detail::ParsedRr record{dns::Name::from_wire(plain_.owner_wire()), plain_.type,
                                dns::rrclass::IN, plain_.ttl, plain_.rdata};
        add(std::move(record), line);
    }

  private:
    /// Throws ZoneError "<source>: <where>: <reason>"; for a file the user sitedns drops
    /// to could not read (file_reader.h), without the reason, which may quote the file.
    [[noreturn]] void fail_at(int line, const std::string& reason) const {
        if (quote_) detail::fail(zone_.source, where(line), reason);
        detail::fail(zone_.source, where(line), unquoted_reason(file_));
    }

    std::string where(int line) const {
        return "line " + std::to_string(line) + (label_.empty() ? "" : " of " + label_);
    }

    /// The first line after `before` that holds more than blanks and a comment: where
    /// the entry ldns just read starts.
    int start_line(int before, int after) const {
        for (int line = before + 1; line <= after; ++line) {
            const auto text = trim(line_text(line));
            if (!text.empty() && text.front() != ';') {
                return line;
            }
        }
        return after > before ? after : before + 1;
    }

    std::string_view line_text(int line) const {
        return line >= 1 && static_cast<std::size_t>(line) <= lines_.size() ? lines_[line - 1]
                                                                            : std::string_view();
    }

    void handle(ldns_status status, const ldns_rr* rr, int line, const ldns_rdf* origin,
                std::uint32_t ttl, int depth) {
        switch (status) {
            case LDNS_STATUS_OK:
                add(rr, line);
                return;
            case LDNS_STATUS_SYNTAX_ORIGIN:
            case LDNS_STATUS_SYNTAX_TTL:
            case LDNS_STATUS_SYNTAX_EMPTY:
                return;
            case LDNS_STATUS_SYNTAX_INCLUDE:
                include(line, origin, ttl, depth);
                return;
            default:
                fail_at(line, std::string(ldns_get_errorstr_by_id(status)) + " in \"" +
                                  std::string(trim(line_text(line))) + "\"");
        }
    }

    void add(const ldns_rr* rr, int line) {
        auto parsed = detail::convert_rr(rr);
        if (const auto* reason = std::get_if<std::string>(&parsed)) {
            fail_at(line, *reason);
        }
        add(std::move(std::get<detail::ParsedRr>(parsed)), line);
    }

    void add(detail::ParsedRr&& record, int line) {
        if (record.rrclass != dns::rrclass::IN) {
            fail_at(line, "class " + detail::class_to_text(record.rrclass) +
                              " is not supported: only IN");
        }
        if (record.ttl > detail::kMaxTtl) {
            fail_at(line, "TTL " + std::to_string(record.ttl) +
                              " is out of range 0..2147483647 (RFC 2181 §8)");
        }
        if (const auto reason = detail::forbidden_type_reason(record.type); !reason.empty()) {
            fail_at(line, reason);
        }
        zone_.records.push_back(model::Record{std::move(record.owner), record.type, record.ttl,
                                              std::move(record.rdata), where(line)});
    }

    /// $INCLUDE <file> [<origin>] (RFC 1035 §5.1): the file is relative to this one's
    /// folder; the origin, if given, applies to the included file only.
    void include(int line, const ldns_rdf* origin, std::uint32_t ttl, int depth) {
        std::istringstream words{std::string(trim(line_text(line)))};
        std::string directive;
        std::string name;
        std::string origin_text;
        words >> directive >> name >> origin_text;
        if (name.empty()) {
            fail_at(line, "$INCLUDE without a file name");
        }
        if (name.find('\0') != std::string::npos) {
            fail_at(line, "$INCLUDE file name with a NUL byte");
        }
        if (depth >= kMaxIncludeDepth) {
            fail_at(line, "$INCLUDE nested too deeply");
        }
        std::filesystem::path path(name);
        if (path.is_relative()) {
            path = file_.parent_path() / path;
        }
        RdfHandle include_origin(origin_text.empty() ? ldns_rdf_clone(origin)
                                                     : ldns_dname_new_frm_str(origin_text.c_str()));
        if (!include_origin) {
            fail_at(line, "bad $INCLUDE origin \"" + origin_text + "\"");
        }
        std::string text;
        try {
            text = files_.read(path);
        } catch (const model::ZoneError& e) {
            fail_at(line, e.what());
        }
        try {
            MasterReader(zone_, files_, path, path.filename().string(), unquoted_)
                .read(text, include_origin.get(), ttl, depth + 1);
        } catch (const std::bad_alloc&) {
            detail::fail(zone_.source, where(line),
                         path.string() + ": out of memory while loading the included file");
        }
    }

    model::ZoneData& zone_;
    ZoneFiles& files_;
    std::filesystem::path file_;
    std::string label_;  ///< "" for the main file, the file name for an included one
    bool quote_;         ///< whether a message may quote this file's text
    std::vector<std::string>& unquoted_;
    std::vector<std::string_view> lines_;
    // What ldns holds between entries, and the plain reader's copy of it.
    ldns_rdf* origin_raw_ = nullptr;
    ldns_rdf* prev_ = nullptr;
    std::vector<std::uint8_t> origin_wire_;
    std::vector<std::uint8_t> prev_wire_;
    bool prev_synced_ = true;  ///< prev_ holds what prev_wire_ holds
    detail::PlainRr plain_;
};

/// Moves the only SOA first and makes its owner the origin; checks it against `origin`.
void place_soa(model::ZoneData& zone, const dns::Name& origin, std::size_t end_line) {
    std::optional<std::size_t> soa;
    for (std::size_t i = 0; i < zone.records.size(); ++i) {
        if (zone.records[i].type != dns::rrtype::SOA) {
            continue;
        }
        if (soa) {
            detail::fail(zone.source, zone.records[i].where,
                         "second SOA record (the first is at " + zone.records[*soa].where + ")");
        }
        soa = i;
    }
    if (!soa) {
        detail::fail(zone.source, "line " + std::to_string(end_line), "no SOA record in the file");
    }
    model::Record record = std::move(zone.records[*soa]);
    if (!origin.is_root() && !(record.owner == origin)) {
        detail::fail(
            zone.source, record.where,
            "SOA owner " + record.owner.to_text() + " is not the zone origin " + origin.to_text());
    }
    zone.records.erase(zone.records.begin() + static_cast<std::ptrdiff_t>(*soa));
    zone.origin = origin.is_root() ? record.owner : origin;
    zone.records.insert(zone.records.begin(), std::move(record));
}

}  // namespace

namespace {

model::ZoneData load_rfc1035_zone(const std::filesystem::path& file, const dns::Name& origin,
                                  ZoneFiles& files, const std::string& text) {
    model::ZoneData zone;
    zone.source = file.string();
    const RdfHandle origin_rdf(ldns_dname_new_frm_str(origin.to_text().c_str()));
    if (!origin_rdf) {
        detail::fail(zone.source, "line 1", "origin " + origin.to_text() + " not understood");
    }
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    zone.records.reserve(lines + 1);  // one record a line, mostly
    std::vector<std::string> unquoted;
    MasterReader(zone, files, file, "", unquoted).read(text, origin_rdf.get(), kDefaultFileTtl, 0);
    try {
        place_soa(zone, origin, lines + (text.empty() || text.back() == '\n' ? 0 : 1));
        detail::drop_dnssec(zone);
        detail::check_records(zone);
    } catch (const model::ZoneError&) {
        // The checks name records, which may come from a file no message may quote.
        if (unquoted.empty()) throw;
        detail::fail(zone.source, "the zone's records", unquoted_reason(unquoted.front()));
    }
    return zone;
}

}  // namespace

model::ZoneData read_rfc1035_zone(const std::filesystem::path& file, const dns::Name& origin,
                                  ZoneFiles& files) {
    const std::string text = files.read(file);
    try {
        return load_rfc1035_zone(file, origin, files, text);
    } catch (const std::bad_alloc&) {
        throw model::ZoneError(file.string() + ": out of memory while loading the zone");
    }
}

model::ZoneData read_rfc1035_zone(const std::filesystem::path& file, const dns::Name& origin) {
    ZoneFiles files;
    return read_rfc1035_zone(file, origin, files);
}

}  // namespace sitedns::load
