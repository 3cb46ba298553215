// sitedns: the command line (SPEC §2). Wiring only: parse, load, build, serve.
// Threads: the main thread only: it parses, builds the first snapshot, then runs the Service.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "config/config.h"
#include "config/dnssec.h"
#include "config/export.h"
#include "config/mail_export.h"
#include "config/recipients.h"
#include "config/topology.h"
#include "config/view_zones.h"
#include "server/net/server.h"
#include "server/runtime/logging.h"
#include "server/runtime/notify.h"
#include "server/runtime/privileges.h"
#include "server/runtime/reload.h"
#include "server/runtime/snapshot_builder.h"
#include "server/runtime/verify.h"
#include "server/service.h"

namespace {

using namespace sitedns;

// Exit statuses (SPEC §2).
constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;  // configuration or zone data
constexpr int kExitUsage = 2;
constexpr int kExitFault = 3;  // runtime: bind failed, ...

struct Options {
    std::string config_file;
    std::vector<std::string> listen;
    std::optional<unsigned> threads;
    std::string log_level;
};

void print_error(const std::string& message) {
    std::fprintf(stderr, "sitedns: error: %s\n", message.c_str());
}

/// The configuration as the server reads it, without command-line overrides.
Config load_config(const std::string& file) {
    return runtime::load_config(runtime::ConfigSource{file, {}});
}

/// The generation the server would build from `file`, through the server's own
/// function (runtime::build_generation); null after printing why there is none.
std::shared_ptr<const query::Snapshot> build_for_command(const std::string& file) {
    runtime::BuildResult built = runtime::build_generation(runtime::ConfigSource{file, {}}, 1);
    if (!built.snapshot) print_error(built.error);
    return std::move(built.snapshot);
}

/// `sitedns check [--serving]`: configuration, zones and topology, and without `serving`
/// the recipients file (SPEC §2); no socket. The generation is built as `serve` builds
/// it, so check passes exactly what serve accepts.
int run_check(const std::string& config_file, bool serving) {
    const runtime::BuildResult built =
        runtime::build_generation(runtime::ConfigSource{config_file, {}}, 1);
    if (!built.snapshot) {
        std::printf("error: %s\n", built.error.c_str());
        return kExitInvalid;
    }
    const query::Snapshot* snapshot = built.snapshot.get();
    // The recipients file feeds check, trace and export, not the DNS: it is read here,
    // so that a mistake in it never stops a site's DNS from starting or reloading, and
    // --serving (the systemd unit's ExecReload) skips it, so that a reload fails exactly
    // when the server would refuse it.
    std::vector<Problem> problems = snapshot->problems;
    const auto& sites = snapshot->config.sites;
    if (sites && !serving) {
        (void)read_recipients(*sites, problems, snapshot->config.limits.recipients_bytes);
    }
    bool failed = false;
    for (const Problem& problem : problems) {
        const bool error = problem.severity == Problem::Severity::Error;
        failed = failed || error;
        std::printf("%s: %s\n", error ? "error" : "warning", problem.text.c_str());
    }
    // A warning, not an error: the file may be checked on another machine than the
    // one it will run on. Started as root there, an unknown user stops sitedns (exit 3).
    if (const auto& user = snapshot->config.user) {
        try {
            runtime::lookup_account(*user);
        } catch (const std::exception& e) {
            std::printf("warning: user: %s\n", e.what());
        }
    }
    if (failed) {
        return kExitInvalid;
    }
    // The exemptions are listed only while validation is on (dnssec_summary): computed
    // only then, a walk of every view's zones.
    if (snapshot->config.dnssec.validate) {
        const auto anchors =
            negative_trust_anchors(snapshot->config, runtime::served_views(*snapshot));
        for (const std::string& line : dnssec_summary(snapshot->config, anchors)) {
            std::printf("info: %s\n", line.c_str());
        }
    }
    std::printf("ok: %zu views, %zu zones, %zu records\n", snapshot->views.size(),
                snapshot->zone_count, snapshot->record_count);
    return kExitOk;
}

/// The recipients file trace follows the contacts with (SPEC §3.3); nullopt after
/// printing its mistakes on stderr: exit 1, as for an invalid configuration.
std::optional<Recipients> trace_recipients(const Config& config) {
    std::vector<Problem> problems;
    Recipients recipients;
    if (config.sites) {
        recipients = read_recipients(*config.sites, problems, config.limits.recipients_bytes);
    }
    for (const Problem& problem : problems) print_error("trace: " + problem.text);
    if (!problems.empty()) return std::nullopt;
    return recipients;
}

/// `sitedns trace --from SITE ADDRESS [--method dns|connector]`: exit 0 when the mail is
/// delivered or leaves for the upstream resolvers, 1 on a loop, no route or no such
/// recipient, 2 for an unknown site or address.
int run_trace(const std::string& config_file, const std::string& site, const std::string& address,
              MailMethod method) {
    // A refused topology is traced all the same: the trace shows where its mail loops.
    const auto snapshot = build_for_command(config_file);
    if (!snapshot) {
        return kExitInvalid;
    }
    const Config& config = snapshot->config;
    const std::optional<Recipients> recipients = trace_recipients(config);
    if (!recipients) {
        return kExitInvalid;
    }
    const bool listed = config.sites && !config.sites->recipients.empty();
    const bool connector = method == MailMethod::Connector;
    try {
        const TraceResult result =
            trace_mail(config, runtime::served_views(*snapshot), site, address,
                       TraceOptions{listed ? &*recipients : nullptr, connector});
        for (const auto& line : result.lines) {
            std::printf("%s\n", line.c_str());
        }
        const bool routed =
            result.end == TraceEnd::Delivered || result.end == TraceEnd::ForwardedUpstream;
        return routed ? kExitOk : kExitInvalid;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "sitedns: trace: %s\n", e.what());
        return kExitUsage;
    }
}

