#pragma once
// DNSSEC validation of forwarded answers (docs/dns.md "DNSSEC validation"): libunbound
// fetches and checks the chain of trust (DS, DNSKEY, NSEC and NSEC3 proofs, wildcards,
// its key cache); sitedns never validates by itself. One libunbound context per upstream
// set, forwarding "." to that set's upstreams. libunbound runs on the forwarder's own
// io_context (UnboundEventBase): no thread of its own, no pipe, and every callback on
// the forwarder's thread.
// Threads: the forwarder's thread only.

#include <utility>  // before Asio (Boost 1.74's awaitable.hpp needs std::exchange)

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "server/query/upstream_set.h"
#include "server/upstream/message_edit.h"

namespace sitedns::upstream {

class UnboundEventBase;

/// What the forwarder validates and with which key (`dnssec` in the configuration).
struct ValidationOptions {
    bool enabled = false;
    std::string trust_anchor;  ///< a file of DS or DNSKEY records for "."
    /// Negative trust anchors (RFC 7646), lowercase presentation form with the final
    /// dot: names at or below them are forwarded unvalidated.
    std::vector<std::string> insecure;
    friend bool operator==(const ValidationOptions&, const ValidationOptions&) = default;
};

/// The negative trust anchors as a set of lowercased wire names, for the query path.
class InsecureNames {
  public:
    InsecureNames() = default;
    explicit InsecureNames(const std::vector<std::string>& names);
    /// True when `lowercase_name` (uncompressed wire form) is at or below one of them.
    bool covers(std::span<const std::uint8_t> lowercase_name) const;

  private:
    /// Looked up by string_view: the miss path allocates nothing per suffix.
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_set<std::string, Hash, std::equal_to<>> names_;
};

/// One validated resolution's outcome.
struct Validated {
    /// Empty when libunbound answered; else why not (no answer: the upstreams failed).
    std::string error;
    std::span<const std::uint8_t> packet;  ///< libunbound's answer, DO set, when no error
    Security security = Security::Unchecked;
    std::string_view why_bogus;
};

/// Called once per resolve(), on the forwarder's thread, unless cancelled first.
using ValidatedReply = std::function<void(const Validated&)>;

class Validator {
  public:
    explicit Validator(boost::asio::io_context& io);
    ~Validator();
    Validator(const Validator&) = delete;
    Validator& operator=(const Validator&) = delete;

    /// A new trust anchor: the contexts made with the old one are dropped (their queries
    /// cancelled without a reply) and made again on first use. The negative trust anchors
    /// are not libunbound's business: the forwarder never asks it for a name under one.
    void configure(std::string trust_anchor);
    const std::string& trust_anchor() const { return trust_anchor_; }

    /// Asks `question` through `upstreams`' context (made on first use); returns a handle
    /// for cancel(), or 0 with `error` set when it could not be started (a context that
    /// libunbound refuses, e.g. for an unreadable trust anchor): `reply` is then never
    /// called.
    std::uint64_t resolve(const Question& question, const query::UpstreamSet& upstreams,
                          ValidatedReply reply, std::string& error);
    /// Drops one query: its reply is never called.
    void cancel(std::uint64_t handle);
    /// Drops every context and query; no reply is called after this.
    void cancel_all();

  private:
    struct Context;
    struct Call;
    static void on_answer(void* data, int rcode, void* packet, int packet_len, int sec,
                          char* why_bogus, int was_ratelimited);
    void deliver(std::uint64_t handle);
    std::unique_ptr<Context> make_context(const query::UpstreamSet& upstreams, std::string& error);
    Context* context_for(const query::UpstreamSet& upstreams, std::string& error);

    boost::asio::io_context& io_;
    std::string trust_anchor_;
    /// Made with the first context; outlives every context (declared before them).
    std::shared_ptr<UnboundEventBase> events_;
    std::vector<std::unique_ptr<Context>> contexts_;
    std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls_;
    std::uint64_t next_handle_ = 1;
};

}  // namespace sitedns::upstream
