// Dropping root (SPEC §3.1 `user`): the lookup and the decision in this process; the
// switch itself only in a forked child, so the test process keeps its own ids.

#include "server/runtime/privileges.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>
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
    EXPECT_EQ(plan_privileges(std::nullopt, 0), PrivilegeAction::Keep);
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
        return 0;
    });
    EXPECT_EQ(status, 0);
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
