#pragma once
// Threads: any thread (constants only).
// The fixed sizes of the DNS message format, defined once for every folder that reads
// or writes messages.

#include <cstddef>
#include <cstdint>

namespace sitedns::wire {

// RFC 1035 §4.1: the header, then what follows a question's name (QTYPE, QCLASS) and a
// record's owner name (TYPE, CLASS, TTL, RDLENGTH), with where the TTL is in the latter.
inline constexpr std::size_t kHeaderSize = 12, kQuestionTail = 4, kRecordFixed = 10, kTtlAt = 4;

// RFC 6891 §6.1.2: an OPT record without options (root owner, TYPE, CLASS, TTL,
// RDLENGTH 0); the UDP payload size sitedns advertises, answers within and asks
// upstreams for over EDNS (the DNS flag day 2020 value, which avoids IP fragmentation);
// and RFC 1035 §4.2.1's largest message over UDP without EDNS.
inline constexpr std::size_t kOptSize = 11;
inline constexpr std::uint16_t kEdnsPayload = 1232;
inline constexpr std::size_t kClassicUdpSize = 512;
/// The largest DNS message: a TCP length prefix's range (RFC 1035 §4.2.2).
inline constexpr std::size_t kMaxMessage = 65535;

// RFC 1035 §4.1.4: the top two bits of a compression pointer, and the offset it holds.
inline constexpr std::uint8_t kPointerBits = 0xC0;
inline constexpr std::uint16_t kPointerOffsetMask = 0x3FFF;

}  // namespace sitedns::wire
