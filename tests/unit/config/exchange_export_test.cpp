// `sitedns export --format exchange` (SPEC §2, issue 21): a script that converges. No
// Exchange runs here, so the golden scripts under tests/unit/config/golden/exchange_export/
// are the evidence (SITEDNS_UPDATE_GOLDEN=1 rewrites them, never under CI:
// tests/support/golden.h): a first run, and a re-run after each change of the topology (a
// user moved, a site renumbered, `tls` turned on, a site removed), each with the Set- and
// Remove- lines that act on that change. Beside them, for each change, the desired state
// differs from the first run's exactly where the change says, and the steps not at all.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/exchange_steps.h"
#include "config/mail_export.h"
#include "config/mail_text.h"
#include "config/recipients.h"
#include "mail_sites_fixture.h"
#include "tests/support/golden.h"

namespace sitedns {
namespace {

using Lines = std::vector<std::string>;

using mail_fixture::example_sites;

constexpr std::size_t kLondon = 0, kParis = 1, kMadrid = 2;

/// carol at london, alice at paris, bob and dave at madrid (out of order on purpose).
Recipients example_recipients() {
    Recipients recipients;
    recipients.list = {
        {"dave", kMadrid, 2}, {"alice", kParis, 3}, {"carol", kLondon, 4}, {"bob", kMadrid, 5}};
    return recipients;
}

/// A topology and its recipients: the first run's, or one changed since.
struct Topology {
    Sites sites = example_sites();
    Recipients recipients = example_recipients();

    std::string script(std::string_view site, MailMethod method) const {
        return export_exchange(sites, recipients, site, method);
    }
};

/// bob moved from madrid to paris.
Topology bob_moved() {
    Topology t;
    t.recipients.list[3].site = kParis;
    return t;
}

/// madrid's mail host has a new address.
Topology madrid_renumbered() {
    Topology t;
    t.sites.list[kMadrid].address = *IpAddress::parse("198.51.100.30");
    return t;
}

/// madrid turned `tls` on, with a mail host of the public domain.
Topology madrid_tls_on() {
    Topology t;
    t.sites.list[kMadrid].tls = true;
    t.sites.list[kMadrid].mail_host = "mail-madrid.example.com.";
    return t;
}

/// paris left the topology, and alice with it; madrid is now the second site.
Topology paris_removed() {
    Topology t;
    t.sites.list.erase(t.sites.list.begin() + kParis);
    t.recipients.list = {{"dave", 1, 2}, {"carol", 0, 4}, {"bob", 1, 5}};
    return t;
}

/// The lines of `script` from the line holding `from` up to the one holding `to`.
Lines section(const std::string& script, std::string_view from, std::string_view to) {
    Lines out;
    std::istringstream in(script);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.find(from) != std::string::npos) inside = true;
        if (!to.empty() && line.find(to) != std::string::npos) inside = false;
        if (inside) out.push_back(line);
    }
    return out;
}

Lines desired_state(const std::string& script) {
    return section(script, "-- the desired state", "-- the steps");
}

Lines steps(const std::string& script) {
    return section(script, "-- the steps", "");
}

/// What changed between two versions of a section: the lines only `before` has, and the
/// lines only `after` has, each in its own order, a repeated line counted as often as it
/// appears.
struct Diff {
    Lines removed;
    Lines added;
};

Lines minus(Lines a, Lines b) {
    Lines out;
    for (const std::string& line : a) {
        const auto found = std::find(b.begin(), b.end(), line);
        if (found == b.end()) {
            out.push_back(line);
        } else {
            b.erase(found);
        }
    }
    return out;
}

Diff diff(const Lines& before, const Lines& after) {
    return {minus(before, after), minus(after, before)};
}

Diff data_diff(const Topology& changed, std::string_view site, MailMethod method) {
    return diff(desired_state(Topology{}.script(site, method)),
                desired_state(changed.script(site, method)));
}

void expect_diff(const Diff& actual, const Lines& removed, const Lines& added) {
    EXPECT_EQ(actual.removed, removed);
    EXPECT_EQ(actual.added, added);
}

