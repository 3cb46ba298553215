// `sitedns export --format postfix|exchange` (SPEC §2): the files of the three-site
// example with a recipients list and paris on TLS, compared with golden texts under
// tests/unit/config/golden/mail_export/ (SITEDNS_UPDATE_GOLDEN=1 rewrites them, never under
// CI: tests/support/golden.h), and the
// rules each text must keep.

#include "config/mail_export.h"
#include "mail_sites_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/recipients.h"
#include "tests/support/golden.h"

namespace sitedns {
namespace {

namespace fs = std::filesystem;

using mail_fixture::example_sites;

/// carol at london, alice at paris, bob and dave at madrid (out of order on purpose).
Recipients example_recipients() {
    Recipients recipients;
    recipients.list = {{"dave", 2, 2}, {"alice", 1, 3}, {"carol", 0, 4}, {"bob", 2, 5}};
    return recipients;
}

fs::path golden_dir() {
    return fs::path(SITEDNS_SOURCE_DIR) / "tests/unit/config/golden/mail_export";
}

/// Compares `text` with the golden file `name` (tests/support/golden.h).
void expect_golden(const std::string& name, const std::string& text) {
    test::expect_golden(golden_dir() / name, text);
}

const std::string& file_text(const std::vector<ExportFile>& files, const std::string& name) {
    for (const ExportFile& file : files) {
        if (file.name == name) return file.text;
    }
    throw std::logic_error("no file " + name);
}

/// The lines of `text` that are not comments.
std::vector<std::string> entries(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] != '#') out.push_back(line);
    }
    return out;
}

using Lines = std::vector<std::string>;

TEST(MailExportPostfix, GoldenFilesForBothMethods) {
    for (const auto& [method, folder] :
         {std::pair{MailMethod::Dns, "postfix_dns_london"},
          std::pair{MailMethod::Connector, "postfix_connector_london"}}) {
        SCOPED_TRACE(folder);
        const auto files = export_postfix(example_sites(), example_recipients(), "london", method,
                                          "/etc/postfix/sitedns");
        ASSERT_EQ(files.size(), 4U);
        for (const ExportFile& file : files) {
            expect_golden(std::string(folder) + "/" + file.name, file.text);
        }
    }
}

TEST(MailExportPostfix, OwnUsersMapToTheirMailboxesOthersToContacts) {
    const auto files = export_postfix(example_sites(), example_recipients(), "madrid",
                                      MailMethod::Dns, "/etc/postfix/sitedns");
    EXPECT_EQ(entries(file_text(files, "virtual")),
              (Lines{"bob@example.com bob@madrid.example.local",
                     "dave@example.com dave@madrid.example.local",
                     "postmaster@example.com postmaster@localhost",
                     "abuse@example.com postmaster@localhost",
                     "carol@example.com carol@london.example.local",
                     "alice@example.com alice@paris.example.local"}));
}

TEST(MailExportPostfix, RoleAccountsNamedByRecipientsAreOrdinaryRecipients) {
    Recipients recipients = example_recipients();
    // paris keeps abuse@ (a contact at madrid); madrid keeps postmaster@ (its mailbox).
    recipients.list.push_back({"abuse", 1, 6});
    recipients.list.push_back({"postmaster", 2, 7});
    const auto files = export_postfix(example_sites(), recipients, "madrid", MailMethod::Dns,
                                      "/etc/postfix/sitedns");
    EXPECT_EQ(entries(file_text(files, "virtual")),
              (Lines{"bob@example.com bob@madrid.example.local",
                     "dave@example.com dave@madrid.example.local",
                     "postmaster@example.com postmaster@madrid.example.local",
                     "carol@example.com carol@london.example.local",
                     "abuse@example.com abuse@paris.example.local",
                     "alice@example.com alice@paris.example.local"}));
}

TEST(MailExportPostfix, DnsMethodSendsEachOtherLocationDomainToItsMx) {
    const auto files = export_postfix(example_sites(), example_recipients(), "madrid",
                                      MailMethod::Dns, "/etc/postfix/sitedns");
    // An empty next hop: the recipient domain's MX, whatever relayhost says (transport(5)).
    EXPECT_EQ(entries(file_text(files, "transport")),
              (Lines{"london.example.local smtp:", "paris.example.local smtp:"}));
    EXPECT_EQ(entries(file_text(files, "tls_policy")),
              Lines{"paris.example.local secure match=mail-paris.example.com"});
}

TEST(MailExportPostfix, ConnectorMethodKeysTlsBySmartHostToo) {
    const auto files = export_postfix(example_sites(), example_recipients(), "madrid",
                                      MailMethod::Connector, "/etc/postfix/sitedns");
    EXPECT_EQ(entries(file_text(files, "transport")),
              (Lines{"london.example.local smtp:[203.0.113.10]:25",
                     "paris.example.local smtp:[203.0.113.20]:25"}));
    EXPECT_EQ(entries(file_text(files, "tls_policy")),
              (Lines{"paris.example.local secure match=mail-paris.example.com",
                     "[203.0.113.20]:25 secure match=mail-paris.example.com"}));
}

TEST(MailExportPostfix, ATlsSiteHasNoPolicyForItself) {
    const auto files = export_postfix(example_sites(), example_recipients(), "paris",
                                      MailMethod::Connector, "/srv/pf/");
    EXPECT_EQ(entries(file_text(files, "tls_policy")), Lines{});
    const std::string& main_cf = file_text(files, "main.cf");
    EXPECT_NE(main_cf.find("virtual_mailbox_domains = paris.example.local\n"), std::string::npos);
    EXPECT_NE(main_cf.find("virtual_alias_maps = texthash:/srv/pf/virtual\n"), std::string::npos)
        << "one slash between the folder and the table";
    EXPECT_NE(main_cf.find("certificate for mail-paris.example.com"), std::string::npos);
}

