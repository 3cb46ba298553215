# shellcheck shell=bash disable=SC2034  # (sourced: the variables set here are the callers')
# Helpers shared by the scenario scripts of `make bench` (sourced, never run). run.sh
# exports what they read:
#   SITEDNS_BIN     the sitedns binary under test
#   PEERBENCH       the peerbench harness folder
#   PEERBENCH_DIR   peerbench's scratch folder (inside the bench's temporary folder)
#   BENCH_WORK      the bench's temporary folder
#   BENCH_RECORDS   the results file: one "scenario<TAB>server<TAB>metric<TAB>run<TAB>value"
#                   line per figure, "note<TAB>-<TAB>-<TAB>-<TAB>text" for a footnote
#   BENCH_RUNS, BENCH_SECONDS, BENCH_RATE, BENCH_CALLGRIND, BENCH_CALLGRIND_RUNS
#   BENCH_BUILD     the CMake build folder of SITEDNS_BIN (for bench_core), may be empty
# Every server is pinned to CPU 0 and dnsperf to CPU 1, as peerbench does.

BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DATA=$PEERBENCH_DIR/data
SRV_CPU=${PEERBENCH_SRV_CPU:-0}
PERF_CPU=${PEERBENCH_PERF_CPU:-1}

# Progress goes to stderr; stdout is the table's.
say() { echo "bench: $*" >&2; }

# record SCENARIO SERVER METRIC RUN VALUE  (empty or non-numeric values are skipped)
record() {
    [[ $5 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] || return 0
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$BENCH_RECORDS"
}
# note TEXT: a footnote under the table
note() { printf 'note\t-\t-\t-\t%s\n' "$*" >>"$BENCH_RECORDS"; }

# field LINE KEY: the value of KEY=value in a peerbench result line
field() { sed -nE "s/.*(^| )$2=([^ ]*).*/\2/p" <<<"$1"; }

# The process tree of PID (PID first).
tree_pids() {
    local c
    echo "$1"
    for c in $(pgrep -P "$1" 2>/dev/null); do tree_pids "$c"; done
}
# tree_mem PID -> "RSS_KIB PSS_KIB PROCESSES" summed over the tree (PSS counts a page
# shared by n processes as 1/n: the honest sum for servers that fork, such as NSD).
tree_mem() {
    local rss=0 pss=0 n=0 p v
    for p in $(tree_pids "$1"); do
        v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
        rss=$((rss + ${v:-0}))
        v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
        pss=$((pss + ${v:-0}))
        n=$((n + 1))
    done
    echo "$rss $pss $n"
}
# record_mem SCENARIO SERVER RUN RSS_KIB PSS_KIB PROCESSES
record_mem() {
    record "$1" "$2" rss_mib "$3" "$(kib_to_mib "$4")"
    record "$1" "$2" pss_mib "$3" "$(kib_to_mib "$5")"
    record "$1" "$2" procs "$3" "$6"
}
# CPU ticks (user + system, every thread) of one process.
proc_ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# latency FILE -> "P50_MS P99_MS" from the per-answer lines of `dnsperf -v`
# ("> NOERROR name type 0.000123"); empty when the file has none.
latency() {
    python3 - "$1" <<'PY'
import sys
lat = []
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("> "):
        try:
            lat.append(float(line.rsplit(None, 1)[1]))
        except ValueError:
            pass
if lat:
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print(f"{pick(0.50):.3f} {pick(0.99):.3f}")
PY
}

# The port a server gets here: peerbench's own plus BENCH_PORT_OFFSET (100), so that a
# peerbench run someone starts by hand on this machine meanwhile cannot answer for ours.
pb_port() {
    local p
    case $1 in
        nsd) p=5301 ;; knot) p=5302 ;; sitedns) p=5307 ;; echo-floor) p=5399 ;;
        unbound-fwd) p=5311 ;; dnsmasq-fwd) p=5312 ;; sitedns-fwd) p=5313 ;;
        *) p=5390 ;;
    esac
    echo $((p + ${BENCH_PORT_OFFSET:-100}))
}

