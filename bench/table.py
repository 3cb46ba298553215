#!/usr/bin/env python3
"""The table of `make bench` (bench/run.sh), in Markdown, from the records file.

    table.py RECORDS --date D --machine M --commit C ...

RECORDS has one "scenario<TAB>server<TAB>metric<TAB>run<TAB>value" line per figure
(bench/lib.sh, record) and "note<TAB>-<TAB>-<TAB>-<TAB>text" lines for footnotes. Each
cell is the median over the runs; a ratio row divides sitedns's median by a peer's.
Figures only, never a verdict.
"""
import argparse
import collections
import statistics
import sys

# Columns: (metric, heading, format)
COLUMNS = [
    ("instr", "instr / answer", "int"),
    ("cpu_us", "CPU µs / answer at {rate} qps", "f2"),
    ("qps", "saturating qps", "int"),
    ("lat", "p50 / p99 ms at {rate} qps", "lat"),
    ("rss_mib", "RSS MiB", "mib"),
    ("load_s", "load s", "f2"),
    ("reload_s", "reload s", "f2"),
]
RATIO_METRICS = ("instr", "cpu_us", "qps", "rss_mib", "load_s", "reload_s")

NAMES = {
    "sitedns": "sitedns", "nsd": "NSD", "knot": "Knot", "echo-floor": "echo floor",
    "sitedns-fwd": "sitedns", "unbound-fwd": "Unbound", "dnsmasq-fwd": "dnsmasq",
    "core-cache": "sitedns query core, answer cache",
    "core-nocache": "sitedns query core, no cache",
    "sites-3": "sitedns, 3 sites", "sites-1000": "sitedns, 1,000 sites",
    "sites-10000": "sitedns, 10,000 sites",
    "hit-plain": "hit, no validation", "hit-plain-do": "hit, no validation, DO=1",
    "hit-secure": "hit, secure entry", "hit-secure-do": "hit, secure entry, DO=1",
    "fwdcache-plain": "forwarder's cache hit, no validation",
    "fwdcache-plain-do": "forwarder's cache hit, no validation, DO=1",
    "fwdcache-secure": "forwarder's cache hit, secure entry",
    "fwdcache-secure-do": "forwarder's cache hit, secure entry, DO=1",
    "sitedns-val": "sitedns, validating", "unbound-val": "Unbound, validating",
}

# scenario -> (title, servers in order, ratio rows (numerator, denominator[, metrics]))
SCENARIOS = {
    "auth": ("3 zones × 1,000 hosts, UDP",
             ["sitedns", "nsd", "knot", "echo-floor"],
             [("sitedns", "nsd"), ("sitedns", "knot"),
              ("sitedns", "echo-floor", ("cpu_us", "qps"))]),
    "core": ("query core only, no sockets (bench_core)", ["core-cache", "core-nocache"], []),
    "sites": ("1,000 and 10,000 sites (views), UDP", ["sites-3", "sites-1000", "sites-10000"],
              [("sites-1000", "sites-3"), ("sites-10000", "sites-3")]),
    "bigzone": ("{big} records in one zone", ["sitedns", "nsd"], [("sitedns", "nsd")]),
    "forward": ("forwarded cache hits, UDP", ["sitedns-fwd", "unbound-fwd", "dnsmasq-fwd"],
                [("sitedns-fwd", "unbound-fwd"), ("sitedns-fwd", "dnsmasq-fwd")]),
    "forward2": ("forwarded cache hits, UDP, 2 threads (threads: 2, num-threads: 2)",
                 ["sitedns-fwd", "unbound-fwd"], [("sitedns-fwd", "unbound-fwd")]),
    "miss": ("forwarded misses, every name new: CPU µs per miss at {miss_rate} qps",
             ["sitedns-fwd", "unbound-fwd"], [("sitedns-fwd", "unbound-fwd", ("cpu_us",))]),
    "tcp": ("TCP, pipelined (dnsperf -m tcp)", ["sitedns", "nsd", "knot"],
            [("sitedns", "nsd"), ("sitedns", "knot")]),
    "dnssec": ("DNSSEC validation (test bed): forwarded hits in the query core (bench_core); "
               "validated misses, CPU µs per miss",
               [f"{c}-{m}" for c in ("hit", "fwdcache")
                for m in ("plain", "plain-do", "secure", "secure-do")]
               + ["sitedns-val", "unbound-val"],
               [(f"{c}-{a}", f"{c}-{b}", ("instr",)) for c in ("hit", "fwdcache")
                for a, b in (("secure", "plain"), ("secure-do", "plain"),
                             ("secure-do", "plain-do"))]
               + [("sitedns-val", "unbound-val", ("cpu_us",))]),
}


