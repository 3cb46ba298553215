#pragma once
// Text shared by the mail servers' exports (mail_export.cpp for Postfix,
// exchange_export.cpp for Exchange): names as mail servers write them and the header
// every exported file starts with.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/mail_export.h"
#include "zones/dns/text.h"

namespace sitedns::mail_text {

/// The UTF-8 decoder of zones/dns/text.h. Shared by the recipients reader, which refuses
/// invalid bytes, and the Exchange writer, which spells each code point beyond ASCII as
/// [char].
using dns::next_code_point;

/// `text` without its trailing dot ("paris.example.local").
std::string without_dot(std::string text);

/// "paris.example.local": the site's location domain, as mail servers write it.
std::string location_domain(const Sites& sites, const Site& site);

/// The name the site's TLS certificate must carry: its mail host, the MX target.
std::string certificate_name(const Sites& sites, const Site& site);

/// The index of the site named `name`; throws std::invalid_argument
/// "no site named X; sites: a, b, c".
std::size_t site_index(const Sites& sites, std::string_view name);

/// The recipients of each site, by site index, each site's by local part: one pass over
/// the file, where a scan per site would cost sites x recipients. Throws
/// std::logic_error for a recipient of no site (read_recipients() refuses one).
std::vector<std::vector<const Recipient*>> recipients_by_site(const Sites& sites,
                                                              const Recipients& recipients);

/// `value` in upper-case hexadecimal, at least 4 digits: "00E9", "1F600".
std::string hex_code(std::uint32_t value);

/// Throws ExportConflict when the site's location domain is the public domain. Postfix
/// would list it in both virtual_mailbox_domains and virtual_alias_domains (trivial-
/// rewrite(8): "do not list domain X in BOTH", then an alias domain only, so the site's
/// mailboxes are "User unknown"); Exchange would take every address of the public domain
/// for a location address of its own.
void require_distinct_domains(const Sites& sites, const Site& site);

/// "dns" or "connector".
const char* method_name(MailMethod method);

/// The first lines of every exported file: what it is, where it comes from.
std::string header(const Sites& sites, const Site& site, MailMethod method, std::string_view what,
                   std::string_view format);

}  // namespace sitedns::mail_text