/// Where `export --format postfix` says the tables are installed, without --postfix-dir.
constexpr const char* kDefaultPostfixDir = "/etc/postfix/sitedns";

/// What `export --format` was given.
struct MailExportOptions {
    std::string format;  ///< "postfix" or "exchange"
    std::string site;
    std::string out;  ///< the folder the Postfix files are written into
    /// The folder the Postfix tables will be installed in, which main.cf names
    /// (--postfix-dir; kDefaultPostfixDir when not given).
    std::optional<std::string> postfix_dir;
    MailMethod method = MailMethod::Dns;
};

/// The sites and recipients `export --format` works from; on failure prints why (stdout
/// is the command's output) and returns nullopt: exit 1.
std::optional<std::pair<Sites, Recipients>> load_mail_topology(const std::string& config_file) {
    std::optional<Sites> sites;
    std::vector<Problem> problems;
    Recipients recipients;
    try {
        const Config config = load_config(config_file);
        sites = config.sites;
        if (!sites || sites->list.empty()) {
            throw std::runtime_error(
                "export: the configuration has no sites (export --format needs a \"sites\" "
                "object)");
        }
        recipients = read_recipients(*sites, problems, config.limits.recipients_bytes);
    } catch (const std::exception& e) {
        print_error(e.what());
        return std::nullopt;
    }
    bool failed = false;
    for (const Problem& problem : problems) {
        const bool error = problem.severity == Problem::Severity::Error;
        failed = failed || error;
        std::fprintf(stderr, "sitedns: %s: %s\n", error ? "error" : "warning",
                     problem.text.c_str());
    }
    if (sites->recipients.empty()) {
        std::fprintf(stderr, "sitedns: warning: export: no recipients file (sites.recipients)\n");
    }
    if (failed) return std::nullopt;
    return std::pair{std::move(*sites), std::move(recipients)};
}

