#include <gtest/gtest.h>

#include <string>

#include "zones/dns/text.h"

namespace sitedns::dns {
namespace {

TEST(Printable, ControlCharactersAndInvalidBytesAreEscaped) {
    EXPECT_EQ(printable("a\x1b[31mb"), "a\\x1b[31mb");
    EXPECT_EQ(printable("bell\x07"), "bell\\x07");
    EXPECT_EQ(printable("del\x7f"), "del\\x7f");
    EXPECT_EQ(printable(std::string("nul\0end", 7)), "nul\\x00end");
    EXPECT_EQ(printable("bad\xff byte"), "bad\\xff byte");
    EXPECT_EQ(printable("tab\tnewline\ncr\r"), "tab\\x09newline\\x0acr\\x0d");
}

TEST(Printable, HiddenUnicodeIsEscapedByteByByte) {
    EXPECT_EQ(printable("c1 \xC2\x9B"), "c1 \\xc2\\x9b");             // U+009B, CSI
    EXPECT_EQ(printable("rlo \xE2\x80\xAE"), "rlo \\xe2\\x80\\xae");  // U+202E
    EXPECT_EQ(printable("cut \xE2\x82"), "cut \\xe2\\x82");           // a sequence cut short
}

TEST(Printable, PrintableTextIsKeptAndEscapingTwiceChangesNothing) {
    const std::string text = "caf\xC3\xA9 \\032 \xEF\xBF\xBD \xE2\x80\x99 \"x\" \xF0\x9F\x98\x80";
    EXPECT_EQ(printable(text), text);
    const std::string escaped = printable("x\x1by\xff");
    EXPECT_EQ(printable(escaped), escaped);
}

}  // namespace
}  // namespace sitedns::dns
