#pragma once

// The example data the query tests answer from, as plain text and addresses (no server
// header): two versions of the zone example.test. and the three views that serve them.
// The unit tests compile it into a snapshot by hand (tests/unit/query/test_snapshot.h);
// the integration tests write it as a configuration for the real binary. Every view
// has a 127.0.0.0/8 prefix, so a test on loopback can be a client of each.
//
//   view "london"  127.0.0.0/8, 10.1.0.0/16, ::1/128                 example.test. (rich)
//   view "paris"   127.0.2.0/24, 10.2.0.0/16, 10.1.2.3/32, 2001:db8:2::/48
//                                                                    example.test. (small)
//   view "empty"   127.0.9.0/24, 10.9.0.0/16                         no zones
//   anything else: no view (REFUSED)

#include <string>
#include <string_view>
#include <vector>

namespace sitedns::test {

inline constexpr std::string_view kLondonClient = "127.0.0.1";
inline constexpr std::string_view kParisClient = "10.2.0.5";
inline constexpr std::string_view kParisLoopbackClient = "127.0.2.1";
inline constexpr std::string_view kEmptyViewClient = "10.9.1.1";
inline constexpr std::string_view kEmptyViewLoopbackClient = "127.0.9.1";
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
std::string txt_string(int i, char fill);

/// The rich test zone (SPEC §4 JSON).
std::string london_zone_json();

/// The same origin as another site sees it: a different mail address and SOA.
std::string paris_zone_json();

/// A view of the example data: its name, the client prefixes it matches (SPEC §3.2) and
/// its zone as JSON ("" for none).
struct TestView {
    std::string name;
    std::vector<std::string> match_clients;
    std::string zone_json;
};

/// The three views described at the top of this file, in this order.
std::vector<TestView> test_views();

}  // namespace sitedns::test
