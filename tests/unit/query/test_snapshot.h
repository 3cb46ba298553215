#pragma once

// The snapshot the query core tests answer from, built by hand (no configuration file):
//
//   view "london"  127.0.0.0/8, 10.1.0.0/16, ::1/128     zone example.test. (rich)
//   view "paris"   10.2.0.0/16, 10.1.2.3/32, 2001:db8:2::/48   zone example.test. (small)
//   view "empty"   10.9.0.0/16                            no zones
//   anything else: no view (REFUSED)

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/address.h"
#include "server/query/snapshot.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::query::test {

inline constexpr std::string_view kLondonClient = "127.0.0.1";
inline constexpr std::string_view kParisClient = "10.2.0.5";
inline constexpr std::string_view kEmptyViewClient = "10.9.1.1";
inline constexpr std::string_view kNoViewClient = "192.168.1.1";

/// Number of TXT records at big.example.test., each with a 100-byte string.
inline constexpr int kBigCount = 40;
/// Number of TXT records at medium.example.test. (fits 1232 bytes, not 512).
inline constexpr int kMediumCount = 8;
/// MX targets at mx8.example.test. (h1.mx8 ... h8.mx8, each with A and AAAA).
inline constexpr int kMx8Count = 8;
/// In-domain name servers of the delegation bigcut.example.test. (ns01 ... ns13).
inline constexpr int kBigCutCount = 13;

/// The 100-byte TXT string number `i` of an owner: "NN" then 98 letters.
inline std::string txt_string(int i, char fill) {
    std::string s = std::to_string(i / 10) + std::to_string(i % 10);
    return s + std::string(98, fill);
}

/// The rich test zone (SPEC §4 JSON).
inline std::string london_zone_json() {
    std::string records = R"(
    { "name": "@", "type": "NS", "data": "ns1" },
    { "name": "@", "type": "NS", "data": "ns2" },
    { "name": "@", "type": "MX", "data": "10 mail" },
    { "name": "@", "type": "MX", "data": "20 backup.other.test." },
    { "name": "@", "type": "TXT", "data": "\"v=spf1 mx -all\"" },
    { "name": "ns1", "type": "A", "data": "192.0.2.1" },
    { "name": "ns1", "type": "AAAA", "data": "2001:db8::1" },
    { "name": "ns2", "type": "A", "data": "192.0.2.2" },
    { "name": "ns2", "type": "AAAA", "data": "2001:db8::2" },
    { "name": "mail", "type": "A", "ttl": 300, "data": "192.0.2.10" },
    { "name": "mail", "type": "AAAA", "ttl": 300, "data": "2001:db8::10" },
    { "name": "www", "type": "CNAME", "ttl": 600, "data": "mail" },
    { "name": "c1", "type": "CNAME", "data": "c2" },
    { "name": "c2", "type": "CNAME", "data": "www" },
    { "name": "loop1", "type": "CNAME", "data": "loop2" },
    { "name": "loop2", "type": "CNAME", "data": "loop1" },
    { "name": "ext", "type": "CNAME", "data": "www.other.test." },
    { "name": "dangling", "type": "CNAME", "data": "nothere" },
    { "name": "tosub", "type": "CNAME", "data": "host.sub" },
    { "name": "*.wild", "type": "A", "data": "192.0.2.9" },
    { "name": "*.wild", "type": "TXT", "data": "\"wildcard\"" },
    { "name": "*.cw", "type": "CNAME", "data": "mail" },
    { "name": "x.y.z", "type": "A", "data": "192.0.2.20" },
    { "name": "sub", "type": "NS", "data": "ns.sub" },
    { "name": "sub", "type": "NS", "data": "ns.elsewhere.test." },
    { "name": "ns.sub", "type": "A", "data": "192.0.2.53" },
    { "name": "deep.sub", "type": "A", "data": "192.0.2.54" },
    { "name": "_sip._tcp", "type": "SRV", "data": "0 5 5060 mail" },
    { "name": "UPPER", "type": "A", "data": "192.0.2.30" },
    { "name": "mixed", "type": "CNAME", "data": "MAIL" },
    { "name": "tocw", "type": "CNAME", "data": "x.cw" })";
    for (int i = 0; i < kBigCount; ++i) {
        records += ",\n    { \"name\": \"big\", \"type\": \"TXT\", \"data\": \"\\\"" +
                   txt_string(i, 'b') + "\\\"\" }";
    }
    // mx8: eight MX targets with A and AAAA, whose additional data passes 512 bytes.
    for (int i = 1; i <= kMx8Count; ++i) {
        const std::string host = "h" + std::to_string(i) + ".mx8";
        records += ",\n    { \"name\": \"mx8\", \"type\": \"MX\", \"data\": \"10 " + host + "\" }";
        records += ",\n    { \"name\": \"" + host + "\", \"type\": \"A\", \"data\": \"192.0.2." +
                   std::to_string(100 + i) + "\" }";
        records += ",\n    { \"name\": \"" + host +
                   "\", \"type\": \"AAAA\", \"data\": \"2001:db8::" + std::to_string(100 + i) +
                   "\" }";
    }
    // bigcut: a delegation to 13 in-domain servers, whose glue passes 512 bytes.
    for (int i = 1; i <= kBigCutCount; ++i) {
        const std::string host =
            std::string("ns") + (i < 10 ? "0" : "") + std::to_string(i) + ".bigcut";
        records += ",\n    { \"name\": \"bigcut\", \"type\": \"NS\", \"data\": \"" + host + "\" }";
        records += ",\n    { \"name\": \"" + host + "\", \"type\": \"A\", \"data\": \"198.51.100." +
                   std::to_string(i) + "\" }";
        records += ",\n    { \"name\": \"" + host +
                   "\", \"type\": \"AAAA\", \"data\": \"2001:db8:100::" + std::to_string(i) +
                   "\" }";
    }
    for (int i = 0; i < kMediumCount; ++i) {
        records += ",\n    { \"name\": \"medium\", \"type\": \"TXT\", \"data\": \"\\\"" +
                   txt_string(i, 'm') + "\\\"\" }";
    }
    return R"({
  "origin": "example.test.",
  "ttl": 3600,
  "soa": { "mname": "ns1.example.test.", "rname": "hostmaster.example.test.",
           "serial": 2024010101, "refresh": 7200, "retry": 900, "expire": 1209600, "minimum": 300 },
  "records": [)" +
           records + "\n  ]\n}\n";
}

