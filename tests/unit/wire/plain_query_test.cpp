#include "server/wire/plain_query.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "tests/unit/wire/packet_builder.h"

namespace sitedns::wire {
namespace {

using test::Builder;
using test::Bytes;

Bytes plain(bool opt) {
    Builder b;
    b.header(1, test::kRd, 1, 0, 0, opt ? 1 : 0).question("Mail.Example.com", 15);
    if (opt) b.opt(1232, 0x8000);
    return b;
}

/// Matches and checks a heap copy of exactly the packet's bytes (a read past them is an
/// ASan error).
bool matches(const Bytes& packet, bool check_name = true) {
    auto copy = std::make_unique<std::uint8_t[]>(packet.size() + (packet.empty() ? 1 : 0));
    std::copy(packet.begin(), packet.end(), copy.get());
    PlainQuery q;
    const std::span<const std::uint8_t> bytes(copy.get(), packet.size());
    if (!q.match(bytes)) return false;
    if (!check_name) return true;
    const bool ok = q.check_name();
    EXPECT_EQ(q.checked(bytes), ok);
    return ok;
}

TEST(PlainQuery, MatchesAQuestionAloneOrWithAPlainOpt) {
    for (bool opt : {false, true}) {
        const Bytes p = plain(opt);
        PlainQuery q;
        ASSERT_TRUE(q.match(p)) << opt;
        EXPECT_FALSE(q.checked(p)) << "the name is not walked yet";
        ASSERT_TRUE(q.check_name());
        EXPECT_TRUE(q.checked(p));
        EXPECT_EQ(q.name_size(), 18u);
        EXPECT_EQ(q.has_opt(), opt);
        EXPECT_EQ(q.tail().size(), 4u + (opt ? kOptSize : 0));
        EXPECT_EQ(q.tail()[1], 15);
    }
}

TEST(PlainQuery, CheckedIsForTheSameBytesOnly) {
    const Bytes p = plain(false);
    const Bytes copy = p;
    PlainQuery q;
    ASSERT_TRUE(q.match(p) && q.check_name());
    EXPECT_FALSE(q.checked(copy));
    EXPECT_FALSE(q.checked(std::span(p).first(p.size() - 1)));
}

TEST(PlainQuery, OtherShapesDoNotMatch) {
    const std::vector<Bytes> cases = {
        Builder().header(1, 0, 2, 0, 0, 0).question("a").question("b"),
        Builder().header(1, 0, 1, 1, 0, 0).question("a").rr("a", 1, 1, 60, {1, 2, 3, 4}),
        Builder().header(1, 0, 1, 0, 1, 0).question("a").rr("a", 1, 1, 60, {1, 2, 3, 4}),
        Builder().header(1, 0, 1, 0, 0, 2).question("a").opt(1232).opt(1232),
        Builder().header(1, 0, 1, 0, 0, 1).question("a").opt(1232, 0, test::edns_option(10, {1})),
        Builder().header(1, 0, 1, 0, 0, 1).question("a").rr("a", 41, 1232, 0, {}),
        Builder().header(1, 0, 1, 0, 0, 1).question("a").rr(".", 1, 1, 0, {}),
        Builder().header(1, 0, 1, 0, 0, 0).labels("a").pointer(12).u16(1).u16(1),
        Builder().header(1, 0, 1, 0, 0, 0).question("a").u8(0),
        Builder().header(1, 0, 0, 0, 0, 0),
    };
    for (std::size_t i = 0; i < cases.size(); ++i) EXPECT_FALSE(matches(cases[i])) << i;
}

TEST(PlainQuery, CheckNameRejectsWhatMatchCannotSee) {
    // Each ends in a zero byte where the name should end, so match() takes it.
    const std::vector<Bytes> cases = {
        Builder().header(1, 0, 1, 0, 0, 0).u8(0xC0).u8(0).u16(1).u16(1),  // a pointer to 0
        Builder().header(1, 0, 1, 0, 0, 0).bytes({0x41, 'a', 0}).u16(1).u16(1),
        Builder().header(1, 0, 1, 0, 0, 0).bytes({5, 'a', 0}).u16(1).u16(1),  // runs over
        Builder().header(1, 0, 1, 0, 0, 0).bytes({0, 1, 0}).u16(1).u16(1),    // root too early
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        EXPECT_TRUE(matches(cases[i], false)) << i;
        EXPECT_FALSE(matches(cases[i])) << i;
    }
}

TEST(PlainQuery, EveryTruncationIsReadInBounds) {
    for (bool opt : {false, true}) {
        const Bytes p = plain(opt);
        for (std::size_t n = 0; n < p.size(); ++n) {
            // A prefix may still look plain (the name then ends elsewhere); it is read
            // within its bytes either way, and never taken for the whole query.
            const Bytes prefix(p.begin(), p.begin() + static_cast<long>(n));
            if (matches(prefix)) {
                PlainQuery q;
                ASSERT_TRUE(q.match(prefix));
                EXPECT_NE(q.name_size(), 18u) << n;
            }
        }
        EXPECT_TRUE(matches(p));
    }
}

}  // namespace
}  // namespace sitedns::wire
