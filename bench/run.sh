#!/usr/bin/env bash
# make bench: sitedns beside NSD, Knot, Unbound, dnsmasq and an echo floor, every one
# started here on 127.0.0.1 (bench/peers.sh) with the same data (bench/gen_data.py), one
# worker pinned to CPU 0 and dnsperf pinned to CPU 1, in one table: instructions per
# answer (callgrind), CPU µs per answer at 40,000 queries/s offered, saturating qps,
# p50/p99 latency, RSS, as medians of BENCH_RUNS runs taken side by side, with ratios to
# the peers. Before timing, each server is asked the same questions and must give the
# reference's answers (check_answers in lib.sh). The table goes to stdout and to
# bench/results/LATEST.md (the raw figures to LATEST.raw.tsv); progress goes to stderr.
# Figures, never a verdict. docs/benchmark.md describes the method.
#
#   bench/run.sh SITEDNS_BIN
#
# Scenarios (BENCH_SCENARIOS, a comma list; default all, in this order):
#   auth     gen_data.py's data, 3 zones x 1,000 hosts: sitedns, NSD, Knot, echo floor (auth.sh)
#   core     the query core alone, no sockets: bench_core under callgrind (core.sh)
#   sites    1,000 sites (views) against 3, from gen_sites.py (sites.sh)
#   bigzone  1,000,000 records in one zone: load time and RSS, sitedns and NSD (bigzone.sh)
#   forward  forwarded cache hits: sitedns, Unbound, dnsmasq in front of NSD (forward.sh)
#   forward2 the same with two worker threads: sitedns threads: 2, Unbound num-threads: 2,
#            unpinned (forward2.sh)
#   miss     CPU per forwarded miss at BENCH_MISS_RATE queries/s, every name new: sitedns
#            and Unbound in front of NSD, no validation (miss.sh)
#   tcp      TCP with pipelining (dnsperf -m tcp): sitedns, NSD, Knot (tcp.sh)
#   dnssec   (about 3 minutes) DNSSEC validation against the offline test bed: instructions per forwarded
#            cache hit, secure and not, DO=1 and not (bench_core); CPU per validated miss,
#            sitedns against Unbound validating the same signed zone (dnssec.sh)
# Knobs: BENCH_RUNS (3), BENCH_SECONDS (8, per dnsperf run), BENCH_RATE (40000),
#   BENCH_CALLGRIND (20000 queries), BENCH_CALLGRIND_RUNS (1: instruction counts repeat
#   to within a few percent), BENCH_BIG_RECORDS (1000000), BENCH_RESULTS (bench/results),
#   BENCH_BUILD (the CMake build folder; default: two levels above SITEDNS_BIN),
#   BENCH_PORT_BASE (5400: the servers listen on 5401-5499), BENCH_SRV_CPU (0),
#   BENCH_PERF_CPU (1), BENCH_DNSSEC_NAMES (20000: names signed for the misses),
#   BENCH_DNSSEC_RATE (2000: validated misses offered per second), BENCH_MISS_RATE (10000:
#   forwarded misses offered per second, for BENCH_SECONDS).
# A quick look: BENCH_RUNS=1 BENCH_SECONDS=2 BENCH_CALLGRIND=2000 bench/run.sh BIN
# The default run takes about 24 minutes on a 2-core machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
[ $# = 1 ] || { echo "usage: bench/run.sh SITEDNS_BIN" >&2; exit 2; }
bin=$(realpath -e "$1" 2>/dev/null) || { echo "bench: $1 does not exist (build sitedns first: make build)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: $bin is not executable" >&2; exit 1; }
export SITEDNS_BIN=$bin
number() {
    if ! [[ ${!1} =~ ^0*[1-9][0-9]{0,8}$ ]]; then
        echo "bench: $1 must be a whole number above 0 (got '${!1}')" >&2
        exit 2
    fi
}
export BENCH_RUNS=${BENCH_RUNS:-3} BENCH_SECONDS=${BENCH_SECONDS:-8} BENCH_RATE=${BENCH_RATE:-40000}
export BENCH_CALLGRIND=${BENCH_CALLGRIND:-20000} BENCH_CALLGRIND_RUNS=${BENCH_CALLGRIND_RUNS:-1}
export BENCH_BIG_RECORDS=${BENCH_BIG_RECORDS:-1000000}
export BENCH_DNSSEC_NAMES=${BENCH_DNSSEC_NAMES:-20000} BENCH_DNSSEC_RATE=${BENCH_DNSSEC_RATE:-2000}
export BENCH_MISS_RATE=${BENCH_MISS_RATE:-10000}
for v in BENCH_RUNS BENCH_SECONDS BENCH_RATE BENCH_CALLGRIND BENCH_CALLGRIND_RUNS BENCH_BIG_RECORDS \
    BENCH_DNSSEC_NAMES BENCH_DNSSEC_RATE BENCH_MISS_RATE; do number "$v"; done
[ "$(nproc)" -ge 2 ] || echo "bench: one CPU only: the server and dnsperf share it, the figures mean little" >&2
all=auth,core,sites,bigzone,forward,forward2,miss,tcp,dnssec
known=$all
scenarios=${BENCH_SCENARIOS:-$all}
results=${BENCH_RESULTS:-$here/results}
for s in ${scenarios//,/ }; do
    [[ ,$known, == *,$s,* ]] || { echo "bench: unknown scenario '$s' (one of $known)" >&2; exit 2; }
done

"$repo/.ci/install-deps" knot unbound dnsmasq-base valgrind gcc libc6-dev iproute2 util-linux >&2
for c in dnsperf dig nsd knotd knotc unbound dnsmasq valgrind callgrind_control cc taskset ss python3; do
    command -v "$c" >/dev/null || { echo "bench: $c is missing (.ci/install-deps installs it as root)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sitedns-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export BENCH_WORK=$work BENCH_RECORDS=$work/records.tsv
: >"$BENCH_RECORDS"
python3 "$here/gen_data.py" "$work/data"

# The echo floor, for "auth": built here with the system's C compiler.
export BENCH_ECHO_FLOOR=""
if [[ ,$scenarios, == *,auth,* ]]; then
    if cc -O2 -Wall -Wextra -o "$work/echo_floor" "$here/echo_floor.c" 2>"$work/echo_floor.log"; then
        BENCH_ECHO_FLOOR=$work/echo_floor
    else
        cat "$work/echo_floor.log" >&2
        printf 'note\t-\t-\t-\t%s\n' "echo_floor.c did not build: no echo floor row" >>"$BENCH_RECORDS"
    fi
fi

# bench_core, for the "core" and "sites" scenarios: built in SITEDNS_BIN's build folder.
export BENCH_CORE_BIN=""
build=${BENCH_BUILD:-$(dirname "$(dirname "$bin")")}
if [[ ,$scenarios, == *,core,* || ,$scenarios, == *,sites,* || ,$scenarios, == *,dnssec,* ]]; then
    if [ -f "$build/CMakeCache.txt" ]; then
        echo "bench: building bench_core in $build" >&2
        if cmake "$build" >/dev/null && cmake --build "$build" -j "${BENCH_JOBS:-$(nproc)}" \
               --target bench_core >"$work/bench_core.build.log" 2>&1; then
            BENCH_CORE_BIN=$build/bench/bench_core
        else
            tail -n 20 "$work/bench_core.build.log" >&2
            printf 'note\t-\t-\t-\t%s\n' "bench_core did not build in the build folder of sitedns: no query-core figures" >>"$BENCH_RECORDS"
        fi
    else
        printf 'note\t-\t-\t-\t%s\n' "no CMake build folder two levels above the sitedns binary (set BENCH_BUILD): no query-core figures" >>"$BENCH_RECORDS"
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

# The commit and the CPU model name the run; never a path of this machine.
commit=$(git -C "$repo" describe --tags --always 2>/dev/null || echo "unknown (not a git checkout)")
[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit + uncommitted changes"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
[ -n "$cpu" ] || cpu=$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
mkdir -p "$results"
cp "$BENCH_RECORDS" "$results/LATEST.raw.tsv"
python3 "$here/table.py" "$BENCH_RECORDS" \
    --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    --machine "$(nproc) CPUs, ${cpu:-CPU model unknown}, Linux $(uname -r); load average $load_before at the start" \
    --commit "$commit" \
    --sitedns "$("$bin" --version 2>/dev/null | head -n1)" \
    --runs "$BENCH_RUNS" --seconds "$BENCH_SECONDS" --rate "$BENCH_RATE" \
    --callgrind "$BENCH_CALLGRIND" --callgrind-runs "$BENCH_CALLGRIND_RUNS" \
    --big-records "$BENCH_BIG_RECORDS" --scenarios "$scenarios" \
    --dnssec-names "$BENCH_DNSSEC_NAMES" --dnssec-rate "$BENCH_DNSSEC_RATE" --miss-rate "$BENCH_MISS_RATE" \
    --elapsed "$(( $(date +%s) - started ))" \
    --dnsperf "$(dnsperf -h 2>&1 | sed -n 's/^Version //p' | head -n1)" | tee "$results/LATEST.md"
