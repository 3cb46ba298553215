#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "zones/dns/types.h"
#include "zones/load/file_reader.h"
#include "zones/load/zone_readers.h"

namespace sitedns::load {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

/// A fresh folder per test, removed afterwards.
class Rfc1035ZoneTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("sitedns_rfc1035_" + std::to_string(::getpid()) + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write(const std::string& name, const std::string& text) const {
        const fs::path path = dir_ / name;
        std::ofstream(path) << text;
        return path;
    }

    /// The ZoneError message of reading `text`, or "" when it loads.
    std::string error_of(const std::string& text, const dns::Name& origin = dns::Name()) const {
        try {
            (void)read_rfc1035_zone(write("bad.zone", text), origin);
        } catch (const model::ZoneError& e) {
            return e.what();
        }
        return "";
    }

    fs::path dir_;
};

Bytes name_wire(const std::string& text) {
    const dns::Name name = dns::Name::parse_absolute(text);
    return Bytes(name.wire().begin(), name.wire().end());
}

/// The zone bench/gen_data.py writes (zone_file()), with `hosts` host<k> records.
std::string bench_zone(const std::string& site, int idx, int hosts, int ttl) {
    const std::string origin = site + ".example.local.";
    const std::string net = std::to_string(idx % 256);
    std::string text = "$ORIGIN " + origin + "\n$TTL " + std::to_string(ttl) + "\n";
    text += "@ IN SOA ns." + origin + " hostmaster." + origin + " 2024010101 3600 900 604800 300\n";
    text += "@ IN NS ns." + origin + "\n";
    text += "@ IN MX 10 mail." + origin + "\n";
    text += "@ IN TXT \"v=spf1 mx -all\"\n";
    text += "ns IN A 10." + net + ".0.53\n";
    text += "mail IN A 10." + net + ".0.25\n";
    text += "www IN CNAME mail." + origin + "\n";
    text += "*.dyn IN A 10." + net + ".0.99\n";
    for (int k = 0; k < hosts; ++k) {
        const int v = (idx % 256) << 16 | ((k + 256) & 0xffff);
        text += "host" + std::to_string(k) + " IN A 10." + std::to_string((v >> 16) & 255) + "." +
                std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255) + "\n";
    }
    return text;
}

TEST_F(Rfc1035ZoneTest, OriginTtlRelativeNamesAndLines) {
    const std::string text =
        "; a comment line\n"                       // 1
        "$ORIGIN paris.example.local.\n"           // 2
        "$TTL 300\n"                               // 3
        "\n"                                       // 4
        "mail   IN A 203.0.113.20\n"               // 5
        "       IN AAAA 2001:db8:20::25\n"         // 6: owner of the line above
        "@ 60 IN MX 10 mail ; trailing comment\n"  // 7
        "@ IN SOA ns.london.example.local. hostmaster.example.com. (\n"  // 8
        "        2026112401 ; serial\n"                                  // 9
        "        3600 600 604800 300 )\n"                                // 10
        "www IN CNAME Mail\n"                                            // 11
        "$ORIGIN dyn.paris.example.local.\n"                             // 12
        "* IN A 198.51.100.7\n";                                         // 13
    const model::ZoneData zone = read_rfc1035_zone(write("paris.zone", text), dns::Name());
    EXPECT_EQ(zone.origin.to_text(), "paris.example.local.");
    ASSERT_EQ(zone.records.size(), 6u);

    const auto& r = zone.records;
    EXPECT_EQ(r[0].type, dns::rrtype::SOA);
    EXPECT_EQ(r[0].owner.to_text(), "paris.example.local.");
    EXPECT_EQ(r[0].where, "line 8");
    EXPECT_EQ(r[0].ttl, 300u);

    EXPECT_EQ(r[1].owner.to_text(), "mail.paris.example.local.");
    EXPECT_EQ(r[1].type, dns::rrtype::A);
    EXPECT_EQ(r[1].ttl, 300u);
    EXPECT_EQ(r[1].rdata, (Bytes{203, 0, 113, 20}));
    EXPECT_EQ(r[1].where, "line 5");

    EXPECT_EQ(r[2].owner.to_text(), "mail.paris.example.local.");
    EXPECT_EQ(r[2].type, dns::rrtype::AAAA);
    EXPECT_EQ(r[2].where, "line 6");

    EXPECT_EQ(r[3].type, dns::rrtype::MX);
    EXPECT_EQ(r[3].ttl, 60u);
    EXPECT_EQ(r[3].where, "line 7");
    Bytes mx{0, 10};
    const Bytes mail = name_wire("mail.paris.example.local.");
    mx.insert(mx.end(), mail.begin(), mail.end());
    EXPECT_EQ(r[3].rdata, mx);

    EXPECT_EQ(r[4].type, dns::rrtype::CNAME);
    EXPECT_EQ(r[4].rdata, name_wire("Mail.paris.example.local."));
    EXPECT_EQ(r[4].where, "line 11");

    EXPECT_EQ(r[5].owner.to_text(), "*.dyn.paris.example.local.");
    EXPECT_EQ(r[5].where, "line 13");
}

