// Threads: see zones/load/ldns_handles.h.
// clang-format off
#include <stdbool.h>  // before ldns: ldns/common.h defines bool otherwise
// clang-format on
#include "zones/load/ldns_handles.h"

#include <ldns/ldns.h>

namespace sitedns::load {

void LdnsFree::operator()(ldns_struct_rr* rr) const {
    ldns_rr_free(rr);
}
void LdnsFree::operator()(ldns_struct_rdf* rdf) const {
    ldns_rdf_deep_free(rdf);
}
void LdnsFree::operator()(ldns_struct_buffer* buffer) const {
    ldns_buffer_free(buffer);
}

}  // namespace sitedns::load
