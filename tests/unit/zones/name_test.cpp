#include "zones/dns/name.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "zones/dns/types.h"
#include "zones/dns/wire_hash.h"

namespace sitedns::dns {
namespace {

const Name kOrigin = Name::parse_absolute("paris.example.local.");

std::string wire_string(const Name& name) {
    const auto wire = name.wire();
    return std::string(reinterpret_cast<const char*>(wire.data()), wire.size());
}

TEST(NameTest, RootIsDefault) {
    const Name root;
    EXPECT_TRUE(root.is_root());
    EXPECT_EQ(root.to_text(), ".");
    EXPECT_EQ(root.label_count(), 0u);
    EXPECT_EQ(wire_string(root), std::string(1, '\0'));
    EXPECT_EQ(Name::parse_absolute("."), root);
}

TEST(NameTest, ParseAbsoluteWire) {
    const Name name = Name::parse_absolute("Mail.Paris.example.local.");
    EXPECT_EQ(wire_string(name), std::string("\4Mail\5Paris\7example\5local\0", 26));
    EXPECT_EQ(name.to_text(), "Mail.Paris.example.local.");  // case kept
    EXPECT_EQ(name.key(), std::string("\4mail\5paris\7example\5local\0", 26));
    EXPECT_EQ(name.label_count(), 4u);
}

TEST(NameTest, ParseAbsoluteAcceptsMissingDot) {
    EXPECT_EQ(Name::parse_absolute("example.com").to_text(), "example.com.");
}

TEST(NameTest, ParseRelativeAndAt) {
    EXPECT_EQ(Name::parse("@", kOrigin), kOrigin);
    EXPECT_EQ(Name::parse("mail", kOrigin).to_text(), "mail.paris.example.local.");
    EXPECT_EQ(Name::parse("*.dyn", kOrigin).to_text(), "*.dyn.paris.example.local.");
    EXPECT_EQ(Name::parse("other.example.", kOrigin).to_text(), "other.example.");
    EXPECT_EQ(Name::parse(".", kOrigin), Name());
}

TEST(NameTest, EscapesParse) {
    const Name dot = Name::parse_absolute("a\\.b.example.");
    EXPECT_EQ(dot.label_count(), 2u);
    EXPECT_EQ(wire_string(dot), std::string("\3a.b\7example\0", 13));
    const Name ddd = Name::parse_absolute("\\065\\000x.example.");
    EXPECT_EQ(wire_string(ddd), std::string("\3A\0x\7example\0", 13));
    // A trailing escaped dot is part of the label, so the name is relative.
    EXPECT_EQ(Name::parse("a\\.", kOrigin).label_count(), 4u);
}

TEST(NameTest, EscapesRoundTrip) {
    const std::vector<std::string> texts = {
        "a\\.b.example.",       "back\\\\slash.example.",
        "sp\\032ace.example.",  "\\000\\255\\127.example.",
        "q\\\"uote.example.",   "semi\\;colon.example.",
        "\\(paren\\).example.", "\\@at.example.",
        "\\$dollar.example.",   "*.example.",
    };
    for (const auto& text : texts) {
        const Name name = Name::parse_absolute(text);
        EXPECT_EQ(name.to_text(), text);
        EXPECT_EQ(Name::parse_absolute(name.to_text()), name) << text;
        EXPECT_EQ(wire_string(Name::from_wire(name.wire())), wire_string(name)) << text;
    }
    // Escaping what needs none is undone in the output.
    EXPECT_EQ(Name::parse_absolute("\\a\\098c.example.").to_text(), "abc.example.");
    EXPECT_EQ(Name::parse_absolute("\\200.example.").to_text(), "\\200.example.");
}

TEST(NameTest, ParseErrors) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "empty name"},
        {"a..b.", "empty label"},
        {".a.", "empty label"},
        {"a.b\\", "bad escape"},
        {"a\\25.b.", "bad escape"},
        {"a\\256.b.", "bad escape"},
        {std::string(64, 'x') + ".example.", "label longer than 63"},
    };
    for (const auto& [text, reason] : cases) {
        try {
            (void)Name::parse(text, kOrigin);
            ADD_FAILURE() << "parsed: " << text;
        } catch (const NameError& e) {
            EXPECT_NE(std::string(e.what()).find(reason), std::string::npos)
                << text << " -> " << e.what();
        }
    }
}

