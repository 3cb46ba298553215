#include "config/mail_text.h"

#include <algorithm>
#include <stdexcept>

#include "config/mail_route.h"

namespace sitedns::mail_text {

std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    const std::size_t length = lead < 0x80         ? 1
                               : lead >> 5 == 0x6  ? 2
                               : lead >> 4 == 0xE  ? 3
                               : lead >> 3 == 0x1E ? 4
                                                   : 0;
    if (length == 0 || i + length > text.size()) {
        ++i;
        return 0xFFFD;
    }
    std::uint32_t point = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        point = point << 6 | (byte(i + k) & 0x3F);
    }
    i += length;
    return point;
}

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

std::string header(const Sites& sites, const Site& site, MailMethod method, std::string_view what,
                   std::string_view format) {
    return "# " + std::string(what) + " of site " + site.name + " (sites topology serial " +
           std::to_string(sites.serial) + "), written by\n#   sitedns export --format " +
           std::string(format) + " --site " + site.name + " --method " + method_name(method) +
           "\n# Change the topology and export again rather than edit this file.\n";
}

}  // namespace sitedns::mail_text
