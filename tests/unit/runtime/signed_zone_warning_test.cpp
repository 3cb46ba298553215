// build_snapshot's warning for a zone read with DNSSEC records (SPEC §5): it names the zone
// and its file, says that sitedns serves it unsigned and that no DS may be published for
// it; once per file, however many views hold it. `sitedns check` prints it, and serve and
// reload log it.

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "server/runtime/snapshot_builder.h"

namespace sitedns::runtime {
namespace {

namespace fs = std::filesystem;

class SignedZoneWarning : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sitedns_signed_warning_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "signed.zone")
            << "$ORIGIN signed.test.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 604800 300\n"
               "@ NS ns\nns A 192.0.2.53\n"
               "@ DNSKEY 256 3 15 3DpUzli3sBSDPFfm/Iy69dqQDJFAyxtACvCPycXOrOI=\n"
               "ns NSEC signed.test. A RRSIG NSEC\n";
        std::ofstream(dir_ / "plain.zone")
            << "$ORIGIN plain.test.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 604800 300\n"
               "@ NS ns\nns A 192.0.2.53\n";
    }
    void TearDown() override { fs::remove_all(dir_); }

    ViewConfig view(const char* name, const char* clients, std::vector<const char*> files) const {
        ViewConfig v;
        v.name = name;
        v.match_clients = {*Cidr::parse(clients)};
        for (const char* file : files) v.zones.push_back(ZoneSource{.path = dir_ / file});
        return v;
    }

    std::vector<std::string> warnings(const Config& config) const {
        std::vector<std::string> out;
        const auto snapshot = build_snapshot(config, 1);  // held: the loop reads into it
        for (const Problem& p : snapshot->problems) {
            if (p.severity == Problem::Severity::Warning) out.push_back(p.text);
        }
        return out;
    }

    fs::path dir_;
};

TEST_F(SignedZoneWarning, NamesTheZoneSaysUnsignedAndNoDsOncePerFile) {
    Config config;
    config.views = {view("london", "10.1.0.0/16", {"signed.zone", "plain.zone"}),
                    view("paris", "10.2.0.0/16", {"signed.zone"})};
    const std::vector<std::string> found = warnings(config);
    ASSERT_EQ(found.size(), 1u) << ::testing::PrintToString(found);
    const std::string& text = found[0];
    EXPECT_NE(text.find("zone signed.test. ("), std::string::npos) << text;
    EXPECT_NE(text.find("signed.zone)"), std::string::npos) << text;
    EXPECT_NE(text.find("2 DNSSEC records (DNSKEY, NSEC)"), std::string::npos) << text;
    EXPECT_NE(text.find("serves the zone unsigned"), std::string::npos) << text;
    EXPECT_NE(text.find("no DS may be published"), std::string::npos) << text;
}

TEST_F(SignedZoneWarning, AnUnsignedZoneGetsNone) {
    Config config;
    config.views = {view("london", "10.1.0.0/16", {"plain.zone"})};
    EXPECT_TRUE(warnings(config).empty());
}

}  // namespace
}  // namespace sitedns::runtime