TEST(MailExportPostfix, WithoutRecipientsThePublicDomainIsNotAccepted) {
    const auto files = export_postfix(example_sites(), Recipients{}, "london", MailMethod::Dns,
                                      "/etc/postfix/sitedns");
    EXPECT_EQ(entries(file_text(files, "virtual")), Lines{});
    EXPECT_EQ(file_text(files, "main.cf").find("virtual_alias_domains ="), std::string::npos);
}

/// The settings of `main_cf`: "name = value" lines.
std::map<std::string, std::string> settings(const std::string& main_cf) {
    std::map<std::string, std::string> out;
    for (const std::string& line : entries(main_cf)) {
        const auto equals = line.find(" = ");
        if (equals != std::string::npos) out[line.substr(0, equals)] = line.substr(equals + 3);
    }
    return out;
}

TEST(MailExportPostfix, MainCfNamesThePostfixDirNotTheOutputFolder) {
    const auto files = export_postfix(example_sites(), example_recipients(), "london",
                                      MailMethod::Dns, "/etc/postfix/sitedns");
    const auto set = settings(file_text(files, "main.cf"));
    EXPECT_EQ(set.at("virtual_alias_maps"), "texthash:/etc/postfix/sitedns/virtual");
    EXPECT_EQ(set.at("transport_maps"), "texthash:/etc/postfix/sitedns/transport");
    EXPECT_EQ(set.at("smtp_tls_policy_maps"), "texthash:/etc/postfix/sitedns/tls_policy");
}

TEST(MailExportPostfix, MainCfListsEachDomainOnceAndNeverInMydestination) {
    for (const MailMethod method : {MailMethod::Dns, MailMethod::Connector}) {
        const std::string main_cf =
            file_text(export_postfix(example_sites(), example_recipients(), "paris", method,
                                     "/etc/postfix/sitedns"),
                      "main.cf");
        const auto set = settings(main_cf);
        EXPECT_EQ(set.count("mydestination"), 0U);
        EXPECT_EQ(set.at("virtual_mailbox_domains"), "paris.example.local");
        EXPECT_EQ(set.at("virtual_alias_domains"), "example.com");
        // Postfix warns "do not list domain X in BOTH mydestination and virtual_..."; no
        // comment may send the admin there.
        EXPECT_EQ(main_cf.find("with mydestination"), std::string::npos);
        EXPECT_NE(main_cf.find("# Keep paris.example.local and example.com out of mydestination"),
                  std::string::npos);
    }
}

TEST(MailExportPostfix, ALocationDomainThatIsThePublicDomainIsRefused) {
    // paris.example.com would be in virtual_mailbox_domains and virtual_alias_domains.
    Sites sites = *parse_config(R"({ "sites": {
      "domain": "paris.example.com", "internal_suffix": "example.com",
      "list": [
        { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10", "primary": true },
        { "name": "paris",  "subnets": ["10.2.0.0/16"], "address": "203.0.113.20" } ] } })",
                                "/tmp", "test")
                       .sites;
    try {
        (void)export_postfix(sites, example_recipients(), "paris", MailMethod::Dns, "/etc/pf");
        FAIL() << "no exception";
    } catch (const ExportConflict& e) {
        EXPECT_NE(std::string(e.what()).find("paris.example.com is the public domain"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_NO_THROW(
        (void)export_postfix(sites, Recipients{}, "london", MailMethod::Dns, "/etc/pf"));
}

TEST(MailExportPostfix, AnAddressPostmapWouldMisreadIsRefused) {
    // Issue 25: the recipients reader refuses these; a list filled by other means must
    // not reach a table where # makes a comment and whitespace splits the key.
    for (const std::string local : {"#alice", "a b", "a\tb", "a\x1b[31m", "a\x7f"}) {
        Recipients recipients;
        recipients.list = {{local, 1, 2}};
        try {
            (void)export_postfix(example_sites(), recipients, "madrid", MailMethod::Dns,
                                 "/etc/postfix/sitedns");
            ADD_FAILURE() << "no exception for " << local;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(local + "@example.com"), std::string::npos)
                << e.what();
        }
    }
}

TEST(MailExport, AnUnknownSiteIsRefusedWithTheSitesNamed) {
    try {
        (void)export_exchange(example_sites(), example_recipients(), "berlin", MailMethod::Dns);
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "no site named berlin; sites: london, paris, madrid");
    }
    EXPECT_THROW(
        (void)export_postfix(example_sites(), example_recipients(), "", MailMethod::Dns, "/tmp"),
        std::invalid_argument);
}

TEST(MailExport, MethodNames) {
    EXPECT_EQ(parse_mail_method("dns"), MailMethod::Dns);
    EXPECT_EQ(parse_mail_method("connector"), MailMethod::Connector);
    EXPECT_EQ(parse_mail_method("smtp"), std::nullopt);
}

TEST(MailExportFiles, WrittenIntoANewFolderWithNothingAside) {
    const fs::path dir =
        fs::temp_directory_path() / ("sitedns-mail-export-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const auto files = export_postfix(example_sites(), example_recipients(), "london",
                                      MailMethod::Connector, dir / "out");
    write_export_files(dir / "out", files);
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(dir / "out")) {
        ++count;
        EXPECT_EQ(test::read_golden(entry.path()),
                  file_text(files, entry.path().filename().string()));
    }
    EXPECT_EQ(count, 4U);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace sitedns