/// `sitedns export --format postfix|exchange --site S [--method M]`: site S's mail server
/// settings (SPEC §2), the Postfix files written into --out or the Exchange Management
/// Shell script on stdout. Exit 2 without --site (or --out for Postfix), for --out or
/// --postfix-dir with Exchange, or for an unknown site, as trace and export --view, 1 for
/// an invalid configuration, 3 when a file cannot be written.
int run_mail_export(const std::string& config_file, const MailExportOptions& mail) {
    const bool postfix = mail.format == "postfix";
    if (mail.site.empty() || postfix == mail.out.empty() || (!postfix && mail.postfix_dir)) {
        std::fprintf(stderr, "sitedns: export: --format %s needs --site SITE%s\n",
                     mail.format.c_str(),
                     postfix ? " and --out DIR" : " and takes no --out or --postfix-dir");
        return kExitUsage;
    }
    const auto topology = load_mail_topology(config_file);
    if (!topology) return kExitInvalid;
    const auto& [sites, recipients] = *topology;
    const MailMethod method = mail.method;
    const std::filesystem::path dir =
        postfix ? std::filesystem::absolute(mail.out) : std::filesystem::path();
    std::vector<ExportFile> files;
    try {
        if (!postfix) {
            const std::string text = export_exchange(sites, recipients, mail.site, method);
            std::fwrite(text.data(), 1, text.size(), stdout);
            return kExitOk;
        }
        files = export_postfix(sites, recipients, mail.site, method,
                               mail.postfix_dir.value_or(kDefaultPostfixDir));
    } catch (const std::invalid_argument& e) {
        print_error(std::string("export: ") + e.what());
        return kExitUsage;
    } catch (const ExportConflict& e) {
        print_error(std::string("export: ") + e.what());
        return kExitInvalid;
    }
    try {
        write_export_files(dir, files);
    } catch (const std::exception& e) {
        print_error(std::string("export: ") + e.what());
        return kExitFault;
    }
    return kExitOk;
}

/// --method dns|connector, for `trace` and `export --format`: how the sites send mail.
CLI::Option* add_method_option(CLI::App& command, MailMethod& method) {
    return command
        .add_option_function<std::string>(
            "--method",
            [&method](const std::string& text) {
                method = parse_mail_method(text).value_or(MailMethod::Dns);
            },
            "dns (default) or connector: how the sites send mail to each other")
        ->check(CLI::IsMember({"dns", "connector"}));
}

/// --postfix-dir DIR: an absolute path, since main.cf names the tables by it and Postfix
/// reads them from wherever it runs.
CLI::Validator absolute_dir() {
    return CLI::Validator(
        [](std::string& text) {
            return std::filesystem::path(text).is_absolute()
                       ? std::string()
                       : "not an absolute path: " + text + " (main.cf names the tables by it)";
        },
        "DIR");
}

/// `export`'s options: --view NAME, or --format with --site, --out, --postfix-dir and
/// --method.
void add_export_options(CLI::App& exporter, std::string& view, MailExportOptions& mail) {
    auto* view_option =
        exporter.add_option("--view", view, "view name: its zones as RFC 1035 text");
    auto* format =
        exporter.add_option("--format", mail.format, "postfix or exchange: a site's mail settings")
            ->check(CLI::IsMember({"postfix", "exchange"}));
    exporter.add_option("--site", mail.site, "the site (--format)")->needs(format);
    exporter.add_option("--out", mail.out, "folder for the Postfix files")->needs(format);
    exporter
        .add_option("--postfix-dir", mail.postfix_dir,
                    "absolute folder the Postfix tables will be installed in, which main.cf "
                    "names (default /etc/postfix/sitedns)")
        ->needs(format)
        ->check(absolute_dir());
    add_method_option(exporter, mail.method)->needs(format);
    view_option->excludes(format);
}

