// Dropping root (SPEC §3.1 `user`): the lookup and the decision in this process; the
// switch itself only in a forked child, so the test process keeps its own ids.

#include "server/runtime/privileges.h"

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sitedns::runtime {
namespace {

TEST(Privileges, LooksUpRoot) {
    const Account root = lookup_account("root");
    EXPECT_EQ(root.name, "root");
    EXPECT_EQ(root.uid, 0u);
    EXPECT_EQ(root.gid, 0u);
}

TEST(Privileges, LooksUpNobody) {
    const Account nobody = lookup_account("nobody");
    EXPECT_EQ(nobody.name, "nobody");
    EXPECT_NE(nobody.uid, 0u);
}

TEST(Privileges, UnknownUserIsAClearError) {
    try {
        lookup_account("sitedns-no-such-user");
        FAIL() << "no exception";
    } catch (const PrivilegeError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("\"sitedns-no-such-user\" does not exist"), std::string::npos) << what;
        EXPECT_NE(what.find("\"user\""), std::string::npos) << what;
    }
}

TEST(Privileges, EmptyUserNameIsAnError) {
    EXPECT_THROW(lookup_account(""), PrivilegeError);
}

TEST(Privileges, PlanDependsOnUserAndRoot) {
    EXPECT_EQ(plan_privileges(std::nullopt, 0), PrivilegeAction::Root);
    EXPECT_EQ(plan_privileges(std::nullopt, 1000), PrivilegeAction::Keep);
    EXPECT_EQ(plan_privileges(std::string("nobody"), 0), PrivilegeAction::Drop);
    EXPECT_EQ(plan_privileges(std::string("nobody"), 1000), PrivilegeAction::Stay);
}

TEST(Privileges, DropWithoutUserDoesNothing) {
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    drop_privileges(std::nullopt);
    EXPECT_EQ(::getuid(), uid);
    EXPECT_EQ(::getgid(), gid);
}

/// Runs `body` in a forked child and returns its exit status (-1 if it did not exit).
template <typename Body>
int in_child(Body body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(body());
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

TEST(Privileges, RootSwitchesToNobodyForGood) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root";
    }
    const Account nobody = lookup_account("nobody");
    const int status = in_child([&] {
        try {
            drop_privileges(std::string("nobody"));
        } catch (...) {
            return 10;
        }
        uid_t r, e, s;
        gid_t rg, eg, sg;
        if (::getresuid(&r, &e, &s) != 0 || ::getresgid(&rg, &eg, &sg) != 0) return 11;
        if (r != nobody.uid || e != nobody.uid || s != nobody.uid) return 12;
        if (rg != nobody.gid || eg != nobody.gid || sg != nobody.gid) return 13;
        gid_t groups[64];
        const int count = ::getgroups(64, groups);
        for (int i = 0; i < count; ++i) {
            if (groups[i] == 0) return 14;  // root's group must be gone
        }
        if (::setuid(0) == 0) return 15;
        // Outside systemd: nothing left in the bounding set, and no_new_privs.
        if (::prctl(PR_CAPBSET_READ, 0, 0, 0, 0) != 0) return 16;  // CAP_CHOWN
        if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return 17;
        return 0;
    });
    EXPECT_EQ(status, 0);
}

TEST(Privileges, UnderSystemdTheUnitConfinesTheProcess) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root";
    }
    const int status = in_child([&] {
        ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
        try {
            drop_privileges(std::string("nobody"));
        } catch (...) {
            return 10;
        }
        if (::prctl(PR_CAPBSET_READ, 0, 0, 0, 0) != 1) return 16;  // left to the unit
        if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0) return 17;
        return 0;
    });
    EXPECT_EQ(status, 0);
}

TEST(Privileges, BoundingSetDropEmptiesItOrNeedsRoot) {
    const int status = in_child([] {
        try {
            drop_bounding_set();
        } catch (const PrivilegeError&) {
            return ::geteuid() == 0 ? 30 : 0;  // without CAP_SETPCAP: EPERM
        }
        for (int cap = 0; ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap) {
            if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0) return 31;
        }
        set_no_new_privs();
        return ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 32;
    });
    EXPECT_EQ(status, 0);
}

TEST(Privileges, ZoneFileReaderIsTheUserToDropTo) {
    EXPECT_FALSE(zone_file_reader(std::nullopt, 0).has_value());
    EXPECT_FALSE(zone_file_reader(std::string("nobody"), 1000).has_value());
    const Account nobody = lookup_account("nobody");
    const auto reader = zone_file_reader(std::string("nobody"), 0);
    ASSERT_TRUE(reader.has_value());
    EXPECT_TRUE(reader->known);
    EXPECT_EQ(reader->uid, nobody.uid);
    EXPECT_EQ(reader->gid, nobody.gid);
    const auto unknown = zone_file_reader(std::string("sitedns-no-such-user"), 0);
    ASSERT_TRUE(unknown.has_value());
    EXPECT_FALSE(unknown->known);
}

TEST(Privileges, RootWithUnknownUserFailsBeforeSwitching) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root";
    }
    const int status = in_child([] {
        try {
            drop_privileges(std::string("sitedns-no-such-user"));
        } catch (const PrivilegeError&) {
            return ::geteuid() == 0 ? 0 : 21;
        }
        return 20;
    });
    EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace sitedns::runtime