# pb SERVER ARGS... : one peerbench run. Sets PB_LINE to peerbench's result line (empty
# when it failed), PB_RSS_KIB / PB_PSS_KIB / PB_PROCS to the largest memory of the
# server's process tree seen while dnsperf ran (sampled every 2 s; empty under
# --callgrind, where peerbench runs no timed dnsperf).
# With --rate, dnsperf runs through bench/verbose-dnsperf (adds -v), so that the output
# file peerbench names (out=) holds every answer's latency; pb sets PB_P50 / PB_P99 from
# it. The output file is deleted once read.
pb() {
    local server=$1 log out pid srv="" line rss=0 pss=0 procs=0 a mem n path=$PATH f
    shift
    for a in "$@"; do [ "$a" = --rate ] && path=$BENCH_HERE/verbose-dnsperf:$PATH; done
    log=$(mktemp -p "$BENCH_WORK" pb.XXXXXX)
    out=$log.out
    PB_LINE=""; PB_RSS_KIB=""; PB_PSS_KIB=""; PB_PROCS=""; PB_P50=""; PB_P99=""
    PATH=$path SITEDNS_BIN=$SITEDNS_BIN PEERBENCH_QUIET=0 \
        "$PEERBENCH/peerbench.sh" "$server" --port "$(pb_port "$server")" "$@" >"$out" 2>"$log" &
    pid=$!
    local tick=0
    while kill -0 "$pid" 2>/dev/null; do
        sleep 0.2
        if [ -z "$srv" ]; then
            grep -q 'peerbench: running:' "$log" || continue
            srv=$(grep 'peerbench: started ' "$log" | grep -v nsd-upstream |
                      sed -nE 's/.* pid=([0-9]+).*/\1/p' | tail -n1)
            [ -n "$srv" ] || srv=none
        fi
        (( tick++ % 10 == 0 )) || continue  # a sample every 2 s, from the start of dnsperf
        if [ "$srv" != none ] && kill -0 "$srv" 2>/dev/null; then
            read -r a mem n <<<"$(tree_mem "$srv")"
            [ "$a" -gt "$rss" ] && rss=$a
            [ "$mem" -gt "$pss" ] && pss=$mem
            [ "$n" -gt "$procs" ] && procs=$n
        fi
    done
    wait "$pid" || true
    line=$(grep -E "^$server " "$out" | tail -n1)
    [ -n "$line" ] || say "$server $*: FAILED: $(tail -n4 "$log" | tr '\n' ' ')"
    [ "$rss" -gt 0 ] && { PB_RSS_KIB=$rss; PB_PSS_KIB=$pss; PB_PROCS=$procs; }
    f=$(field "$line" out)
    if [ -n "$f" ] && [ -f "$f" ]; then
        [ "$path" != "$PATH" ] && read -r PB_P50 PB_P99 <<<"$(latency "$f")"
        rm -f "$f"
    fi
    rm -f "$log" "$out"
    PB_LINE=$line
}

# A peerbench saturating run of SERVER, recorded as run RUN of SCENARIO: qps, avg_ms,
# lost, rss_mib, pss_mib. Extra arguments go to peerbench.
pb_saturate() {
    local scen=$1 server=$2 run=$3 line
    shift 3
    pb "$server" --seconds "$BENCH_SECONDS" --threads 1 "$@"
    line=$PB_LINE
    say "  $scen run $run: ${line:-$server FAILED} rss_kib=${PB_RSS_KIB:-?}"
    [ -n "$line" ] || { record "$scen" "$server" failed "$run" 1; return 0; }
    record "$scen" "$server" qps "$run" "$(field "$line" qps)"
    record "$scen" "$server" avg_ms "$run" "$(field "$line" avg_lat_ms)"
    record "$scen" "$server" lost "$run" "$(field "$line" lost)"
    [ -n "$PB_RSS_KIB" ] && record_mem "$scen" "$server" "$run" "$PB_RSS_KIB" "$PB_PSS_KIB" "$PB_PROCS"
    return 0
}

# A peerbench run at BENCH_RATE queries/s offered: cpu_us, p50_ms, p99_ms. Extra
# arguments go to peerbench.
pb_rate() {
    local scen=$1 server=$2 run=$3 line cpu
    shift 3
    pb "$server" --seconds "$BENCH_SECONDS" --threads 1 --rate "$BENCH_RATE" "$@"
    line=$PB_LINE
    say "  $scen run $run: ${line:-$server --rate FAILED} p50=${PB_P50:-?} p99=${PB_P99:-?}"
    [ -n "$line" ] || { record "$scen" "$server" failed "$run" 1; return 0; }
    cpu=$(field "$line" cpu_us_per_q)
    # peerbench's tree_ticks reads /proc/[0-9]*/stat with mawk, which stops at a process
    # that exits meanwhile: the figure is then missing, negative or above the server's
    # cores (one per worker thread).
    if awk -v c="$cpu" -v q="$(field "$line" qps)" -v t="$(field "$line" threads)" \
           'BEGIN { exit !(c > 0 && c * q < 1.1e6 * (t > 1 ? t : 1)) }'; then
        record "$scen" "$server" cpu_us "$run" "$cpu"
    else
        say "  $scen run $run: $server cpu_us_per_q=$cpu discarded (peerbench could not read it)"
    fi
    record "$scen" "$server" p50_ms "$run" "$PB_P50"
    record "$scen" "$server" p99_ms "$run" "$PB_P99"
}

