// Threads: see server/wire/plain_query.h.
#include "server/wire/plain_query.h"

#include "server/wire/header.h"
#include "server/wire/limits.h"
#include "zones/dns/name.h"
#include "zones/dns/types.h"

namespace sitedns::wire {

namespace {

std::uint16_t u16_at(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

/// True for an OPT record owned by the root with no options (its RDLENGTH is 0).
bool plain_opt(const std::uint8_t* p) {
    return p[0] == 0 && u16_at(p + 1) == dns::rrtype::OPT && u16_at(p + kOptSize - 2) == 0;
}

}  // namespace

bool PlainQuery::match(std::span<const std::uint8_t> packet) {
    name_checked_ = false;
    if (packet.size() < kHeaderSize + 1 + kQuestionTail) return false;
    const Header h(packet);
    if (h.qdcount() != 1 || h.ancount() != 0 || h.nscount() != 0 || h.arcount() > 1) return false;
    opt_ = h.arcount() == 1;
    // The name is what the type, class and OPT leave; it must end in the root label.
    const std::size_t rest = kQuestionTail + (opt_ ? kOptSize : 0);
    if (packet.size() < kHeaderSize + 1 + rest) return false;
    const std::size_t name = packet.size() - kHeaderSize - rest;
    if (name > dns::kMaxNameWire || packet[kHeaderSize + name - 1] != 0) return false;
    if (opt_ && !plain_opt(packet.data() + kHeaderSize + name + kQuestionTail)) return false;
    packet_ = packet;
    name_size_ = name;
    return true;
}

bool PlainQuery::check_name() {
    name_checked_ = dns::name_length(packet_.subspan(kHeaderSize, name_size_)) == name_size_;
    return name_checked_;
}

std::span<const std::uint8_t> PlainQuery::tail() const {
    return packet_.subspan(kHeaderSize + name_size_);
}

}  // namespace sitedns::wire
