// The unsigned error TSIG (RFC 8945 §5.3.2) as written into an answer.

#include "server/wire/tsig.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;
using test::wire_name;

Tsig sample() {
    Tsig t;
    t.present = true;
    const Bytes key = wire_name("Key.Example");
    const Bytes algorithm = wire_name("hmac-sha256");
    std::copy(key.begin(), key.end(), t.key.bytes);
    t.key.size = key.size();
    std::copy(algorithm.begin(), algorithm.end(), t.algorithm.bytes);
    t.algorithm.size = algorithm.size();
    t.time_signed = 0x000100000002;
    t.fudge = 300;
    t.original_id = 0x4242;
    return t;
}

TEST(TsigError, IsTheKeyAndAlgorithmEchoedWithNoMacAndTheError) {
    std::vector<std::uint8_t> out(512);
    WireWriter w(out, out.size());
    const Tsig t = sample();
    ASSERT_TRUE(write_tsig_error(w, t, kTsigBadKey));
    const Bytes rdata = Builder()
                            .name("hmac-sha256")
                            .u16(1)
                            .u32(2)  // Time Signed, echoed
                            .u16(300)
                            .u16(0)       // MAC Size
                            .u16(0x4242)  // Original ID
                            .u16(17)      // BADKEY
                            .u16(0);      // Other Len
    const Bytes want = Builder().rr("Key.Example", 250, 255, 0, rdata);
    EXPECT_EQ(Bytes(w.written().begin(), w.written().end()), want);
    EXPECT_EQ(tsig_error_size(t), want.size());
}

TEST(TsigError, WritesNothingWhenItDoesNotFit) {
    std::vector<std::uint8_t> out(512);
    const Tsig t = sample();
    WireWriter w(out, tsig_error_size(t) - 1);
    EXPECT_FALSE(write_tsig_error(w, t, kTsigBadKey));
    EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace sitedns::wire
