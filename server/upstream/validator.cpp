// Threads: see server/upstream/validator.h.
#include "server/upstream/validator.h"

#include <algorithm>

#include <unbound-event.h>
#include <unbound.h>
#include <boost/asio/post.hpp>

#include "server/upstream/unbound_event_base.h"
#include "zones/dns/name.h"

namespace sitedns::upstream {

namespace asio = boost::asio;

namespace {

/// libunbound's reading of the forwarded-to address: "192.0.2.1@53", "2001:db8::1@53".
std::string forward_address(const Endpoint& e) {
    return e.address.to_string() + "@" + std::to_string(e.port);
}

/// Lowercased uncompressed wire form of a presentation name; empty when it is not one.
std::string wire_key(const std::string& name) {
    try {
        return dns::Name::parse_absolute(name).key();
    } catch (const dns::NameError&) {
        return {};
    }
}

}  // namespace

// --- the negative trust anchors ---------------------------------------------------

InsecureNames::InsecureNames(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
        std::string key = wire_key(name);
        if (!key.empty()) names_.insert(std::move(key));
    }
}

bool InsecureNames::covers(std::span<const std::uint8_t> lowercase_name) const {
    if (names_.empty()) return false;
    // Each suffix of the name, from the whole name to the root, at label boundaries.
    for (std::size_t at = 0; at < lowercase_name.size();) {
        const std::span<const std::uint8_t> suffix = lowercase_name.subspan(at);
        if (names_.contains(
                std::string_view(reinterpret_cast<const char*>(suffix.data()), suffix.size()))) {
            return true;
        }
        if (lowercase_name[at] == 0) break;
        at += 1 + lowercase_name[at];
    }
    return false;
}

// --- the contexts -----------------------------------------------------------------

/// One upstream set's libunbound context, resolving on the forwarder's io_context.
struct Validator::Context {
    Context(std::shared_ptr<UnboundEventBase> base, ub_ctx* made, std::uint64_t id)
        : events(std::move(base)), ctx(made), set_id(id) {}
    ~Context() { ub_ctx_delete(ctx); }  // frees its events: `events` outlives it
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    std::shared_ptr<UnboundEventBase> events;
    ub_ctx* ctx;
    std::uint64_t set_id;
};

/// One query under way: what libunbound hands back to on_answer.
struct Validator::Call {
    Validator* validator = nullptr;
    Context* context = nullptr;
    std::uint64_t handle = 0;
    int async_id = 0;
    ValidatedReply reply;
    /// libunbound's outcome, copied: its buffer is reused once its callback returns.
    Validated outcome;
    std::vector<std::uint8_t> packet;
    std::string why_bogus;
};

namespace {

/// ub_resolve_event's security: 0 insecure, 1 bogus, 2 secure.
Security security_of(int sec) {
    if (sec == 2) return Security::Secure;
    if (sec == 1) return Security::Bogus;
    return Security::Insecure;
}

}  // namespace

/// libunbound's callback, on the forwarder's thread but inside libunbound (or even inside
/// ub_resolve_event, for an answer it has at hand): the reply runs on a later turn, where
/// it may start or cancel queries and drop contexts.
void Validator::on_answer(void* data, int rcode, void* packet, int packet_len, int sec,
                          char* why_bogus, int /*was_ratelimited*/) {
    auto* call = static_cast<Call*>(data);
    Validated& out = call->outcome;
    if (rcode != 0 || packet == nullptr || packet_len <= 0) {
        // libunbound's SERVFAIL: the upstreams failed it (a bogus answer has its data).
        out.error = rcode == 0 ? "no answer" : "no upstream answered";
    } else {
        const auto* bytes = static_cast<const std::uint8_t*>(packet);
        call->packet.assign(bytes, bytes + packet_len);
        out.packet = call->packet;
        out.security = security_of(sec);
        if (why_bogus != nullptr) call->why_bogus = why_bogus;
        out.why_bogus = call->why_bogus;
    }
    Validator& v = *call->validator;
    asio::post(v.io_, [&v, handle = call->handle] { v.deliver(handle); });
}

