// Fuzz target: the RFC 1035 master file reader (zones/load/zone_readers.h
// read_rfc1035_zone, ldns underneath), then the zone compiler on whatever it accepts.
// The reader takes a file: each input is written to fuzz.zone in a private temporary
// folder that also holds inc.zone, so that "$INCLUDE inc.zone" and a file including
// itself are reached, and relative names never leave the folder. (A memfd read through
// /proc/self/fd/N would make "$INCLUDE 0" read the fuzzer's stdin.) The origin is
// example.test. unless the file sets $ORIGIN.
// A model::ZoneError is the documented answer to a bad zone; any other exception, a
// crash or a sanitizer report is a finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "zones/dns/name.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const char* what) {
    std::perror(what);
    std::abort();
}

void write_file(const fs::path& path, const char* data, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data, static_cast<std::streamsize>(size));
    if (!out) fail("fuzz_rfc1035_zone: writing the zone file");
}

/// The private folder, removed at exit.
struct Folder {
    fs::path path;
    Folder() {
        std::string pattern = (fs::temp_directory_path() / "sitedns-fuzz-zone.XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) fail("fuzz_rfc1035_zone: mkdtemp");
        path = pattern;
        const std::string included = "inc IN A 192.0.2.7\n     IN TXT \"included\"\n";
        write_file(path / "inc.zone", included.data(), included.size());
    }
    ~Folder() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Folder folder;
    static const fs::path file = folder.path / "fuzz.zone";
    static const sitedns::dns::Name origin = sitedns::dns::Name::parse_absolute("example.test.");
    write_file(file, reinterpret_cast<const char*>(data), size);
    try {
        const sitedns::model::ZoneData zone = sitedns::load::read_rfc1035_zone(file, origin);
        (void)sitedns::model::Zone::compile(zone);
    } catch (const sitedns::model::ZoneError&) {
    }
    return 0;
}