/// A name of exactly `wire_size` wire octets built of 63-octet labels and one remainder.
std::string name_of_wire_size(std::size_t wire_size) {
    std::string text;
    std::size_t left = wire_size - 1;  // the root label
    while (left > 0) {
        const std::size_t label = std::min<std::size_t>(63, left - 1);
        text += std::string(label, 'a') + ".";
        left -= label + 1;
    }
    return text;
}

TEST(NameTest, LengthLimitsExactly) {
    EXPECT_EQ(Name::parse_absolute(std::string(63, 'x') + ".example.").to_text(),
              std::string(63, 'x') + ".example.");
    const Name longest = Name::parse_absolute(name_of_wire_size(255));
    EXPECT_EQ(longest.wire().size(), 255u);
    EXPECT_THROW((void)Name::parse_absolute(name_of_wire_size(256)), NameError);
    try {
        (void)Name::parse_absolute(name_of_wire_size(256));
    } catch (const NameError& e) {
        EXPECT_NE(std::string(e.what()).find("longer than 255"), std::string::npos);
    }
    // Completion with the origin also counts.
    const Name origin = Name::parse_absolute(name_of_wire_size(250));
    EXPECT_NO_THROW((void)Name::parse("abc", origin));   // 250 + 4 = 254
    EXPECT_NO_THROW((void)Name::parse("abcd", origin));  // 255
    EXPECT_THROW((void)Name::parse("abcde", origin), NameError);
    // wildcard() adds two octets.
    EXPECT_NO_THROW((void)Name::parse_absolute(name_of_wire_size(253)).wildcard());
    EXPECT_THROW((void)Name::parse_absolute(name_of_wire_size(254)).wildcard(), NameError);
}

TEST(NameTest, FromWireValidates) {
    const std::string good("\3www\7example\0", 13);
    const auto span = [](const std::string& s) {
        return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()),
                                             s.size());
    };
    EXPECT_EQ(Name::from_wire(span(good)).to_text(), "www.example.");
    EXPECT_THROW((void)Name::from_wire(span(std::string("\3www", 4))), NameError);
    EXPECT_THROW((void)Name::from_wire(span(std::string("\3www\0\0", 6))), NameError);
    EXPECT_THROW((void)Name::from_wire(span(std::string("\xc0\x0c", 2))), NameError);
    EXPECT_THROW((void)Name::from_wire(span(std::string())), NameError);
}

TEST(NameTest, CaseInsensitiveEqualityAndHash) {
    const Name a = Name::parse_absolute("MAIL.Paris.Example.LOCAL.");
    const Name b = Name::parse_absolute("mail.paris.example.local.");
    EXPECT_EQ(a, b);
    EXPECT_FALSE(a < b);
    EXPECT_FALSE(b < a);
    EXPECT_EQ(NameHash{}(a), NameHash{}(b));
    EXPECT_EQ(a.key(), b.key());
    std::unordered_set<Name, NameHash> set{a};
    EXPECT_EQ(set.count(b), 1u);
    EXPECT_FALSE(a == Name::parse_absolute("mail.paris.example."));
}

TEST(NameTest, CanonicalOrderRfc4034) {
    // RFC 4034 §6.1, in order.
    const std::vector<std::string> ordered = {
        "example.",         "a.example.",      "yljkjljk.a.example.",
        "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
        "\\001.z.example.", "*.z.example.",    "\\200.z.example.",
    };
    std::vector<Name> names;
    for (const auto& text : ordered) {
        names.push_back(Name::parse_absolute(text));
    }
    for (std::size_t i = 0; i + 1 < names.size(); ++i) {
        EXPECT_TRUE(names[i] < names[i + 1]) << ordered[i] << " < " << ordered[i + 1];
        EXPECT_FALSE(names[i + 1] < names[i]) << ordered[i + 1] << " !< " << ordered[i];
    }
    std::vector<Name> shuffled = names;
    std::mt19937 rng(7);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::sort(shuffled.begin(), shuffled.end());
    for (std::size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(shuffled[i].to_text(), names[i].to_text());
    }
    EXPECT_TRUE(Name() < names[0]);
}

