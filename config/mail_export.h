#pragma once
// The mail servers' side of the topology (SPEC §2 `export --format postfix|exchange`):
// the contacts, location domain, connectors and TLS policy of one site, as Postfix
// tables and main.cf settings or as an Exchange Management Shell script. Pure text from
// the sites and the recipients file; only write_export_files() touches the disk.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/recipients.h"
#include "config/sites.h"

namespace sitedns {

/// How a site's mail server reaches the other sites (SPEC §1): by the MX records
/// sitedns serves, or by an SMTP connector to each site's mail host by address.
enum class MailMethod { Dns, Connector };

/// "dns" or "connector"; nullopt for anything else.
std::optional<MailMethod> parse_mail_method(std::string_view text);

/// One file of an export: its name in the output folder and its whole text.
struct ExportFile {
    std::string name;
    std::string text;
    friend bool operator==(const ExportFile&, const ExportFile&) = default;
};

/// The files of SPEC §2 for the Postfix of site `site_name`, in this order:
///   virtual     S's own recipients' public addresses to their mailboxes at S's location
///               domain, then a contact per recipient of every other site
///               ("bob@example.com bob@madrid.example.local"); never a contact for a
///               user of S;
///   transport   connector method: each other location domain to "smtp:[address]:25";
///               no entry with the DNS method (the MX records route the mail);
///   tls_policy  each other site with `tls`: "<location domain> secure match=<mail host>",
///               and with the connector method also "[address]:25 secure match=..."
///               (Postfix looks the policy up by the smart host's next hop);
///   main.cf     settings that accept S's location domain and the public domain and wire
///               the three tables in as texthash: maps under `table_dir` (absolute), so
///               Postfix reads them as they are, without postmap.
/// Tables and main.cf carry '#' comments, which postmap and postconf accept. Throws
/// std::invalid_argument "no site named X; sites: a, b, c" for an unknown site.
std::vector<ExportFile> export_postfix(const Sites& sites, const Recipients& recipients,
                                       std::string_view site_name, MailMethod method,
                                       const std::filesystem::path& table_dir);

/// An Exchange Management Shell script (Exchange 2010 SP2 to 2019, Subscription Edition)
/// for site `site_name`: New-AcceptedDomain for its location domain, a non-default
/// New-EmailAddressPolicy giving its users their location address, New-MailContact per
/// recipient of every other site, and New-SendConnector per other site for the
/// connector method (smart host "[address]"), or per other `tls` site for the DNS method;
/// connectors to `tls` sites require TLS and validate the mail host's name. Each New- runs
/// only when its Get- finds nothing, so a second run changes nothing. Throws
/// std::invalid_argument as export_postfix().
std::string export_exchange(const Sites& sites, const Recipients& recipients,
                            std::string_view site_name, MailMethod method);

/// Writes `files` into `dir`, creating it when missing; each file is written aside and
/// renamed into place. Throws std::filesystem::filesystem_error or std::runtime_error
/// naming the file.
void write_export_files(const std::filesystem::path& dir, const std::vector<ExportFile>& files);

}  // namespace sitedns
