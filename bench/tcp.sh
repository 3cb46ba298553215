#!/usr/bin/env bash
# Scenario "tcp" of `make bench` (called by run.sh; environment in lib.sh): the
# peerbench data over TCP with pipelining (RFC 7766): sitedns, NSD and Knot, each
# started through `peerbench.sh start-only:SERVER` (one worker pinned to CPU 0; Knot
# with tcp-workers: 1) and queried by `dnsperf -m tcp` pinned to CPU 1: 4 connections,
# 50 queries in flight, saturating. Per run, side by side: qps, average latency, RSS.
#   run alone: BENCH_SCENARIOS=tcp bench/run.sh SITEDNS_BIN
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
servers=(sitedns nsd knot)
trap 'stop_only' EXIT
trap 'stop_only; exit 130' INT TERM

for run in $(seq "$BENCH_RUNS"); do
    say "tcp: run $run of $BENCH_RUNS"
    for s in "${servers[@]}"; do
        if ! start_only "$s"; then
            record tcp "$s" failed "$run" 1
            continue
        fi
        if dnsperf_run "$SO_PORT" "$BENCH_DATA/queries.txt" -m tcp; then
            read -r rss pss procs <<<"$(tree_mem "$SO_SRV")"
            record tcp "$s" qps "$run" "$DP_QPS"
            record tcp "$s" avg_ms "$run" "$DP_AVG"
            record tcp "$s" lost "$run" "$DP_LOST"
            record_mem tcp "$s" "$run" "$rss" "$pss" "$procs"
            say "  tcp run $run: $s qps=$DP_QPS lost=$DP_LOST% avg_lat_ms=$DP_AVG rss_kib=$rss"
        else
            record tcp "$s" failed "$run" 1
        fi
        stop_only
    done
done
exit 0
