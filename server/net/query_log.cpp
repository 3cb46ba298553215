// Threads: see server/net/query_log.h.
#include "server/net/query_log.h"

#include <utility>

#include <spdlog/details/thread_pool.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "server/runtime/metrics.h"
#include "server/wire/header.h"
#include "server/wire/reader.h"
#include "zones/dns/name.h"
#include "zones/dns/types.h"

namespace sitedns::net {
namespace {

/// The question of an answer (RFC 1035 §4.1.2): its name as text and its type, or false.
bool question_of(std::span<const std::uint8_t> answer, std::string& name, std::uint16_t& type) {
    if (answer.size() < wire::kHeaderSize || wire::Header(answer).qdcount() == 0) return false;
    wire::WireReader reader(answer);
    std::span<const std::uint8_t> header;
    wire::NameBuffer qname;
    if (reader.bytes(wire::kHeaderSize, header) != wire::WireError::Ok ||
        reader.name(qname) != wire::WireError::Ok || reader.u16(type) != wire::WireError::Ok) {
        return false;
    }
    name = dns::Name::from_wire(qname.wire()).to_text();
    return true;
}

}  // namespace

std::string format_query_line(const QueryLogEntry& entry) {
    std::string name = "-";
    std::string type = "-";
    std::uint16_t qtype = 0;
    if (question_of(entry.answer, name, qtype)) type = dns::type_to_text(qtype);
    const std::string_view rcode = entry.answer.size() >= wire::kHeaderSize
                                       ? runtime::rcode_label(wire::Header(entry.answer).rcode())
                                       : std::string_view("-");
    const std::string_view view = entry.view.empty() ? std::string_view("-") : entry.view;
    const char* proto = entry.transport == query::Transport::Tcp ? "tcp" : "udp";
    return "client=" + entry.client.to_string() + '#' + std::to_string(entry.port) +
           " view=" + std::string(view) + " name=" + name + " type=" + type +
           " rcode=" + std::string(rcode) + " proto=" + proto +
           " us=" + std::to_string(entry.microseconds);
}

QueryLog::QueryLog() : QueryLog(std::make_shared<spdlog::sinks::stderr_sink_mt>()) {}

QueryLog::QueryLog(spdlog::sink_ptr sink) : sink_(std::move(sink)) {}

QueryLog::~QueryLog() {
    // The pool goes first: its destructor queues a stop after the lines still queued and
    // joins its thread, so every line is written and every copy of the logger those lines
    // held is released before the join. The logger, the last copy, is then freed here,
    // never on the pool's thread (ThreadSanitizer cannot see libspdlog's reference counts
    // and took that free for a race).
    pool_.reset();
    logger_.reset();
}

spdlog::async_logger& QueryLog::logger() {
    std::call_once(started_, [this] {
        pool_ = std::make_shared<spdlog::details::thread_pool>(kQueue, 1);
        logger_ = std::make_shared<spdlog::async_logger>(
            "queries", sink_, pool_, spdlog::async_overflow_policy::overrun_oldest);
        logger_->set_pattern("%Y-%m-%dT%H:%M:%S.%e query %v");
        logger_->set_level(spdlog::level::info);
        logger_->flush_on(spdlog::level::info);
    });
    return *logger_;
}

void QueryLog::write(const QueryLogEntry& entry) {
    logger().info(format_query_line(entry));
}

}  // namespace sitedns::net