TEST_F(Rfc1035ZoneTest, OriginArgumentCompletesRelativeNames) {
    const dns::Name origin = dns::Name::parse_absolute("madrid.example.local.");
    const model::ZoneData zone = read_rfc1035_zone(
        write("madrid.db", "@ 3600 IN SOA ns hostmaster 1 2 3 4 5\nmail 300 IN A 192.0.2.30\n"),
        origin);
    EXPECT_EQ(zone.origin, origin);
    ASSERT_EQ(zone.records.size(), 2u);
    EXPECT_EQ(zone.records[1].owner.to_text(), "mail.madrid.example.local.");
}

TEST_F(Rfc1035ZoneTest, BenchFormatLoads) {
    const model::ZoneData zone = read_rfc1035_zone(
        write("london.example.local.zone", bench_zone("london", 1, 50, 3600)), dns::Name());
    EXPECT_EQ(zone.origin.to_text(), "london.example.local.");
    ASSERT_EQ(zone.records.size(), 8u + 50u);
    EXPECT_EQ(zone.records[0].type, dns::rrtype::SOA);
    EXPECT_EQ(zone.records[0].where, "line 3");
    EXPECT_EQ(zone.records.back().owner.to_text(), "host49.london.example.local.");
    EXPECT_EQ(zone.records.back().rdata, (Bytes{10, 1, 1, 49}));
    for (const auto& record : zone.records) {
        EXPECT_EQ(record.ttl, 3600u);
    }
}

TEST_F(Rfc1035ZoneTest, IncludeRelativeToTheFile) {
    fs::create_directories(dir_ / "sub");
    write("sub/hosts.inc", "a IN A 192.0.2.1\nb IN A 192.0.2.2\n");
    write("sub/other.inc", "c IN A 192.0.2.3\n");
    const fs::path main = write("main.zone",
                                "$ORIGIN example.\n$TTL 60\n@ IN SOA ns hm 1 2 3 4 5\n"
                                "$INCLUDE sub/hosts.inc\n"
                                "$INCLUDE sub/other.inc other.example.\n"
                                "d IN A 192.0.2.4\n");
    const model::ZoneData zone = read_rfc1035_zone(main, dns::Name());
    ASSERT_EQ(zone.records.size(), 5u);
    EXPECT_EQ(zone.records[1].owner.to_text(), "a.example.");
    EXPECT_EQ(zone.records[1].where, "line 1 of hosts.inc");
    EXPECT_EQ(zone.records[3].owner.to_text(), "c.other.example.");
    EXPECT_EQ(zone.records[4].owner.to_text(), "d.example.");  // origin restored
    EXPECT_EQ(zone.records[4].where, "line 6");
}