/// `verify`'s options: --timeout MS, and --source ADDR, the address to ask from.
void add_verify_options(CLI::App& verify, unsigned& timeout_ms, std::optional<IpAddress>& source) {
    verify.add_option("--timeout", timeout_ms, "milliseconds to wait for each site (2000)")
        ->check(CLI::Range(1u, 60000u));
    verify
        .add_option_function<std::string>(
            "--source", [&source](const std::string& text) { source = IpAddress::parse(text); },
            "ADDR to ask from: each server answers by the asker's view, so an address of a "
            "site subnet")
        ->check(CLI::Validator(
            [](std::string& text) {
                return IpAddress::parse(text) ? std::string() : "not an address: " + text;
            },
            "ADDR"));
}

/// `sitedns export --view NAME`: the view's zones as RFC 1035 text on stdout.
int run_export(const std::string& config_file, const std::string& view) {
    if (view.empty()) {
        std::fprintf(stderr, "sitedns: export: give --view NAME or --format postfix|exchange\n");
        return kExitUsage;
    }
    const auto snapshot = build_for_command(config_file);
    if (!snapshot) {
        return kExitInvalid;
    }
    try {
        const std::string text = export_view(runtime::served_views(*snapshot), view);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return kExitOk;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "sitedns: export: %s\n", e.what());
        return kExitUsage;
    }
}

/// `sitedns verify [--timeout MS] [--source ADDR]`: one line per site (SPEC §2), why a
/// site gave no answer on stderr; exit 1 when a site drifts, refuses or is silent, or
/// none has a `dns` address.
int run_verify(const std::string& config_file, unsigned timeout_ms,
               const std::optional<IpAddress>& source) {
    std::optional<Config> config;
    try {
        config = load_config(config_file);
    } catch (const std::exception& e) {
        print_error(e.what());
        return kExitInvalid;
    }
    const auto& sites = config->sites;
    if (!sites || std::none_of(sites->list.begin(), sites->list.end(),
                               [](const Site& site) { return site.dns.has_value(); })) {
        print_error(
            "verify: no site has a \"dns\" address to ask (sites.list[].dns, \"ADDR[:PORT]\")");
        return kExitInvalid;
    }
    const auto verdicts =
        runtime::verify_sites(*sites, std::chrono::milliseconds(timeout_ms), source);
    for (const auto& verdict : verdicts) {
        std::printf("%s\n", runtime::verdict_line(verdict, sites->serial).c_str());
        if (!verdict.detail.empty()) {
            std::fprintf(stderr, "sitedns: verify: %s at %s: %s\n", verdict.site.c_str(),
                         verdict.address.c_str(), verdict.detail.c_str());
        }
    }
    return runtime::all_verified(verdicts) ? kExitOk : kExitInvalid;
}

/// The command-line overrides of the configuration (kept for every reload); nullopt (and
/// a message) when a --listen value is not an address.
std::optional<runtime::Overrides> parse_overrides(const Options& options) {
    runtime::Overrides overrides;
    for (const auto& text : options.listen) {
        std::string error;
        auto endpoint = Endpoint::parse(text, std::nullopt, &error);
        if (!endpoint) {
            std::fprintf(stderr, "sitedns: --listen %s: %s\n", text.c_str(),
                         error.empty() ? "expected ADDR:PORT" : error.c_str());
            return std::nullopt;
        }
        overrides.listen.push_back(*endpoint);
    }
    overrides.threads = options.threads;
    overrides.log_level = options.log_level;
    return overrides;
}

