#pragma once
// Threads: any thread (constants only).
// The fixed sizes of the DNS message format, defined once for every folder that reads
// or writes messages.

#include <cstddef>
#include <cstdint>

namespace sitedns::wire {

/// The message header (RFC 1035 §4.1.1).
inline constexpr std::size_t kHeaderSize = 12;
/// What follows a question's name: QTYPE and QCLASS (RFC 1035 §4.1.2).
inline constexpr std::size_t kQuestionTail = 4;
/// What follows a record's owner name: TYPE, CLASS, TTL, RDLENGTH (RFC 1035 §4.1.3).
inline constexpr std::size_t kRecordFixed = 10;
/// Where the TTL is among those fixed fields.
inline constexpr std::size_t kTtlAt = 4;
/// An OPT record without options: root owner, TYPE, CLASS, TTL, RDLENGTH 0 (RFC 6891 §6.1.2).
inline constexpr std::size_t kOptSize = 11;
/// The UDP payload size sitedns advertises, answers within and asks upstreams for over
/// EDNS: the DNS flag day 2020 value, which avoids IP fragmentation.
inline constexpr std::uint16_t kEdnsPayload = 1232;
/// The largest message without EDNS over UDP (RFC 1035 §4.2.1).
inline constexpr std::size_t kClassicUdpSize = 512;
/// The top two bits of a compression pointer, and the offset it holds (RFC 1035 §4.1.4).
inline constexpr std::uint8_t kPointerBits = 0xC0;
inline constexpr std::uint16_t kPointerOffsetMask = 0x3FFF;

}  // namespace sitedns::wire
