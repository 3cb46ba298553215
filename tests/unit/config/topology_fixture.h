#pragma once
// Topologies for the check and trace tests: a JSON configuration parsed and compiled the
// way `sitedns check` and `sitedns trace` do it (parse_config + compile_views), with its
// zone files in a scratch folder; or, for what the generator cannot produce, a view's
// zones replaced by hand-written ones.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/topology.h"
#include "config/view_zones.h"
#include "zones/load/zone_readers.h"
#include "zones/model/zone.h"

namespace sitedns::topology_test {

/// A configuration with its compiled views, as check and trace are given them.
class Served {
  public:
    explicit Served(Config config) : config_(std::move(config)) {
        compiled_ = compile_views(config_);
        relink();
    }
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;

    const Config& config() const { return config_; }
    Config& config() { return config_; }
    std::span<const ServedView> views() const { return views_; }

    /// Replaces the zones of view `name` by compiled JSON zone texts.
    void replace_zones(const std::string& name, const std::vector<std::string>& zone_texts) {
        for (std::size_t i = 0; i < config_.views.size(); ++i) {
            if (config_.views[i].name != name) continue;
            model::ZoneSet zones;
            for (const std::string& text : zone_texts) {
                zones.add(model::Zone::compile(load::read_json_zone(text, "test zone")));
            }
            compiled_.zones[i] = std::move(zones);
        }
        relink();
    }

    std::vector<Problem> check() const { return check_topology(config_, views_); }
    TraceResult trace(std::string_view from, std::string_view address) const {
        return trace_mail(config_, views_, from, address);
    }

  private:
    void relink() {
        views_.clear();
        for (std::size_t i = 0; i < config_.views.size(); ++i) {
            views_.push_back({&config_.views[i], &compiled_.zones[i]});
        }
    }

    Config config_;
    CompiledViews compiled_;
    std::vector<ServedView> views_;
};

/// A scratch folder for zone files, removed at the end of the test.
class ZoneDir {
  public:
    ZoneDir() {
        const auto* test = testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::temp_directory_path() /
                ("sitedns-topology-" + std::to_string(getpid()) + "-" + test->test_suite_name() +
                 "-" + test->name());
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~ZoneDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ZoneDir(const ZoneDir&) = delete;
    ZoneDir& operator=(const ZoneDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ / name) << text;
    }

  private:
    std::filesystem::path path_;
};

/// A JSON zone: `origin` with an SOA and the given records (a JSON array's content).
inline std::string zone_json(const std::string& origin, const std::string& records) {
    return R"({ "origin": ")" + origin + R"(", "ttl": 300,
      "soa": { "mname": "ns.example.internal.", "rname": "hostmaster.example.com.",
               "serial": 1, "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
      "records": [ )" +
           records + " ] }";
}

/// One site of the list as JSON; `extra` adds keys (", \"primary\": true").
inline std::string site_json(const std::string& name, const std::string& subnet,
                             const std::string& address, const std::string& extra = "") {
    return R"({ "name": ")" + name + R"(", "subnets": [")" + subnet + R"("], "address": ")" +
           address + "\"" + extra + " }";
}

/// The three-site example under example.internal (so no .local warning), each site with
/// its IPv6 address; `london_extra` etc. add keys to a site, `views` the explicit views.
struct Topology {
    std::string suffix = "example.internal";
    std::string london = R"(, "address6": "2001:db8:10::25", "primary": true)";
    std::string paris = R"(, "address6": "2001:db8:20::25")";
    std::string madrid = R"(, "address6": "2001:db8:30::25")";
    std::string paris_address = "203.0.113.20";
    std::string paris_subnet = "10.2.0.0/16";
    std::string views = "[]";

    std::string json() const {
        return R"({ "upstreams": ["127.0.0.1:53"], "views": )" + views +
               R"(, "sites": { "domain": "example.com", "internal_suffix": ")" + suffix +
               R"(", "list": [ )" + site_json("london", "10.1.0.0/16", "203.0.113.10", london) +
               ", " + site_json("paris", paris_subnet, paris_address, paris) + ", " +
               site_json("madrid", "10.3.0.0/16", "203.0.113.30", madrid) + " ] } }";
    }
};

/// london (primary, 10.1.0.0/16) and paris (10.2.0.0/16) under example.internal, forwarding
/// to 192.0.2.53; `*_extra` add keys to a site, `top` top-level keys (each ending with a
/// comma).
inline std::string two_sites(const std::string& london_extra, const std::string& paris_extra = "",
                             const std::string& top = "") {
    return R"({ "upstreams": ["192.0.2.53"], )" + top +
           R"( "sites": { "domain": "example.com", "internal_suffix": "example.internal",
          "list": [
            { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10",
              "primary": true)" +
           london_extra + R"( },
            { "name": "paris", "subnets": ["10.2.0.0/16"], "address": "203.0.113.20")" +
           paris_extra + R"( } ] } })";
}

/// The problems as `sitedns check` prints them: "error: ..." / "warning: ...".
inline std::vector<std::string> printed(const std::vector<Problem>& problems) {
    std::vector<std::string> out;
    for (const Problem& problem : problems) {
        out.push_back((problem.severity == Problem::Severity::Error ? "error: " : "warning: ") +
                      problem.text);
    }
    return out;
}

/// Parses and compiles `json` with relative zone paths taken from `dir`.
inline std::unique_ptr<Served> serve(const std::string& json, const std::filesystem::path& dir) {
    return std::make_unique<Served>(parse_config(json, dir, "test.json"));
}

}  // namespace sitedns::topology_test
