#!/usr/bin/env bash
# make bench: sitedns beside its peers, through the peerbench harness in PEERBENCH (one worker pinned to
# CPU 0, dnsperf pinned to CPU 1), in one table: instructions per answer (callgrind),
# CPU µs per answer at 40,000 queries/s offered, saturating qps, p50/p99 latency, RSS,
# as medians of BENCH_RUNS runs taken side by side, with ratios to the peers. The table
# goes to stdout and to bench/results/LATEST.md (the raw figures to LATEST.raw.tsv);
# progress goes to stderr. Figures, never a verdict.
#
#   bench/run.sh SITEDNS_BIN
#
# Scenarios (BENCH_SCENARIOS, a comma list; default all, in this order):
#   auth     peerbench data, 3 zones x 1,000 hosts: sitedns, NSD, Knot, echo floor (auth.sh)
#   core     the query core alone, no sockets: bench_core under callgrind (core.sh)
#   sites    1,000 sites (views) against 3, from gen_sites.py (sites.sh)
#   bigzone  1,000,000 records in one zone: load time and RSS, sitedns and NSD (bigzone.sh)
#   forward  forwarded cache hits: sitedns, Unbound, dnsmasq in front of NSD (forward.sh)
#   forward2 the same with two worker threads: sitedns threads: 2, Unbound num-threads: 2,
#            unpinned (forward2.sh)
#   tcp      TCP with pipelining (dnsperf -m tcp): sitedns, NSD, Knot (tcp.sh)
# Knobs: BENCH_RUNS (3), BENCH_SECONDS (8, per dnsperf run), BENCH_RATE (40000),
#   BENCH_CALLGRIND (20000 queries), BENCH_CALLGRIND_RUNS (1: instruction counts repeat
#   to within a few percent), BENCH_BIG_RECORDS (1000000), BENCH_RESULTS (bench/results),
#   BENCH_BUILD (the CMake build folder; default: two levels above SITEDNS_BIN),
#   PEERBENCH (required: the peerbench harness folder).
# A quick look: BENCH_RUNS=1 BENCH_SECONDS=2 BENCH_CALLGRIND=2000 bench/run.sh BIN
# The default run takes about 20 minutes on a 2-core machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bin=$(realpath "${1:?usage: bench/run.sh SITEDNS_BIN}")
[ -x "$bin" ] || { echo "bench: $bin is not executable" >&2; exit 1; }
export SITEDNS_BIN=$bin
export PEERBENCH=${PEERBENCH:-}
[ -x "$PEERBENCH/peerbench.sh" ] || { echo "bench: set PEERBENCH to the peerbench harness folder (not found: '$PEERBENCH')" >&2; exit 1; }
export BENCH_RUNS=${BENCH_RUNS:-3} BENCH_SECONDS=${BENCH_SECONDS:-8} BENCH_RATE=${BENCH_RATE:-40000}
export BENCH_CALLGRIND=${BENCH_CALLGRIND:-20000} BENCH_CALLGRIND_RUNS=${BENCH_CALLGRIND_RUNS:-1}
export BENCH_BIG_RECORDS=${BENCH_BIG_RECORDS:-1000000}
all=auth,core,sites,bigzone,forward,forward2,tcp
scenarios=${BENCH_SCENARIOS:-$all}
results=${BENCH_RESULTS:-$here/results}
for s in ${scenarios//,/ }; do
    [[ ,$all, == *,$s,* ]] || { echo "bench: unknown scenario '$s' (one of $all)" >&2; exit 2; }
done

"$repo/.ci/install-deps" knot unbound dnsmasq-base valgrind >&2
export BENCH_REAL_DNSPERF
BENCH_REAL_DNSPERF=$(command -v dnsperf)

work=$(mktemp -d "${TMPDIR:-/tmp}/sitedns-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export BENCH_WORK=$work PEERBENCH_DIR=$work/peerbench BENCH_RECORDS=$work/records.tsv
: >"$BENCH_RECORDS"
python3 "$PEERBENCH/gen_data.py" --out "$PEERBENCH_DIR/data" >/dev/null

# bench_core, for the "core" and "sites" scenarios: built in SITEDNS_BIN's build folder.
export BENCH_CORE_BIN=""
build=${BENCH_BUILD:-$(dirname "$(dirname "$bin")")}
if [[ ,$scenarios, == *,core,* || ,$scenarios, == *,sites,* ]]; then
    if [ -f "$build/CMakeCache.txt" ]; then
        echo "bench: building bench_core in $build" >&2
        if cmake "$build" >/dev/null && cmake --build "$build" -j "${BENCH_JOBS:-$(nproc)}" \
               --target bench_core >"$work/bench_core.build.log" 2>&1; then
            BENCH_CORE_BIN=$build/bench/bench_core
        else
            tail -n 20 "$work/bench_core.build.log" >&2
            printf 'note\t-\t-\t-\t%s\n' "bench_core did not build in $build: no query-core figures" >>"$BENCH_RECORDS"
        fi
    else
        printf 'note\t-\t-\t-\t%s\n' "no CMake build folder at $build (set BENCH_BUILD): no query-core figures" >>"$BENCH_RECORDS"
    fi
fi

started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for s in ${scenarios//,/ }; do
    t0=$(date +%s)
    echo "bench: scenario $s" >&2
    "$here/$s.sh" ||
        printf 'note\t-\t-\t-\t%s\n' "scenario $s stopped early (exit $?): its figures may be incomplete" >>"$BENCH_RECORDS"
    echo "bench: scenario $s took $(( $(date +%s) - t0 )) s" >&2
done

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
mkdir -p "$results"
cp "$BENCH_RECORDS" "$results/LATEST.raw.tsv"
python3 "$here/table.py" "$BENCH_RECORDS" \
    --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    --machine "$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), Linux $(uname -r); load average $load_before at the start" \
    --commit "$commit" \
    --sitedns "$("$bin" --version 2>/dev/null | head -n1)" \
    --runs "$BENCH_RUNS" --seconds "$BENCH_SECONDS" --rate "$BENCH_RATE" \
    --callgrind "$BENCH_CALLGRIND" --callgrind-runs "$BENCH_CALLGRIND_RUNS" \
    --big-records "$BENCH_BIG_RECORDS" --scenarios "$scenarios" \
    --elapsed "$(( $(date +%s) - started ))" \
    --dnsperf "$(dnsperf -h 2>&1 | sed -n 's/^Version //p' | head -n1)" | tee "$results/LATEST.md"
