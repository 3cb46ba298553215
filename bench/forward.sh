#!/usr/bin/env bash
# Scenario "forward" of `make bench` (called by run.sh; environment in lib.sh): sitedns,
# Unbound and dnsmasq as caching forwarders in front of the same NSD upstream, through
# peerbench's `sitedns-fwd`, `unbound-fwd`, `dnsmasq-fwd` (one worker pinned to CPU 0,
# dnsperf on CPU 1, the NSD upstream unpinned). peerbench warms each cache with two
# passes over fwd_queries.txt (100 names, TTL 3600) before it measures, so the answers
# measured are cache hits, callgrind's included. Figures only.
#
#   forward.sh [SCENARIO THREADS SERVER...]
# records the same runs as SCENARIO with peerbench's --threads THREADS (forward2.sh);
# callgrind runs with one thread only, where instruction counts are what is compared.
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
scen=${1:-forward}
threads=${2:-1}
servers=(sitedns-fwd unbound-fwd dnsmasq-fwd)
[ $# -gt 2 ] && servers=("${@:3}")

for run in $(seq "$BENCH_RUNS"); do
    say "$scen: run $run of $BENCH_RUNS"
    for s in "${servers[@]}"; do pb_saturate "$scen" "$s" "$run" --threads "$threads"; done
    for s in "${servers[@]}"; do pb_rate "$scen" "$s" "$run" --threads "$threads"; done
done
[ "$threads" = 1 ] || exit 0
for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
    for s in "${servers[@]}"; do pb_callgrind "$scen" "$s" "$run"; done
done