// Plain lines are read without ldns, the others by ldns (zones/load/rr_fast.h): the
// origin, the default TTL and the previous owner carry over both ways.
TEST_F(Rfc1035ZoneTest, StateCarriesBetweenPlainLinesAndLdns) {
    const std::string text =
        "$ORIGIN a.test.\n"                       // 1
        "$TTL 300\n"                              // 2
        "@ IN SOA ns hostmaster ( 1 2 3 4 5 )\n"  // 3: ldns (parentheses)
        "  IN NS ns\n"                            // 4: plain, owner of line 3
        "x IN HINFO \"cpu\" \"os\"\n"             // 5: ldns (HINFO)
        "  IN A 192.0.2.1\n"                      // 6: plain, owner x
        "y IN A 192.0.2.2\n"                      // 7: plain
        "  IN HINFO \"c\" \"o\"\n"                // 8: ldns, owner y
        "$TTL 60\n"                               // 9
        "z IN A 192.0.2.3\n"                      // 10: plain, TTL 60
        "$ORIGIN b.a.test.\n"                     // 11
        "w IN MX 10 mail\n"                       // 12: plain, new origin
        "  IN TXT \"t\" ( \"u\" )\n"              // 13: ldns, owner w
        "\tIN A 192.0.2.5 ; w\n";                 // 14: plain, owner w
    const model::ZoneData zone = read_rfc1035_zone(write("mixed.zone", text), dns::Name());
    ASSERT_EQ(zone.records.size(), 10u);
    const auto& r = zone.records;
    const auto check = [&](std::size_t i, const char* owner, std::uint16_t type, std::uint32_t ttl,
                           const char* where) {
        SCOPED_TRACE(i);
        EXPECT_EQ(r[i].owner.to_text(), owner);
        EXPECT_EQ(r[i].type, type);
        EXPECT_EQ(r[i].ttl, ttl);
        EXPECT_EQ(r[i].where, where);
    };
    check(0, "a.test.", dns::rrtype::SOA, 300, "line 3");
    check(1, "a.test.", dns::rrtype::NS, 300, "line 4");
    check(2, "x.a.test.", dns::rrtype::HINFO, 300, "line 5");
    check(3, "x.a.test.", dns::rrtype::A, 300, "line 6");
    check(4, "y.a.test.", dns::rrtype::A, 300, "line 7");
    check(5, "y.a.test.", dns::rrtype::HINFO, 300, "line 8");
    check(6, "z.a.test.", dns::rrtype::A, 60, "line 10");
    check(7, "w.b.a.test.", dns::rrtype::MX, 60, "line 12");
    check(8, "w.b.a.test.", dns::rrtype::TXT, 60, "line 13");
    check(9, "w.b.a.test.", dns::rrtype::A, 60, "line 14");
    Bytes mx{0, 10};
    const Bytes mail = name_wire("mail.b.a.test.");
    mx.insert(mx.end(), mail.begin(), mail.end());
    EXPECT_EQ(r[7].rdata, mx);
    EXPECT_EQ(r[8].rdata, (Bytes{1, 't', 1, 'u'}));
    EXPECT_EQ(r[1].rdata, name_wire("ns.a.test."));
}

TEST_F(Rfc1035ZoneTest, ErrorsNameTheLine) {
    const std::string head = "$ORIGIN example.\n$TTL 60\n@ IN SOA ns hm 1 2 3 4 5\n";  // 1-3
    struct Case {
        const char* label;
        std::string text;
        const char* where;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {"bad rdata", head + "a IN A 192.0.2.1\nb IN A 300.0.0.1\n", "line 5",
         "could not parse the RR's rdata in \"b IN A 300.0.0.1\""},
        {"bad rdata after comments", head + "; c\n\n  ; c\nb IN MX 10\n", "line 7", "b IN MX 10"},
        {"unknown type", head + "a IN FOO 1\n", "line 4", "a IN FOO 1"},
        {"class CH", head + "a CH TXT \"x\"\n", "line 4", "class CH is not supported: only IN"},
        {"ttl range", head + "a 2147483648 IN A 192.0.2.1\n", "line 4",
         "TTL 2147483648 is out of range"},
        {"ttl past 32 bits", head + "a 99999999999 IN A 192.0.2.1\n", "line 4",
         "TTL 99999999999 is out of range"},
        {"mx preference range", head + "@ IN MX 70000 mail\n", "line 4",
         "MX preference 70000 is out of range 0..65535"},
        {"soa value range", "$ORIGIN example.\n@ 60 IN SOA ns hm 1 2 3 4 4294967296\n", "line 2",
         "SOA value 4294967296 is out of range"},
        {"two SOAs", head + "a IN A 192.0.2.1\n@ IN SOA ns hm 2 2 3 4 5\n", "line 5",
         "second SOA record (the first is at line 3)"},
        {"no SOA", "$ORIGIN example.\na 60 IN A 192.0.2.1\n", "line 2", "no SOA record"},
        {"outside origin", head + "www.other. IN A 192.0.2.1\n", "line 4",
         "name www.other. is outside the origin example."},
        {"cname beside data", head + "a IN A 192.0.2.1\na IN CNAME b\n", "line 5",
         "CNAME beside other data at a.example."},
        {"duplicate", head + "a IN A 192.0.2.1\nA 30 IN A 192.0.2.1\n", "line 5",
         "duplicate record: same owner, type and data as line 4"},
        {"missing include", head + "$INCLUDE nothere.inc\n", "line 4",
         "nothere.inc: cannot open: No such file or directory"},
        {"query type", head + "a IN ANY \\# 0\n", "line 4", "query type"},
        // Found by fuzz_rfc1035_zone: a directory once ended the process with bad_alloc.
        {"directory include", head + "$INCLUDE .\n", "line 4", "cannot open: Is a directory"},
        {"nul in include", head + "$INCLUDE " + std::string(3, '\0') + "bad.inc\n", "line 4",
         "$INCLUDE file name with a NUL byte"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.label);
        const std::string message = error_of(c.text);
        const std::string prefix = (dir_ / "bad.zone").string() + ": " + c.where + ": ";
        EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
        EXPECT_NE(message.find(c.reason), std::string::npos) << message;
    }
}