/// `sitedns [--config FILE] ...`: serve until SIGTERM or SIGINT; SIGHUP reloads from the
/// same file with the same overrides.
int run_server(const Options& options) {
    auto overrides = parse_overrides(options);
    if (!overrides) {
        return kExitUsage;
    }
    const runtime::ConfigSource source{options.config_file, std::move(*overrides)};
    runtime::BuildResult built = runtime::build_generation(source, 1);
    if (!built.snapshot) {
        print_error(built.error);
        return kExitInvalid;
    }
    std::shared_ptr<const query::Snapshot> snapshot = std::move(built.snapshot);
    runtime::init_logging(*runtime::parse_log_level(snapshot->config.log.level));
    // The topology is checked before it is served: mail must not loop (SPEC §1).
    for (const Problem& problem : snapshot->problems) {
        if (problem.severity == Problem::Severity::Error) {
            print_error(problem.text);
        } else {
            spdlog::warn("{}", problem.text);
        }
    }
    if (built.refused()) {
        return kExitInvalid;
    }

    const Config& served = snapshot->config;
    // READY=1, RELOADING=1, STOPPING=1 when started by systemd (SPEC §2); else no-ops.
    runtime::SystemdNotifier notifier;
    Service service(snapshot, net::ServerOptions{served.listen, served.threads, served.tcp}, source,
                    &notifier);
    try {
        service.bind();
        log_banner(*snapshot, service.bound(), service.threads());
        if (const char* port_file = std::getenv("SITEDNS_PORT_FILE")) {
            write_port_file(port_file, service.bound().front().port);
        }
        // The metrics endpoint's port, for tests that set metrics_listen to port 0.
        const char* metrics_port_file = std::getenv("SITEDNS_METRICS_PORT_FILE");
        if (const auto metrics = service.metrics_bound(); metrics && metrics_port_file) {
            write_port_file(metrics_port_file, metrics->port);
        }
        // Sockets bound: switch to the configured user before the first query (SPEC §3.1).
        runtime::drop_privileges(served.user);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sitedns: %s\n", e.what());
        return kExitFault;
    }
    snapshot.reset();  // the Service holds it; a reload must be able to free it
    return service.run();
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-answer is an error code, not a death

    CLI::App app{"sitedns: a site-aware authoritative DNS server"};
    app.set_version_flag("--version", std::string("sitedns ") + SITEDNS_VERSION);
    app.require_subcommand(0, 1);

    Options options;
    auto level_check = CLI::Validator(
        [](std::string& text) {
            return runtime::parse_log_level(text) ? std::string()
                                                  : "unknown log level \"" + text + "\"";
        },
        "LEVEL");
    app.add_option("--config", options.config_file, "configuration file (default: built-in)");
    app.add_option("--listen", options.listen, "ADDR:PORT to serve on (repeatable)");
    app.add_option("--threads", options.threads, "worker threads (0: one per core)")
        ->check(CLI::Range(0u, 1024u));
    app.add_option("--log-level", options.log_level, "trace, debug, info, warning, error")
        ->check(level_check);

    auto* check = app.add_subcommand("check", "validate configuration and zones; opens no socket");
    check->add_option("--config", options.config_file, "configuration file");
    bool serving = false;
    check->add_flag("--serving", serving,
                    "only what the server loads (configuration, zones, topology), not the "
                    "recipients file");

    std::string site, address, view;
    auto* trace = app.add_subcommand("trace", "follow mail from SITE to ADDRESS");
    trace->add_option("--config", options.config_file, "configuration file");
    trace->add_option("--from", site, "the sending site, or internet (the public MX)")->required();
    trace->add_option("address", address, "user@domain or domain")->required();
    MailMethod trace_method = MailMethod::Dns;
    add_method_option(*trace, trace_method);
    auto* exporter = app.add_subcommand("export", "a view's zones, or a site's mail settings");
    exporter->add_option("--config", options.config_file, "configuration file");
    MailExportOptions mail;
    add_export_options(*exporter, view, mail);
    unsigned timeout_ms = 2000;
    auto* verify = app.add_subcommand("verify", "do the running sites serve this topology?");
    verify->add_option("--config", options.config_file, "configuration file");
    std::optional<IpAddress> source;
    add_verify_options(*verify, timeout_ms, source);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? kExitOk : kExitUsage;
    }

    if (check->parsed()) {
        return run_check(options.config_file, serving);
    }
    if (trace->parsed()) {
        return run_trace(options.config_file, site, address, trace_method);
    }
    if (exporter->parsed()) {
        return mail.format.empty() ? run_export(options.config_file, view)
                                   : run_mail_export(options.config_file, mail);
    }
    if (verify->parsed()) {
        return run_verify(options.config_file, timeout_ms, source);
    }
    return run_server(options);
}
