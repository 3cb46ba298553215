#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "zones/dns/types.h"
#include "zones/load/zone_readers.h"

namespace sitedns::load {
namespace {

using Bytes = std::vector<std::uint8_t>;

const char* const kSource = "zones/paris.json";

/// A zone document whose "records" array holds `records` (JSON text without brackets).
std::string zone_json(const std::string& records, const std::string& extra_top = "") {
    return R"({
  "origin": "paris.example.local.",
  "ttl": 3600,)" +
           extra_top +
           R"(
  "soa": { "mname": "ns.london.example.local.", "rname": "hostmaster.example.com.",
           "serial": 2026112401, "refresh": 3600, "retry": 600, "expire": 604800,
           "minimum": 300 },
  "records": [)" +
           records + "]\n}\n";
}

/// Wire form of a presentation name, for expected RDATA.
Bytes name_wire(const std::string& text) {
    const dns::Name name = dns::Name::parse_absolute(text);
    return Bytes(name.wire().begin(), name.wire().end());
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

Bytes text_bytes(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

TEST(JsonZoneTest, ReadsValidZone) {
    const std::string records = R"(
    { "name": "@", "type": "NS", "data": "NS.London.example.local." },
    { "name": "@", "type": "MX", "ttl": 300, "data": "10 mail" },
    { "name": "mail", "type": "A", "data": "203.0.113.20" },
    { "name": "mail", "type": "AAAA", "data": "2001:db8:20::25" },
    { "name": "@", "type": "TXT", "data": "\"v=spf1 mx -all\"" },
    { "name": "_submission._tcp", "type": "srv", "data": "0 1 587 mail.paris.example.local." },
    { "name": "www", "type": "CNAME", "data": "mail" },
    { "name": "@", "type": "CAA", "data": "0 issue \"letsencrypt.org\"" },
    { "name": "opaque", "type": "TYPE65280", "ttl": 0, "data": "\\# 4 0a000001" },
    { "name": "*.dyn", "type": "A", "data": "198.51.100.7" },
    { "name": "Host.paris.example.local.", "type": "A", "data": "\\# 4 c0000201" })";
    const model::ZoneData zone = read_json_zone(zone_json(records), kSource);
    EXPECT_EQ(zone.source, kSource);
    EXPECT_EQ(zone.origin.to_text(), "paris.example.local.");
    ASSERT_EQ(zone.records.size(), 12u);

    const model::Record& soa = zone.records[0];
    EXPECT_EQ(soa.owner, zone.origin);
    EXPECT_EQ(soa.type, dns::rrtype::SOA);
    EXPECT_EQ(soa.ttl, 3600u);
    EXPECT_EQ(soa.where, "soa");
    EXPECT_EQ(soa.rdata, concat({name_wire("ns.london.example.local."),
                                 name_wire("hostmaster.example.com."),
                                 {0x78, 0xc4, 0x05, 0x91},  // 2026112401
                                 {0, 0, 0x0e, 0x10},
                                 {0, 0, 0x02, 0x58},
                                 {0, 0x09, 0x3a, 0x80},
                                 {0, 0, 0x01, 0x2c}}));

    const auto& r = zone.records;
    EXPECT_EQ(r[1].type, dns::rrtype::NS);
    EXPECT_EQ(r[1].where, "record 0");
    EXPECT_EQ(r[1].rdata, name_wire("NS.London.example.local."));  // case kept
    EXPECT_NE(r[1].rdata, name_wire("ns.london.example.local."));

    EXPECT_EQ(r[2].owner.to_text(), "paris.example.local.");
    EXPECT_EQ(r[2].ttl, 300u);
    EXPECT_EQ(r[2].rdata, concat({{0, 10}, name_wire("mail.paris.example.local.")}));

    EXPECT_EQ(r[3].owner.to_text(), "mail.paris.example.local.");
    EXPECT_EQ(r[3].ttl, 3600u);
    EXPECT_EQ(r[3].rdata, (Bytes{203, 0, 113, 20}));

    EXPECT_EQ(r[4].type, dns::rrtype::AAAA);
    EXPECT_EQ(r[4].rdata,
              (Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25}));

    EXPECT_EQ(r[5].type, dns::rrtype::TXT);
    EXPECT_EQ(r[5].rdata, concat({{14}, text_bytes("v=spf1 mx -all")}));

    EXPECT_EQ(r[6].owner.to_text(), "_submission._tcp.paris.example.local.");
    EXPECT_EQ(r[6].type, dns::rrtype::SRV);
    EXPECT_EQ(r[6].rdata,
              concat({{0, 0, 0, 1, 0x02, 0x4b}, name_wire("mail.paris.example.local.")}));

    EXPECT_EQ(r[7].type, dns::rrtype::CNAME);
    EXPECT_EQ(r[7].rdata, name_wire("mail.paris.example.local."));

    EXPECT_EQ(r[8].type, dns::rrtype::CAA);
    EXPECT_EQ(r[8].rdata, concat({{0, 5}, text_bytes("issue"), text_bytes("letsencrypt.org")}));

    EXPECT_EQ(r[9].type, 65280);
    EXPECT_EQ(r[9].ttl, 0u);
    EXPECT_EQ(r[9].rdata, (Bytes{0x0a, 0, 0, 1}));

    EXPECT_TRUE(r[10].owner.is_wildcard());
    EXPECT_EQ(r[10].owner.to_text(), "*.dyn.paris.example.local.");

    EXPECT_EQ(r[11].owner.to_text(), "Host.paris.example.local.");
    EXPECT_EQ(r[11].rdata, (Bytes{192, 0, 2, 1}));
    EXPECT_EQ(r[11].where, "record 10");
}

TEST(JsonZoneTest, DefaultsTtlAndEmptyRecords) {
    const std::string text = R"({ "origin": "a.example.",
        "soa": { "mname": "ns", "rname": "hostmaster", "serial": 1, "refresh": 2,
                 "retry": 3, "expire": 4, "minimum": 5 } })";
    const model::ZoneData zone = read_json_zone(text, "a.json");
    ASSERT_EQ(zone.records.size(), 1u);
    EXPECT_EQ(zone.records[0].ttl, 3600u);
    // Relative SOA names are completed with the origin.
    EXPECT_EQ(zone.records[0].rdata,
              concat({name_wire("ns.a.example."),
                      name_wire("hostmaster.a.example."),
                      {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5}}));
}

