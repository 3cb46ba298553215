#pragma once
// The mail servers' side of the topology (SPEC §2 `export --format postfix|exchange`):
// the contacts, location domain, connectors and TLS policy of one site, as Postfix
// tables and main.cf settings or as an Exchange Management Shell script. Pure text from
// the sites and the recipients file; only write_export_files() touches the disk.

#include <filesystem>
#include <optional>
#include <stdexcept>
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

/// A topology the export cannot express: the configuration must change (exit 1).
struct ExportConflict : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// One file of an export: its name in the output folder and its whole text.
struct ExportFile {
    std::string name;
    std::string text;
    friend bool operator==(const ExportFile&, const ExportFile&) = default;
};

/// The files of SPEC §2 for the Postfix of site `site_name`, in this order:
///   virtual     S's own recipients' public addresses to their mailboxes at S's location
///               domain, postmaster@ and abuse@ of the public domain to the local
///               postmaster (RFC 5321 §4.5.1, RFC 2142) unless the recipients name them,
///               then a contact per recipient of every other site
///               ("bob@example.com bob@madrid.example.local"); never a contact for a
///               user of S; no entry at all without recipients;
///   transport   each other location domain: with the connector method to
///               "smtp:[address]:25", with the DNS method to "smtp:", an empty next hop
///               (its MX), so that `relayhost` does not take inter-site mail;
///   tls_policy  each other site with `tls`: "<location domain> secure match=<mail host>",
///               and with the connector method also "[address]:25 secure match=..."
///               (Postfix looks the policy up by the smart host's next hop);
///   main.cf     settings that accept S's location domain and the public domain, each
///               in one domain list only, and wire the three tables in as texthash: maps
///               under `postfix_dir` (absolute: where the tables will be installed,
///               whatever folder they are written to), read as they are, without postmap.
/// Tables and main.cf carry '#' comments, which postmap and postconf accept. Throws
/// std::invalid_argument "no site named X; sites: a, b, c" for an unknown site, and
/// ExportConflict when the site's location domain is the public domain.
std::vector<ExportFile> export_postfix(const Sites& sites, const Recipients& recipients,
                                       std::string_view site_name, MailMethod method,
                                       const std::filesystem::path& postfix_dir);

/// An Exchange Management Shell script (Exchange 2010 SP2 to 2019, Subscription Edition)
/// for site `site_name`, its own Exchange organisation, that converges: the desired state
/// as PowerShell data, then fixed steps (exchange_steps.h) that compare it with what the
/// Get- cmdlets return and create, change (Set-) or remove (Remove-) the difference.
/// The desired state:
///   $Mailboxes   each own recipient's public address and its location address
///                "<local>@<location domain>", the local part from the recipients file,
///                added to that mailbox as a secondary address (no address policy);
///   $Contacts    per recipient of every other site: public address, target at its
///                home's location domain, name "bob (madrid)" and alias;
///   $Connectors  send connectors named "sitedns ...": with the connector method one per
///                other site, smart host "[address]"; with the DNS method one, "sitedns
///                dns routing", carrying every other site without `tls` by DNS, and one
///                per other `tls` site (Exchange sets TLS per connector). A `tls` site's
///                connector requires TLS and validates its mail host's name.
/// The script only touches contacts marked "sitedns" in CustomAttribute1, connectors
/// named "sitedns ...", secondary addresses at the location domain, the location
/// domain's accepted domain and the address policy of earlier scripts. Every string is
/// a PowerShell literal and the text is ASCII. Throws std::invalid_argument as
/// export_postfix(), and ExportConflict as export_postfix() or when there are no
/// recipients: a script converging on no user would remove every contact and location
/// address an earlier run made.
std::string export_exchange(const Sites& sites, const Recipients& recipients,
                            std::string_view site_name, MailMethod method);

/// Writes `files` into `dir`, creating it when missing; each file is written aside and
/// renamed into place. Throws std::filesystem::filesystem_error or std::runtime_error
/// naming the file.
void write_export_files(const std::filesystem::path& dir, const std::vector<ExportFile>& files);

}  // namespace sitedns