std::filesystem::path golden_path(const std::string& name) {
    return std::filesystem::path(SITEDNS_SOURCE_DIR) / "tests/unit/config/golden/exchange_export" /
           (name + ".ps1");
}

void expect_golden(const std::string& name, const std::string& text) {
    test::expect_golden(golden_path(name), text);
}

TEST(ExchangeExport, NoRecipientsOrTheDomainAsALocationIsRefused) {
    // A script converging on no user would remove every contact it made before.
    EXPECT_THROW(export_exchange(example_sites(), Recipients{}, "london", MailMethod::Dns),
                 ExportConflict);
    Sites sites = example_sites();
    sites.internal_suffix = "com";
    sites.list[0].name = "example";  // example.com: the public domain itself
    EXPECT_THROW(export_exchange(sites, example_recipients(), "example", MailMethod::Dns),
                 ExportConflict);
}

TEST(ExchangeExport, GoldenScriptsOfAFirstRun) {
    const Topology first;
    expect_golden("first_run_dns_london", first.script("london", MailMethod::Dns));
    expect_golden("first_run_dns_madrid", first.script("madrid", MailMethod::Dns));
    expect_golden("first_run_connector_london", first.script("london", MailMethod::Connector));
}

TEST(ExchangeExport, GoldenScriptsOfEachReRun) {
    const Topology moved = bob_moved();
    expect_golden("moved_dns_london", moved.script("london", MailMethod::Dns));
    expect_golden("moved_dns_madrid", moved.script("madrid", MailMethod::Dns));
    expect_golden("moved_dns_paris", moved.script("paris", MailMethod::Dns));
    expect_golden("renumbered_connector_london",
                  madrid_renumbered().script("london", MailMethod::Connector));
    expect_golden("tls_on_dns_london", madrid_tls_on().script("london", MailMethod::Dns));
    expect_golden("tls_on_connector_london",
                  madrid_tls_on().script("london", MailMethod::Connector));
    expect_golden("removed_connector_london",
                  paris_removed().script("london", MailMethod::Connector));
}

/// Each re-run's golden holds the lines that act on its change (the steps are the same
/// in every golden, so this also says which line serves which change).
TEST(ExchangeExport, EachReRunsGoldenHoldsTheLinesThatActOnIt) {
    const std::vector<std::pair<std::string, Lines>> cases = {
        {"moved_dns_london",
         {"Set-MailContact -Identity $c.Public -ExternalEmailAddress $c.Target -Name $c.Name"}},
        {"moved_dns_madrid",
         {"Set-Mailbox -Identity $mailbox.DistinguishedName -EmailAddresses @{ Remove = $address }",
          "New-MailContact -Name $c.Name"}},
        {"moved_dns_paris",
         {"Remove-MailContact -Identity $contact.DistinguishedName -Confirm:$false",
          "Set-Mailbox -Identity $mailbox.DistinguishedName -EmailAddresses @{ Add = "}},
        {"renumbered_connector_london", {"Set-SendConnector -Identity $c.Name @changes"}},
        {"tls_on_connector_london", {"Set-SendConnector -Identity $c.Name @changes"}},
        {"tls_on_dns_london",
         {"New-SendConnector -Name $c.Name -Usage Custom @changes",
          "Remove-SendConnector -Identity $name -Confirm:$false"}},
        {"removed_connector_london",
         {"Remove-MailContact -Identity $contact.DistinguishedName -Confirm:$false",
          "Remove-SendConnector -Identity $name -Confirm:$false"}},
    };
    for (const auto& [name, lines] : cases) {
        const std::string golden = test::read_golden(golden_path(name));
        for (const std::string& line : lines) {
            EXPECT_NE(golden.find(line), std::string::npos) << name << ": " << line;
        }
    }
}

/// Every case and site: the steps are one text, so the Set- and Remove- lines of one
/// golden are those of every other; only the desired state differs.
TEST(ExchangeExport, TheStepsAreTheSameForEverySiteAndTopology) {
    const Lines expected = steps(Topology{}.script("london", MailMethod::Dns));
    ASSERT_FALSE(expected.empty());
    for (const Topology& t :
         {Topology{}, bob_moved(), madrid_renumbered(), madrid_tls_on(), paris_removed()}) {
        for (const Site& site : t.sites.list) {
            for (const MailMethod method : {MailMethod::Dns, MailMethod::Connector}) {
                EXPECT_EQ(steps(t.script(site.name, method)), expected) << site.name;
            }
        }
    }
}