TEST(JsonZoneTest, CnameWithDnssecRecordsAndSameDataDifferentOwners) {
    const std::string records = R"(
    { "name": "www", "type": "CNAME", "data": "mail" },
    { "name": "www", "type": "NSEC", "data": "zz A" },
    { "name": "a", "type": "A", "data": "192.0.2.1" },
    { "name": "b", "type": "A", "data": "192.0.2.1" },
    { "name": "a", "type": "A", "data": "192.0.2.2" })";
    // The NSEC beside the CNAME loads, and is left out: the zone is served unsigned.
    const model::ZoneData zone = read_json_zone(zone_json(records), kSource);
    EXPECT_EQ(zone.records.size(), 5u);
    EXPECT_EQ(zone.dnssec_dropped, 1u);
}

struct ErrorCase {
    const char* label;
    std::string text;
    const char* where;
    const char* reason;
};

std::string record_list(const std::string& a, const std::string& b = "") {
    return b.empty() ? a : a + ",\n" + b;
}

std::vector<ErrorCase> error_cases() {
    const std::string a = R"({ "name": "mail", "type": "A", "data": "192.0.2.1" })";
    const std::string soa = R"("soa": { "mname": "ns", "rname": "hm", "serial": 1, "refresh": 2,
                          "retry": 3, "expire": 4, "minimum": 5 })";
    return {
        {"syntax", "{\n  \"origin\": \"a.\",\n  \"ttl\": 36 00\n}", "line 3, column 13",
         "JSON syntax error"},
        {"top unknown key", zone_json(a, R"( "orign": "x.",)"), "top level",
         "unknown key \"orign\""},
        {"soa unknown key",
         R"({ "origin": "a.", "soa": { "mname": "ns", "rname": "hm", "serial": 1, "refresh": 2,
             "retry": 3, "expire": 4, "minimum": 5, "minimun": 5 } })",
         "soa", "unknown key \"minimun\""},
        {"record unknown key",
         zone_json(record_list(a, R"({ "nmae": "x", "type": "A", "data": "192.0.2.1" })")),
         "record 1", "unknown key \"nmae\""},
        {"missing soa field",
         R"({ "origin": "a.", "soa": { "mname": "ns", "rname": "hm", "refresh": 2,
             "retry": 3, "expire": 4, "minimum": 5 } })",
         "soa", "missing key \"serial\""},
        {"missing soa", R"({ "origin": "a." })", "top level", "missing key \"soa\""},
        {"missing origin", "{ " + soa + " }", "top level", "missing key \"origin\""},
        {"relative origin", R"({ "origin": "a.example", )" + soa + " }", "top level", "absolute"},
        {"missing data", zone_json(R"({ "name": "x", "type": "A" })"), "record 0",
         "missing key \"data\""},
        {"bad A", zone_json(R"({ "name": "x", "type": "A", "data": "300.1.1.1" })"), "record 0",
         "bad A data \"300.1.1.1\""},
        {"A with extra", zone_json(R"({ "name": "x", "type": "A", "data": "1.2.3.4 5.6.7.8" })"),
         "record 0", "bad A data"},
        {"MX without target",
         zone_json(record_list(a, R"({ "name": "@", "type": "MX", "data": "10" })")), "record 1",
         "bad MX data \"10\""},
        {"unknown type without generic data",
         zone_json(R"({ "name": "x", "type": "TYPE65280", "data": "abc" })"), "record 0",
         "bad TYPE65280 data"},
        {"unknown type", zone_json(R"({ "name": "x", "type": "FOO", "data": "1" })"), "record 0",
         "unknown type \"FOO\""},
        {"query type", zone_json(R"({ "name": "x", "type": "ANY", "data": "\\# 0" })"), "record 0",
         "query type"},
        {"outside origin",
         zone_json(R"({ "name": "www.london.example.local.", "type": "A", "data": "192.0.2.1" })"),
         "record 0", "outside the origin paris.example.local."},
        {"bad name", zone_json(R"({ "name": "a..b", "type": "A", "data": "192.0.2.1" })"),
         "record 0", "bad name \"a..b\": empty label"},
        {"cname beside data",
         zone_json(record_list(a, R"({ "name": "mail", "type": "CNAME", "data": "www" })")),
         "record 1", "CNAME beside other data at mail.paris.example.local."},
        {"data beside cname",
         zone_json(record_list(R"({ "name": "mail", "type": "CNAME", "data": "www" })", a)),
         "record 1", "CNAME beside other data at mail.paris.example.local."},
        {"cname at apex", zone_json(R"({ "name": "@", "type": "CNAME", "data": "www" })"),
         "record 0", "CNAME beside other data at paris.example.local."},
        {"two cnames",
         zone_json(record_list(R"({ "name": "www", "type": "CNAME", "data": "a" })",
                               R"({ "name": "WWW", "type": "CNAME", "data": "b" })")),
         "record 1", "two CNAME records at WWW.paris.example.local. (the first is record 0"},
        {"duplicate",
         zone_json(
             record_list(a, R"({ "name": "MAIL", "type": "A", "ttl": 5, "data": "192.0.2.1" })")),
         "record 1", "duplicate record: same owner, type and data as record 0"},
        {"soa in records",
         zone_json(R"({ "name": "@", "type": "SOA", "data": "ns hm 1 2 3 4 5" })"), "record 0",
         "SOA record in \"records\""},
        {"ttl too large",
         zone_json(R"({ "name": "x", "type": "A", "ttl": 2147483648, "data": "192.0.2.1" })"),
         "record 0", "\"ttl\" 2147483648 is out of range 0..2147483647"},
        {"zone ttl too large", R"({ "origin": "a.", "ttl": 4294967296, )" + soa + " }", "top level",
         "out of range"},
        {"negative ttl",
         zone_json(R"({ "name": "x", "type": "A", "ttl": -1, "data": "192.0.2.1" })"), "record 0",
         "\"ttl\" must not be negative"},
        {"fractional ttl",
         zone_json(R"({ "name": "x", "type": "A", "ttl": 1.5, "data": "192.0.2.1" })"), "record 0",
         "\"ttl\" must be a non-negative integer, got 1.5"},
        {"string ttl",
         zone_json(R"({ "name": "x", "type": "A", "ttl": "300", "data": "192.0.2.1" })"),
         "record 0", "\"ttl\" must be a non-negative integer"},
        {"negative serial",
         R"({ "origin": "a.", "soa": { "mname": "ns", "rname": "hm", "serial": -1, "refresh": 2,
             "retry": 3, "expire": 4, "minimum": 5 } })",
         "soa", "\"serial\" must not be negative"},
        {"records not array", R"({ "origin": "a.", )" + soa + R"(, "records": {} })", "top level",
         "\"records\" must be an array"},
        {"record not object", zone_json("42"), "record 0", "must be a JSON object"},
        {"type not string", zone_json(R"({ "name": "x", "type": 1, "data": "192.0.2.1" })"),
         "record 0", "\"type\" must be a string"},
    };
}

