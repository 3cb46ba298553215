// `sitedns export --format postfix|exchange` (SPEC §2): one site's mail server settings,
// built as text from the sites and the recipients file.

#include "config/mail_export.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "config/mail_route.h"

namespace sitedns {

namespace {

std::string without_dot(std::string text) {
    if (text.size() > 1 && text.back() == '.') text.pop_back();
    return text;
}

/// "paris.example.local": the site's location domain, as mail servers write it.
std::string location_domain(const Sites& sites, const Site& site) {
    return without_dot(mail_route::site_domain(sites, site).to_text());
}

/// The name the site's TLS certificate must carry: its mail host, the MX target.
std::string certificate_name(const Sites& sites, const Site& site) {
    return without_dot(mail_host_name(sites, site).to_text());
}

std::size_t site_index(const Sites& sites, std::string_view name) {
    std::string known;
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        if (sites.list[i].name == name) return i;
        known += (i == 0 ? "" : ", ") + sites.list[i].name;
    }
    throw std::invalid_argument("no site named " + std::string(name) +
                                "; sites: " + (known.empty() ? "none" : known));
}

/// The recipients of site `index`, by local part.
std::vector<const Recipient*> recipients_of(const Recipients& recipients, std::size_t index) {
    std::vector<const Recipient*> out;
    for (const Recipient& recipient : recipients.list) {
        if (recipient.site == index) out.push_back(&recipient);
    }
    std::sort(out.begin(), out.end(),
              [](const Recipient* a, const Recipient* b) { return a->local < b->local; });
    return out;
}

const char* method_name(MailMethod method) {
    return method == MailMethod::Dns ? "dns" : "connector";
}

/// The first lines of every exported file: what it is, where it comes from.
std::string header(const Sites& sites, const Site& site, MailMethod method, std::string_view what,
                   std::string_view format) {
    return "# " + std::string(what) + " of site " + site.name + " (sites topology serial " +
           std::to_string(sites.serial) + "), written by\n#   sitedns export --format " +
           std::string(format) + " --site " + site.name + " --method " + method_name(method) +
           "\n# Change the topology and export again rather than edit this file.\n";
}

// ------------------------------------------------------------------ Postfix

std::string postfix_virtual(const Sites& sites, const Recipients& recipients, std::size_t own,
                            MailMethod method) {
    const Site& site = sites.list[own];
    std::string out = header(sites, site, method, "Postfix virtual_alias_maps", "postfix");
    // S's own users first: their mailboxes here, never a contact (SPEC §2).
    std::vector<std::size_t> order{own};
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        if (i != own) order.push_back(i);
    }
    for (std::size_t index : order) {
        const Site& home = sites.list[index];
        const std::string target_domain = location_domain(sites, home);
        out += index == own
                   ? "# " + site.name + "'s own users: their mailboxes at " + target_domain + "\n"
                   : "# contacts for the users of " + home.name + "\n";
        for (const Recipient* recipient : recipients_of(recipients, index)) {
            out += recipient->local + "@" + sites.domain + " " + recipient->local + "@" +
                   target_domain + "\n";
        }
    }
    return out;
}

std::string postfix_transport(const Sites& sites, std::size_t own, MailMethod method) {
    std::string out = header(sites, sites.list[own], method, "Postfix transport_maps", "postfix");
    if (method == MailMethod::Dns) {
        out += "# DNS method: no entry; the MX records sitedns serves route the mail.\n";
        return out;
    }
    out += "# connector method: each location domain to its site's mail host by address\n";
    for (std::size_t i = 0; i < sites.list.size(); ++i) {
        if (i == own) continue;
        const Site& other = sites.list[i];
        out += location_domain(sites, other) + " smtp:[" + other.address.to_string() + "]:25\n";
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

std::string postfix_main_cf(const Sites& sites, const Recipients& recipients, std::size_t own,
                            MailMethod method, const std::filesystem::path& table_dir) {
    const Site& site = sites.list[own];
    const std::string dir = table_dir.string() + (table_dir.string().ends_with('/') ? "" : "/");
    std::string out = header(sites, site, method, "Postfix main.cf settings", "postfix");
    out +=
        "# Append to main.cf (the last setting of a name wins). The tables are texthash:\n"
        "# maps, read as they are: `postfix reload` after each export, no postmap.\n\n";
    out += "# " + site.name + "'s location domain: its users' mailboxes. Give them\n" +
           "# virtual_mailbox_maps, or deliver the domain with mydestination instead.\n";
    out += "virtual_mailbox_domains = " + location_domain(sites, site) + "\n";
    out += "# The public domain: each address an alias in " + dir +
           "virtual, to a mailbox\n"
           "# here or a contact at another site.\n";
    if (recipients.list.empty()) {
        out += "# (no recipients file: the public domain is not accepted here)\n";
    } else {
        out += "virtual_alias_domains = " + sites.domain + "\n";
    }
    out += "virtual_alias_maps = texthash:" + dir + "virtual\n";
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

// ------------------------------------------------------------------ Exchange

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

std::optional<MailMethod> parse_mail_method(std::string_view text) {
    if (text == "dns") return MailMethod::Dns;
    if (text == "connector") return MailMethod::Connector;
    return std::nullopt;
}

std::vector<ExportFile> export_postfix(const Sites& sites, const Recipients& recipients,
                                       std::string_view site_name, MailMethod method,
                                       const std::filesystem::path& table_dir) {
    const std::size_t own = site_index(sites, site_name);
    return {
        {"virtual", postfix_virtual(sites, recipients, own, method)},
        {"transport", postfix_transport(sites, own, method)},
        {"tls_policy", postfix_tls_policy(sites, own, method)},
        {"main.cf", postfix_main_cf(sites, recipients, own, method, table_dir)},
    };
}

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
