#pragma once
// The recipients file of SPEC §3.3: the users of the public domain and the site whose
// mail server holds each one's mailbox, as a directory export (`address,site` CSV). It
// feeds `check` (its mistakes), `trace` (the primary site's contacts) and `export`.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/sites.h"
#include "config/topology.h"
#include "zones/load/file_text.h"

namespace sitedns {

/// One user of the public domain and the site whose mail server holds its mailbox.
struct Recipient {
    std::string local;     ///< the local part, lowercased: "bob"
    std::size_t site = 0;  ///< index into Sites::list
    std::size_t line = 0;  ///< line in the file (1 = the header)
};

/// The recipients file (SPEC §3.3): `address,site` CSV.
struct Recipients {
    std::vector<Recipient> list;  ///< in file order
    /// Local part -> index in `list`, filled by read_recipients() so that `find` costs
    /// one hash lookup at 100,000 recipients; a list filled by hand may leave it empty.
    std::unordered_map<std::string, std::size_t> by_local;
    /// The recipient with this local part (any case), or nullptr.
    const Recipient* find(std::string_view local) const;
};

/// Reads sites.recipients (empty path: no recipients). Each mistake is one Problem whose
/// text names the file and line ("FILE:LINE: ..."): an unknown site, an address listed
/// twice (two homes), an address outside the public domain, a malformed line.
/// A file larger than `max_bytes` (`limits.recipients_bytes`), or std::bad_alloc while
/// reading it, is one Problem naming the file; `reader` reads it (a test's may throw).
Recipients read_recipients(const Sites& sites, std::vector<Problem>& problems,
                           std::uint64_t max_bytes = kDefaultRecipientsBytes,
                           load::TextReader reader = load::read_file_text);

}  // namespace sitedns