/// The lines of the steps that act on each change, in the order they are written: the
/// helpers, then steps 1 to 4.
TEST(ExchangeExport, TheStepsCreateChangeAndRemove) {
    const std::string text = exchange_steps();
    const Lines actions = {
        "Set-MailContact -Identity $c.Public -ExternalEmailAddress $c.Target -Name $c.Name",
        "Remove-EmailAddressPolicy -Identity $OldPolicy -Confirm:$false",
        "Remove-MailContact -Identity $contact.DistinguishedName -Confirm:$false",
        "New-MailContact -Name $c.Name -Alias $c.Alias -ExternalEmailAddress $c.Target "
        "-PrimarySmtpAddress $c.Public",
        "Set-MailContact -Identity $c.Public -CustomAttribute1 $Mark",
        "Set-Mailbox -Identity $mailbox.DistinguishedName -EmailAddresses @{ Remove = $address }",
        "Set-Mailbox -Identity $mailbox.DistinguishedName -EmailAddresses @{ Add = ",
        "New-SendConnector -Name $c.Name -Usage Custom @changes",
        "Set-SendConnector -Identity $c.Name @changes",
        "Remove-SendConnector -Identity $name -Confirm:$false",
    };
    std::size_t at = 0;
    for (const std::string& action : actions) {
        const std::size_t found = text.find(action);
        EXPECT_NE(found, std::string::npos) << action;
        if (found == std::string::npos) continue;
        EXPECT_GT(found, at) << action << " runs in this order";
        at = found;
    }
    for (const char* gone : {"New-EmailAddressPolicy", "%m@", "Update-EmailAddressPolicy",
                             "if (-not (Get-MailContact"}) {
        EXPECT_EQ(text.find(gone), std::string::npos) << gone;
    }
}

TEST(ExchangeExport, AMoveChangesTheContactAtAThirdSite) {
    expect_diff(data_diff(bob_moved(), "london", MailMethod::Dns),
                {"    @{ Public = 'bob@example.com'; Target = 'bob@madrid.example.local'; "
                 "Name = 'bob (madrid)'; Alias = 'bob' }"},
                {"    @{ Public = 'bob@example.com'; Target = 'bob@paris.example.local'; "
                 "Name = 'bob (paris)'; Alias = 'bob' }"});
}

TEST(ExchangeExport, AMoveTakesTheMailboxAddressAwayAndGivesAContactAtTheOldHome) {
    expect_diff(data_diff(bob_moved(), "madrid", MailMethod::Dns),
                {"    @{ Public = 'bob@example.com'; Location = 'bob@madrid.example.local' }"},
                {"    @{ Public = 'bob@example.com'; Target = 'bob@paris.example.local'; "
                 "Name = 'bob (paris)'; Alias = 'bob' }"});
}

TEST(ExchangeExport, AMoveRemovesTheContactAndGivesTheMailboxAddressAtTheNewHome) {
    expect_diff(data_diff(bob_moved(), "paris", MailMethod::Connector),
                {"    @{ Public = 'bob@example.com'; Target = 'bob@madrid.example.local'; "
                 "Name = 'bob (madrid)'; Alias = 'bob' }"},
                {"    @{ Public = 'bob@example.com'; Location = 'bob@paris.example.local' }"});
}

TEST(ExchangeExport, ARenumberingChangesTheSmartHostOnly) {
    expect_diff(data_diff(madrid_renumbered(), "london", MailMethod::Connector),
                {"       DNSRoutingEnabled = $false; SmartHosts = @('[203.0.113.30]'); "
                 "UseExternalDNSServersEnabled = $false"},
                {"       DNSRoutingEnabled = $false; SmartHosts = @('[198.51.100.30]'); "
                 "UseExternalDNSServersEnabled = $false"});
    // The DNS method names no address: the new one is in sitedns's answers.
    expect_diff(data_diff(madrid_renumbered(), "london", MailMethod::Dns), {}, {});
}

