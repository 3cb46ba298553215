// clang-format off
#include <stdbool.h>  // before ldns: ldns/common.h defines bool otherwise
// clang-format on
#include "zones/load/rr_parse.h"

#include <ldns/ldns.h>

#include <cctype>
#include <memory>
#include <utility>

#include "zones/dns/types.h"
#include "zones/load/ldns_handles.h"

namespace sitedns::load::detail {

namespace {

/// The owner name of an ldns RR, or why it cannot be one.
std::variant<dns::Name, std::string> convert_owner(const ldns_rr* rr) {
    const ldns_rdf* owner = ldns_rr_owner(rr);
    if (owner == nullptr || !ldns_dname_absolute(owner)) {
        return std::string("relative owner name and no origin");
    }
    try {
        return dns::Name::from_wire({ldns_rdf_data(owner), ldns_rdf_size(owner)});
    } catch (const dns::NameError& e) {
        return std::string(e.what());
    }
}

}  // namespace

std::variant<ParsedRr, std::string> convert_rr(const ldns_struct_rr* rr) {
    auto owner = convert_owner(rr);
    if (auto* reason = std::get_if<std::string>(&owner)) {
        return std::move(*reason);
    }
    ParsedRr out{std::get<dns::Name>(std::move(owner)),
                 static_cast<std::uint16_t>(ldns_rr_get_type(rr)),
                 static_cast<std::uint16_t>(ldns_rr_get_class(rr)),
                 ldns_rr_ttl(rr),
                 {}};
    const BufferHandle buffer(ldns_buffer_new(512));
    if (!buffer) {
        return std::string("out of memory");
    }
    // Each field's wire form as is: names uncompressed and in their original case.
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_status status = ldns_rdf2buffer_wire(buffer.get(), ldns_rr_rdf(rr, i));
        if (status != LDNS_STATUS_OK) {
            return std::string(ldns_get_errorstr_by_id(status));
        }
    }
    const std::uint8_t* data = ldns_buffer_begin(buffer.get());
    out.rdata.assign(data, data + ldns_buffer_position(buffer.get()));
    return out;
}

std::variant<ParsedRr, std::string> parse_rr_text(const std::string& text,
                                                  const dns::Name& origin) {
    const RdfHandle origin_rdf(ldns_dname_new_frm_str(origin.to_text().c_str()));
    if (!origin_rdf) {
        return std::string("origin not understood by ldns");
    }
    ldns_rr* raw = nullptr;
    const ldns_status status =
        ldns_rr_new_frm_str(&raw, text.c_str(), 0, origin_rdf.get(), nullptr);
    const RrHandle rr(raw);
    if (status != LDNS_STATUS_OK) {
        return std::string(ldns_get_errorstr_by_id(status));
    }
    return convert_rr(rr.get());
}

std::uint16_t lookup_type(const std::string& text) {
    if (text.empty()) {
        return 0;
    }
    for (const char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') {
            return 0;
        }
    }
    if (const auto type = dns::type_from_text(text)) {
        return *type;
    }
    return static_cast<std::uint16_t>(ldns_get_rr_type_by_name(text.c_str()));
}

std::string class_to_text(std::uint16_t rrclass) {
    switch (rrclass) {
        case dns::rrclass::IN:
            return "IN";
        case dns::rrclass::CH:
            return "CH";
        case 4:
            return "HS";
        default:
            return "CLASS" + std::to_string(rrclass);
    }
}

std::string forbidden_type_reason(std::uint16_t type) {
    using namespace dns::rrtype;
    if (type == 0) {
        return "type 0 is reserved";
    }
    if (type == OPT) {
        return "OPT is a pseudo-record (RFC 6891 §6.1.1) and cannot be in a zone";
    }
    if (type == IXFR || type == AXFR || type == MAILB || type == MAILA || type == ANY ||
        (type >= 128 && type <= 255)) {
        return dns::type_to_text(type) + " is a query type (RFC 6895 §3.1) and cannot be in a zone";
    }
    return "";
}

}  // namespace sitedns::load::detail
