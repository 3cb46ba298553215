#!/usr/bin/env bash
# Scenario "forward" of `make bench` (called by run.sh; environment in lib.sh): sitedns,
# Unbound and dnsmasq as caching forwarders in front of the same NSD upstream, through
# peerbench's `sitedns-fwd`, `unbound-fwd`, `dnsmasq-fwd` (one worker pinned to CPU 0,
# dnsperf on CPU 1, the NSD upstream unpinned). peerbench warms each cache with two
# passes over fwd_queries.txt (100 names, TTL 3600) before it measures, so the answers
# measured are cache hits, callgrind's included. Figures only.
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
servers=(sitedns-fwd unbound-fwd dnsmasq-fwd)

for run in $(seq "$BENCH_RUNS"); do
    say "forward: run $run of $BENCH_RUNS"
    for s in "${servers[@]}"; do pb_saturate forward "$s" "$run"; done
    for s in "${servers[@]}"; do pb_rate forward "$s" "$run"; done
done
for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
    for s in "${servers[@]}"; do pb_callgrind forward "$s" "$run"; done
done
