#!/usr/bin/env bash
# make bench: sitedns beside NSD and Knot on the same data in the same run, through
# ../shared/peerbench (one worker each, pinned to CPU 0, dnsperf on CPU 1). Prints the
# median of RUNS runs per server and the ratios to NSD and Knot. Figures, never a verdict.
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
qps = {}
for line in open(path):
    m = re.match(r"run=\d+ (\S+) qps=([\d.]+)", line)
    if m:
        qps.setdefault(m.group(1), []).append(float(m.group(2)))
print(f"queries per second, median of {runs} runs x {seconds}s, one worker pinned (peerbench data)")
print(f"{'server':<10} {'qps':>10}  {'runs':<30}")
med = {s: statistics.median(v) for s, v in qps.items()}
for s in ("nsd", "knot", "sitedns"):
    if s in med:
        print(f"{s:<10} {med[s]:>10.0f}  {' '.join(f'{x:.0f}' for x in qps[s])}")
if "sitedns" in med:
    for peer in ("nsd", "knot"):
        if med.get(peer):
            print(f"sitedns / {peer}: {med['sitedns'] / med[peer]:.2f}")
PY
