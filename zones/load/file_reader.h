#pragma once
// Who may see a zone file's text in a message. Started as root with a `user` to drop to,
// sitedns reads its zones before the drop, so a zone or an $INCLUDE may name a file only
// root can read; a parse error must then name the file and line without quoting it.
// Threads: set_file_reader() on the main thread before the first zone is read (the
// runtime does it in build_generation, before any other thread reads zones); the readers
// then read it on whichever thread reads zones, one at a time.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>

namespace sitedns::load {

/// The user sitedns runs as after dropping root.
struct FileReader {
    std::string name;
    bool known = true;  ///< false: the user could not be looked up; no file is quoted
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  ///< supplementary groups
};

/// Sets, process-wide, the user whose permissions decide what a zone error may quote;
/// nullopt (the default) quotes every file.
void set_file_reader(std::optional<FileReader> reader);

/// The user set_file_reader() set, or nullptr.
const FileReader* file_reader();

/// True when `reader` has the permission `bit` (a mask of S_IROTH, S_IXOTH...) on a file
/// of status `st`, by its owner, group and mode bits as the kernel checks them: the owner
/// class for the owner, else the group class for a member, else the other class. ACLs
/// are not read: a file readable only through an ACL is not quoted.
bool permits(const struct stat& st, const FileReader& reader, mode_t bit);

/// True when no reader is set, or when the reader can search every folder above `file`
/// and read `file` itself. False when anything cannot be stat'ed.
bool may_quote(const std::filesystem::path& file);

/// What a zone error says instead of a reason that may quote `file`: that the text is not
/// shown, and why: the user file_reader() names cannot read the file, and sitedns will
/// read it again as that user when it reloads.
std::string unquoted_reason(const std::filesystem::path& file);

}  // namespace sitedns::load
