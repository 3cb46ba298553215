#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "zones/dns/name.h"

namespace sitedns::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

/// The label starts LabelWalk gives, and its end().
struct Walked {
    std::vector<std::size_t> starts;
    std::size_t end = 0;
};

/// Walks a heap copy of exactly `bytes.size()` bytes, so that a read past them is a
/// sanitizer error, not a lucky read of the vector's spare capacity.
Walked walk(const Bytes& bytes) {
    auto copy = std::make_unique<std::uint8_t[]>(bytes.size() + (bytes.empty() ? 1 : 0));
    std::copy(bytes.begin(), bytes.end(), copy.get());
    LabelWalk w(std::span<const std::uint8_t>(copy.get(), bytes.size()));
    Walked out;
    while (w.next()) out.starts.push_back(w.at());
    out.end = w.end();
    return out;
}

TEST(LabelWalk, GivesEachLabelThenThePlacePastTheRoot) {
    const Walked w = walk({3, 'w', 'w', 'w', 2, 'e', 'x', 0});
    EXPECT_EQ(w.starts, (std::vector<std::size_t>{0, 4}));
    EXPECT_EQ(w.end, 8u);
}

TEST(LabelWalk, TheRootNameHasNoLabels) {
    const Walked w = walk({0});
    EXPECT_TRUE(w.starts.empty());
    EXPECT_EQ(w.end, 1u);
}

TEST(LabelWalk, StopsAtBytesAfterTheRootLabel) {
    const Walked w = walk({1, 'a', 0, 7, 7});
    EXPECT_EQ(w.starts, (std::vector<std::size_t>{0}));
    EXPECT_EQ(w.end, 3u);
    EXPECT_EQ(name_length(Bytes{1, 'a', 0, 7, 7}), 3u);
}

TEST(LabelWalk, MalformedNamesEndWithoutARoot) {
    const std::vector<Bytes> cases = {
        {},                    // nothing
        {1, 'a'},              // no root label
        {3, 'a', 'b'},         // a label past the end
        {3, 'a', 'b', 'c'},    // no room for the root after the label
        {1, 'a', 0xC0, 0x0C},  // a compression pointer
        {0x41, 'a', 0},        // a retired label type (RFC 6891 §5)
        {64, 'a', 0},          // a label over 63
    };
    for (const Bytes& bytes : cases) {
        EXPECT_EQ(walk(bytes).end, 0u) << "case of " << bytes.size() << " bytes";
        EXPECT_EQ(name_length(bytes), 0u);
    }
}

TEST(LabelWalk, EveryPrefixOfANameIsReadInBoundsAndRejected) {
    const Bytes name = {4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    for (std::size_t n = 0; n < name.size(); ++n) {
        EXPECT_EQ(walk(Bytes(name.begin(), name.begin() + static_cast<long>(n))).end, 0u) << n;
    }
    EXPECT_EQ(walk(name).end, name.size());
}

TEST(LabelWalk, AtOrBelowComparesWholeLabels) {
    const Bytes origin = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    const Bytes below = {1, 'A', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    const Bytes other = {8, 'x', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    const Bytes root = {0};
    EXPECT_TRUE(at_or_below(below, origin));
    EXPECT_TRUE(at_or_below(origin, origin));
    EXPECT_FALSE(at_or_below(other, origin));
    EXPECT_FALSE(at_or_below(root, origin));
    EXPECT_TRUE(at_or_below(below, root));
    EXPECT_FALSE(at_or_below(Bytes{1, 'a', 0xC0, 0x0C}, root));
}

/// The sizes of the suffixes SuffixWalk gives, over an exact-size heap copy.
std::vector<std::size_t> suffix_sizes(const Bytes& bytes) {
    auto copy = std::make_unique<std::uint8_t[]>(bytes.size() + (bytes.empty() ? 1 : 0));
    std::copy(bytes.begin(), bytes.end(), copy.get());
    const std::span<const std::uint8_t> name(copy.get(), bytes.size());
    std::vector<std::size_t> sizes;
    for (SuffixWalk walk(name); walk.next();) {
        EXPECT_EQ(walk.suffix().data() + walk.suffix().size(), name.data() + name.size());
        sizes.push_back(walk.suffix().size());
    }
    return sizes;
}

TEST(SuffixWalk, GivesTheNameThenEachShorterSuffixThenTheRoot) {
    EXPECT_EQ(suffix_sizes({3, 'w', 'w', 'w', 2, 'e', 'x', 0}),
              (std::vector<std::size_t>{8, 4, 1}));
    EXPECT_EQ(suffix_sizes({0}), (std::vector<std::size_t>{1}));
}

TEST(SuffixWalk, AMalformedNameEndsWithoutTheRoot) {
    EXPECT_EQ(suffix_sizes({}), (std::vector<std::size_t>{}));
    EXPECT_EQ(suffix_sizes({1, 'a', 0xC0, 0x0C}), (std::vector<std::size_t>{4}));
    EXPECT_EQ(suffix_sizes({1, 'a', 5, 'b'}), (std::vector<std::size_t>{4}));
}

}  // namespace
}  // namespace sitedns::dns
