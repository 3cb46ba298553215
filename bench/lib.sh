# shellcheck shell=bash disable=SC2034  # (sourced: the variables set here are the callers')
# Helpers shared by the scenario scripts of `make bench` (sourced, never run). run.sh
# exports what they read:
#   SITEDNS_BIN     the sitedns binary under test
#   BENCH_WORK      the bench's temporary folder; BENCH_DATA=BENCH_WORK/data holds
#                   gen_data.py's data set
#   BENCH_ECHO_FLOOR the echo floor built from echo_floor.c (auth only)
#   BENCH_RECORDS   the results file: one "scenario<TAB>server<TAB>metric<TAB>run<TAB>value"
#                   line per figure, "note<TAB>-<TAB>-<TAB>-<TAB>text" for a footnote
#   BENCH_RUNS, BENCH_SECONDS, BENCH_RATE, BENCH_CALLGRIND, BENCH_CALLGRIND_RUNS
#   BENCH_CORE_BIN  bench_core (bench/core_bench.cpp), or empty when it was not built
# A one-worker server is pinned to CPU BENCH_SRV_CPU (0), dnsperf to BENCH_PERF_CPU (1).
# The servers themselves are in peers.sh.

BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DATA=$BENCH_WORK/data
SRV_CPU=${BENCH_SRV_CPU:-0}
PERF_CPU=${BENCH_PERF_CPU:-1}

# Progress goes to stderr; stdout is the table's.
say() { echo "bench: $*" >&2; }

# record SCENARIO SERVER METRIC RUN VALUE  (empty or non-numeric values are skipped)
record() {
    [[ $5 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] || return 0
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$BENCH_RECORDS"
}
# note TEXT: a footnote under the table
note() { printf 'note\t-\t-\t-\t%s\n' "$*" >>"$BENCH_RECORDS"; }

# field LINE KEY: the value of KEY=value in a line such as bench_core's
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
# CPU ticks (user + system, every thread) of one process, and of its process tree.
proc_ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null; }
tree_ticks() {
    local p sum=0 t
    for p in $(tree_pids "$1"); do t=$(proc_ticks "$p"); sum=$((sum + ${t:-0})); done
    echo "$sum"
}
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

# cpu_per_answer TICKS_BEFORE TICKS_AFTER ANSWERS: CPU µs per answer.
cpu_per_answer() {
    awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (n > 0 && b > a) printf "%.2f", (b - a) / hz * 1e6 / n }'
}

# queries_of SERVER: the query file it is timed with (forwarders: the 100 names to cache).
queries_of() { case $1 in *-fwd) echo "$BENCH_DATA/fwd_queries.txt" ;; *) echo "$BENCH_DATA/queries.txt" ;; esac; }

# warm SERVER PORT: a forwarder's cache gets every name of its query file twice, so that
# what is measured next are cache hits. Nothing for the other servers.
warm() {
    [[ $1 == *-fwd ]] || return 0
    taskset -c "$PERF_CPU" dnsperf -s 127.0.0.1 -p "$2" -d "$(queries_of "$1")" -n 2 -c 1 -q 10 \
        >"$BENCH_WORK/warm.out" 2>&1 || { say "$1: cache warm-up failed: $(tail -n2 "$BENCH_WORK/warm.out" | tr '\n' ' ')"; return 1; }
}

# check_answers SCENARIO REFERENCE "DIG OPTIONS" SERVER...: before anything is timed, each
# SERVER is started and asked the questions of the data set's check.txt (one of each kind
# of answer: MX, A, CNAME, TXT, SOA, NS, NXDOMAIN, wildcard, no data); its status and
# answer section (TTLs aside) must be REFERENCE's. A server that differs, or does not
# start, gets a note under the table and a "wrong" figure; it is still timed.
check_answers() {
    local scen=$1 ref=$2 opts=$3 s q bad
    shift 3
    local -A want=()
    peer_start "$ref" || { note "$scen: answers not checked: the reference, $ref, did not start"; return 0; }
    while read -r q; do
        # shellcheck disable=SC2086  # opts holds dig options, one word each
        want[$q]=$(ask "$PEER_PORT" $q "$(rd_flag "$ref")" $opts)
        [ -n "${want[$q]}" ] || note "$scen: the reference, $ref, gave no answer to \`$q\`: that question checks nothing"
    done <"$BENCH_DATA/check.txt"
    peer_stop
    for s in "$@"; do
        peer_start "$s" || { record "$scen" "$s" wrong 1 1; note "$scen: $s did not start for the answer check"; continue; }
        bad=0
        while read -r q; do
            # shellcheck disable=SC2086
            got=$(ask "$PEER_PORT" $q "$(rd_flag "$s")" $opts)
            [ "$got" = "${want[$q]}" ] && continue
            bad=$((bad + 1))
            say "  $scen: $s answers '$q' with '$got'; $ref with '${want[$q]}'"
            [ "$bad" = 1 ] && note "$scen: $s's answer to \`$q\` differs from $ref's: \`$got\` against \`${want[$q]}\`"
        done <"$BENCH_DATA/check.txt"
        peer_stop
        if [ "$bad" -gt 0 ]; then
            record "$scen" "$s" wrong 1 "$bad"
        else
            say "  $scen: $s gives $ref's answers to the $(wc -l <"$BENCH_DATA/check.txt") check questions"
        fi
    done
}

