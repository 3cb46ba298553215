// `sitedns export --format postfix` (SPEC §2): one site's Postfix tables and main.cf
// settings, built as text from the sites and the recipients file.

#include "config/mail_export.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "config/mail_route.h"
#include "config/mail_text.h"
#include "zones/dns/name.h"

namespace sitedns {

namespace {

using namespace mail_text;

// ------------------------------------------------------------------ Postfix

/// The role accounts every domain must accept: postmaster (RFC 5321 §4.5.1) and abuse
/// (RFC 2142 §4).
constexpr std::array<std::string_view, 2> kRoleAccounts{"postmaster", "abuse"};

/// The address the role accounts of the public domain go to: the local postmaster.
/// Not a bare "postmaster": Postfix appends @$myorigin to it (virtual(5), "RESULT
/// ADDRESS REWRITING"), and where $myorigin is the public domain, as with
/// `myorigin = $mydomain`, that is this very table again: "User unknown". localhost is
/// in Postfix's default mydestination, so local(8) delivers it through aliases(5).
constexpr std::string_view kLocalPostmaster = "postmaster@localhost";

/// "KEY VALUE\n", a line of a Postfix lookup table. Throws std::invalid_argument when
/// postmap would read it otherwise (postmap(1), "INPUT FILE FORMAT"): whitespace or a
/// control character splits or breaks the key or value, a leading # makes the line a
/// comment, and an empty key or value is no entry. The recipients reader refuses such
/// addresses already; this is the second wall, for a list filled by other means.
std::string postmap_line(std::string_view key, std::string_view value) {
    for (const std::string_view text : {key, value}) {
        const bool control = std::any_of(text.begin(), text.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
        });
        if (text.empty() || text.front() == '#' || control) {
            throw std::invalid_argument("cannot write \"" + std::string(key) + " " +
                                        std::string(value) +
                                        "\" to a Postfix table: postmap would read " +
                                        (text.empty() ? "an empty field"
                                         : control    ? "whitespace or a control character"
                                                      : "a comment") +
                                        " there");
        }
    }
    return std::string(key) + " " + std::string(value) + "\n";
}

/// postmaster@ and abuse@ of the public domain to the local postmaster, each unless the
/// recipients file names it (then it is an ordinary recipient, above or below).
std::string postfix_role_accounts(const Sites& sites, const Recipients& recipients) {
    std::string out;
    for (std::string_view role : kRoleAccounts) {
        if (recipients.find(role) != nullptr) continue;
        out += postmap_line(std::string(role) + "@" + sites.domain, kLocalPostmaster);
    }
    if (out.empty()) return out;
    return "# postmaster (RFC 5321 section 4.5.1) and abuse (RFC 2142): the local postmaster\n" +
           out;
}

/// One "public address -> location address" line per recipient of site `index`, under
/// a comment naming whose they are.
std::string postfix_aliases_of(const Sites& sites, const std::vector<const Recipient*>& users,
                               std::size_t index, std::size_t own) {
    const std::string target_domain = location_domain(sites, sites.list[index]);
    std::string out = index == own ? "# " + sites.list[own].name +
                                         "'s own users: their mailboxes at " + target_domain + "\n"
                                   : "# contacts for the users of " + sites.list[index].name + "\n";
    for (const Recipient* recipient : users) {
        out += postmap_line(recipient->local + "@" + sites.domain,
                            recipient->local + "@" + target_domain);
    }
    return out;
}

std::string postfix_virtual(const Sites& sites, const Recipients& recipients, std::size_t own,
                            MailMethod method) {
    std::string out =
        header(sites, sites.list[own], method, "Postfix virtual_alias_maps", "postfix");
    // Without recipients the public domain is not accepted here (main.cf): no entry at all.
    if (recipients.list.empty()) return out;
    const auto by_site = recipients_by_site(sites, recipients);
    // S's own users first: their mailboxes here, never a contact (SPEC §2).
    out += postfix_aliases_of(sites, by_site[own], own, own);
    out += postfix_role_accounts(sites, recipients);
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        if (i != own) out += postfix_aliases_of(sites, by_site[i], i, own);
    }
    return out;
}

std::string postfix_transport(const Sites& sites, std::size_t own, MailMethod method) {
    std::string out = header(sites, sites.list[own], method, "Postfix transport_maps", "postfix");
    if (method == MailMethod::Dns) {
        // transport(5), RESULT FORMAT: "A non-null transport field with a null nexthop
        // field resets the nexthop information to the recipient domain", and smtp(8)
        // then looks up that domain's MX. Without the entry, `relayhost` (the nexthop of
        // default_transport) would send inter-site mail to the smart host.
        out +=
            "# DNS method: each location domain by its MX, which this site's sitedns\n"
            "# answers; the empty next hop overrides relayhost for these domains only\n";
    } else {
        out += "# connector method: each location domain to its site's mail host by address\n";
    }
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        if (i == own) continue;
        const Site& other = sites.list[i];
        out += location_domain(sites, other) +
               (method == MailMethod::Dns ? " smtp:"
                                          : " smtp:[" + other.address.to_string() + "]:25") +
               "\n";
    }
    return out;
}