TEST(NameTest, SubdomainParentWildcard) {
    const Name mail = Name::parse("mail", kOrigin);
    EXPECT_TRUE(mail.is_subdomain_of(kOrigin));
    EXPECT_TRUE(kOrigin.is_subdomain_of(kOrigin));
    EXPECT_TRUE(mail.is_subdomain_of(Name()));
    EXPECT_TRUE(mail.is_subdomain_of(Name::parse_absolute("EXAMPLE.local.")));
    EXPECT_FALSE(kOrigin.is_subdomain_of(mail));
    // Label boundaries matter: "xparis" is not below "paris".
    EXPECT_FALSE(Name::parse_absolute("mail.xparis.example.local.").is_subdomain_of(kOrigin));
    EXPECT_FALSE(Name::parse_absolute("london.example.local.").is_subdomain_of(kOrigin));

    EXPECT_EQ(mail.parent(), kOrigin);
    EXPECT_EQ(Name::parse_absolute("com.").parent(), Name());
    EXPECT_TRUE(Name().parent().is_root());

    const Name wild = kOrigin.wildcard();
    EXPECT_EQ(wild.to_text(), "*.paris.example.local.");
    EXPECT_TRUE(wild.is_wildcard());
    EXPECT_FALSE(mail.is_wildcard());
    // On the wire an escaped asterisk is the same octet as a plain one.
    EXPECT_TRUE(Name::parse_absolute("\\*.example.").is_wildcard());
    EXPECT_FALSE(Name::parse_absolute("*a.example.").is_wildcard());
}

TEST(NameTest, RelativeTo) {
    EXPECT_EQ(kOrigin.relative_to(kOrigin), "@");
    EXPECT_EQ(Name::parse("mail", kOrigin).relative_to(kOrigin), "mail");
    EXPECT_EQ(Name::parse("a\\.b.c", kOrigin).relative_to(kOrigin), "a\\.b.c");
    EXPECT_EQ(Name::parse_absolute("MAIL.PARIS.example.local.").relative_to(kOrigin), "MAIL");
    EXPECT_EQ(Name::parse_absolute("other.example.").relative_to(kOrigin), "other.example.");
}

TEST(TypesTest, TypeText) {
    EXPECT_EQ(type_to_text(rrtype::MX), "MX");
    EXPECT_EQ(type_to_text(rrtype::CAA), "CAA");
    EXPECT_EQ(type_to_text(rrtype::HTTPS), "HTTPS");
    EXPECT_EQ(type_to_text(65280), "TYPE65280");
    EXPECT_EQ(type_from_text("mx"), rrtype::MX);
    EXPECT_EQ(type_from_text("Aaaa"), rrtype::AAAA);
    EXPECT_EQ(type_from_text("TYPE65280"), 65280);
    EXPECT_EQ(type_from_text("type1"), rrtype::A);
    EXPECT_EQ(type_from_text("TYPE65536"), std::nullopt);
    EXPECT_EQ(type_from_text("TYPE"), std::nullopt);
    EXPECT_EQ(type_from_text("TYPE1x"), std::nullopt);
    EXPECT_EQ(type_from_text("BOGUS"), std::nullopt);
    EXPECT_EQ(type_from_text(""), std::nullopt);
    for (const std::uint16_t t :
         {rrtype::A,     rrtype::NS,     rrtype::CNAME, rrtype::SOA,   rrtype::PTR,
          rrtype::HINFO, rrtype::MX,     rrtype::TXT,   rrtype::AAAA,  rrtype::SRV,
          rrtype::NAPTR, rrtype::DNAME,  rrtype::OPT,   rrtype::DS,    rrtype::RRSIG,
          rrtype::NSEC,  rrtype::DNSKEY, rrtype::SVCB,  rrtype::HTTPS, rrtype::IXFR,
          rrtype::AXFR,  rrtype::MAILB,  rrtype::MAILA, rrtype::ANY,   rrtype::CAA}) {
        const std::string text = type_to_text(t);
        EXPECT_NE(text.rfind("TYPE", 0), 0u) << t << " has no mnemonic";
        EXPECT_EQ(type_from_text(text), t) << text;
    }
    // Each run of the table holds its numbers: edges of the runs, and gaps inside them.
    EXPECT_EQ(type_to_text(0), "TYPE0");
    EXPECT_EQ(type_to_text(3), "MD");
    EXPECT_EQ(type_to_text(22), "TYPE22");
    EXPECT_EQ(type_to_text(66), "TYPE66");
    EXPECT_EQ(type_to_text(99), "SPF");
    EXPECT_EQ(type_to_text(250), "TYPE250");
    EXPECT_EQ(type_to_text(256), "URI");
    EXPECT_EQ(type_to_text(258), "TYPE258");
    // Every number comes back from its text, named or TYPEnnn.
    for (std::uint32_t t = 0; t <= 0xFFFF; ++t) {
        ASSERT_EQ(type_from_text(type_to_text(static_cast<std::uint16_t>(t))), t);
    }
}

