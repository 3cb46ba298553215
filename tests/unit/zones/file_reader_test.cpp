// Which zone files a zone error may quote when sitedns, started as root, will drop to a
// user (zones/load/file_reader.h); the readers' use of it is in rfc1035_zone_test.cpp.

#include "zones/load/file_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sitedns::load {
namespace {

namespace fs = std::filesystem;

struct stat status(uid_t uid, gid_t gid, mode_t mode) {
    struct stat st {};
    st.st_uid = uid;
    st.st_gid = gid;
    st.st_mode = S_IFREG | mode;
    return st;
}

TEST(FileReader, PermissionClassesAreCheckedAsTheKernelDoes) {
    const FileReader reader{"sitedns", true, 100, 200, {300}};
    EXPECT_TRUE(permits(status(100, 0, 0400), reader, S_IROTH));     // owner
    EXPECT_FALSE(permits(status(100, 200, 0044), reader, S_IROTH));  // owner class wins
    EXPECT_TRUE(permits(status(0, 200, 0040), reader, S_IROTH));     // primary group
    EXPECT_TRUE(permits(status(0, 300, 0040), reader, S_IROTH));     // supplementary group
    EXPECT_FALSE(permits(status(0, 300, 0004), reader, S_IROTH));    // group class wins
    EXPECT_TRUE(permits(status(0, 0, 0004), reader, S_IROTH));       // other
    EXPECT_FALSE(permits(status(0, 0, 0600), reader, S_IROTH));      // root's only
    EXPECT_TRUE(permits(status(0, 0, 0001), reader, S_IXOTH));
    EXPECT_FALSE(permits(status(0, 0, 0004), FileReader{"x", false, 0, 0, {}}, S_IROTH));
}

/// A folder of the test's own, readable by all; the reader set back to none afterwards.
class MayQuoteTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sitedns_quote_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "sub");
        fs::permissions(dir_, fs::perms(0755));
        fs::permissions(dir_ / "sub", fs::perms(0755));
        std::ofstream(dir_ / "sub" / "z.zone") << "x\n";
        // Another uid than the files' owner, in none of their groups.
        set_file_reader(FileReader{"other", true, ::geteuid() + 4242, 4242, {}});
    }
    void TearDown() override {
        set_file_reader(std::nullopt);
        fs::remove_all(dir_);
    }
    fs::path dir_;
};

TEST_F(MayQuoteTest, OnlyAFileTheReaderCanReachAndRead) {
    const fs::path file = dir_ / "sub" / "z.zone";
    fs::permissions(file, fs::perms(0644));
    EXPECT_TRUE(may_quote(file));
    fs::permissions(file, fs::perms(0600));
    EXPECT_FALSE(may_quote(file));
    fs::permissions(file, fs::perms(0644));
    fs::permissions(dir_ / "sub", fs::perms(0700));  // a folder it cannot search
    EXPECT_FALSE(may_quote(file));
    fs::permissions(dir_ / "sub", fs::perms(0755));
    EXPECT_FALSE(may_quote(dir_ / "sub" / "missing.zone"));
    set_file_reader(std::nullopt);
    fs::permissions(file, fs::perms(0600));
    EXPECT_TRUE(may_quote(file));  // no user to drop to: every file
}

}  // namespace
}  // namespace sitedns::load