TEST(JsonZoneTest, ErrorsNameSourceWhereAndReason) {
    for (const auto& c : error_cases()) {
        SCOPED_TRACE(c.label);
        try {
            (void)read_json_zone(c.text, kSource);
            ADD_FAILURE() << "no error for: " << c.text;
        } catch (const model::ZoneError& e) {
            const std::string message = e.what();
            EXPECT_EQ(message.rfind(std::string(kSource) + ": " + c.where + ": ", 0), 0u)
                << message;
            EXPECT_NE(message.find(c.reason), std::string::npos) << message;
        }
    }
}

TEST(JsonZoneTest, SyntaxErrorLineAndColumn) {
    try {
        (void)read_json_zone("{\n\n  \"origin\": x\n}", "z.json");
        FAIL() << "no error";
    } catch (const model::ZoneError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("z.json: line 3, column ", 0), 0u) << e.what();
        EXPECT_EQ(std::string(e.what()).find("json.exception"), std::string::npos) << e.what();
    }
}

TEST(JsonZoneTest, ReadZoneFileJson) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("sitedns_json_zone_test_" + std::to_string(::getpid()) + ".json");
    {
        std::ofstream out(path);
        out << zone_json(R"({ "name": "mail", "type": "A", "data": "192.0.2.1" })");
    }
    const model::ZoneData zone = read_zone_file(path);
    EXPECT_EQ(zone.source, path.string());
    EXPECT_EQ(zone.records.size(), 2u);
    std::filesystem::remove(path);

    try {
        (void)read_zone_file(path);
        FAIL() << "no error";
    } catch (const model::ZoneError& e) {
        EXPECT_EQ(std::string(e.what()),
                  path.string() + ": cannot open: No such file or directory");
    }
}

}  // namespace
}  // namespace sitedns::load
