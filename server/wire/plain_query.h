#pragma once
// Threads: any thread; a PlainQuery is used by the thread that made it.
// The shape of a plain query, the one most resolvers send: what lets a packet be
// answered from a cache keyed on its bytes (server/query/packet_cache.h) and be parsed
// without the general reader (parse_plain_query, message.h). Checked here, once, for
// both.

#include <cstddef>
#include <cstdint>
#include <span>

#include "server/wire/limits.h"

namespace sitedns::wire {

/// A packet checked to be a plain query: a header with QDCOUNT 1, ANCOUNT 0, NSCOUNT 0
/// and ARCOUNT 0 or 1; one uncompressed question name at kHeaderSize; QTYPE and QCLASS;
/// then nothing, or one OPT owned by the root without options (RFC 6891 §6.1.2: options
/// such as ECS or cookies make the answer depend on more than the bytes).
class PlainQuery {
  public:
    /// Checks everything above but the name's labels, so that a cache hit costs no walk
    /// over them: the name is what QTYPE, QCLASS and the OPT leave, and must end in a
    /// zero byte. False when `packet` has another shape.
    [[nodiscard]] bool match(std::span<const std::uint8_t> packet);
    /// Walks the name's labels (after match()): true when it is one well-formed
    /// uncompressed name (no pointers, no retired label types) that ends where match()
    /// found its root label.
    [[nodiscard]] bool check_name();
    /// True when match() and check_name() both passed for `packet` (the same bytes).
    bool checked(std::span<const std::uint8_t> packet) const {
        return name_checked_ && packet.data() == packet_.data() && packet.size() == packet_.size();
    }

    /// The question name's length in the packet, root label included.
    std::size_t name_size() const { return name_size_; }
    /// True when the query carries the OPT.
    bool has_opt() const { return opt_; }
    /// What follows the name: QTYPE and QCLASS, then the OPT if there is one.
    std::span<const std::uint8_t> tail() const;
    /// QTYPE (RFC 1035 §4.1.2).
    std::uint16_t qtype() const {
        const std::uint8_t* type = packet_.data() + kHeaderSize + name_size_;
        return static_cast<std::uint16_t>(type[0] << 8 | type[1]);
    }

  private:
    std::span<const std::uint8_t> packet_;
    std::size_t name_size_ = 0;
    bool opt_ = false;
    bool name_checked_ = false;
};

}  // namespace sitedns::wire