std::string postfix_tls_policy(const Sites& sites, std::size_t own, MailMethod method) {
    std::string out =
        header(sites, sites.list[own], method, "Postfix smtp_tls_policy_maps", "postfix");
    out += "# each site with tls: its certificate must name its mail host\n";
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        const Site& other = sites.list[i];
        if (i == own || !other.tls) continue;
        const std::string policy = " secure match=" + certificate_name(sites, other) + "\n";
        out += location_domain(sites, other) + policy;
        // The connector's next hop is the smart host, and Postfix looks the policy up by
        // it: without this key the mail would go out in clear.
        if (method == MailMethod::Connector) {
            out += "[" + other.address.to_string() + "]:25" + policy;
        }
    }
    return out;
}

/// `dir` with one trailing slash, for "DIR/FILE".
std::string with_slash(const std::filesystem::path& dir) {
    const std::string text = dir.string();
    return text.ends_with('/') ? text : text + "/";
}

/// How to apply main.cf, and the one rule about mydestination it cannot set itself.
std::string postfix_main_cf_preamble(const Sites& sites, const Site& site, const std::string& dir) {
    // VIRTUAL_README: "NEVER list a virtual alias domain name as a mydestination domain",
    // and the same for virtual mailbox domains; trivial-rewrite(8) warns "do not list
    // domain X in BOTH mydestination and virtual_..." and delivers it locally, past the
    // tables below. These settings name each domain in one list only.
    // postconf -e replaces a setting where appending would pile up "overriding earlier
    // entry" warnings: a second export applies as cleanly as the first.
    return "# Apply each setting with postconf -e, which replaces it (run again after each\n"
           "# export): grep -v '^#' main.cf | grep . | xargs -d '\\n' postconf -e\n"
           "# The tables are texthash: maps read as they are from " +
           dir +
           ":\n# copy the three tables there, then `postfix reload` after each export; no "
           "postmap.\n"
           "# Keep " +
           location_domain(sites, site) + " and " + sites.domain +
           " out of mydestination: each\n"
           "# domain belongs to one of mydestination, virtual_mailbox_domains and\n"
           "# virtual_alias_domains, never two (Postfix VIRTUAL_README).\n\n";
}

std::string postfix_main_cf(const Sites& sites, const Recipients& recipients, std::size_t own,
                            MailMethod method, const std::filesystem::path& postfix_dir) {
    const Site& site = sites.list[own];
    const std::string dir = with_slash(postfix_dir);
    std::string out = header(sites, site, method, "Postfix main.cf settings", "postfix");
    out += postfix_main_cf_preamble(sites, site, dir);
    out += "# " + site.name +
           "'s location domain: its users' mailboxes, which stay the site's own\n"
           "# (virtual_mailbox_maps, or virtual_transport to its mailbox server).\n";
    out += "virtual_mailbox_domains = " + location_domain(sites, site) + "\n";
    out += "# The public domain: each address an alias in " + dir +
           "virtual, to a mailbox\n"
           "# here or a contact at another site; postmaster@ and abuse@ to\n"
           "# postmaster@localhost, so keep localhost in mydestination (the default).\n";
    if (recipients.list.empty()) {
        out +=
            "# (no recipients file: the public domain is not accepted here; remove an\n"
            "# earlier export's with postconf -X virtual_alias_domains)\n";
    } else {
        out += "virtual_alias_domains = " + sites.domain + "\n";
    }
    out += "virtual_alias_maps = texthash:" + dir + "virtual\n";
    out += "# The other sites' location domains, even where relayhost names a smart host.\n";
    out += "transport_maps = texthash:" + dir + "transport\n";
    out += "# TLS to the sites with tls: `secure` verifies against smtp_tls_CAfile.\n";
    out += "smtp_tls_policy_maps = texthash:" + dir + "tls_policy\n";
    if (site.tls) {
        out += "# " + site.name + " has tls: the other sites verify a certificate for " +
               certificate_name(sites, site) +
               ";\n# set smtpd_tls_chain_files to it and smtpd_tls_security_level = may.\n";
    }
    return out;
}

}  // namespace

std::optional<MailMethod> parse_mail_method(std::string_view text) {
    if (text == "dns") return MailMethod::Dns;
    if (text == "connector") return MailMethod::Connector;
    return std::nullopt;
}

std::vector<ExportFile> export_postfix(const Sites& sites, const Recipients& recipients,
                                       std::string_view site_name, MailMethod method,
                                       const std::filesystem::path& postfix_dir) {
    const std::size_t own = site_index(sites, site_name);
    require_distinct_domains(sites, sites.list[own]);
    return {
        {"virtual", postfix_virtual(sites, recipients, own, method)},
        {"transport", postfix_transport(sites, own, method)},
        {"tls_policy", postfix_tls_policy(sites, own, method)},
        {"main.cf", postfix_main_cf(sites, recipients, own, method, postfix_dir)},
    };
}

void write_export_files(const std::filesystem::path& dir, const std::vector<ExportFile>& files) {
    std::filesystem::create_directories(dir);
    for (const ExportFile& file : files) {
        const std::filesystem::path path = dir / file.name;
        const std::filesystem::path aside = dir / ("." + file.name + ".tmp");
        {
            std::ofstream out(aside, std::ios::binary | std::ios::trunc);
            out.write(file.text.data(), static_cast<std::streamsize>(file.text.size()));
            out.close();
            if (!out) throw std::runtime_error(aside.string() + ": cannot write");
        }
        std::filesystem::rename(aside, path);
    }
}

}  // namespace sitedns
