// TSIG in the query core (RFC 8945 §5.2.1, §5.3.2): sitedns knows no key, so a signed
// query gets NOTAUTH and an unsigned TSIG with error BADKEY that echoes the key, the
// algorithm, Time Signed, Fudge and the Original ID, after the OPT; a name the view would
// forward is answered so too, never forwarded.

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "server/query/responder.h"
#include "tests/support/dns_client.h"
#include "tests/unit/query/test_snapshot.h"
#include "tests/unit/wire/packet_builder.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using wire::test::Builder;
using Bytes = std::vector<std::uint8_t>;

constexpr const char* kClient = "127.0.0.1";  // view "london": zone example.test., recursion
constexpr std::uint16_t kTsig = 250, kAny = 255;

const query::Snapshot& snapshot() {
    static const auto s = [] {
        auto made = std::make_shared<query::Snapshot>();
        made->views.push_back(test::make_view("london", test::london_zone_json()));
        made->views.back().recursion = true;
        made->views.back().upstreams =
            query::UpstreamSet{{*Endpoint::parse("192.0.2.53:53", {})}, 1};
        EXPECT_TRUE(made->add_view_prefix(test::cidr("127.0.0.0/8"), 0));
        return made;
    }();
    return *s;
}

/// TSIG RDATA (RFC 8945 §4.2): hmac-sha256, Time Signed 0x0000_6A000001, Fudge 300, a
/// 32-byte MAC, Original ID 0x1111, no error, no other data.
Bytes tsig_rdata() {
    return Builder()
        .name("hmac-sha256")
        .u16(0)
        .u32(0x6A000001)
        .u16(300)
        .u16(32)
        .bytes(Bytes(32, 0xAB))
        .u16(0x1111)
        .u16(0)
        .u16(0);
}

/// `qname` A with RD, an OPT when `edns`, and a TSIG by the key "Key.Example".
Bytes signed_query(const char* qname, bool edns) {
    Builder b;
    b.header(0xBEEF, wire::test::kRd, 1, 0, 0, edns ? 2 : 1).question(qname);
    if (edns) b.opt(1232);
    return b.rr("Key.Example", kTsig, kAny, 0, tsig_rdata());
}

struct Outcome {
    Decision decision;
    Bytes out = Bytes(kMaxMessage);
    Answer answer() const {
        return sitedns::test::parse_answer(Bytes(out.begin(), out.begin() + decision.size));
    }
};

std::unique_ptr<Outcome> handle(const Bytes& packet, Transport transport = Transport::Udp) {
    auto o = std::make_unique<Outcome>();
    Responder::handle(snapshot(), packet, test::ip(kClient), transport, o->out, o->decision);
    return o;
}

/// The fields of a record as ldns prints it, split at white space: for TSIG the owner,
/// TTL, class, type, then the algorithm, Time Signed, Fudge, MAC Size, the MAC (empty:
/// no field), Original ID, Error, Other Len (Other Data empty).
std::vector<std::string> fields(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string field; in >> field;) out.push_back(field);
    return out;
}

const std::vector<std::string> kBadKeyTsig = {"Key.Example.", "0",          "ANY", "TSIG",
                                              "hmac-sha256.", "1778384897", "300", "0",
                                              "4369",         "17",         "0"};

TEST(TsigAnswer, AnAuthoritativeNameIsNotauthWithAnUnsignedBadkeyTsig) {
    const auto o = handle(signed_query("mail.example.test", true));
    ASSERT_EQ(o->decision.action, Action::Send);
    const Answer a = o->answer();
    EXPECT_EQ(a.rcode, "NOTAUTH");
    EXPECT_EQ(a.rcode_value, 9);
    EXPECT_EQ(a.id, 0xBEEF);
    EXPECT_FALSE(a.aa);
    EXPECT_TRUE(a.rd);
    EXPECT_EQ(a.question, "mail.example.test. IN A");
    EXPECT_TRUE(a.answer.empty()) << "no data goes to an unverified query";
    EXPECT_TRUE(a.has_opt);
    EXPECT_EQ(fields(a.tsig), kBadKeyTsig);
}

TEST(TsigAnswer, ANameTheViewForwardsIsAnsweredTheSameAndNotForwarded) {
    const auto o = handle(signed_query("www.outside.test", false));
    ASSERT_EQ(o->decision.action, Action::Send) << "a signed query never goes upstream";
    const Answer a = o->answer();
    EXPECT_EQ(a.rcode, "NOTAUTH");
    EXPECT_TRUE(a.ra);
    EXPECT_FALSE(a.has_opt);
    EXPECT_EQ(fields(a.tsig), kBadKeyTsig);
}

TEST(TsigAnswer, TheTsigIsTheLastRecordOverTcpToo) {
    const auto o = handle(signed_query("mail.example.test", true), Transport::Tcp);
    const Answer a = o->answer();
    EXPECT_EQ(a.arcount, 2);
    EXPECT_EQ(fields(a.tsig), kBadKeyTsig);  // ldns finds it only as the last record
}

TEST(TsigAnswer, ATsigThatIsNotLastIsFormerr) {
    const Bytes packet = Builder()
                             .header(0xBEEF, 0, 1, 0, 0, 2)
                             .question("mail.example.test")
                             .rr("key", kTsig, kAny, 0, tsig_rdata())
                             .opt(1232);
    const Answer a = handle(packet)->answer();
    EXPECT_EQ(a.rcode, "FORMERR");
    EXPECT_TRUE(a.tsig.empty());
}

TEST(TsigAnswer, AnUnsignedQueryIsAnsweredAsBefore) {
    const Bytes packet = Builder().header(0xBEEF, 0, 1, 0, 0, 0).question("mail.example.test");
    const Answer a = handle(packet)->answer();
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_FALSE(a.answer.empty());
    EXPECT_TRUE(a.tsig.empty());
}

}  // namespace
}  // namespace sitedns::query
