// The query core fed with packets, no socket (STYLE rules 1 and 12): the shared table of
// cases (tests/support/query_cases.h), each a client, a question and the answer expected
// section by section, then what a case cannot say: ANY on names with several RRsets,
// truncation details and the malformed packets that have no question to tabulate.

#include "server/query/responder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <vector>

#include "server/query/encoder.h"
#include "server/wire/edns.h"
#include "server/wire/limits.h"
#include "tests/support/dns_client.h"
#include "tests/support/query_cases.h"
#include "tests/unit/query/test_snapshot.h"

namespace sitedns::query {
namespace {

using sitedns::test::Answer;
using sitedns::test::Bytes;
using sitedns::test::kMailA;
using sitedns::test::kSoaNeg;
using sitedns::test::QueryCase;
using sitedns::test::QueryOptions;
using sitedns::test::Records;

const query::Snapshot& snapshot() {
    static const auto built = test::make_snapshot();
    return *built;
}

/// The largest answer the client said it takes (RFC 6891 §6.2.5; our cap is 1232).
std::size_t client_limit(const QueryOptions& opts, Transport transport) {
    if (transport == Transport::Tcp) return kMaxMessage;
    if (!opts.edns) return 512;
    return std::clamp<std::size_t>(opts.udp_size, 512, wire::kEdnsPayload);
}

Bytes respond(const Bytes& query, std::string_view client, Transport transport) {
    Bytes out(transport == Transport::Tcp ? kMaxMessage : 4096);
    const std::size_t length =
        Responder::respond(snapshot(), query, test::ip(client), transport, out);
    out.resize(length);
    return out;
}

Records sorted(Records records) {
    std::sort(records.begin(), records.end());
    return records;
}

/// Runs `c` with `qname` (the case's, or a case variant of it) over each transport the
/// case holds for and checks every part of the answer. With `fold_case`, records are
/// compared case-insensitively.
void check_case(const QueryCase& c, const std::string& qname, bool fold_case) {
    const auto id = static_cast<std::uint16_t>(std::hash<std::string>{}(c.name + qname));
    for (const bool tcp : sitedns::test::case_transports(c)) {
        SCOPED_TRACE(tcp ? "over TCP" : "over UDP");
        const Transport transport = tcp ? Transport::Tcp : Transport::Udp;
        const Bytes wire = respond(sitedns::test::case_query(c, qname, id), c.client, transport);
        ASSERT_FALSE(wire.empty()) << "no answer";
        Answer a;
        ASSERT_NO_THROW(a = sitedns::test::parse_answer(wire));
        EXPECT_EQ(sitedns::test::check_answer(c, qname, id, a, fold_case), "")
            << sitedns::test::to_string(a);
        // What the binary's constants say: the payload we advertise, the size we keep to.
        if (a.has_opt) {
            EXPECT_EQ(a.opt_udp_size, wire::kEdnsPayload);
        }
        EXPECT_LE(a.size, client_limit(c.opts, transport));
    }
}

std::string upper(std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return text;
}

class ResponderTable : public ::testing::TestWithParam<QueryCase> {};

TEST_P(ResponderTable, Answers) {
    check_case(GetParam(), GetParam().qname, false);
}

// The same question with the name all lowercase and all uppercase: the same data, the
// question's case echoed (RFC 4343 §4).
TEST_P(ResponderTable, AnswersAnyCaseOfTheName) {
    const QueryCase& c = GetParam();
    {
        SCOPED_TRACE("lowercase qname");
        check_case(c, sitedns::test::ascii_lower(c.qname), true);
    }
    {
        SCOPED_TRACE("uppercase qname");
        check_case(c, upper(c.qname), true);
    }
}

std::string case_name(const ::testing::TestParamInfo<QueryCase>& param) {
    return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, ResponderTable, ::testing::ValuesIn(sitedns::test::query_cases()),
                         case_name);

TEST(ResponderTableMeta, HasAtLeast45Cases) {
    EXPECT_GE(sitedns::test::query_cases().size(), 45u);
}

// ------------------------------------------------------------------ ANY (RFC 8482)

/// True when every record of `records` has the same owner and type: one RRset.
bool one_rrset(const Records& records) {
    const auto key = [](const std::string& rr) {
        // "<owner> <ttl> <class> <type> ..." -> "<owner> <class> <type>"
        std::string fields[4];
        std::size_t at = 0;
        for (auto& field : fields) {
            const std::size_t end = rr.find(' ', at);
            field = rr.substr(at, end - at);
            at = end == std::string::npos ? rr.size() : end + 1;
        }
        return fields[0] + " " + fields[2] + " " + fields[3];
    };
    return std::all_of(records.begin(), records.end(),
                       [&](const std::string& rr) { return key(rr) == key(records.front()); });
}

TEST(ResponderAny, AnswersExactlyOneRRset) {
    for (const char* qname :
         {"example.test", "mail.example.test", "foo.wild.example.test", "big.example.test"}) {
        SCOPED_TRACE(qname);
        const Answer a = sitedns::test::parse_answer(
            respond(sitedns::test::make_query(qname, "ANY", {.edns = true}), test::kLondonClient,
                    Transport::Tcp));
        EXPECT_EQ(a.rcode, "NOERROR");
        EXPECT_TRUE(a.aa);
        ASSERT_FALSE(a.answer.empty());
        EXPECT_TRUE(one_rrset(a.answer)) << sitedns::test::to_string(a);
        EXPECT_EQ(a.answer.front().rfind(std::string(qname) + ". ", 0), 0u) << "owner is the qname";
    }
}

// ------------------------------------------------------------------ truncation details

TEST(ResponderTruncation, TruncatedAnswerKeepsQuestionAndOpt) {
    const Bytes wire = respond(
        sitedns::test::make_query("big.example.test", "TXT", {.edns = true, .udp_size = 4096}),
        test::kLondonClient, Transport::Udp);
    const Answer a = sitedns::test::parse_answer(wire);
    EXPECT_TRUE(a.tc);
    EXPECT_LE(wire.size(), wire::kEdnsPayload);
    EXPECT_EQ(a.question, "big.example.test. IN TXT");
    EXPECT_TRUE(a.has_opt) << "the OPT is kept in a truncated answer (RFC 6891 §7)";
    EXPECT_TRUE(a.answer.empty()) << "an RRset is sent whole or not at all (RFC 2181 §9)";
}

TEST(ResponderTruncation, BigAnswerReallyExceedsTheUdpCap) {
    const Bytes wire = respond(sitedns::test::make_query("big.example.test", "TXT"),
                               test::kLondonClient, Transport::Tcp);
    EXPECT_GT(wire.size(), wire::kEdnsPayload);
    EXPECT_EQ(sitedns::test::parse_answer(wire).answer.size(),
              static_cast<std::size_t>(test::kBigCount));
}

TEST(ResponderTruncation, MediumAnswerExceeds512AndFits1232) {
    const Bytes wire = respond(sitedns::test::make_query("medium.example.test", "TXT"),
                               test::kLondonClient, Transport::Tcp);
    EXPECT_GT(wire.size(), 512u);
    EXPECT_LE(wire.size() + wire::kOptSize, wire::kEdnsPayload);
}

// RFC 2181 §9: additional data that does not fit is left out, without TC.
TEST(ResponderTruncation, AdditionalThatDoesNotFitIsLeftOutWithoutTc) {
    const Bytes wire = respond(sitedns::test::make_query("mx8.example.test", "MX"),
                               test::kLondonClient, Transport::Udp);
    const Answer a = sitedns::test::parse_answer(wire);
    EXPECT_LE(wire.size(), 512u);
    EXPECT_FALSE(a.tc);
    EXPECT_EQ(sorted(a.answer), sorted(sitedns::test::mx8_answer()));
    EXPECT_FALSE(a.additional.empty());
    EXPECT_LT(a.additional.size(), sitedns::test::mx8_additional().size());
    for (const std::string& rr : a.additional) {
        const Records all = sitedns::test::mx8_additional();
        EXPECT_NE(std::find(all.begin(), all.end(), rr), all.end()) << rr;
    }
}

// RFC 9471 §3.1 (updating RFC 1034): glue for in-domain name servers is not optional;
// when it does not all fit, the referral is sent with TC=1 so the resolver retries over
// TCP. (Glue for sibling or out-of-domain servers may still be left out.)
TEST(ResponderTruncation, ReferralWhoseInDomainGlueDoesNotFitSetsTc) {
    const Bytes wire = respond(sitedns::test::make_query("www.bigcut.example.test", "A"),
                               test::kLondonClient, Transport::Udp);
    const Answer a = sitedns::test::parse_answer(wire);
    EXPECT_LE(wire.size(), 512u);
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_FALSE(a.aa);
    const bool all_glue = a.additional.size() == sitedns::test::bigcut_glue().size();
    EXPECT_TRUE(all_glue || a.tc) << "glue left out without TC: " << a.additional.size() << " of "
                                  << sitedns::test::bigcut_glue().size() << " glue records\n"
                                  << sitedns::test::to_string(a);
}

// ------------------------------------------------------------------ malformed packets

/// Header bytes: id 0xbeef, the given flags and counts.
Bytes header(std::uint16_t flags, std::uint16_t qd, std::uint16_t an = 0, std::uint16_t ns = 0,
             std::uint16_t ar = 0) {
    const auto hi = [](std::uint16_t v) { return static_cast<std::uint8_t>(v >> 8); };
    const auto lo = [](std::uint16_t v) { return static_cast<std::uint8_t>(v); };
    return {0xbe,   0xef,   hi(flags), lo(flags), hi(qd), lo(qd),
            hi(an), lo(an), hi(ns),    lo(ns),    hi(ar), lo(ar)};
}

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// The question of a well-formed query for mail.example.test A.
Bytes mail_question() {
    const Bytes q = sitedns::test::make_query("mail.example.test", "A");
    return Bytes(q.begin() + 12, q.end());
}

Answer answer_to(const Bytes& packet) {
    const Bytes wire = respond(packet, test::kLondonClient, Transport::Udp);
    if (wire.empty()) throw sitedns::test::DnsClientError("no answer");
    return sitedns::test::parse_answer(wire);
}

void expect_error_answer(const Answer& a, const std::string& rcode, bool question) {
    EXPECT_EQ(a.id, 0xbeef);
    EXPECT_TRUE(a.qr);
    EXPECT_FALSE(a.aa);
    EXPECT_EQ(a.rcode, rcode);
    EXPECT_EQ(a.qdcount, question ? 1 : 0);
    EXPECT_TRUE(a.answer.empty());
    EXPECT_TRUE(a.authority.empty());
    EXPECT_TRUE(a.additional.empty());
    EXPECT_LE(a.size, 512u);
}

TEST(ResponderMalformed, QdcountZeroIsFormerr) {
    const Answer a = answer_to(header(0x0100, 0));
    expect_error_answer(a, "FORMERR", false);
    EXPECT_TRUE(a.rd);
}

TEST(ResponderMalformed, QdcountTwoIsFormerr) {
    expect_error_answer(answer_to(header(0, 2) + mail_question() + mail_question()), "FORMERR",
                        false);
}

TEST(ResponderMalformed, TruncatedQuestionIsFormerr) {
    expect_error_answer(answer_to(header(0, 1) + Bytes{4, 'm', 'a', 'i', 'l', 7, 'e', 'x'}),
                        "FORMERR", false);
    expect_error_answer(answer_to(header(0, 1) + Bytes{4, 'm', 'a', 'i', 'l', 0, 0, 1, 0}),
                        "FORMERR", false);
}

TEST(ResponderMalformed, BadLabelTypeIsFormerr) {
    // 0x41: the retired extended label type (RFC 6891 §5).
    expect_error_answer(answer_to(header(0, 1) + Bytes{0x41, 'a', 0, 0, 1, 0, 1}), "FORMERR",
                        false);
}

TEST(ResponderMalformed, ForwardCompressionPointerIsFormerr) {
    expect_error_answer(answer_to(header(0, 1) + Bytes{0xc0, 14, 0, 0, 1, 0, 1}), "FORMERR", false);
}

TEST(ResponderMalformed, AnswerRecordInQueryIsFormerr) {
    const Bytes rr = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    expect_error_answer(answer_to(header(0, 1, 1) + mail_question() + rr), "FORMERR", true);
}

TEST(ResponderMalformed, TrailingGarbageIsFormerr) {
    expect_error_answer(answer_to(header(0, 1) + mail_question() + Bytes{1, 2, 3}), "FORMERR",
                        true);
}

TEST(ResponderMalformed, TwoOptsIsFormerrWithoutOpt) {
    const Bytes opt = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
    const Answer a = answer_to(header(0, 1, 0, 0, 2) + mail_question() + opt + opt);
    expect_error_answer(a, "FORMERR", true);
    EXPECT_FALSE(a.has_opt);
}

TEST(ResponderMalformed, OptWithOptionsIsAnswered) {
    // A DNS cookie (RFC 7873, code 10) and an unknown option: ignored, not an error.
    const Bytes options = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0xfd, 0xe9, 0, 0};
    const Bytes opt =
        Bytes{0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(options.size())} +
        options;
    const Answer a = answer_to(header(0, 1, 0, 0, 1) + mail_question() + opt);
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_TRUE(a.has_opt);
    EXPECT_EQ(a.answer, Records{kMailA});
}

TEST(ResponderMalformed, OptWithBadOptionFramingIsFormerrWithoutOpt) {
    const Bytes opt = {0, 0, 41, 0x04, 0xd0, 0, 0, 0,
                       0, 0, 4,  0,    10,   0, 8};  // option says 8 bytes, has 0
    const Answer a = answer_to(header(0, 1, 0, 0, 1) + mail_question() + opt);
    expect_error_answer(a, "FORMERR", true);
    EXPECT_FALSE(a.has_opt);
}

TEST(ResponderMalformed, OptNotOwnedByRootIsFormerr) {
    const Bytes opt = {1, 'x', 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    expect_error_answer(answer_to(header(0, 1, 0, 0, 1) + mail_question() + opt), "FORMERR", true);
}

TEST(ResponderMalformed, BadVersionAnswerShape) {
    const Answer a = answer_to(sitedns::test::make_query(
        "mail.example.test", "A", {.id = 0xbeef, .edns = true, .do_bit = true, .edns_version = 7}));
    EXPECT_EQ(a.rcode, "BADVERS");
    EXPECT_EQ(a.rcode_value, 16);
    EXPECT_TRUE(a.has_opt);
    EXPECT_EQ(a.opt_version, 0) << "the version we support (RFC 6891 §6.1.3)";
    EXPECT_TRUE(a.answer.empty());
    EXPECT_TRUE(a.authority.empty());
    EXPECT_FALSE(a.aa);
}

TEST(ResponderMalformed, QrSetIsDropped) {
    Bytes query = sitedns::test::make_query("mail.example.test", "A");
    query[2] |= 0x80;
    EXPECT_EQ(respond(query, test::kLondonClient, Transport::Udp).size(), 0u);
    EXPECT_EQ(respond(query, test::kLondonClient, Transport::Tcp).size(), 0u);
}

TEST(ResponderMalformed, ShorterThanHeaderIsDropped) {
    EXPECT_EQ(respond(Bytes{0xbe, 0xef, 0, 0, 0}, test::kLondonClient, Transport::Udp).size(), 0u);
    EXPECT_EQ(respond(Bytes{}, test::kLondonClient, Transport::Udp).size(), 0u);
    EXPECT_EQ(respond(Bytes(11, 0), test::kLondonClient, Transport::Udp).size(), 0u);
}

}  // namespace
}  // namespace sitedns::query
