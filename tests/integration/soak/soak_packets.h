#pragma once
// Malformed DNS messages for the soak test, from a seeded PRNG so every run sends the
// same packets: valid queries (with and without EDNS, ECS and cookies) mutated in the
// ways parsers get wrong (RFC 1035 §4.1 header counts and §4.1.4 compression pointers,
// label and name lengths, RFC 6891 OPT records, RFC 7871 ECS options), and plain noise.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "tests/support/dns_client.h"

namespace sitedns::soak {

using Bytes = test::Bytes;

/// Query IDs the test keeps for the valid queries it checks: no mutated packet has one.
inline constexpr std::uint16_t kFirstCheckedId = 0xF000;

/// The ID for the next checked query: `next`, which moves on, wrapping within
/// [kFirstCheckedId, 0xFFFF].
inline std::uint16_t take_checked_id(std::uint16_t& next) {
    const std::uint16_t id = next;
    next = next == 0xFFFF ? kFirstCheckedId : static_cast<std::uint16_t>(next + 1);
    return id;
}

/// Appends `tail` to `to`.
inline void append(Bytes& to, const Bytes& tail) {
    to.insert(to.end(), tail.begin(), tail.end());
}

/// A deterministic random source.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}
    std::uint64_t next() { return engine_(); }
    /// Uniform in [0, n); n > 0.
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    std::uint8_t byte() { return static_cast<std::uint8_t>(next()); }
    /// True `percent` times in a hundred.
    bool chance(unsigned percent) { return below(100) < percent; }
    Bytes bytes(std::size_t n);

  private:
    std::mt19937_64 engine_;
};

/// The kinds of packet the UDP soak sends.
enum class Mutation {
    BitFlip,     ///< 1..8 bits flipped anywhere
    ByteChange,  ///< 1..4 bytes set to edge values or random ones
    Extend,      ///< junk, 0xC0 runs or a copy of the message appended
    Counts,      ///< QD/AN/NS/ARCOUNT that disagree with the body
    Pointers,    ///< compression pointer loops, forward pointers, pointers into the header
    LongLabel,   ///< label length bytes 64..255 (RFC 6891 §5 retired types included)
    LongName,    ///< names of 255 and of 256..500 octets
    BadEdns,     ///< several OPTs, bad option and RDATA lengths, odd sizes, versions, owners
    BadEcs,      ///< ECS with bad families, prefix lengths and address lengths
    TypeClass,   ///< random QTYPEs and classes (meta types, AXFR, CH, NONE, ANY, 0)
    QrSet,       ///< responses (QR=1) sent to the server
    Opcode,      ///< opcodes other than QUERY
    Empty,       ///< zero-length datagrams
    Random,      ///< random bytes, 0..4096 of them
    Huge,        ///< 65,507 bytes, the largest UDP payload over IPv4
};
inline constexpr std::size_t kMutationKinds = 15;

/// A short name for reports.
std::string_view mutation_name(Mutation kind);

class Mutator {
  public:
    explicit Mutator(std::uint64_t seed);

    /// One packet of `kind`.
    Bytes make(Mutation kind);
    /// Every proper prefix (lengths 0..n-1) of every seed query.
    std::vector<Bytes> truncations() const;

  private:
    const Bytes& seed();
    Bytes build(Mutation kind);
    /// A query with one random question of the seeds' names and types, no OPT.
    Bytes question();
    Bytes bit_flips();
    Bytes byte_changes();
    /// QR set (`response`) or another opcode, with random other flags now and then.
    Bytes flags(bool response);
    Bytes pointers();
    Bytes long_label();
    Bytes long_name();
    Bytes bad_edns();
    Bytes bad_ecs();
    Bytes type_class();
    Bytes extend();
    Bytes counts();

    Rng rng_;
    std::vector<Bytes> seeds_;
};

}  // namespace sitedns::soak