TEST(ExchangeExport, TlsTurnedOnGivesTheSiteAConnectorOfItsOwnWithTheDnsMethod) {
    // paris: london and madrid shared the DNS connector; madrid leaves it for its own.
    expect_diff(
        data_diff(madrid_tls_on(), "paris", MailMethod::Dns),
        {"    @{ Name = 'sitedns dns routing'; AddressSpaces = @('SMTP:london.example.local;1', "
         "'SMTP:madrid.example.local;1')"},
        {"    @{ Name = 'sitedns dns routing'; AddressSpaces = @('SMTP:london.example.local;1')",
         "    @{ Name = 'sitedns madrid.example.local'; AddressSpaces = "
         "@('SMTP:madrid.example.local;1')",
         "       DNSRoutingEnabled = $true; SmartHosts = $null; UseExternalDNSServersEnabled = "
         "$false",
         "       RequireTLS = $true; TlsAuthLevel = 'DomainValidation'; TlsDomain = "
         "'mail-madrid.example.com' }"});
    // london: madrid was the DNS connector's only site, so that connector goes.
    expect_diff(
        data_diff(madrid_tls_on(), "london", MailMethod::Dns),
        {"    @{ Name = 'sitedns dns routing'; AddressSpaces = @('SMTP:madrid.example.local;1')",
         "       RequireTLS = $false; TlsAuthLevel = $null; TlsDomain = $null }"},
        {"    @{ Name = 'sitedns madrid.example.local'; AddressSpaces = "
         "@('SMTP:madrid.example.local;1')",
         "       RequireTLS = $true; TlsAuthLevel = 'DomainValidation'; TlsDomain = "
         "'mail-madrid.example.com' }"});
}

TEST(ExchangeExport, TlsTurnedOnChangesTheConnectorsTlsSettings) {
    expect_diff(data_diff(madrid_tls_on(), "london", MailMethod::Connector),
                {"       RequireTLS = $false; TlsAuthLevel = $null; TlsDomain = $null }"},
                {"       RequireTLS = $true; TlsAuthLevel = 'DomainValidation'; TlsDomain = "
                 "'mail-madrid.example.com' }"});
}

TEST(ExchangeExport, ARemovedSiteTakesItsContactsAndConnectorAway) {
    expect_diff(data_diff(paris_removed(), "london", MailMethod::Connector),
                {"    @{ Public = 'alice@example.com'; Target = 'alice@paris.example.local'; "
                 "Name = 'alice (paris)'; Alias = 'alice' }",
                 "    @{ Name = 'sitedns paris.example.local'; AddressSpaces = "
                 "@('SMTP:paris.example.local;1')",
                 "       DNSRoutingEnabled = $false; SmartHosts = @('[203.0.113.20]'); "
                 "UseExternalDNSServersEnabled = $false",
                 "       RequireTLS = $true; TlsAuthLevel = 'DomainValidation'; TlsDomain = "
                 "'mail-paris.example.com' }"},
                {});
}

/// The lines of `text` that start with `prefix`.
Lines lines_with(const Lines& text, const std::string& prefix) {
    Lines out;
    for (const std::string& line : text) {
        if (line.compare(0, prefix.size(), prefix) == 0) out.push_back(line);
    }
    return out;
}

TEST(ExchangeExport, OwnUsersGetALocationAddressOthersAContact) {
    const Lines data = desired_state(Topology{}.script("madrid", MailMethod::Dns));
    EXPECT_EQ(lines_with(data, "    @{ Public"),
              (Lines{"    @{ Public = 'bob@example.com'; Location = 'bob@madrid.example.local' }",
                     "    @{ Public = 'dave@example.com'; Location = 'dave@madrid.example.local' }",
                     "    @{ Public = 'carol@example.com'; Target = 'carol@london.example.local'; "
                     "Name = 'carol (london)'; Alias = 'carol' }",
                     "    @{ Public = 'alice@example.com'; Target = 'alice@paris.example.local'; "
                     "Name = 'alice (paris)'; Alias = 'alice' }"}));
    EXPECT_EQ(lines_with(data, "    @{ Name"),
              (Lines{"    @{ Name = 'sitedns dns routing'; AddressSpaces = "
                     "@('SMTP:london.example.local;1')",
                     "    @{ Name = 'sitedns paris.example.local'; AddressSpaces = "
                     "@('SMTP:paris.example.local;1')"}))
        << "one DNS-routed connector for the sites without tls, one for paris's TLS";
}