TEST_F(Rfc1035ZoneTest, AnEchoedLineShowsControlCharactersEscaped) {
    const std::string head = "$ORIGIN example.\n$TTL 60\n@ IN SOA ns hm 1 2 3 4 5\n";  // 1-3
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"\x1b[2J", "\\x1b[2J"},         {"\x07", "\\x07"}, {"\x7f", "\\x7f"},
        {std::string(1, '\0'), "\\x00"}, {"\xff", "\\xff"},
    };
    for (const auto& [raw, shown] : cases) {
        SCOPED_TRACE(shown);
        const std::string message = error_of(head + "b IN A 10.0.0.x" + raw + "1\n");
        EXPECT_NE(message.find(": line 4: "), std::string::npos) << message;
        EXPECT_NE(message.find("\"b IN A 10.0.0.x" + shown + "1\""), std::string::npos) << message;
        EXPECT_EQ(message.find(raw), std::string::npos) << message;
    }
}

TEST_F(Rfc1035ZoneTest, AFileTheDroppedUserCannotReadIsNamedNotQuoted) {
    // Started as root with a user to drop to: only files that user can read are quoted.
    set_file_reader(FileReader{"other", true, ::geteuid() + 4242, 4242, {}});
    write("secret.inc", "root:$6$hash:19000:0:99999:7:::\n");
    fs::permissions(dir_ / "secret.inc", fs::perms(0600));
    const std::string head = "$ORIGIN example.\n@ 60 IN SOA ns hm 1 2 3 4 5\n";
    const std::string included = error_of(head + "$INCLUDE secret.inc\n");
    const std::string own = (dir_ / "bad.zone").string() + ": line 1 of secret.inc: ";
    EXPECT_EQ(included.rfind(own, 0), 0u) << included;
    EXPECT_EQ(included.find("$6$hash"), std::string::npos) << included;
    EXPECT_NE(included.find("user other (\"user\") cannot read " + (dir_ / "secret.inc").string()),
              std::string::npos)
        << included;

    const std::string bad_line = head + "b IN A 10.0.0.x1\n";
    fs::permissions(write("bad.zone", bad_line), fs::perms(0600));
    const fs::path file = dir_ / "bad.zone";
    std::string message;
    try {
        (void)read_rfc1035_zone(file, dns::Name());
    } catch (const model::ZoneError& e) {
        message = e.what();
    }
    EXPECT_EQ(message.rfind(file.string() + ": line 3: a mistake whose text is not shown", 0), 0u)
        << message;
    EXPECT_EQ(message.find("10.0.0.x1"), std::string::npos) << message;
    fs::permissions(file, fs::perms(0644));  // readable by that user: quoted
    EXPECT_NE(error_of(bad_line).find("\"b IN A 10.0.0.x1\""), std::string::npos);
    set_file_reader(std::nullopt);
}