def read(path):
    figures = collections.defaultdict(list)  # (scenario, server, metric) -> [values]
    notes = []
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 5:
            continue
        scen, server, metric, _run, value = parts
        if scen == "note":
            if value not in notes:
                notes.append(value)
            continue
        try:
            figures[(scen, server, metric)].append(float(value))
        except ValueError:
            pass
    return figures, notes


def runs_of(path, scen, metric):
    """server -> {run: value} of one scenario's metric, in the order of the records."""
    runs = collections.defaultdict(dict)
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 5 and parts[0] == scen and parts[2] == metric:
            try:
                runs[parts[1]][parts[3]] = float(parts[4])
            except ValueError:
                pass
    return runs


def med(figures, scen, server, metric):
    values = figures.get((scen, server, metric))
    return statistics.median(values) if values else None


def fmt(value, kind):
    if value is None:
        return "—"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "f2":
        return f"{value:.2f}"
    if kind == "mib":
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value}"


def cell(figures, scen, server, metric, kind):
    if metric == "lat":
        p50, p99 = (med(figures, scen, server, m) for m in ("p50_ms", "p99_ms"))
        if p50 is None:
            avg = med(figures, scen, server, "avg_ms")
            return "—" if avg is None else f"avg {avg:.3f} (saturated)"
        return f"{p50:.3f} / {p99:.3f}"
    value = med(figures, scen, server, metric)
    text = fmt(value, kind)
    if metric == "rss_mib" and value is not None:
        pss = med(figures, scen, server, "pss_mib")
        # For a server of several processes VmRSS counts shared pages once per process.
        if pss is not None and forks(figures, scen, server):
            text += f" (PSS {fmt(pss, 'mib')})"
    return text


def forks(figures, scen, server):
    procs = med(figures, scen, server, "procs")
    return procs is not None and procs > 1


