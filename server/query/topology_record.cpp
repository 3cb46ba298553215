// Threads: see server/query/topology_record.h.
#include "server/query/topology_record.h"

#include <charconv>
#include <cstring>
#include <system_error>

#include "zones/dns/types.h"

namespace sitedns::query {
namespace {

/// The unsigned number at the start of `text` up to the end or a space; false when there
/// is none or it does not fit.
template <typename T>
bool take_number(std::string_view& text, T& out) {
    const char* end = text.data() + text.size();
    const auto [at, error] = std::from_chars(text.data(), end, out);
    if (error != std::errc() || at == text.data()) return false;
    text.remove_prefix(static_cast<std::size_t>(at - text.data()));
    return true;
}

bool take_prefix(std::string_view& text, std::string_view prefix) {
    if (!text.starts_with(prefix)) return false;
    text.remove_prefix(prefix.size());
    return true;
}

}  // namespace

std::string format_topology(TopologyVersion version) {
    return "serial=" + std::to_string(version.serial) +
           " generation=" + std::to_string(version.generation);
}

std::optional<TopologyVersion> parse_topology(std::string_view text) {
    TopologyVersion version;
    if (!take_prefix(text, "serial=") || !take_number(text, version.serial) ||
        !take_prefix(text, " generation=") || !take_number(text, version.generation) ||
        !text.empty()) {
        return std::nullopt;
    }
    return version;
}

TopologyRecord::TopologyRecord(TopologyVersion version) {
    encode(version);
}

TopologyRecord& TopologyRecord::operator=(const TopologyRecord& other) {
    encode(other.version_);  // never other's bytes: the RRset must point at this one's
    return *this;
}

void TopologyRecord::encode(TopologyVersion version) {
    version_ = version;
    const std::string text = format_topology(version);
    const auto rdata_length = static_cast<std::uint16_t>(1 + text.size());
    std::memcpy(bytes_.data(), &rdata_length, sizeof rdata_length);
    bytes_[2] = static_cast<std::uint8_t>(text.size());
    std::memcpy(bytes_.data() + 3, text.data(), text.size());
    rrset_.type = dns::rrtype::TXT;
    rrset_.ttl = 0;  // as version.bind: no resolver keeps it past a reload
    rrset_.rdatas = model::RdataList(bytes_.data(), 2u + rdata_length, 1);
}

}  // namespace sitedns::query