# peerbench --callgrind BENCH_CALLGRIND: instr (user-space instructions per answer).
pb_callgrind() {
    local scen=$1 server=$2 run=$3 line
    shift 3
    pb "$server" --callgrind "$BENCH_CALLGRIND" "$@"
    line=$PB_LINE
    say "  $scen callgrind $run: ${line:-$server --callgrind FAILED}"
    [ -n "$line" ] || return 0
    [ "$(field "$line" answered)" -gt 0 ] 2>/dev/null || return 0
    record "$scen" "$server" instr "$run" "$(field "$line" instr_per_q)"
}

# start_only SERVER: starts it through `peerbench.sh start-only:SERVER` (pinned to CPU 0,
# checked to answer) and sets SO_PID (peerbench, which stops the server on TERM),
# SO_SRV (the server) and SO_PORT. False when it did not come up within 150 s.
start_only() {
    local out=$BENCH_WORK/start-only.out line
    : >"$out"
    SITEDNS_BIN=$SITEDNS_BIN PEERBENCH_QUIET=1 "$PEERBENCH/peerbench.sh" "start-only:$1" --port "$(pb_port "$1")" \
        >"$out" 2>"$BENCH_WORK/start-only.err" &
    SO_PID=$!
    for _ in $(seq 1500); do
        line=$(grep -E "^$1 port=" "$out" || true)
        [ -n "$line" ] && break
        kill -0 "$SO_PID" 2>/dev/null || break
        sleep 0.1
    done
    SO_PORT=$(field "$line" port)
    SO_SRV=$(field "$line" pid)
    [ -n "$SO_PORT" ] || { say "$1 did not start: $(tail -n3 "$BENCH_WORK/start-only.err" | tr '\n' ' ')"; stop_only; return 1; }
}
# stop_only: stops what start_only started (peerbench's trap stops the server).
stop_only() {
    [ -n "${SO_PID:-}" ] || return 0
    kill -TERM "$SO_PID" 2>/dev/null
    wait "$SO_PID" 2>/dev/null || true
    SO_PID=""
}

# core_instr CONFIG QUERIES [bench_core options]: instructions per query of the query
# core alone (bench_core under callgrind, the measured loop only). Prints "INSTR LINE"
# where LINE is bench_core's own output line; nothing when bench_core is missing.
core_instr() {
    local core=${BENCH_CORE_BIN:-} out=$BENCH_WORK/core.callgrind line ir n
    [ -x "$core" ] || return 0
    rm -f "$out"
    line=$(valgrind --tool=callgrind --toggle-collect='sitedns_bench_answer_all*' \
               --callgrind-out-file="$out" "$core" "$@" 2>"$BENCH_WORK/core.valgrind.log" |
               grep '^core ') || { say "bench_core failed: $(tail -n3 "$BENCH_WORK/core.valgrind.log" | tr '\n' ' ')"; return 0; }
    ir=$(awk '/^summary:/ {print $2}' "$out")
    n=$(field "$line" measured)
    [ -n "$ir" ] && [ "${n:-0}" -gt 0 ] || return 0
    echo "$(awk -v ir="$ir" -v n="$n" 'BEGIN { printf "%.0f", ir / n }') $line"
}

# dnsperf_run PORT QUERIES [dnsperf options]: dnsperf pinned to PERF_CPU for
# BENCH_SECONDS with peerbench's load shape (-c 4 -q 50 -t 2). Sets DP_QPS, DP_LOST,
# DP_AVG (ms), DP_DONE (queries completed) and, when the options hold -v, DP_P50/DP_P99.
dnsperf_run() {
    local port=$1 queries=$2 out=$BENCH_WORK/dnsperf.out
    shift 2
    DP_QPS=""; DP_LOST=""; DP_AVG=""; DP_DONE=""; DP_P50=""; DP_P99=""
    taskset -c "$PERF_CPU" "$BENCH_REAL_DNSPERF" -s 127.0.0.1 -p "$port" -d "$queries" \
        -l "$BENCH_SECONDS" -c 4 -q 50 -t 2 "$@" >"$out" 2>&1 || { say "dnsperf failed: $(tail -n2 "$out" | tr '\n' ' ')"; return 1; }
    DP_QPS=$(awk '/Queries per second:/ {print $4}' "$out")
    DP_LOST=$(awk '/Queries lost:/ {gsub(/[()%]/, "", $4); print $4}' "$out")
    DP_AVG=$(awk '/Average Latency \(s\):/ {printf "%.3f", $4 * 1000; exit}' "$out")  # not the connections'
    DP_DONE=$(awk '/Queries completed:/ {print $3}' "$out")
    case " $* " in *" -v "*) read -r DP_P50 DP_P99 <<<"$(latency "$out")" ;; esac
    rm -f "$out"
    [ -n "$DP_QPS" ]
}
