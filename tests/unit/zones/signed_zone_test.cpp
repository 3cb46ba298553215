// A zone signed elsewhere (SPEC §5): the readers leave out its DNSSEC records and count
// them, so that sitedns serves it unsigned; DS, the parent side of a delegation, stays.

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "zones/dns/types.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::load {
namespace {

namespace fs = std::filesystem;
namespace rrtype = dns::rrtype;

// What ldns-signzone writes (NSEC and NSEC3 chains both, for the test), with a CDS and a
// CDNSKEY for the parent and a delegation with its DS.
constexpr const char* kSigned = R"($ORIGIN example.test.
$TTL 300
@ SOA ns hostmaster 1 3600 600 604800 300
@ NS ns
@ DNSKEY 256 3 15 3DpUzli3sBSDPFfm/Iy69dqQDJFAyxtACvCPycXOrOI=
@ RRSIG SOA 15 2 300 20270104183917 20261207183917 27676 example.test. g9/N9xp9KE7v92Jf0bJW2ZdortEuaTt4UTb8PIosE1anrglAhEllqjdG8z1G1vDdEBO5pSE8yo96HVCLj5DEBA==
@ NSEC ns.example.test. NS SOA RRSIG NSEC DNSKEY
@ NSEC3PARAM 1 0 1 00
@ CDS 27676 15 2 4E0F1A8C1F6B0D5E7D3B9A1C2E4F6A8B0C2D4E6F8A0B2C4D6E8F0A2B4C6D8E0F
@ CDNSKEY 256 3 15 3DpUzli3sBSDPFfm/Iy69dqQDJFAyxtACvCPycXOrOI=
gk444jpohcsoj2hvq90v2rjds5kaf5ae NSEC3 1 0 1 00 hfmavi1avv1rv2jo9hsngc1vo65mpiel NS SOA RRSIG DNSKEY NSEC3PARAM
ns A 192.0.2.53
ns RRSIG A 15 3 300 20270104183917 20261207183917 27676 example.test. eS8ckSlD7lBd9gTZ5vtfcvPcB7swoe/Bb/KWSR87cvm0P+tni3OXpHEsEtOoqjMKBqaC3aN6+jJ96l1PgedVDg==
child NS ns.child
child DS 27676 15 2 4E0F1A8C1F6B0D5E7D3B9A1C2E4F6A8B0C2D4E6F8A0B2C4D6E8F0A2B4C6D8E0F
ns.child A 192.0.2.54
)";

/// Reads `text` as the zone file `name` (its extension chooses the reader), written to a
/// file of its own for the read.
model::ZoneData read_text(const std::string& name, const std::string& text) {
    const fs::path path =
        fs::temp_directory_path() / ("sitedns_signed_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(path) << text;
    model::ZoneData zone = read_zone_file(path);
    fs::remove(path);
    return zone;
}

std::vector<std::uint16_t> types_of(const model::ZoneData& zone) {
    std::vector<std::uint16_t> types;
    for (const model::Record& record : zone.records) types.push_back(record.type);
    return types;
}

TEST(SignedZone, AZoneFileLosesItsDnssecRecordsAndCountsThem) {
    const model::ZoneData zone = read_text("example.test.zone", kSigned);
    EXPECT_EQ(zone.dnssec_dropped, 8u);
    EXPECT_EQ(
        zone.dnssec_types,
        (std::vector<std::uint16_t>{rrtype::DNSKEY, rrtype::RRSIG, rrtype::NSEC, rrtype::NSEC3PARAM,
                                    rrtype::CDS, rrtype::CDNSKEY, rrtype::NSEC3}));
    EXPECT_EQ(types_of(zone), (std::vector<std::uint16_t>{rrtype::SOA, rrtype::NS, rrtype::A,
                                                          rrtype::NS, rrtype::DS, rrtype::A}));
}

TEST(SignedZone, AJsonZoneLosesThemToo) {
    const std::string json = R"({ "origin": "example.test.", "ttl": 300,
      "soa": { "mname": "ns.example.test.", "rname": "hostmaster.example.test.", "serial": 1,
               "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
      "records": [
        { "name": "@", "type": "NS", "data": "ns" },
        { "name": "@", "type": "DNSKEY", "data": "256 3 15 3DpUzli3sBSDPFfm/Iy69dqQDJFAyxtACvCPycXOrOI=" },
        { "name": "ns", "type": "A", "data": "192.0.2.53" },
        { "name": "ns", "type": "NSEC", "data": "example.test. A RRSIG NSEC" } ] })";
    const model::ZoneData zone = read_text("example.test.json", json);
    EXPECT_EQ(zone.dnssec_dropped, 2u);
    EXPECT_EQ(zone.dnssec_types, (std::vector<std::uint16_t>{rrtype::DNSKEY, rrtype::NSEC}));
    EXPECT_EQ(types_of(zone), (std::vector<std::uint16_t>{rrtype::SOA, rrtype::NS, rrtype::A}));
}

TEST(SignedZone, TheCompiledZoneHasNoDnssecDataAndKnowsItWasSigned) {
    const auto zone = model::Zone::compile(read_text("example.test.zone", kSigned));
    EXPECT_EQ(zone->dnssec_dropped(), 8u);
    EXPECT_EQ(zone->dnssec_types().size(), 7u);
    EXPECT_EQ(zone->record_count(), 6u);
    // The NSEC3 owner was a name only for the chain: gone with it.
    const std::string hashed =
        dns::Name::parse_absolute("gk444jpohcsoj2hvq90v2rjds5kaf5ae.example.test.").key();
    EXPECT_EQ(
        zone->find_node({reinterpret_cast<const std::uint8_t*>(hashed.data()), hashed.size()}),
        nullptr);
}

TEST(SignedZone, AnUnsignedZoneCountsNone) {
    const model::ZoneData zone =
        read_text("plain.zone",
                  "$ORIGIN plain.test.\n@ 300 SOA ns hostmaster 1 2 3 4 5\n"
                  "@ 300 NS ns\nns 300 A 192.0.2.1\n");
    EXPECT_EQ(zone.dnssec_dropped, 0u);
    EXPECT_TRUE(zone.dnssec_types.empty());
}

}  // namespace
}  // namespace sitedns::load