/// The same origin as another site sees it: a different mail address.
inline std::string paris_zone_json() {
    return R"({
  "origin": "example.test.",
  "ttl": 60,
  "soa": { "mname": "ns.paris.example.test.", "rname": "hostmaster.example.test.",
           "serial": 7, "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 30 },
  "records": [
    { "name": "@", "type": "NS", "data": "ns.paris" },
    { "name": "ns.paris", "type": "A", "data": "198.51.100.53" },
    { "name": "mail", "type": "A", "data": "198.51.100.10" }
  ]
})";
}

inline IpAddress ip(std::string_view text) {
    const auto address = IpAddress::parse(text);
    if (!address) throw std::invalid_argument("bad test address " + std::string(text));
    return *address;
}

inline Cidr cidr(std::string_view text) {
    std::string error;
    const auto prefix = Cidr::parse(text, &error);
    if (!prefix) throw std::invalid_argument("bad test prefix " + std::string(text) + ": " + error);
    return *prefix;
}

inline query::View make_view(std::string name, const std::string& zone_json) {
    query::View view;
    view.name = std::move(name);
    view.recursion = false;
    if (!zone_json.empty()) {
        (void)view.zones.add(model::Zone::compile(load::read_json_zone(zone_json, "test")));
    }
    return view;
}

/// The three-view snapshot described at the top of this file.
inline std::shared_ptr<const query::Snapshot> make_snapshot() {
    auto snapshot = std::make_shared<query::Snapshot>();
    snapshot->views.push_back(make_view("london", london_zone_json()));
    snapshot->views.push_back(make_view("paris", paris_zone_json()));
    snapshot->views.push_back(make_view("empty", ""));
    for (const char* prefix : {"127.0.0.0/8", "10.1.0.0/16", "::1/128"}) {
        (void)snapshot->add_view_prefix(cidr(prefix), 0);
    }
    for (const char* prefix : {"10.2.0.0/16", "10.1.2.3/32", "2001:db8:2::/48"}) {
        (void)snapshot->add_view_prefix(cidr(prefix), 1);
    }
    (void)snapshot->add_view_prefix(cidr("10.9.0.0/16"), 2);
    snapshot->zone_count = 2;
    return snapshot;
}

}  // namespace sitedns::query::test
