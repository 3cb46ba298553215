#!/usr/bin/env bash
# The forwarding half of make bench: sitedns, Unbound and dnsmasq as caching forwarders
# in front of the same NSD upstream, through ../shared/peerbench (`sitedns-fwd`,
# `unbound-fwd`, `dnsmasq-fwd`: one worker pinned to CPU 0, dnsperf on CPU 1, the NSD
# upstream unpinned). peerbench warms each cache with two passes over fwd_queries.txt
# (100 names, TTL 3600) before dnsperf runs, so the measured answers are cache hits.
# Prints the median of RUNS runs per server and the ratios to Unbound and dnsmasq.
# Figures, never a verdict.
#   bench/forward.sh SITEDNS_BIN [RUNS] [SECONDS]
# Extra peerbench options (e.g. "--rate 40000" for CPU per answer at a fixed load):
#   BENCH_FWD_ARGS="--rate 40000" bench/forward.sh ...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:?usage: bench/forward.sh SITEDNS_BIN [RUNS] [SECONDS]}")
runs=${2:-${BENCH_RUNS:-3}}
seconds=${3:-${BENCH_SECONDS:-8}}
peerbench=${PEERBENCH:-$here/../../shared/peerbench}
[ -x "$peerbench/peerbench.sh" ] || { echo "bench: peerbench not found at $peerbench (set PEERBENCH)" >&2; exit 1; }
"$here/../.ci/install-deps" unbound dnsmasq-base >/dev/null
read -r -a extra <<<"${BENCH_FWD_ARGS:-}"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for run in $(seq "$runs"); do
    for server in sitedns-fwd unbound-fwd dnsmasq-fwd; do
        line=$(SITEDNS_BIN=$bin PEERBENCH_QUIET=1 "$peerbench/peerbench.sh" "$server" \
                   --seconds "$seconds" --threads 1 "${extra[@]}") || line="$server FAILED"
        echo "run=$run $line" | tee -a "$results" >&2
    done
done

python3 - "$results" "$runs" "$seconds" "${BENCH_FWD_ARGS:-}" <<'PY'
import re, statistics, sys
path, runs, seconds, extra = sys.argv[1:]
servers = ("sitedns-fwd", "unbound-fwd", "dnsmasq-fwd")
figures = {}  # server -> {"qps": [...], "cpu": [...], "lat": [...], "lost": [...], "rcodes": set()}
failed = {}
for line in open(path):
    m = re.match(r"run=\d+ (\S+) (.*)", line)
    if not m:
        continue
    server, rest = m.groups()
    if rest.startswith("FAILED"):
        failed[server] = failed.get(server, 0) + 1
        continue
    keys = dict(re.findall(r"(\w+)=(\S+)", rest))
    f = figures.setdefault(server, {"qps": [], "cpu": [], "lat": [], "lost": [], "rcodes": set()})
    for key, name in (("qps", "qps"), ("cpu_us_per_q", "cpu"), ("avg_lat_ms", "lat"), ("lost", "lost")):
        try:
            f[name].append(float(keys[key]))
        except (KeyError, ValueError):
            pass
    # peerbench's tree_ticks reads /proc/[0-9]*/stat with mawk, which stops at a process
    # that exits meanwhile: the figure is then missing, negative or more than one core.
    if f["cpu"] and not (0 < f["cpu"][-1] and f["cpu"][-1] * f["qps"][-1] < 1.1e6):
        f["cpu"].pop()
        f.setdefault("bad_cpu", 0)
        f["bad_cpu"] = f["bad_cpu"] + 1
    f["rcodes"].add(keys.get("rcodes", "?"))
med = lambda xs: statistics.median(xs) if xs else float("nan")
print()
print(f"forwarding: median of {runs} runs x {seconds}s{' ' + extra if extra else ''}, caching "
      "forwarder in front of NSD, answers from a warm cache; one worker pinned to CPU 0, dnsperf on CPU 1")
print(f"{'server':<12} {'qps':>9} {'cpu_us/q':>9} {'lat_ms':>7} {'lost%':>6}  qps of each run; rcodes")
for s in servers:
    if s in figures:
        f = figures[s]
        print(f"{s:<12} {med(f['qps']):>9.0f} {med(f['cpu']):>9.2f} {med(f['lat']):>7.3f} "
              f"{med(f['lost']):>6.2f}  {' '.join(f'{x:.0f}' for x in f['qps'])}; {' '.join(sorted(f['rcodes']))}")
        if f.get("bad_cpu"):
            print(f"{'':<12} cpu_us/q of {f['bad_cpu']} run(s) discarded (peerbench could not read the CPU time)")
    if s in failed:
        print(f"{s:<12} FAILED in {failed[s]} of {runs} runs")
me = "sitedns-fwd"
if me in figures:
    for peer in ("unbound-fwd", "dnsmasq-fwd"):
        if peer in figures:
            q = med(figures[me]["qps"]) / med(figures[peer]["qps"])
            c = med(figures[me]["cpu"]) / med(figures[peer]["cpu"])
            print(f"{me} / {peer}: qps x{q:.2f}, cpu per answer x{c:.2f}")
sys.exit(1 if me in failed else 0)
PY
