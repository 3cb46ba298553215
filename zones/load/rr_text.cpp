// clang-format off
#include <stdbool.h>  // before ldns: ldns/common.h defines bool otherwise
// clang-format on
#include "zones/load/rr_text.h"

#include <ldns/ldns.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <vector>

#include "zones/dns/types.h"

namespace sitedns::load {

namespace {

struct RrFree {
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct CharFree {
    void operator()(char* text) const { std::free(text); }  // NOLINT: ldns mallocs
};

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t value) {
    put16(out, static_cast<std::uint16_t>(value >> 16));
    put16(out, static_cast<std::uint16_t>(value & 0xffff));
}

/// The RR in wire form as it would stand in an answer section (RFC 1035 §4.1.3).
std::vector<std::uint8_t> rr_wire(const dns::Name& owner, std::uint16_t type, std::uint32_t ttl,
                                  std::span<const std::uint8_t> rdata) {
    std::vector<std::uint8_t> wire(owner.wire().begin(), owner.wire().end());
    put16(wire, type);
    put16(wire, dns::rrclass::IN);
    put32(wire, ttl);
    put16(wire, static_cast<std::uint16_t>(rdata.size()));
    wire.insert(wire.end(), rdata.begin(), rdata.end());
    return wire;
}

/// RFC 3597 §5: "owner TTL IN TYPEnnn \# len hex", for RDATA that ldns cannot read as
/// its type.
std::string generic_text(const dns::Name& owner, std::uint16_t type, std::uint32_t ttl,
                         std::span<const std::uint8_t> rdata) {
    std::string text = owner.to_text() + '\t' + std::to_string(ttl) + "\tIN\tTYPE" +
                       std::to_string(type) + "\t\\# " + std::to_string(rdata.size());
    if (!rdata.empty()) {
        text += ' ';
    }
    char hex[3];
    for (const std::uint8_t byte : rdata) {
        std::snprintf(hex, sizeof hex, "%02x", byte);
        text += hex;
    }
    return text;
}

/// ldns's text for a wire RR, or "" when it cannot parse or print it.
std::string ldns_text(const std::vector<std::uint8_t>& wire) {
    ldns_rr* parsed = nullptr;
    std::size_t pos = 0;
    if (ldns_wire2rr(&parsed, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) !=
            LDNS_STATUS_OK ||
        parsed == nullptr) {
        return {};
    }
    const std::unique_ptr<ldns_rr, RrFree> rr(parsed);
    if (pos != wire.size()) {
        return {};  // RDATA longer than its type's fields
    }
    const std::unique_ptr<char, CharFree> text(ldns_rr2str(rr.get()));
    if (!text) {
        return {};
    }
    std::string out(text.get());
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\t')) {
        out.pop_back();
    }
    return out;
}

}  // namespace

std::string record_to_text(const dns::Name& owner, std::uint16_t type, std::uint32_t ttl,
                           std::span<const std::uint8_t> rdata) {
    if (rdata.size() <= std::numeric_limits<std::uint16_t>::max()) {
        std::string text = ldns_text(rr_wire(owner, type, ttl, rdata));
        if (!text.empty()) {
            return text;
        }
    }
    return generic_text(owner, type, ttl, rdata);
}

}  // namespace sitedns::load