/// Gives a finished query its reply, unless it was cancelled meanwhile.
void Validator::deliver(std::uint64_t handle) {
    const auto node = calls_.extract(handle);
    if (node.empty()) return;
    node.mapped()->reply(node.mapped()->outcome);
}

Validator::Validator(asio::io_context& io) : io_(io) {}

Validator::~Validator() {
    cancel_all();
}

void Validator::configure(std::string trust_anchor) {
    if (trust_anchor == trust_anchor_) return;
    cancel_all();
    trust_anchor_ = std::move(trust_anchor);
}

/// A new context for `upstreams`: "." forwarded to them and the trust anchor, resolving
/// on the forwarder's io_context.
std::unique_ptr<Validator::Context> Validator::make_context(const query::UpstreamSet& upstreams,
                                                            std::string& error) {
    if (!events_) events_ = UnboundEventBase::create(io_);
    ub_ctx* ctx = ub_ctx_create_ub_event(events_->base());
    if (ctx == nullptr) {
        error = "libunbound: cannot create a context";
        return nullptr;
    }
    const auto check = [&](int rc, std::string_view what) {
        if (rc != 0 && error.empty()) error = std::string(what) + ": " + ub_strerror(rc);
        return rc == 0;
    };
    // Upstreams on loopback (a local resolver, the test bed) are allowed: they are named
    // in the configuration, not found by iteration.
    check(ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"), "do-not-query-localhost");
    check(ub_ctx_set_option(ctx, "edns-buffer-size:", "1232"), "edns-buffer-size");
    const bool all_tcp = !upstreams.endpoints.empty() &&
                         std::all_of(upstreams.options.begin(), upstreams.options.end(),
                                     [](const query::UpstreamOptions& o) { return o.tcp; }) &&
                         upstreams.options.size() == upstreams.endpoints.size();
    if (all_tcp) check(ub_ctx_set_option(ctx, "tcp-upstream:", "yes"), "tcp-upstream");
    for (const Endpoint& e : upstreams.endpoints) {
        check(ub_ctx_set_fwd(ctx, forward_address(e).c_str()), "upstream " + e.to_string());
    }
    check(ub_ctx_add_ta_file(ctx, trust_anchor_.c_str()), "trust anchor " + trust_anchor_);
    if (!error.empty()) {
        ub_ctx_delete(ctx);
        return nullptr;
    }
    return std::make_unique<Context>(events_, ctx, upstreams.id);
}

Validator::Context* Validator::context_for(const query::UpstreamSet& upstreams,
                                           std::string& error) {
    for (const auto& c : contexts_) {
        if (c->set_id == upstreams.id) return c.get();
    }
    std::unique_ptr<Context> made = make_context(upstreams, error);
    if (!made) return nullptr;
    contexts_.push_back(std::move(made));
    return contexts_.back().get();
}

std::uint64_t Validator::resolve(const Question& question, const query::UpstreamSet& upstreams,
                                 ValidatedReply reply, std::string& error) {
    Context* context = context_for(upstreams, error);
    if (context == nullptr) return 0;
    const std::uint64_t handle = next_handle_++;
    // Registered first: libunbound may answer inside ub_resolve_event (from its cache).
    Call& call = *calls_.emplace(handle, std::make_unique<Call>()).first->second;
    call.validator = this;
    call.context = context;
    call.handle = handle;
    call.reply = std::move(reply);
    const std::string name = dns::NameRef(question.qname.wire()).to_text();
    const int rc = ub_resolve_event(context->ctx, name.c_str(), question.qtype, question.qclass,
                                    &call, &Validator::on_answer, &call.async_id);
    if (rc != 0) {
        error = std::string("libunbound: ") + ub_strerror(rc);
        calls_.erase(handle);
        return 0;
    }
    return handle;
}

void Validator::cancel(std::uint64_t handle) {
    const auto it = calls_.find(handle);
    if (it == calls_.end()) return;
    ub_cancel(it->second->context->ctx, it->second->async_id);
    calls_.erase(it);
}

void Validator::cancel_all() {
    // Never inside libunbound: its callback only posts (on_answer).
    for (const auto& [handle, call] : calls_) ub_cancel(call->context->ctx, call->async_id);
    calls_.clear();
    contexts_.clear();
}

}  // namespace sitedns::upstream