# peer_saturate SCENARIO SERVER RUN [THREADS [dnsperf options]]: SERVER started, warmed,
# then dnsperf as fast as it goes: qps, avg_ms, lost and the largest memory of its
# processes (rss_mib, pss_mib, procs).
peer_saturate() {
    local scen=$1 server=$2 run=$3 n=${4:-1}
    shift $(($# < 4 ? $# : 4))
    peer_start "$server" "$n" || { record "$scen" "$server" failed "$run" 1; return 0; }
    if warm "$server" "$PEER_PORT" && DP_WATCH=$PEER_PID dnsperf_run "$PEER_PORT" "$(queries_of "$server")" "$@"; then
        record "$scen" "$server" qps "$run" "$DP_QPS"
        record "$scen" "$server" avg_ms "$run" "$DP_AVG"
        record "$scen" "$server" lost "$run" "$DP_LOST"
        record_mem "$scen" "$server" "$run" "$DP_RSS_KIB" "$DP_PSS_KIB" "$DP_PROCS"
        say "  $scen run $run: $server qps=$DP_QPS lost=$DP_LOST% avg_ms=$DP_AVG rss_kib=$DP_RSS_KIB"
    else
        record "$scen" "$server" failed "$run" 1
    fi
    peer_stop
}

# peer_rate SCENARIO SERVER RUN [THREADS]: dnsperf offering BENCH_RATE queries/s: cpu_us
# (the CPU time of the server's processes and threads per answer), p50_ms and p99_ms.
peer_rate() {
    local scen=$1 server=$2 run=$3 t0 t1 cpu
    peer_start "$server" "${4:-1}" || { record "$scen" "$server" failed "$run" 1; return 0; }
    if warm "$server" "$PEER_PORT" && t0=$(tree_ticks "$PEER_PID") &&
        dnsperf_run "$PEER_PORT" "$(queries_of "$server")" -Q "$BENCH_RATE" -v; then
        t1=$(tree_ticks "$PEER_PID")
        cpu=$(cpu_per_answer "$t0" "$t1" "$DP_DONE")
        record "$scen" "$server" cpu_us "$run" "$cpu"
        record "$scen" "$server" p50_ms "$run" "$DP_P50"
        record "$scen" "$server" p99_ms "$run" "$DP_P99"
        say "  $scen run $run: $server at $BENCH_RATE qps: cpu_us=${cpu:-?} p50/p99 ms=${DP_P50:-?}/${DP_P99:-?}"
    else
        record "$scen" "$server" failed "$run" 1
    fi
    peer_stop
}

# peer_misses SCENARIO QUERIES RATE OUT SPOT_CHECK...: the started peer is asked every
# name of QUERIES once by dnsperf pinned to PERF_CPU at RATE queries/s (4 clients, 100 in
# flight, 5 s timeout; its output in OUT), while SPOT_CHECK... runs in the background;
# returns once both are done. Sets MISS_T0 and MISS_T1 to the CPU ticks of the peer's
# processes before and after (for cpu_per_answer; the spot check's questions count).
peer_misses() {
    local scen=$1 queries=$2 rate=$3 out=$4 spot
    shift 4
    MISS_T0=$(tree_ticks "$PEER_PID")
    "$@" &
    spot=$!
    taskset -c "$PERF_CPU" dnsperf -s 127.0.0.1 -p "$PEER_PORT" -d "$queries" -n 1 \
        -c 4 -q 100 -t 5 -Q "$rate" >"$out" 2>&1 || say "  $scen: dnsperf failed: $(tail -n2 "$out" | tr '\n' ' ')"
    wait "$spot"
    MISS_T1=$(tree_ticks "$PEER_PID")
}

# peer_callgrind SCENARIO SERVER RUN: SERVER under callgrind (every process and thread);
# once it answers (and a forwarder is warm) the counters are zeroed, BENCH_CALLGRIND
# queries go at 3,000 queries/s, the counters are dumped: instr, the user-space
# instructions per answer, start-up excluded.
peer_callgrind() {
    local scen=$1 server=$2 run=$3 d=$BENCH_WORK/callgrind p ir answered
    rm -rf "$d" && mkdir -p "$d"
    PEER_CALLGRIND=$d peer_start "$server" || return 0
    awk -v n="$BENCH_CALLGRIND" '{ q[NR] = $0 } END { for (i = 0; i < n; i++) print q[i % NR + 1] }' \
        "$(queries_of "$server")" >"$d/queries.txt"
    if warm "$server" "$PEER_PORT"; then
        for p in $(tree_pids "$PEER_PID"); do callgrind_control -z "$p" >/dev/null 2>&1; done
        taskset -c "$PERF_CPU" dnsperf -s 127.0.0.1 -p "$PEER_PORT" -d "$d/queries.txt" -n 1 -c 1 -q 20 \
            -Q 3000 -t 5 >"$d/dnsperf.out" 2>&1 || say "  $scen callgrind: dnsperf failed: $(tail -n2 "$d/dnsperf.out" | tr '\n' ' ')"
        for p in $(tree_pids "$PEER_PID"); do callgrind_control -d "$p" >/dev/null 2>&1; done
        answered=$(awk '/Queries completed:/ { print $3 }' "$d/dnsperf.out")
        ir=$(cat "$d"/callgrind.out.*.1 2>/dev/null | awk '/^summary:/ { s += $2 } END { print s + 0 }')
        if [ "${answered:-0}" -gt 0 ] && [ "$ir" -gt 0 ]; then
            record "$scen" "$server" instr "$run" "$(awk -v i="$ir" -v n="$answered" 'BEGIN { printf "%.0f", i / n }')"
            say "  $scen callgrind $run: $server $((ir / answered)) instructions per answer over $answered answers"
        else
            say "  $scen callgrind $run: $server: no count (answers ${answered:-none}, instructions $ir)"
        fi
    fi
    peer_stop
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
# BENCH_SECONDS: 4 clients, 50 queries in flight, 2 s timeout. Sets DP_QPS, DP_LOST,
# DP_AVG (ms), DP_DONE (queries completed) and, when the options hold -v, DP_P50/DP_P99.
# With DP_WATCH=PID it samples the memory of PID's processes every 0.5 s meanwhile and
# sets DP_RSS_KIB, DP_PSS_KIB, DP_PROCS to the largest sample.
dnsperf_run() {
    local port=$1 queries=$2 out=$BENCH_WORK/dnsperf.out pid rss=0 pss=0 procs=0 a b c
    shift 2
    DP_QPS=""; DP_LOST=""; DP_AVG=""; DP_DONE=""; DP_P50=""; DP_P99=""
    DP_RSS_KIB=""; DP_PSS_KIB=""; DP_PROCS=""
    taskset -c "$PERF_CPU" dnsperf -s 127.0.0.1 -p "$port" -d "$queries" \
        -l "$BENCH_SECONDS" -c 4 -q 50 -t 2 "$@" >"$out" 2>&1 &
    pid=$!
    while [ -n "${DP_WATCH:-}" ] && kill -0 "$pid" 2>/dev/null; do
        read -r a b c <<<"$(tree_mem "$DP_WATCH")"
        [ "$a" -gt "$rss" ] && rss=$a
        [ "$b" -gt "$pss" ] && pss=$b
        [ "$c" -gt "$procs" ] && procs=$c
        sleep 0.5
    done
    wait "$pid" || { say "dnsperf failed: $(tail -n2 "$out" | tr '\n' ' ')"; return 1; }
    [ "$rss" -gt 0 ] && { DP_RSS_KIB=$rss; DP_PSS_KIB=$pss; DP_PROCS=$procs; }
    DP_QPS=$(awk '/Queries per second:/ {print $4}' "$out")
    DP_LOST=$(awk '/Queries lost:/ {gsub(/[()%]/, "", $4); print $4}' "$out")
    DP_AVG=$(awk '/Average Latency \(s\):/ {printf "%.3f", $4 * 1000; exit}' "$out")  # not the connections'
    DP_DONE=$(awk '/Queries completed:/ {print $3}' "$out")
    case " $* " in *" -v "*) read -r DP_P50 DP_P99 <<<"$(latency "$out")" ;; esac
    rm -f "$out"
    [ -n "$DP_QPS" ]
}

# shellcheck source=bench/peers.sh
source "$BENCH_HERE/peers.sh"
