// `sitedns export --format postfix` (SPEC §2): one site's Postfix tables and main.cf
// settings, built as text from the sites and the recipients file.

#include "config/mail_export.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "config/mail_route.h"
#include "config/mail_text.h"

namespace sitedns {

namespace {

using namespace mail_text;

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
