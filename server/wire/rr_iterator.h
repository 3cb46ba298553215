#pragma once
// Threads: any thread; an RrIterator is used by the thread that made it.
// Walks the resource records of a message (RFC 1035 §4.1.3) without copying them: the
// one record walker of sitedns, for the query parser's additional section (OPT, TSIG),
// an upstream's reply scanned for the cache, DNSSEC records stripped, `verify`.

#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/reader.h"

namespace sitedns::wire {

/// One resource record as it stands in a message: offsets and views into it.
struct RecordView {
    std::size_t owner_at = 0;  ///< where the owner name starts
    std::uint16_t type = 0;
    std::uint16_t rrclass = 0;
    std::size_t ttl_at = 0;  ///< where the 32-bit TTL is
    std::uint32_t ttl = 0;
    std::span<const std::uint8_t> rdata;
};

/// The records after the question section, in order (answer, authority, additional; as
/// many as the header counts). Every read is bounds-checked through WireReader: a name,
/// field or RDATA that would run past the message ends the walk with error() set. Never
/// reads outside the message, never allocates.
class RrIterator {
  public:
    /// Over `message`: its header and its QDCOUNT questions are skipped here.
    explicit RrIterator(std::span<const std::uint8_t> message);
    /// Over the `count` records from where `reader` stands (a parser that read the
    /// questions itself).
    RrIterator(const WireReader& reader, std::size_t count) : reader_(reader), left_(count) {}

    /// Reads the next record into `rr`; false after the last counted record, or when
    /// the message ends or breaks before it (then error() says why).
    [[nodiscard]] bool next(RecordView& rr);
    /// Ok unless the header, a question or a record could not be read.
    WireError error() const { return error_; }
    /// Where the next record starts; after the last one, where the records end.
    std::size_t offset() const { return reader_.offset(); }
    /// True when every counted record was read and the message ends just after them.
    bool complete() const {
        return error_ == WireError::Ok && left_ == 0 && reader_.remaining() == 0;
    }

  private:
    WireReader reader_;
    std::size_t left_ = 0;  ///< records still to read
    WireError error_ = WireError::Ok;
};

/// The owner name of `rr`, a record of `message`, into `out` (uncompressed, its case
/// kept); false when it cannot be read.
[[nodiscard]] bool read_owner(std::span<const std::uint8_t> message, const RecordView& rr,
                              NameBuffer& out);

}  // namespace sitedns::wire
