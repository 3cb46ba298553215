#include "server/base/keyed_hash.h"

#include <array>

#include "server/base/random.h"

namespace sitedns::base {

const SipKey& process_key() {
    static const SipKey key = random_value<SipKey>();
    return key;
}

}  // namespace sitedns::base
