// Threads: see server/upstream/validator.h.
#include "server/upstream/validator.h"

#include <algorithm>

#include <unbound.h>
#include <boost/asio/posix/stream_descriptor.hpp>

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

/// One upstream set's libunbound context, and the descriptor its results arrive on.
struct Validator::Context {
    Context(asio::io_context& io, ub_ctx* made, std::uint64_t id)
        : ctx(made), set_id(id), results(io, ub_fd(made)) {}
    ~Context() {
        boost::system::error_code ignored;
        results.cancel(ignored);
        results.release();  // libunbound's descriptor: ub_ctx_delete closes it
        ub_ctx_delete(ctx);
    }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    ub_ctx* ctx;
    std::uint64_t set_id;
    asio::posix::stream_descriptor results;
};

/// One query under way: what libunbound hands back to on_result.
struct Validator::Call {
    Validator* validator = nullptr;
    Context* context = nullptr;
    std::uint64_t handle = 0;
    int async_id = 0;
    ValidatedReply reply;
};

namespace {

Security security_of(const ub_result& r) {
    if (r.secure) return Security::Secure;
    if (r.bogus) return Security::Bogus;
    return Security::Insecure;
}

}  // namespace

/// libunbound's callback, inside ub_process() on the forwarder's thread.
void Validator::on_result(void* data, int err, ub_result* result) {
    auto* call = static_cast<Call*>(data);
    Validator& v = *call->validator;
    const auto node = v.calls_.extract(call->handle);
    const std::unique_ptr<ub_result, void (*)(ub_result*)> owned(result, ub_resolve_free);
    if (node.empty()) return;
    Validated out;
    if (err != 0) {
        out.error = ub_strerror(err);
    } else if (result == nullptr || result->answer_packet == nullptr || result->answer_len <= 0) {
        out.error = "no answer";
    } else {
        out.packet = {static_cast<const std::uint8_t*>(result->answer_packet),
                      static_cast<std::size_t>(result->answer_len)};
        out.security = security_of(*result);
        if (result->why_bogus != nullptr) out.why_bogus = result->why_bogus;
    }
    node.mapped()->reply(out);
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

/// A new context for `upstreams`: "." forwarded to them and the trust anchor, its
/// resolving on a thread of its own.
std::shared_ptr<Validator::Context> Validator::make_context(const query::UpstreamSet& upstreams,
                                                            std::string& error) {
    ub_ctx* ctx = ub_ctx_create();
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
    check(ub_ctx_async(ctx, 1), "libunbound thread");
    if (!error.empty()) {
        ub_ctx_delete(ctx);
        return nullptr;
    }
    auto context = std::make_shared<Context>(io_, ctx, upstreams.id);
    watch(context);
    return context;
}

/// Runs ub_process() whenever the context's descriptor has results, until it is dropped.
void Validator::watch(const std::shared_ptr<Context>& context) {
    context->results.async_wait(
        asio::posix::descriptor_base::wait_read,
        [weak = std::weak_ptr<Context>(context)](const boost::system::error_code& ec) {
            const std::shared_ptr<Context> c = weak.lock();
            if (ec || !c) return;
            ub_process(c->ctx);  // callbacks run here; `c` keeps the context alive
            watch(c);
        });
}

std::shared_ptr<Validator::Context> Validator::context_for(const query::UpstreamSet& upstreams,
                                                           std::string& error) {
    for (const auto& c : contexts_) {
        if (c->set_id == upstreams.id) return c;
    }
    std::shared_ptr<Context> made = make_context(upstreams, error);
    if (made) contexts_.push_back(made);
    return made;
}

std::uint64_t Validator::resolve(const Question& question, const query::UpstreamSet& upstreams,
                                 ValidatedReply reply, std::string& error) {
    const std::shared_ptr<Context> context = context_for(upstreams, error);
    if (!context) return 0;
    auto call = std::make_unique<Call>();
    call->validator = this;
    call->context = context.get();
    call->handle = next_handle_++;
    call->reply = std::move(reply);
    const std::string name = dns::NameRef(question.qname.wire()).to_text();
    const int rc = ub_resolve_async(context->ctx, name.c_str(), question.qtype, question.qclass,
                                    call.get(), &Validator::on_result, &call->async_id);
    if (rc != 0) {
        error = std::string("libunbound: ") + ub_strerror(rc);
        return 0;
    }
    const std::uint64_t handle = call->handle;
    calls_.emplace(handle, std::move(call));
    return handle;
}

void Validator::cancel(std::uint64_t handle) {
    const auto it = calls_.find(handle);
    if (it == calls_.end()) return;
    ub_cancel(it->second->context->ctx, it->second->async_id);
    calls_.erase(it);
}

void Validator::cancel_all() {
    // Cancelled first: a context whose ub_process() is running now (this is called from
    // a reply) lives on in that handler's reference until it returns, and must call no
    // callback of a freed Call.
    for (const auto& [handle, call] : calls_) ub_cancel(call->context->ctx, call->async_id);
    calls_.clear();
    contexts_.clear();
}

}  // namespace sitedns::upstream
