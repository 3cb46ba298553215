// Threads: see zones/load/file_reader.h.
#include "zones/load/file_reader.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace sitedns::load {
namespace {

std::optional<FileReader>& current() {
    static std::optional<FileReader> reader;
    return reader;
}

}  // namespace

void set_file_reader(std::optional<FileReader> reader) {
    current() = std::move(reader);
}

const FileReader* file_reader() {
    return current() ? &*current() : nullptr;
}

bool permits(const struct stat& st, const FileReader& reader, mode_t bit) {
    if (!reader.known) return false;
    if (reader.uid == 0) return true;  // root reads every file
    if (st.st_uid == reader.uid) return (st.st_mode & (bit << 6)) != 0;
    const bool member =
        st.st_gid == reader.gid ||
        std::find(reader.groups.begin(), reader.groups.end(), st.st_gid) != reader.groups.end();
    if (member) return (st.st_mode & (bit << 3)) != 0;
    return (st.st_mode & bit) != 0;
}

bool may_quote(const std::filesystem::path& file) {
    const FileReader* reader = file_reader();
    if (reader == nullptr) return true;
    std::error_code error;
    const std::filesystem::path path = std::filesystem::absolute(file, error);
    if (error) return false;
    struct stat st {};
    for (std::filesystem::path folder = path.parent_path();; folder = folder.parent_path()) {
        if (::stat(folder.c_str(), &st) != 0 || !permits(st, *reader, S_IXOTH)) return false;
        if (folder == folder.parent_path()) break;
    }
    return ::stat(path.c_str(), &st) == 0 && permits(st, *reader, S_IROTH);
}

std::string unquoted_reason(const std::filesystem::path& file) {
    const FileReader* reader = file_reader();
    const std::string user = reader != nullptr ? reader->name : "?";
    return "a mistake whose text is not shown: user " + user + " (\"user\") cannot read " +
           file.string() + ", and sitedns reads its zones as " + user +
           " when it reloads; make the file readable by " + user;
}

}  // namespace sitedns::load
