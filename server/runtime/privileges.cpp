// Threads: see server/runtime/privileges.h.
#include "server/runtime/privileges.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace sitedns::runtime {

namespace {

constexpr std::size_t kInitialBuffer = 4096;
constexpr std::size_t kMaxBuffer = 1 << 20;

[[noreturn]] void fail(const std::string& what, int error) {
    throw PrivilegeError(what + ": " + std::strerror(error));
}

/// The name of `uid`, or "uid N" when the password database does not know it.
std::string user_name(uid_t uid) {
    std::vector<char> buffer(kInitialBuffer);
    passwd entry{};
    passwd* found = nullptr;
    while (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == ERANGE &&
           buffer.size() < kMaxBuffer) {
        buffer.resize(buffer.size() * 2);
    }
    return found != nullptr ? std::string(found->pw_name) : "uid " + std::to_string(uid);
}

/// After switch_to(): every uid and gid is the target's, and root cannot come back.
void verify_switched(const Account& account) {
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0) {
        fail("cannot read the process's ids", errno);
    }
    if (ruid != account.uid || euid != account.uid || suid != account.uid || rgid != account.gid ||
        egid != account.gid || sgid != account.gid) {
        throw PrivilegeError("switching to user \"" + account.name +
                             "\" left another uid or gid in place");
    }
    if (account.uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0)) {
        throw PrivilegeError("after switching to user \"" + account.name +
                             "\" the process could regain root");
    }
}

}  // namespace

Account lookup_account(const std::string& name) {
    if (name.empty()) {
        throw PrivilegeError("user: the user name is empty");
    }
    std::vector<char> buffer(kInitialBuffer);
    passwd entry{};
    passwd* found = nullptr;
    int error = 0;
    while ((error = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
               ERANGE &&
           buffer.size() < kMaxBuffer) {
        buffer.resize(buffer.size() * 2);
    }
    if (error != 0) {
        fail("user \"" + name + "\": cannot look it up", error);
    }
    if (found == nullptr) {
        throw PrivilegeError("user \"" + name +
                             "\" does not exist (configuration key \"user\"); create it, e.g. "
                             "adduser --system --group " +
                             name + ", or change \"user\"");
    }
    return Account{found->pw_name, found->pw_uid, found->pw_gid};
}

PrivilegeAction plan_privileges(const std::optional<std::string>& user, uid_t effective_uid) {
    if (!user) {
        return effective_uid == 0 ? PrivilegeAction::Root : PrivilegeAction::Keep;
    }
    return effective_uid == 0 ? PrivilegeAction::Drop : PrivilegeAction::Stay;
}

void switch_to(const Account& account) {
    // Groups first: once the uid is no longer 0, the groups cannot be changed.
    if (::initgroups(account.name.c_str(), account.gid) != 0) {
        fail("user \"" + account.name + "\": cannot set its supplementary groups", errno);
    }
    if (::setresgid(account.gid, account.gid, account.gid) != 0) {
        fail("user \"" + account.name + "\": cannot switch to gid " + std::to_string(account.gid),
             errno);
    }
    if (::setresuid(account.uid, account.uid, account.uid) != 0) {
        fail("user \"" + account.name + "\": cannot switch to uid " + std::to_string(account.uid),
             errno);
    }
    verify_switched(account);
}

void drop_bounding_set() {
    // PR_CAPBSET_READ fails with EINVAL past the kernel's last capability.
    for (int cap = 0; ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap) {
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            fail("cannot drop capability " + std::to_string(cap) + " from the bounding set", errno);
        }
    }
    if (errno != EINVAL) fail("cannot read the capability bounding set", errno);
}

void set_no_new_privs() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("cannot set no_new_privs", errno);
}

bool under_systemd() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    return socket != nullptr && *socket != '\0';
}

std::optional<load::FileReader> zone_file_reader(const std::optional<std::string>& user,
                                                 uid_t effective_uid) {
    if (plan_privileges(user, effective_uid) != PrivilegeAction::Drop) return std::nullopt;
    load::FileReader reader{*user, false, 0, 0, {}};
    try {
        const Account account = lookup_account(*user);
        reader = load::FileReader{account.name, true, account.uid, account.gid, {}};
    } catch (const PrivilegeError&) {
        return reader;  // the start fails later, naming the user; until then quote nothing
    }
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    while (::getgrouplist(reader.name.c_str(), reader.gid, groups.data(), &count) < 0) {
        if (static_cast<std::size_t>(count) <= groups.size()) {
            reader.known = false;  // the groups are unknown: quote nothing
            return reader;
        }
        groups.resize(static_cast<std::size_t>(count));
    }
    groups.resize(static_cast<std::size_t>(count));
    reader.groups = std::move(groups);
    return reader;
}

void drop_privileges(const std::optional<std::string>& user) {
    const uid_t euid = ::geteuid();
    switch (plan_privileges(user, euid)) {
        case PrivilegeAction::Keep:
            return;
        case PrivilegeAction::Root:
            spdlog::warn(
                "running as root with every capability: no \"user\" is configured, so a flaw "
                "in sitedns would be a flaw of root; set \"user\" (e.g. \"sitedns\") to switch "
                "to that user once the sockets are bound");
            return;
        case PrivilegeAction::Stay: {
            const std::string current = user_name(euid);
            if (current == *user) {
                spdlog::info("running as user {}", current);
            } else {
                spdlog::info("not started as root: staying user {} (\"user\": \"{}\" not applied)",
                             current, *user);
            }
            return;
        }
        case PrivilegeAction::Drop:
            break;
    }
    const Account account = lookup_account(*user);
    if (account.uid == 0) {
        spdlog::info("user {} is root: running as root", account.name);
        return;
    }
    // The bounding set needs CAP_SETPCAP: dropped while still root. Under systemd the
    // unit's CapabilityBoundingSet= and NoNewPrivileges= have done both.
    const bool confine = !under_systemd();
    if (confine) drop_bounding_set();
    switch_to(account);
    if (confine) set_no_new_privs();
    spdlog::info("switched to user {} (uid {}, gid {}){}", account.name, account.uid, account.gid,
                 confine ? "; capability bounding set emptied, no_new_privs set" : "");
}

}  // namespace sitedns::runtime
