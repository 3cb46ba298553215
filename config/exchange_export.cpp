// `sitedns export --format exchange` (SPEC §2): one site's Exchange Management Shell
// script, built as text from the sites and the recipients file.

#include <string>

#include "config/mail_export.h"
#include "config/mail_text.h"

namespace sitedns {
namespace {

using namespace mail_text;

/// A PowerShell string literal: single quotes, a quote inside doubled.
std::string ps_string(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

/// `new_commands` run only when `get_command` finds nothing: a second run changes nothing.
std::string unless_found(std::string_view get_command, std::string_view new_commands) {
    return "if (-not (" + std::string(get_command) + " -ErrorAction SilentlyContinue)) {\n" +
           std::string(new_commands) + "}\n";
}

std::string exchange_domain_and_policy(const Sites& sites, const Site& site) {
    const std::string domain = location_domain(sites, site);
    const std::string policy = ps_string("sitedns " + domain);
    std::string out;
    out += "\n# 1. The location domain " + domain + ": " + site.name + "'s own users.\n";
    out += unless_found("Get-AcceptedDomain -Identity " + ps_string(domain),
                        "    New-AcceptedDomain -Name " + ps_string(domain) + " -DomainName " +
                            ps_string(domain) + " -DomainType Authoritative\n");
    out += "\n# 2. Each user gets a second address at " + domain +
           ": a policy of its own, before\n"
           "#    the default one, keeping the public address primary.\n";
    out += unless_found("Get-EmailAddressPolicy -Identity " + policy,
                        "    New-EmailAddressPolicy -Name " + policy +
                            " -IncludedRecipients MailboxUsers -Priority 1 "
                            "-EnabledEmailAddressTemplates " +
                            ps_string("SMTP:%m@" + sites.domain) + ", " +
                            ps_string("smtp:%m@" + domain) +
                            "\n    Update-EmailAddressPolicy -Identity " + policy + "\n");
    return out;
}

std::string exchange_contacts(const Sites& sites, const Recipients& recipients, std::size_t own) {
    std::string out =
        "\n# 3. A mail contact for each user of the other sites: the public address,\n"
        "#    forwarded to the user's location address.\n";
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        if (i == own) continue;
        const Site& home = sites.list[i];
        const std::string domain = location_domain(sites, home);
        for (const Recipient* recipient : recipients_of(recipients, i)) {
            const std::string address = ps_string(recipient->local + "@" + sites.domain);
            out +=
                unless_found("Get-MailContact -Identity " + address,
                             "    New-MailContact -Name " +
                                 ps_string(recipient->local + " (" + home.name + ")") + " -Alias " +
                                 ps_string(recipient->local) + " -ExternalEmailAddress " +
                                 ps_string(recipient->local + "@" + domain) +
                                 " -PrimarySmtpAddress " + address + "\n");
        }
    }
    return out;
}

/// One send connector to `other`: by smart host for the connector method, by MX for
/// the DNS method; TLS with the mail host's name validated when the site has `tls`.
std::string exchange_connector(const Sites& sites, const Site& other, MailMethod method) {
    const std::string domain = location_domain(sites, other);
    const std::string name = ps_string("sitedns " + domain);
    std::string command = "    New-SendConnector -Name " + name + " -Usage Custom -AddressSpaces " +
                          ps_string("SMTP:" + domain + ";1");
    if (method == MailMethod::Connector) {
        command += " -DNSRoutingEnabled $false -SmartHosts " +
                   ps_string("[" + other.address.to_string() + "]");
    } else {
        command += " -DNSRoutingEnabled $true";
    }
    if (other.tls) {
        command += " -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain " +
                   ps_string(certificate_name(sites, other));
    }
    return unless_found("Get-SendConnector -Identity " + name, command + "\n");
}

std::string exchange_connectors(const Sites& sites, std::size_t own, MailMethod method) {
    std::string out = "\n# 4. Send connectors: ";
    out += method == MailMethod::Connector
               ? "each other site's location domain to its mail host by address.\n"
               : "the DNS method routes by the MX records sitedns serves (this\n"
                 "#    server's DNS is the site's sitedns); a connector only to a site with tls.\n";
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        const Site& other = sites.list[i];
        if (i == own || (method == MailMethod::Dns && !other.tls)) continue;
        out += exchange_connector(sites, other, method);
    }
    return out;
}

}  // namespace

std::string export_exchange(const Sites& sites, const Recipients& recipients,
                            std::string_view site_name, MailMethod method) {
    const std::size_t own = site_index(sites, site_name);
    const Site& site = sites.list[own];
    std::string out = header(sites, site, method, "Exchange Management Shell script", "exchange");
    out +=
        "# For Exchange 2010 SP2 to 2019 and Subscription Edition. Each New- runs only when\n"
        "# its Get- finds nothing: a second run changes nothing. The public domain " +
        sites.domain + "\n# is an accepted domain of this organisation already.\n";
    if (site.tls) {
        out += "# " + site.name + " has tls: the other sites verify its certificate for " +
               certificate_name(sites, site) + "\n# (Enable-ExchangeCertificate -Services SMTP).\n";
    }
    out += "$ErrorActionPreference = 'Stop'\n";
    out += exchange_domain_and_policy(sites, site);
    out += exchange_contacts(sites, recipients, own);
    out += exchange_connectors(sites, own, method);
    return out;
}

}  // namespace sitedns
