// Threads: see server/runtime/verify.h.
#include "server/runtime/verify.h"

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <algorithm>
#include <array>
#include <memory>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "server/runtime/metrics.h"
#include "server/upstream/asio_address.h"
#include "server/upstream/upstream_query.h"
#include "server/wire/header.h"
#include "server/wire/rr_iterator.h"
#include "zones/dns/types.h"

namespace sitedns::runtime {
namespace {

/// The character-strings of TXT RDATA, joined (RFC 1035 §3.3.14); false if malformed.
bool txt_text(std::span<const std::uint8_t> rdata, std::string& text) {
    text.clear();
    for (std::size_t at = 0; at < rdata.size(); at += 1u + rdata[at]) {
        if (at + 1u + rdata[at] > rdata.size()) return false;
        text.append(rdata.begin() + static_cast<std::ptrdiff_t>(at + 1),
                    rdata.begin() + static_cast<std::ptrdiff_t>(at + 1 + rdata[at]));
    }
    return true;
}

/// Walks the answer section of `reply` for the first CH TXT record.
std::optional<query::TopologyVersion> find_topology_txt(std::span<const std::uint8_t> reply,
                                                        std::uint16_t records, std::string& why) {
    wire::RrIterator it(reply);
    wire::RecordView rr;
    for (std::uint16_t i = 0; i < records; ++i) {
        if (!it.next(rr)) {
            why = "malformed reply";
            return std::nullopt;
        }
        if (rr.type != dns::rrtype::TXT || rr.rrclass != dns::rrclass::CH) continue;
        std::string text;
        if (!txt_text(rr.rdata, text)) {
            why = "malformed TXT record";
            return std::nullopt;
        }
        if (auto version = query::parse_topology(text)) return version;
        why = "unexpected TXT \"" + text + "\"";
        return std::nullopt;
    }
    why = "no topology record in the answer";
    return std::nullopt;
}

/// Why an exchange gave no answer, by upstream::ExchangeStatus.
constexpr std::array<std::string_view, 4> kStatusText{"answer", "timeout", "network error",
                                                      "bad reply"};

/// True when `reply` says REFUSED: sitedns refuses a client in none of its views.
bool refused(std::span<const std::uint8_t> reply) {
    return reply.size() >= wire::kHeaderSize &&
           wire::Header(reply).rcode() == static_cast<std::uint8_t>(dns::RCode::Refused);
}

/// Fills `verdict` from how the exchange ended.
void judge(SiteVerdict& verdict, upstream::ExchangeStatus status,
           std::span<const std::uint8_t> reply, std::uint32_t expected) {
    if (status != upstream::ExchangeStatus::Answer) {
        verdict.outcome = SiteVerdict::Outcome::NoAnswer;
        verdict.detail = kStatusText[static_cast<std::size_t>(status)];
        return;
    }
    if (refused(reply)) {
        verdict.outcome = SiteVerdict::Outcome::Refused;  // its line says why
        return;
    }
    const auto version = read_topology_reply(reply, verdict.detail);
    if (!version) {
        verdict.outcome = SiteVerdict::Outcome::NoAnswer;
        return;
    }
    verdict.served = *version;
    verdict.outcome =
        version->serial == expected ? SiteVerdict::Outcome::Ok : SiteVerdict::Outcome::Drift;
}

/// The address a query to `to` leaves from: `source`, or the one the kernel's routing
/// picks for `to` (connecting a UDP socket sends nothing); empty when there is no route.
std::string source_address(boost::asio::io_context& io, const boost::asio::ip::udp::endpoint& to,
                           const std::optional<IpAddress>& source) {
    if (source) return source->to_string();
    boost::asio::ip::udp::socket socket(io);
    boost::system::error_code ec;
    socket.open(to.protocol(), ec);
    if (!ec) socket.connect(to, ec);
    const auto local = ec ? boost::asio::ip::udp::endpoint() : socket.local_endpoint(ec);
    return ec ? std::string() : local.address().to_string();
}

}  // namespace

upstream::Question topology_question() {
    upstream::Question question;
    std::copy(query::kTopologyName.begin(), query::kTopologyName.end(), question.qname.bytes);
    question.qname.size = query::kTopologyName.size();
    question.qname_lower = question.qname;
    question.qtype = dns::rrtype::TXT;
    question.qclass = dns::rrclass::CH;
    return question;
}

std::optional<query::TopologyVersion> read_topology_reply(std::span<const std::uint8_t> reply,
                                                          std::string& why) {
    if (reply.size() < wire::kHeaderSize) {
        why = "malformed reply";
        return std::nullopt;
    }
    const wire::Header header(reply);
    if (header.rcode() != static_cast<std::uint8_t>(dns::RCode::NoError)) {
        why = rcode_label(header.rcode());  // REFUSED: an older sitedns, or no view for us
        return std::nullopt;
    }
    return find_topology_txt(reply, header.ancount(), why);
}

std::vector<SiteVerdict> verify_sites(const Sites& sites, std::chrono::milliseconds timeout,
                                      const std::optional<IpAddress>& source) {
    boost::asio::io_context io(1);
    base::Counter sent, dropped;  // one thread: this one
    const upstream::ExchangeCounters counters{&sent, &dropped};
    const upstream::Question question = topology_question();
    const auto deadline = upstream::UpstreamQuery::Clock::now() + timeout;

    // Sized once: the handlers below hold indices into it while io runs.
    std::vector<SiteVerdict> verdicts(sites.list.size());
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        const Site& site = sites.list[i];
        verdicts[i].site = site.name;
        if (site.dns) verdicts[i].address = site.dns->to_string();
        if (!site.dns) {
            verdicts[i].outcome = SiteVerdict::Outcome::Skipped;
            continue;
        }
        const boost::asio::ip::udp::endpoint to(upstream::to_asio(site.dns->address),
                                                site.dns->port);
        verdicts[i].source = source_address(io, to, source);
        auto query = std::make_shared<upstream::UpstreamQuery>(io, to, question, counters);
        if (source) query->set_source(upstream::to_asio(*source));
        query->start(timeout, deadline,
                     [&verdicts, i, expected = sites.serial](upstream::ExchangeStatus status,
                                                             std::span<const std::uint8_t> reply) {
                         judge(verdicts[i], status, reply, expected);
                     });
    }
    io.run();  // every exchange ends by its answer, an error or the deadline
    return verdicts;
}

std::string verdict_line(const SiteVerdict& verdict, std::uint32_t expected) {
    switch (verdict.outcome) {
        case SiteVerdict::Outcome::Ok:
            return verdict.site + ": ok serial " + std::to_string(verdict.served.serial);
        case SiteVerdict::Outcome::Drift:
            return verdict.site + ": drift: serves serial " +
                   std::to_string(verdict.served.serial) + ", this file has " +
                   std::to_string(expected);
        case SiteVerdict::Outcome::Refused:
            return verdict.site + ": refused (" + verdict.source +
                   " is in no view of that server: ask from a site subnet with --source)";
        case SiteVerdict::Outcome::NoAnswer:
            return verdict.site + ": no answer";
        case SiteVerdict::Outcome::Skipped:
            return verdict.site + ": skipped: no dns address";
    }
    return verdict.site;
}

bool all_verified(const std::vector<SiteVerdict>& verdicts) {
    return std::none_of(verdicts.begin(), verdicts.end(), [](const SiteVerdict& v) {
        return v.outcome == SiteVerdict::Outcome::Drift ||
               v.outcome == SiteVerdict::Outcome::Refused ||
               v.outcome == SiteVerdict::Outcome::NoAnswer;
    });
}

}  // namespace sitedns::runtime