def ratio_cell(figures, scen, num, den, metric, metrics):
    if metric not in metrics:
        return ""
    a, b = med(figures, scen, num, metric), med(figures, scen, den, metric)
    if a is None or b is None or b == 0:
        return ""
    if metric == "rss_mib" and (forks(figures, scen, num) or forks(figures, scen, den)):
        # compare like with like: PSS when either server forks
        pa, pb = med(figures, scen, num, "pss_mib"), med(figures, scen, den, "pss_mib")
        if pa is not None and pb is not None and pb > 0:
            a, b = pa, pb
    return f"×{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("records")
    for opt in ("date", "machine", "commit", "sitedns", "runs", "seconds", "rate", "callgrind",
                "callgrind-runs", "big-records", "scenarios", "elapsed", "dnsperf",
                "dnssec-names", "dnssec-rate", "miss-rate"):
        ap.add_argument("--" + opt, default="?")
    args = ap.parse_args()
    figures, notes = read(args.records)
    rate = f"{int(args.rate):,}" if args.rate.isdigit() else args.rate
    elapsed = int(args.elapsed) if args.elapsed.isdigit() else 0
    big = f"{int(args.big_records):,}" if args.big_records.isdigit() else args.big_records
    miss_rate = f"{int(args.miss_rate):,}" if args.miss_rate.isdigit() else args.miss_rate

    wanted = [s for s in args.scenarios.split(",") if s in SCENARIOS]
    out = []
    out.append(f"# sitedns benchmark (`make bench`), {args.date}")
    out.append("")
    defaults = (("runs", "3"), ("seconds", "8"), ("rate", "40000"), ("callgrind", "20000"),
                ("big_records", "1000000"), ("miss_rate", "10000"))
    changed = [f"{k.replace('_', '-')} {getattr(args, k)}" for k, v in defaults
               if getattr(args, k) != v]
    if changed:
        out.append(f"**Not the default settings ({', '.join(changed)}): a short or partial "
                   "run, not comparable with the default one.**")
        out.append("")
    out.append(f"- machine: {args.machine}")
    out.append(f"- commit: {args.commit}; {args.sitedns}")  # the version, never a local path
    two = " (two unpinned in the 2-thread rows)" if "forward2" in wanted else ""
    out.append(f"- medians of {args.runs} runs × {args.seconds} s per figure, taken side by side; "
               f"one worker pinned to CPU 0{two}, dnsperf {args.dnsperf} pinned to CPU 1; "
               f"whole run {elapsed // 60} min {elapsed % 60} s")
    out.append("")
    heads = ["scenario", "server"] + [h.format(rate=rate) for _, h, _ in COLUMNS]
    out.append("| " + " | ".join(heads) + " |")
    out.append("|" + "---|" * 2 + "---:|" * len(COLUMNS))
    for scen in wanted:
        title, servers, ratios = SCENARIOS[scen]
        title = title.format(big=big, miss_rate=miss_rate)
        first = True
        for server in servers:
            if not any(k[0] == scen and k[1] == server for k in figures):
                continue
            cells = [cell(figures, scen, server, m, kind) for m, _, kind in COLUMNS]
            out.append(f"| {title if first else ''} | {NAMES.get(server, server)} | "
                       + " | ".join(cells) + " |")
            first = False
        for num, den, *only in ratios:
            metrics = only[0] if only else RATIO_METRICS
            cells = [ratio_cell(figures, scen, num, den, m, metrics) for m, _, _ in COLUMNS]
            if any(cells):
                label = f"{NAMES[num]} ÷ {NAMES[den]}"
                if scen == "sites":
                    label = f"{NAMES[num].removeprefix('sitedns, ')} ÷ " \
                            f"{NAMES[den].removeprefix('sitedns, ')}"
                out.append(f"| | *{label}* | " + " | ".join(cells) + " |")
        if first:
            out.append(f"| {title} | (no figures: see the notes) |" + " |" * len(COLUMNS))
        for server in servers:
            failed = figures.get((scen, server, "failed"))
            if failed:
                notes.append(f"{title}: {NAMES.get(server, server)} failed in {len(failed)} "
                             f"run(s); its medians are over the other runs.")
            wrong = figures.get((scen, server, "wrong"))
            if wrong and scen == "miss":
                notes.append(f"{title}: {NAMES.get(server, server)} gave {int(sum(wrong))} "
                             f"answer(s) other than NSD's in the answer checks (see below); "
                             f"its figures are not of the same work.")
            elif wrong and scen == "dnssec":
                notes.append(f"{title}: {NAMES.get(server, server)} failed the validation "
                             f"check (see below); its figures are not of the same work.")
            elif wrong:
                notes.append(f"{title}: {NAMES.get(server, server)} gave {int(wrong[0])} "
                             f"answer(s) other than NSD's in the answer check; its figures "
                             f"are not of the same work.")
            lost_queries = figures.get((scen, server, "lost_queries"))
            if lost_queries and sum(lost_queries) > 0:
                notes.append(f"{title}: {NAMES.get(server, server)} lost "
                             f"{', '.join(f'{v:,.0f}' for v in lost_queries)} queries in the "
                             f"runs.")
            lost = med(figures, scen, server, "lost")
            if lost is not None and lost >= 1:
                notes.append(f"{title}: {NAMES.get(server, server)} lost {lost:.1f}% of the "
                             f"queries in the saturating runs (median).")

    out.append("")
    out.append("Notes:")
    checked = [s for s in wanted if s in ("auth", "forward", "forward2", "miss", "tcp")]
    if checked:
        out.append("- answers: before anything is timed, each server of the "
                   f"{', '.join(checked)} rows is asked the data set's check questions (MX, "
                   "A, CNAME, TXT, SOA, NS, NXDOMAIN, wildcard, no data) and must give NSD's "
                   "status and answer section (TTLs aside); a difference is listed below.")
    out.append(f"- instr / answer: user-space instructions per answered query under "
               f"callgrind ({args.callgrind} queries at 3,000 queries/s, all processes "
               f"and threads, start-up excluded), median of {args.callgrind_runs} run(s): "
               f"counts repeat to within a few percent, times do not. In the query-core and "
               f"sites rows it is bench_core's: the query core alone, no sockets "
               f"(`Responder::handle` with a worker's PacketCache, or without one), loading "
               f"and a warm-up pass excluded.")
    out.append(f"- CPU µs / answer: the server's user + system CPU time over the queries "
               f"answered at {rate} queries/s offered (dnsperf -Q {args.rate}), over all "
               f"its processes and threads; the echo floor is the kernel's loopback cost with no lookup.")
    out.append("- saturating qps: dnsperf -c 4 -q 50 as fast as it goes; on 2 cores dnsperf "
               "fills its own core near 100k qps, so the fastest servers' figures are lower "
               "bounds. In the TCP rows it is over TCP (4 connections, 50 queries in flight).")
    out.append(f"- p50 / p99: from dnsperf -v's per-answer latencies in the {rate} qps runs "
               f"(dnsperf {args.dnsperf} has no latency histogram); lost queries are not "
               f"counted. Where only an average is shown it comes from the saturating run.")
    out.append("- RSS: VmRSS summed over the server's processes while it serves (sampled "
               "each 0.5 s in the saturating run; the largest sample). For servers that fork "
               "(NSD) PSS is given too, and the ratio rows compare PSS.")
    if "bigzone" in wanted:
        out.append(f"- {big} records: load s is the time from starting the server until "
                   "`dig` gets an answer from the zone's last name; both read the RFC 1035 "
                   "zone file (NSD 4 with `database: \"\"` has no separate compile step). RSS "
                   "is taken once it answers.")
    if "sites" in wanted:
        out.append("- 1,000 and 10,000 sites: bench/gen_sites.py's configurations (each site's "
                   "view holds every other site's zone); the client is site 1, the queries ask "
                   "other sites' MX and mail hosts. load s is the time from start until sitedns "
                   "listens; reload s is what the reload after SIGHUP logs. instr is measured for "
                   "3 and 1,000 sites only, to keep the run short (bench_core loads the "
                   "configuration under callgrind).")
    if "forward2" in wanted:
        out.append("- 2 threads: sitedns `\"threads\": 2` and Unbound `num-threads: 2` "
                   "(`*-cache-slabs: 2`): the server is not pinned and "
                   "shares CPU 1 with dnsperf, so on 2 cores the rows show what two threads "
                   "answering from one process cache cost, not how either server scales. CPU "
                   "per answer counts both threads; dnsperf's 4 source ports are spread over "
                   "the two threads' sockets by the kernel (SO_REUSEPORT) for both servers.")
    if "dnssec" in wanted:
        out.append(f"- DNSSEC rows: the offline test bed (tests/integration/dnssec/testbed.sh) "
                   f"with big.example. signed holding {args.dnssec_names} names. Cache hits: "
                   f"bench_core under callgrind, 100 names of big.example. forwarded to the "
                   f"bed, resolved in a warm-up, then {args.callgrind} queries answered from "
                   f"the worker's and the forwarder's caches as a UDP worker does (forwarder's "
                   f"cache hit: without the worker's cache, each query decided in full and "
                   f"answered by Forwarder::answer_from_cache); a secure "
                   f"entry is one the forwarder validated through libunbound (anchored at "
                   f"the bed's root.key); DO=1 queries carry an OPT with DO, and a secure "
                   f"answer to them has AD and the RRSIGs. Misses: each of the "
                   f"{args.dnssec_names} names asked once (no EDNS) at {args.dnssec_rate} "
                   f"queries/s, so each is a validated miss; CPU µs is the server's user + "
                   f"system time (every thread, libunbound's included) over the answers, "
                   f"after one question that loads the chain's keys. Both are checked first: "
                   f"a secure name gets AD, a bogus one SERVFAIL.")
    if "miss" in wanted:
        secs = int(args.seconds) if args.seconds.isdigit() else 0
        names = f"{int(args.miss_rate) * secs:,}" if args.miss_rate.isdigit() and secs else "?"
        out.append(f"- forwarded misses: sitedns and Unbound forwarding to the same NSD (one "
                   f"worker pinned, no validation), offered {miss_rate} queries/s for "
                   f"{args.seconds} s (dnsperf -n 1 over {names} names), each name new (under "
                   f"the zones' wildcards, a fresh set for each server and run), so each answer "
                   f"is a forwarded miss. CPU µs is the server's user + system time (every "
                   f"thread) over the answers, NSD's not counted. Checked: three new names "
                   f"before the clock starts and 20 asked during the misses must get NSD's "
                   f"answer; every name must be answered NOERROR (any shortfall is noted "
                   f"below).")
        by_run = runs_of(args.records, "miss", "cpu_us")
        for server in SCENARIOS["miss"][1]:
            if by_run.get(server):
                out.append(f"  - {NAMES.get(server, server)}, CPU µs per miss in runs "
                           f"{', '.join(by_run[server])}: "
                           f"{', '.join(f'{v:.2f}' for v in by_run[server].values())}")
        a, b = by_run.get("sitedns-fwd", {}), by_run.get("unbound-fwd", {})
        both = [r for r in a if r in b and b[r] > 0]
        if both:
            out.append(f"  - sitedns ÷ Unbound in runs {', '.join(both)}: "
                       f"{', '.join(f'×{a[r] / b[r]:.2f}' for r in both)}")
    for n in notes:
        out.append(f"- {n}")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