TEST_F(Rfc1035ZoneTest, SoaOwnerMustBeTheGivenOrigin) {
    const std::string message = error_of("$ORIGIN other.\n@ 60 IN SOA ns hm 1 2 3 4 5\n",
                                         dns::Name::parse_absolute("example."));
    EXPECT_NE(message.find(": line 2: SOA owner other. is not the zone origin example."),
              std::string::npos)
        << message;
}

TEST_F(Rfc1035ZoneTest, ErrorInIncludedFile) {
    write("bad.inc", "ok IN A 192.0.2.1\nbad IN A x\n");
    const std::string message =
        error_of("$ORIGIN example.\n@ 60 IN SOA ns hm 1 2 3 4 5\n$INCLUDE bad.inc\n");
    EXPECT_NE(message.find("bad.zone: line 2 of bad.inc: "), std::string::npos) << message;
}

TEST_F(Rfc1035ZoneTest, SelfIncludeFailsCleanly) {
    const std::string message =
        error_of("$ORIGIN example.\n@ 60 IN SOA ns hm 1 2 3 4 5\n$INCLUDE bad.zone\n");
    EXPECT_NE(message.find("nested too deeply"), std::string::npos) << message;
}

TEST_F(Rfc1035ZoneTest, ReadZoneFileByExtension) {
    const fs::path path = write("paris.example.local.zone", bench_zone("paris", 2, 3, 600));
    const model::ZoneData zone = read_zone_file(path);
    EXPECT_EQ(zone.source, path.string());
    EXPECT_EQ(zone.origin.to_text(), "paris.example.local.");
    EXPECT_EQ(zone.records.size(), 11u);
    EXPECT_EQ(zone.records[1].ttl, 600u);

    const fs::path missing = dir_ / "missing.zone";
    try {
        (void)read_zone_file(missing);
        FAIL() << "no error";
    } catch (const model::ZoneError& e) {
        EXPECT_EQ(std::string(e.what()),
                  missing.string() + ": cannot open: No such file or directory");
    }
}

}  // namespace
}  // namespace sitedns::load

namespace sitedns::load {
namespace {

// limits.zone_bytes holds for every file of one load: an $INCLUDEd file counts too, and
// the error names it, at the line that includes it.
TEST_F(Rfc1035ZoneTest, IncludedFilesCountTowardsTheLimit) {
    const std::string inc = "a IN A 192.0.2.1\n";
    const std::string text = "$ORIGIN example.\n@ 60 IN SOA ns hm 1 2 3 4 5\n$INCLUDE a.inc\n";
    write("a.inc", inc);
    const fs::path main = write("main.zone", text);
    ZoneFiles enough(text.size() + inc.size());
    EXPECT_EQ(read_rfc1035_zone(main, dns::Name(), enough).records.size(), 2u);
    ZoneFiles short_by_one(text.size() + inc.size() - 1);
    try {
        (void)read_rfc1035_zone(main, dns::Name(), short_by_one);
        ADD_FAILURE() << "no error";
    } catch (const model::ZoneError& e) {
        EXPECT_EQ(std::string(e.what()),
                  main.string() + ": line 3: " + (dir_ / "a.inc").string() +
                      ": larger than limits.zone_bytes, " +
                      std::to_string(text.size() + inc.size() - 1) + " bytes, with the " +
                      std::to_string(text.size()) +
                      " bytes of zone files read before it (the limit holds for all of them "
                      "together)");
    }
}

std::string out_of_memory(const fs::path& /*file*/, std::uint64_t /*max_bytes*/) {
    throw std::bad_alloc();
}

TEST_F(Rfc1035ZoneTest, OutOfMemoryNamesTheFile) {
    for (const char* name : {"paris.zone", "paris.json"}) {
        const fs::path path = write(name, bench_zone("paris", 2, 3, 600));
        ZoneFiles files(kDefaultZoneBytes, out_of_memory);
        try {
            (void)read_zone_file(path, SoaRule::Required, files);
            ADD_FAILURE() << name << ": no error";
        } catch (const model::ZoneError& e) {
            EXPECT_EQ(std::string(e.what()), path.string() + ": out of memory while reading it");
        }
    }
}

}  // namespace
}  // namespace sitedns::load