TEST(TypesTest, RcodeText) {
    EXPECT_EQ(rcode_to_text(RCode::NoError), "NOERROR");
    EXPECT_EQ(rcode_to_text(RCode::FormErr), "FORMERR");
    EXPECT_EQ(rcode_to_text(RCode::ServFail), "SERVFAIL");
    EXPECT_EQ(rcode_to_text(RCode::NXDomain), "NXDOMAIN");
    EXPECT_EQ(rcode_to_text(RCode::NotImp), "NOTIMP");
    EXPECT_EQ(rcode_to_text(RCode::Refused), "REFUSED");
    EXPECT_EQ(rcode_to_text(RCode::BadVers), "BADVERS");
}

}  // namespace
}  // namespace sitedns::dns

// copy_lower_hash's framed tail (one word read back from the name's end) copies and
// hashes as the byte loop does, for every length and alignment.
namespace sitedns::dns {
namespace {

TEST(WireHashTest, FramedCopyMatchesTheByteLoop) {
    std::mt19937 rng(7);
    for (std::size_t n = 1; n <= 64; ++n) {
        std::vector<std::uint8_t> packet(12 + n);
        for (std::uint8_t& b : packet) b = static_cast<std::uint8_t>(rng());
        std::vector<std::uint8_t> plain(n + 8, 0xee);
        std::vector<std::uint8_t> framed(n + 8, 0xee);
        const std::uint64_t h1 = copy_lower_hash(plain.data(), packet.data() + 12, n);
        const std::uint64_t h2 = copy_lower_hash(framed.data(), packet.data() + 12, n, true);
        EXPECT_EQ(h1, h2) << n;
        EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(n),
                               framed.begin()))
            << n;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint8_t b = packet[12 + i];
            EXPECT_EQ(framed[i], b >= 'A' && b <= 'Z' ? b | 0x20 : b) << n << " " << i;
        }
    }
}

TEST(WireHashTest, FramedCompareMatchesEqualLower) {
    std::mt19937 rng(11);
    const std::string letters =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-@`[{";
    for (std::size_t n = 1; n <= 64; ++n) {
        for (int round = 0; round < 50; ++round) {
            // Each name after 12 bytes of its own, as a name after a header.
            std::vector<std::uint8_t> a(12 + n);
            for (std::uint8_t& c : a)
                c = static_cast<std::uint8_t>(letters[rng() % letters.size()]);
            std::vector<std::uint8_t> b = a;
            for (std::size_t i = 0; i < 12; ++i) b[i] = static_cast<std::uint8_t>(rng());
            for (std::size_t i = 12; i < b.size(); ++i) {
                const std::uint8_t c = b[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                    if (rng() & 1) b[i] = c ^ 0x20;
                }
            }
            if (round % 2 == 1) b[12 + rng() % n] ^= static_cast<std::uint8_t>(1 + rng() % 255);
            const bool want = equal_lower(a.data() + 12, b.data() + 12, n);
            EXPECT_EQ(equal_lower_framed(a.data() + 12, b.data() + 12, n), want) << n;
        }
    }
}

}  // namespace
}  // namespace sitedns::dns
