// Threads: see server/wire/rr_iterator.h.
#include "server/wire/rr_iterator.h"

#include "server/wire/header.h"
#include "server/wire/limits.h"

namespace sitedns::wire {

RrIterator::RrIterator(std::span<const std::uint8_t> message) : reader_(message) {
    std::span<const std::uint8_t> header;
    if ((error_ = reader_.bytes(kHeaderSize, header)) != WireError::Ok) return;
    const Header h(message);
    for (std::size_t i = 0; i < h.qdcount(); ++i) {
        std::span<const std::uint8_t> tail;
        if ((error_ = reader_.skip_name()) != WireError::Ok ||
            (error_ = reader_.bytes(kQuestionTail, tail)) != WireError::Ok) {
            return;
        }
    }
    left_ = std::size_t{h.ancount()} + h.nscount() + h.arcount();
}

bool RrIterator::next(RecordView& rr) {
    if (error_ != WireError::Ok || left_ == 0) return false;
    rr.owner_at = reader_.offset();
    std::uint16_t rdlength = 0;
    if ((error_ = reader_.skip_name()) != WireError::Ok) return false;
    rr.ttl_at = reader_.offset() + kTtlAt;
    if ((error_ = reader_.u16(rr.type)) != WireError::Ok ||
        (error_ = reader_.u16(rr.rrclass)) != WireError::Ok ||
        (error_ = reader_.u32(rr.ttl)) != WireError::Ok ||
        (error_ = reader_.u16(rdlength)) != WireError::Ok ||
        (error_ = reader_.bytes(rdlength, rr.rdata)) != WireError::Ok) {
        return false;
    }
    --left_;
    return true;
}

bool read_owner(std::span<const std::uint8_t> message, const RecordView& rr, NameBuffer& out) {
    WireReader r(message);
    return r.seek(rr.owner_at) == WireError::Ok && r.name(out) == WireError::Ok;
}

}  // namespace sitedns::wire
