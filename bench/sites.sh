#!/usr/bin/env bash
# Scenario "sites" of `make bench` (called by run.sh; environment in lib.sh): sitedns
# with bench/gen_sites.py's 1,000- and 10,000-site configurations against its 3-site one
# (each site's view holds every other site's zone; dnsperf asks as site 1 for other
# sites' MX and mail hosts). Per run and configuration, side by side: the time from start
# until sitedns listens (load s), its RSS, the saturating qps, then CPU per answer and
# p50/p99 at BENCH_RATE queries/s, then the time a reload (SIGHUP) logs (reload s);
# sitedns pinned to CPU 0, dnsperf to CPU 1. Per run, `sitedns check` of the 10,000 sites
# with 100,000 recipients (a note: seconds and peak RSS). Then the query core's
# instructions per answer for 3 and 1,000 sites (bench_core under callgrind), when built.
#   run alone: BENCH_SCENARIOS=sites bench/run.sh SITEDNS_BIN
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
counts=(3 1000 10000)
instr_counts=(3 1000)
dir=$BENCH_WORK/sites
mkdir -p "$dir"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    server=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

for n in "${counts[@]}"; do python3 "$BENCH_HERE/gen_sites.py" "$n" "$dir/$n" --port 0; done
python3 "$BENCH_HERE/gen_sites.py" 10000 "$dir/check" --port 0 --recipients 100000

# reload_s PID LOG: seconds the reload after a SIGHUP logs, or empty when it fails or
# takes over a minute.
reload_s() {
    local before line
    before=$(grep -c 'reloaded in\|reload failed' "$2")
    kill -HUP "$1"
    for _ in $(seq 1200); do
        [ "$(grep -c 'reloaded in\|reload failed' "$2")" -gt "$before" ] && break
        sleep 0.05
    done
    line=$(grep -E 'reloaded in|reload failed' "$2" | sed -n "$((before + 1))p")
    sed -nE 's/.*reloaded in ([0-9]+) ms.*/\1/p' <<<"$line" | awk '{ printf "%.3f", $1 / 1000 }'
}

# check_run RUN: `sitedns check` of 10,000 sites with 100,000 recipients; its seconds
# and peak RSS (KiB) join check_times and check_kib.
check_times=() check_kib=()
check_run() {
    local out secs kib
    rm -f "$dir/check/time"
    /usr/bin/time -o "$dir/check/time" -f 'TIME %e %M' "$SITEDNS_BIN" check \
        --config "$dir/check/sites.json" >/dev/null 2>&1
    out=$(tail -n1 "$dir/check/time" 2>/dev/null)
    say "  sites check run $1 (10,000 sites, 100,000 recipients): ${out#TIME } (s, KiB)"
    [[ $out == TIME* ]] || return 0
    read -r _ secs kib <<<"$out"
    check_times+=("$secs") check_kib+=("$kib")
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# one_run N RUN: one configuration, one run.
one_run() {
    local n=$1 run=$2 t0 ms port rss="" k0 k1 qps="" reload
    rm -f "$dir/port"
    t0=$(date +%s%N)
    SITEDNS_PORT_FILE=$dir/port taskset -c "$SRV_CPU" "$SITEDNS_BIN" \
        --config "$dir/$n/sites.json" --log-level info >"$dir/sitedns.log" 2>&1 &
    server=$!
    for _ in $(seq 1200); do
        [ -s "$dir/port" ] && break
        kill -0 "$server" 2>/dev/null || break
        sleep 0.02
    done
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ -s "$dir/port" ] || { say "  sites $n: sitedns did not start: $(tail -n2 "$dir/sitedns.log" | tr '\n' ' ')"; record sites "sites-$n" failed "$run" 1; cleanup; return 0; }
    port=$(cat "$dir/port")
    record sites "sites-$n" load_s "$run" "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    if DP_WATCH=$server dnsperf_run "$port" "$dir/$n/queries.txt"; then
        qps=$DP_QPS rss=$DP_RSS_KIB
        record sites "sites-$n" qps "$run" "$DP_QPS"
        record sites "sites-$n" avg_ms "$run" "$DP_AVG"
        record sites "sites-$n" lost "$run" "$DP_LOST"
        record_mem sites "sites-$n" "$run" "$DP_RSS_KIB" "$DP_PSS_KIB" "$DP_PROCS"
    fi
    k0=$(tree_ticks "$server")
    if dnsperf_run "$port" "$dir/$n/queries.txt" -Q "$BENCH_RATE" -v; then
        k1=$(tree_ticks "$server")
        record sites "sites-$n" cpu_us "$run" "$(cpu_per_answer "$k0" "$k1" "$DP_DONE")"
        record sites "sites-$n" p50_ms "$run" "$DP_P50"
        record sites "sites-$n" p99_ms "$run" "$DP_P99"
    fi
    reload=$(reload_s "$server" "$dir/sitedns.log")
    record sites "sites-$n" reload_s "$run" "$reload"
    say "  sites run $run: $n sites: start ${ms} ms, reload ${reload:-?} s, qps ${qps:-?} saturating, rss ${rss:-?} KiB, p50/p99 ${DP_P50:-?}/${DP_P99:-?} ms at $BENCH_RATE qps"
    cleanup
}

for run in $(seq "$BENCH_RUNS"); do
    say "sites: run $run of $BENCH_RUNS"
    for n in "${counts[@]}"; do one_run "$n" "$run"; done
    check_run "$run"
done
if [ "${#check_times[@]}" -gt 0 ]; then
    note "sitedns check of 10,000 sites with 100,000 recipients (bench/gen_sites.py --recipients):" \
        "median $(median "${check_times[@]}") s, peak RSS $(kib_to_mib "$(median "${check_kib[@]}")") MiB" \
        "over ${#check_times[@]} runs"
fi

if [ -x "${BENCH_CORE_BIN:-}" ]; then
    for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
        for n in "${instr_counts[@]}"; do
            result=$(core_instr "$dir/$n/sites.json" "$dir/$n/queries.txt" --client 127.0.0.1)
            say "  sites callgrind $run ($n sites, query core): ${result:-FAILED}"
            [ -n "$result" ] && record sites "sites-$n" instr "$run" "${result%% *}"
        done
    done
fi
exit 0