TEST(ExchangeExport, TheDnsMethodRoutesEveryOtherSiteThroughOneConnector) {
    Topology t;
    t.sites.list[kParis].tls = false;
    const Lines data = desired_state(t.script("london", MailMethod::Dns));
    EXPECT_EQ(lines_with(data, "    @{ Name"),
              Lines{"    @{ Name = 'sitedns dns routing'; AddressSpaces = "
                    "@('SMTP:paris.example.local;1', 'SMTP:madrid.example.local;1')"});
    EXPECT_EQ(lines_with(data, "       DNSRoutingEnabled"),
              Lines{"       DNSRoutingEnabled = $true; SmartHosts = $null; "
                    "UseExternalDNSServersEnabled = $false"})
        << "by the MX records of the server's own DNS, the site's sitedns";
}

TEST(ExchangeExport, ASiteAloneHasNoContactsAndNoConnectors) {
    Topology t;
    t.sites.list.resize(1);
    t.recipients.list = {{"carol", 0, 2}};
    const Lines data = desired_state(t.script("london", MailMethod::Dns));
    EXPECT_NE(std::find(data.begin(), data.end(), "$Contacts = @()"), data.end());
    EXPECT_NE(std::find(data.begin(), data.end(), "$Connectors = @()"), data.end());
}

TEST(ExchangeExport, QuotesAreDoubledAndOtherLettersWrittenAsCharacters) {
    Topology t;
    // o'brien, zoë (U+00EB), an o with a right single quote (U+2019), and U+1F600.
    t.recipients.list = {{"o'brien", kParis, 2},
                         {"zo\xC3\xAB", kParis, 3},
                         {"o\xE2\x80\x99neil", kParis, 4},
                         {"\xF0\x9F\x98\x80", kParis, 5}};
    const std::string script = t.script("london", MailMethod::Dns);
    const Lines contacts = lines_with(desired_state(script), "    @{ Public");
    EXPECT_EQ(
        contacts,
        (Lines{"    @{ Public = 'o''brien@example.com'; Target = 'o''brien@paris.example.local'; "
               "Name = 'o''brien (paris)'; Alias = 'o''brien' }",
               "    @{ Public = ('o' + [char]0x2019 + 'neil@example.com'); Target = ('o' + "
               "[char]0x2019 + 'neil@paris.example.local'); Name = ('o' + [char]0x2019 + "
               "'neil (paris)'); Alias = 'o_neil' }",
               "    @{ Public = ('zo' + [char]0x00EB + '@example.com'); Target = ('zo' + "
               "[char]0x00EB + '@paris.example.local'); Name = ('zo' + [char]0x00EB + ' "
               "(paris)'); Alias = 'zo_' }",
               "    @{ Public = ('' + [char]0xD83D + [char]0xDE00 + '@example.com'); Target = "
               "('' + [char]0xD83D + [char]0xDE00 + '@paris.example.local'); Name = ('' + "
               "[char]0xD83D + [char]0xDE00 + ' (paris)'); Alias = '_' }"}));
    EXPECT_TRUE(std::all_of(script.begin(), script.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x80;
    })) << "Windows PowerShell reads a file without a byte order mark as ANSI";
}

TEST(ExchangeExport, ALongNameIsTheLocalPartAlone) {
    Topology t;
    const std::string local(60, 'a');
    t.recipients.list = {{local, kParis, 2}};
    const Lines contacts =
        lines_with(desired_state(t.script("london", MailMethod::Dns)), "    @{ Public");
    ASSERT_EQ(contacts.size(), 1U);
    EXPECT_NE(contacts[0].find("Name = '" + local + "';"), std::string::npos) << contacts[0];
}

