#pragma once
// Dropping root (SPEC §3.1 `user`): started as root, sitedns binds its sockets (port 53
// needs root or CAP_NET_BIND_SERVICE) and then switches for good to the configured
// user, its primary group and its supplementary groups, before serving a query.
// Threads: the main thread, once, at start-up (the switch reaches every thread).

#include <optional>
#include <stdexcept>
#include <string>

#include <sys/types.h>

#include "zones/load/file_reader.h"

namespace sitedns::runtime {

/// A failed lookup or switch; main() reports what() and exits with status 3.
class PrivilegeError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A user of the password database.
struct Account {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;  ///< primary group
};

/// Looks `name` up with getpwnam_r(3). Throws PrivilegeError naming the user when it
/// does not exist (or the lookup itself fails).
Account lookup_account(const std::string& name);

/// What drop_privileges() does for a configured `user` and the process's effective uid.
enum class PrivilegeAction {
    Keep,  ///< not root and no `user` configured: run as started
    Root,  ///< root and no `user` configured: run as root, with a warning
    Drop,  ///< root with a `user`: switch to it
    Stay,  ///< not root: cannot switch, stay the current user (logged)
};

/// The decision alone, without side effects (for tests and logging).
PrivilegeAction plan_privileges(const std::optional<std::string>& user, uid_t effective_uid);

/// Switches the whole process (every thread, through glibc) to `account`: supplementary
/// groups (initgroups), then real/effective/saved gid, then uid; then verifies that
/// root cannot be regained. Needs root. Throws PrivilegeError; after a failure the
/// process must exit.
void switch_to(const Account& account);

/// Empties the capability bounding set (prctl PR_CAPBSET_DROP for every capability the
/// kernel knows), so that no later exec of a set-uid or file-capability program gives a
/// capability back. Needs CAP_SETPCAP (root). Throws PrivilegeError.
void drop_bounding_set();

/// Sets PR_SET_NO_NEW_PRIVS: no exec can grant privileges again. Throws PrivilegeError.
void set_no_new_privs();

/// True when systemd started sitedns ($NOTIFY_SOCKET, the unit is Type=notify): the unit
/// then sets CapabilityBoundingSet= and NoNewPrivileges= itself (systemd/sitedns.service).
bool under_systemd();

/// Call once the sockets are bound and before serving: with `user` set and started as
/// root, looks the user up and switch_to() it, and outside systemd also drops the
/// capability bounding set before the switch and sets no_new_privs after it; not root,
/// logs that it stays the current user; root without `user`, logs one warning. Logs
/// what it did. Throws PrivilegeError (unknown user, failed switch).
void drop_privileges(const std::optional<std::string>& user);

/// The user whose permissions decide which zone files a zone error may quote
/// (zones/load/file_reader.h): `user`, when the process is root (`effective_uid` 0) and
/// will drop to it; nullopt otherwise (every file the process reads, it reads as itself).
/// An unknown user gives a reader that may quote nothing.
std::optional<load::FileReader> zone_file_reader(const std::optional<std::string>& user,
                                                 uid_t effective_uid);

}  // namespace sitedns::runtime
