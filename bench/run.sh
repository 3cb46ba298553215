#!/usr/bin/env bash
# make bench: sitedns beside NSD and Knot on the same data in the same run, through
# ../shared/peerbench (one worker each, pinned to CPU 0, dnsperf on CPU 1). Prints the
# median of RUNS runs per server and the ratios to NSD and Knot; then the forwarding
# table of bench/forward.sh (sitedns, Unbound and dnsmasq as caching forwarders in front
# of NSD; BENCH_NO_FWD=1 skips it). Figures, never a verdict.
#   bench/run.sh SITEDNS_BIN [RUNS] [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:?usage: bench/run.sh SITEDNS_BIN [RUNS] [SECONDS]}")
runs=${2:-${BENCH_RUNS:-3}}
seconds=${3:-${BENCH_SECONDS:-8}}
peerbench=${PEERBENCH:-$here/../../shared/peerbench}
[ -x "$peerbench/peerbench.sh" ] || { echo "bench: peerbench not found at $peerbench (set PEERBENCH)" >&2; exit 1; }
"$here/../.ci/install-deps" knot >/dev/null

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for run in $(seq "$runs"); do
    for server in nsd knot sitedns; do
        line=$(SITEDNS_BIN=$bin PEERBENCH_QUIET=1 "$peerbench/peerbench.sh" "$server" \
                   --seconds "$seconds" --threads 1) || line="$server FAILED"
        echo "run=$run $line" | tee -a "$results" >&2
    done
done

python3 - "$results" "$runs" "$seconds" <<'PY'
import re, statistics, sys
path, runs, seconds = sys.argv[1:]
figures = {}  # server -> {"qps": [...], "cpu": [...]}
for line in open(path):
    m = re.match(r"run=\d+ (\S+) qps=([\d.]+)", line)
    if not m:
        continue
    f = figures.setdefault(m.group(1), {"qps": [], "cpu": []})
    f["qps"].append(float(m.group(2)))
    cpu = re.search(r"cpu_us_per_q=([\d.]+)", line)
    if cpu:
        f["cpu"].append(float(cpu.group(1)))
med = lambda xs: statistics.median(xs) if xs else float("nan")
print(f"median of {runs} runs x {seconds}s, one worker pinned to CPU 0, dnsperf on CPU 1 (peerbench data)")
print(f"{'server':<10} {'qps':>9} {'cpu_us/q':>9}  qps of each run")
for s in ("nsd", "knot", "sitedns"):
    if s in figures:
        f = figures[s]
        print(f"{s:<10} {med(f['qps']):>9.0f} {med(f['cpu']):>9.2f}  {' '.join(f'{x:.0f}' for x in f['qps'])}")
if "sitedns" in figures:
    for peer in ("nsd", "knot"):
        if peer in figures:
            q = med(figures["sitedns"]["qps"]) / med(figures[peer]["qps"])
            c = med(figures["sitedns"]["cpu"]) / med(figures[peer]["cpu"])
            print(f"sitedns / {peer}: qps x{q:.2f}, cpu per answer x{c:.2f}")
PY

[ "${BENCH_NO_FWD:-0}" = 1 ] || "$here/forward.sh" "$bin" "$runs" "$seconds"
