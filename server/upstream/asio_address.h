#pragma once
// Conversions between the config's address types and Asio's.
// Threads: any thread; pure functions.

#include <boost/asio/ip/address.hpp>

#include "config/address.h"

namespace sitedns::upstream {

/// The Asio address for a configured one.
boost::asio::ip::address to_asio(const IpAddress& address);

/// The client address the query core sees; an IPv4-mapped IPv6 address becomes IPv4,
/// so views match on the client's real family.
IpAddress from_asio(const boost::asio::ip::address& address);

}  // namespace sitedns::upstream
