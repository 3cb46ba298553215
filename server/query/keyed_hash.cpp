#include "server/query/keyed_hash.h"

#include <array>

#include "server/query/random.h"

namespace sitedns::query {

const SipKey& process_key() {
    static const SipKey key = random_value<SipKey>();
    return key;
}

std::uint64_t keyed_hash(const IpAddress& address) {
    return siphash24(process_key(), address.bytes, static_cast<std::uint64_t>(address.family));
}

}  // namespace sitedns::query
