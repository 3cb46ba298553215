// `sitedns export --format exchange` (SPEC §2): one site's Exchange Management Shell
// script. It is written in two parts: the desired state, as PowerShell data built here
// from the sites and the recipients file, and the steps, a fixed text that compares that
// data with what the Get- cmdlets return and creates, changes or removes the difference.
// So a re-run after the topology changed acts through Set- and Remove-, and the same
// steps serve every site and every topology: only the data differs.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/exchange_steps.h"
#include "config/mail_export.h"
#include "config/mail_text.h"

namespace sitedns {
namespace {

using namespace mail_text;

/// Exchange's limit on a recipient's Name (New-MailContact -Name).
constexpr std::size_t kMaxName = 64;

/// `[char]0x00E9`: one UTF-16 code unit as a PowerShell expression.
std::string ps_char(std::uint32_t unit) {
    return "[char]0x" + hex_code(unit);
}

/// A PowerShell string: a single-quoted literal with each quote doubled. A text with
/// control characters or characters beyond ASCII becomes a sum of literals and `[char]0x...` so
/// that the script stays ASCII: Windows PowerShell reads a file without a byte order mark in the
/// ANSI code page, where UTF-8 bytes turn into other letters, some of them quotes (U+2018..U+201B
/// end a single-quoted string as ' does). The sum starts with a string,
/// '' if need be, since PowerShell adds two [char] as numbers.
std::string ps_string(std::string_view text) {
    std::vector<std::string> parts;
    std::string literal;
    const auto close = [&] {
        if (!literal.empty() || parts.empty()) parts.push_back("'" + literal + "'");
        literal.clear();
    };
    for (std::size_t i = 0; i < text.size();) {
        const std::uint32_t point = next_code_point(text, i);
        // A control character is written as [char] too: a literal ESC or newline would
        // reach the terminal of whoever reads the script, and split its one-line entries.
        if (point >= 0x20 && point < 0x7F) {
            literal += static_cast<char>(point);
            if (point == '\'') literal += '\'';
            continue;
        }
        close();
        if (point < 0x10000) {
            parts.push_back(ps_char(point));
        } else {  // a surrogate pair
            parts.push_back(ps_char(0xD800 + ((point - 0x10000) >> 10)));
            parts.push_back(ps_char(0xDC00 + ((point - 0x10000) & 0x3FF)));
        }
    }
    if (parts.empty() || !literal.empty()) close();
    if (parts.size() == 1) return parts.front();
    std::string out = "(";
    for (std::size_t k = 0; k < parts.size(); ++k) out += (k == 0 ? "" : " + ") + parts[k];
    return out + ")";
}

/// The contact's alias: the local part, with each character beyond ASCII as '_' (an
/// alias takes only ASCII atext, and a local part is ASCII atext or UTF-8).
std::string contact_alias(std::string_view local) {
    std::string out;
    for (std::size_t i = 0; i < local.size();) {
        const std::uint32_t point = next_code_point(local, i);
        out += point < 0x80 ? static_cast<char>(point) : '_';
    }
    return out;
}

/// "bob (madrid)", or the local part alone where that would pass Exchange's 64.
std::string contact_name(const std::string& local, const Site& home) {
    std::string name = local + " (" + home.name + ")";
    return name.size() <= kMaxName ? name : local;
}

/// One send connector of the desired state.
struct Connector {
    std::string name;
    std::vector<std::string> domains;       ///< the location domains it carries
    std::optional<std::string> smart_host;  ///< "[203.0.113.20]"; none: DNS routing
    std::optional<std::string> tls_domain;  ///< the mail host verified, for a `tls` site
};

/// The connectors of site `own`. The connector method: one per other site, to its mail
/// host by address. The DNS method: one, routed by DNS, for every other site without
/// `tls`; since Exchange sets TLS per connector, one more per other site with `tls`.
std::vector<Connector> desired_connectors(const Sites& sites, std::size_t own, MailMethod method) {
    Connector shared{std::string(kExchangeConnectorPrefix) + "dns routing", {}, {}, {}};
    std::vector<Connector> per_site;
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        const Site& other = sites.list[i];
        if (i == own) continue;
        const std::string domain = location_domain(sites, other);
        if (method == MailMethod::Dns && !other.tls) {
            shared.domains.push_back(domain);
            continue;
        }
        Connector connector{std::string(kExchangeConnectorPrefix) + domain, {domain}, {}, {}};
        if (method == MailMethod::Connector) {
            connector.smart_host = "[" + other.address.to_string() + "]";
        }
        if (other.tls) connector.tls_domain = certificate_name(sites, other);
        per_site.push_back(std::move(connector));
    }
    std::vector<Connector> out;
    if (!shared.domains.empty()) out.push_back(std::move(shared));
    for (Connector& connector : per_site) out.push_back(std::move(connector));
    return out;
}

/// `@('a', 'b')`, or `@()`.
std::string ps_array(const std::vector<std::string>& values) {
    std::string out = "@(";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += (i == 0 ? "" : ", ") + ps_string(values[i]);
    }
    return out + ")";
}

/// A connector as a hashtable of Set-SendConnector's parameters, on three lines.
std::string connector_data(const Connector& connector) {
    std::vector<std::string> spaces;
    for (const std::string& domain : connector.domains) spaces.push_back("SMTP:" + domain + ";1");
    std::string out = "    @{ Name = " + ps_string(connector.name) +
                      "; AddressSpaces = " + ps_array(spaces) + "\n       DNSRoutingEnabled = ";
    out += connector.smart_host ? "$false; SmartHosts = " + ps_array({*connector.smart_host})
                                : std::string("$true; SmartHosts = $null");
    out += "; UseExternalDNSServersEnabled = $false\n       RequireTLS = ";
    out += connector.tls_domain ? "$true; TlsAuthLevel = 'DomainValidation'; TlsDomain = " +
                                      ps_string(*connector.tls_domain)
                                : std::string("$false; TlsAuthLevel = $null; TlsDomain = $null");
    return out + " }\n";
}

