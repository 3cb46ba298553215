#pragma once
// Owning handles for the ldns objects the loaders make: records, RDATA fields and
// buffers, each freed the way ldns asks. Declared without ldns's headers, so that only
// .cpp files include ldns (its common.h redefines bool unless <stdbool.h> came first).
// Threads: any thread; a handle is used by the thread that made it.

#include <memory>

struct ldns_struct_rr;
struct ldns_struct_rdf;
struct ldns_struct_buffer;

namespace sitedns::load {

struct LdnsFree {
    void operator()(ldns_struct_rr* rr) const;
    void operator()(ldns_struct_rdf* rdf) const;  // deep: the data too
    void operator()(ldns_struct_buffer* buffer) const;
};

using RrHandle = std::unique_ptr<ldns_struct_rr, LdnsFree>;
using RdfHandle = std::unique_ptr<ldns_struct_rdf, LdnsFree>;
using BufferHandle = std::unique_ptr<ldns_struct_buffer, LdnsFree>;

}  // namespace sitedns::load
