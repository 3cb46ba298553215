#include "config/mail_text.h"

#include <algorithm>
#include <stdexcept>

#include "config/mail_route.h"

namespace sitedns::mail_text {

std::string without_dot(std::string text) {
    if (text.size() > 1 && text.back() == '.') text.pop_back();
    return text;
}

std::string location_domain(const Sites& sites, const Site& site) {
    return without_dot(mail_route::site_domain(sites, site).to_text());
}

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

std::vector<std::vector<const Recipient*>> recipients_by_site(const Sites& sites,
                                                              const Recipients& recipients) {
    std::vector<std::vector<const Recipient*>> out(sites.list.size());
    for (const Recipient& recipient : recipients.list) {
        if (recipient.site >= out.size()) {
            // read_recipients() refuses an unknown site: only a list made by hand gets here.
            throw std::logic_error("recipient " + recipient.local + " has no site");
        }
        out[recipient.site].push_back(&recipient);
    }
    for (auto& list : out) {
        std::sort(list.begin(), list.end(),
                  [](const Recipient* a, const Recipient* b) { return a->local < b->local; });
    }
    return out;
}

std::string hex_code(std::uint32_t value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (int shift = 28; shift >= 0; shift -= 4) {
        const unsigned digit = (value >> shift) & 0xF;
        if (digit != 0 || !out.empty() || shift < 16) out += kHex[digit];
    }
    return out;
}

void require_distinct_domains(const Sites& sites, const Site& site) {
    if (mail_route::site_domain(sites, site) == dns::Name::parse_absolute(sites.domain)) {
        throw ExportConflict("site " + site.name + "'s location domain " +
                             location_domain(sites, site) +
                             " is the public domain: a mail server cannot take it as both its "
                             "users' mailbox domain and the domain of every contact; choose "
                             "another internal_suffix");
    }
}

const char* method_name(MailMethod method) {
    return method == MailMethod::Dns ? "dns" : "connector";
}

std::string header(const Sites& sites, const Site& site, MailMethod method, std::string_view what,
                   std::string_view format) {
    return "# " + std::string(what) + " of site " + site.name + " (sites topology serial " +
           std::to_string(sites.serial) + "), written by\n#   sitedns export --format " +
           std::string(format) + " --site " + site.name + " --method " + method_name(method) +
           "\n# Change the topology and export again rather than edit this file.\n";
}

}  // namespace sitedns::mail_text