/// `$Name = @(` ... `)`: one entry per line, or `@()` when there is none.
std::string ps_list(std::string_view name, const std::vector<std::string>& entries) {
    std::string out = "$" + std::string(name) + " = @(";
    if (entries.empty()) return out + ")\n";
    out += "\n";
    for (const std::string& entry : entries) out += entry;
    return out + ")\n";
}

/// `$Mailboxes`: each own user's public address and location address.
std::string mailboxes_data(const Sites& sites, const std::vector<const Recipient*>& own_users,
                           std::size_t own) {
    const std::string domain = location_domain(sites, sites.list[own]);
    std::vector<std::string> entries;
    for (const Recipient* recipient : own_users) {
        entries.push_back("    @{ Public = " + ps_string(recipient->local + "@" + sites.domain) +
                          "; Location = " + ps_string(recipient->local + "@" + domain) + " }\n");
    }
    return "\n# " + sites.list[own].name +
           "'s own users: each public address's mailbox gets its location address.\n" +
           ps_list("Mailboxes", entries);
}

/// `$Contacts`: a contact per user of every other site, the sites in the topology's order.
std::string contacts_data(const Sites& sites,
                          const std::vector<std::vector<const Recipient*>>& by_site,
                          std::size_t own) {
    std::vector<std::string> entries;
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        if (i == own) continue;
        const Site& home = sites.list[i];
        const std::string domain = location_domain(sites, home);
        for (const Recipient* recipient : by_site[i]) {
            const std::string& local = recipient->local;
            entries.push_back("    @{ Public = " + ps_string(local + "@" + sites.domain) +
                              "; Target = " + ps_string(local + "@" + domain) +
                              "; Name = " + ps_string(contact_name(local, home)) +
                              "; Alias = " + ps_string(contact_alias(local)) + " }\n");
        }
    }
    return "\n# A mail contact for each user of the other sites: the public address,\n"
           "# forwarded to the user's location address.\n" +
           ps_list("Contacts", entries);
}

/// `$Connectors`, with why there are these.
std::string connectors_data(const Sites& sites, std::size_t own, MailMethod method) {
    std::vector<std::string> entries;
    for (const Connector& connector : desired_connectors(sites, own, method)) {
        entries.push_back(connector_data(connector));
    }
    const char* why =
        method == MailMethod::Connector
            ? "# Send connectors: each other site's location domain to its mail host by "
              "address.\n"
            : "# Send connectors: the other sites' location domains, routed by the MX records\n"
              "# that this server's DNS, the site's sitedns, answers, never by the Internet\n"
              "# connector. Exchange sets TLS per connector: a site with tls has its own.\n";
    return std::string("\n") + why + ps_list("Connectors", entries);
}

/// The desired state: every value the steps use, and nothing else.
std::string desired_state(const Sites& sites, const Recipients& recipients, std::size_t own,
                          MailMethod method) {
    const std::string domain = location_domain(sites, sites.list[own]);
    std::string out =
        "\n# ---------------------------------------------------------- the desired state\n";
    out +=
        "# What " + sites.list[own].name + "'s Exchange must hold. The steps below only read it.\n";
    out += "$LocationDomain = " + ps_string(domain) + "\n";
    out += "$Mark = " + ps_string(kExchangeMark) +
           "  # the CustomAttribute1 of the contacts it creates\n";
    out += "$ConnectorPrefix = " + ps_string(kExchangeConnectorPrefix) +
           "  # the start of its send connectors' names\n";
    out += "$OldPolicy = " + ps_string("sitedns " + domain) +
           "  # the address policy of earlier sitedns scripts\n";
    const auto by_site = recipients_by_site(sites, recipients);
    out += mailboxes_data(sites, by_site[own], own);
    out += contacts_data(sites, by_site, own);
    out += connectors_data(sites, own, method);
    return out;
}

}  // namespace

std::string export_exchange(const Sites& sites, const Recipients& recipients,
                            std::string_view site_name, MailMethod method) {
    const std::size_t own = site_index(sites, site_name);
    const Site& site = sites.list[own];
    require_distinct_domains(sites, site);
    if (recipients.list.empty()) {
        // The script converges on its data: with no user it would remove every contact
        // and location address an earlier run made.
        throw ExportConflict(
            "no recipients (sites.recipients is absent or empty): the script "
            "would remove every contact and location address it made before; "
            "give the recipients file");
    }
    std::string out = header(sites, site, method, "Exchange Management Shell script", "exchange");
    out += "# For Exchange 2010 SP2 to 2019 and Subscription Edition. " + site.name +
           " is an Exchange organisation\n# of its own, in which the public domain " +
           sites.domain + " is an accepted domain already.\n";
    if (site.tls) {
        out += "# " + site.name + " has tls: the other sites verify its certificate for " +
               certificate_name(sites, site) + "\n# (Enable-ExchangeCertificate -Services SMTP).\n";
    }
    out += exchange_steps_intro();
    out += "$ErrorActionPreference = 'Stop'\n";
    out += desired_state(sites, recipients, own, method);
    out += exchange_steps();
    return out;
}

}  // namespace sitedns
