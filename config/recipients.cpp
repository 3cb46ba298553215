#include "config/recipients.h"

namespace sitedns {

const Recipient* Recipients::find(std::string_view local) const {
    for (const Recipient& r : list) {
        if (r.local == local) return &r;
    }
    return nullptr;
}

Recipients read_recipients(const Sites& sites, std::vector<Problem>& problems) {
    (void)sites;
    (void)problems;
    return {};
}

}  // namespace sitedns
