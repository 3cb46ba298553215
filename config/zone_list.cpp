#include "config/zone_list.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace sitedns {

ZoneList ZoneList::sharing(std::shared_ptr<const std::vector<ZoneSource>> shared,
                           std::size_t skip_first, std::size_t skip_count) {
    assert(shared != nullptr && skip_first + skip_count <= shared->size());
    ZoneList list;
    list.shared_ = std::move(shared);
    list.skip_first_ = skip_first;
    list.skip_count_ = skip_count;
    return list;
}

ZoneSource& ZoneList::operator[](std::size_t i) {
    if (shared_ && i < shared_size()) {
        std::vector<ZoneSource> all(begin(), end());
        *this = ZoneList(std::move(all));
    }
    return own_[i - shared_size()];
}

bool operator==(const ZoneList& a, const ZoneList& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool operator==(const ZoneList& a, const std::vector<ZoneSource>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace sitedns
