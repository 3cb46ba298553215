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

namespace sitedns::mail_text {

/// The next code point of UTF-8 `text` at `i`, advancing `i`; U+FFFD for a byte that
/// starts no valid sequence. Shared by the recipients reader, which refuses such bytes,
/// and the Exchange writer, which spells each code point beyond ASCII as [char].
std::uint32_t next_code_point(std::string_view text, std::size_t& i);

/// `text` without its trailing dot ("paris.example.local").
std::string without_dot(std::string text);

/// "paris.example.local": the site's location domain, as mail servers write it.
std::string location_domain(const Sites& sites, const Site& site);

/// The name the site's TLS certificate must carry: its mail host, the MX target.
std::string certificate_name(const Sites& sites, const Site& site);

/// The index of the site named `name`; throws std::invalid_argument
/// "no site named X; sites: a, b, c".
std::size_t site_index(const Sites& sites, std::string_view name);

/// The recipients of site `index`, by local part.
std::vector<const Recipient*> recipients_of(const Recipients& recipients, std::size_t index);

/// "dns" or "connector".
const char* method_name(MailMethod method);

/// The first lines of every exported file: what it is, where it comes from.
std::string header(const Sites& sites, const Site& site, MailMethod method, std::string_view what,
                   std::string_view format);

}  // namespace sitedns::mail_text
