// Threads: see server/upstream/asio_address.h.
#include "server/upstream/asio_address.h"

#include <algorithm>

namespace sitedns::upstream {

namespace ip = boost::asio::ip;

ip::address to_asio(const IpAddress& address) {
    if (address.family == IpAddress::Family::V4) {
        ip::address_v4::bytes_type bytes;
        std::copy_n(address.bytes.begin(), bytes.size(), bytes.begin());
        return ip::address_v4(bytes);
    }
    ip::address_v6::bytes_type bytes;
    std::copy_n(address.bytes.begin(), bytes.size(), bytes.begin());
    return ip::address_v6(bytes);
}

IpAddress from_asio(const ip::address& address) {
    IpAddress result;
    if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        std::copy(bytes.begin(), bytes.end(), result.bytes.begin());
        return result;
    }
    ip::address_v6 v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
        auto bytes = ip::make_address_v4(ip::v4_mapped, v6).to_bytes();
        std::copy(bytes.begin(), bytes.end(), result.bytes.begin());
        return result;
    }
    auto bytes = v6.to_bytes();
    result.family = IpAddress::Family::V6;
    std::copy(bytes.begin(), bytes.end(), result.bytes.begin());
    return result;
}

}  // namespace sitedns::upstream