/// What PowerShell makes of one value of a contact entry, the way its tokenizer reads
/// it: `'...'` (U+2018..U+201B also open and close one, and '' is a quote inside), or
/// `('...' + [char]0x2019 + ...)`. The UTF-16 code units of the value, or nullopt when
/// `text` at `i` holds anything else: a string ended early, an operator, a command.
std::optional<std::u16string> ps_value(std::string_view text, std::size_t& i) {
    std::u16string out;
    const auto literal = [&]() -> bool {
        if (i >= text.size() || text[i] != '\'') return false;
        for (++i; i < text.size(); ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            if (c >= 0x80 || c < 0x20) return false;  // PowerShell's quotes are ASCII here
            if (c != '\'') {
                out += static_cast<char16_t>(c);
            } else if (i + 1 < text.size() && text[i + 1] == '\'') {
                out += u'\'';
                ++i;
            } else {
                ++i;
                return true;
            }
        }
        return false;
    };
    const auto character = [&]() -> bool {
        if (text.substr(i, 8) != "[char]0x" || i + 12 > text.size()) return false;
        const std::string hex(text.substr(i + 8, 4));
        if (hex.find_first_not_of("0123456789ABCDEF") != std::string::npos) return false;
        out += static_cast<char16_t>(std::stoul(hex, nullptr, 16));
        i += 12;
        return true;
    };
    if (text.substr(i, 1) != "(") return literal() ? std::optional(out) : std::nullopt;
    for (++i;; i += 3) {
        if (!literal() && !character()) return std::nullopt;
        if (text.substr(i, 1) == ")") break;
        if (text.substr(i, 3) != " + ") return std::nullopt;
    }
    ++i;
    return out;
}

/// UTF-8 `text` as UTF-16, as PowerShell holds a string.
std::u16string utf16(std::string_view text) {
    std::u16string out;
    for (std::size_t i = 0; i < text.size();) {
        const std::uint32_t point = mail_text::next_code_point(text, i);
        if (point < 0x10000) {
            out += static_cast<char16_t>(point);
        } else {
            out += static_cast<char16_t>(0xD800 + ((point - 0x10000) >> 10));
            out += static_cast<char16_t>(0xDC00 + ((point - 0x10000) & 0x3FF));
        }
    }
    return out;
}

TEST(ExchangeExport, HostileLocalPartsStayInertStrings) {
    // Issue 25: a list filled without the recipients reader (which refuses all these)
    // still gives entries whose every value PowerShell reads as one string, the input
    // itself, and nothing else: the second wall.
    const std::vector<std::string> hostile = {
        "x\xE2\x80\x99|whoami|Write-Output\xC2\xA0\xE2\x80\x99y",  // the issue's line
        "a\xE2\x80\x98;whoami;'b",
        "a\xE2\x80\x9A$(whoami)",
        "a\xE2\x80\x9B`whoami`",
        "a\xE2\x80\x9C\"b",
        "a'';|b",
        "a\x1B[31m",
        "a\nb",
        "#a",
        "a\xEF\xBC\x87"
        "b"};
    for (const std::string& local : hostile) {
        Topology t;
        t.recipients.list = {{local, kParis, 2}};
        const std::string script = t.script("london", MailMethod::Dns);
        const Lines contacts = lines_with(desired_state(script), "    @{ Public");
        ASSERT_EQ(contacts.size(), 1U) << local;
        const std::string_view line = contacts[0];
        std::size_t i = 0;
        std::vector<std::u16string> values;
        for (const std::string_view key :
             {"    @{ Public = ", "; Target = ", "; Name = ", "; Alias = "}) {
            ASSERT_EQ(line.substr(i, key.size()), key) << line;
            i += key.size();
            const std::optional<std::u16string> value = ps_value(line, i);
            ASSERT_TRUE(value) << "not one string at column " << i << ": " << line;
            values.push_back(*value);
        }
        EXPECT_EQ(line.substr(i), " }") << line;
        EXPECT_EQ(values[0], utf16(local + "@example.com")) << line;
        EXPECT_EQ(values[1], utf16(local + "@paris.example.local")) << line;
    }
}

}  // namespace
}  // namespace sitedns
