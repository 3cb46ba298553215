#!/usr/bin/env bash
# Scenario "sites" of `make bench` (called by run.sh; environment in lib.sh): sitedns
# with bench/gen_sites.py's 1,000-site configuration against its 3-site one (each
# site's view holds every other site's zone; dnsperf asks as site 1 for other sites'
# MX and mail hosts). Per run and configuration, side by side: the time from start until
# sitedns listens (load s), its RSS, the saturating qps, then CPU per answer and p50/p99
# at BENCH_RATE queries/s; sitedns pinned to CPU 0, dnsperf to CPU 1. Then the query
# core's instructions per answer for both (bench_core under callgrind), when built.
#   run alone: BENCH_SCENARIOS=sites bench/run.sh SITEDNS_BIN
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
counts=(3 1000)
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

# one_run N RUN: one configuration, one run.
one_run() {
    local n=$1 run=$2 t0 ms port rss="" k0 k1 qps=""
    rm -f "$dir/port"
    t0=$(date +%s%N)
    SITEDNS_PORT_FILE=$dir/port taskset -c "$SRV_CPU" "$SITEDNS_BIN" \
        --config "$dir/$n/sites.json" --log-level warning >"$dir/sitedns.log" 2>&1 &
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
    say "  sites run $run: $n sites: start ${ms} ms, qps ${qps:-?} saturating, rss ${rss:-?} KiB, p50/p99 ${DP_P50:-?}/${DP_P99:-?} ms at $BENCH_RATE qps"
    cleanup
}

for run in $(seq "$BENCH_RUNS"); do
    say "sites: run $run of $BENCH_RUNS"
    for n in "${counts[@]}"; do one_run "$n" "$run"; done
done

if [ -x "${BENCH_CORE_BIN:-}" ]; then
    for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
        for n in "${counts[@]}"; do
            result=$(core_instr "$dir/$n/sites.json" "$dir/$n/queries.txt" --client 127.0.0.1)
            say "  sites callgrind $run ($n sites, query core): ${result:-FAILED}"
            [ -n "$result" ] && record sites "sites-$n" instr "$run" "${result%% *}"
        done
    done
fi
exit 0
