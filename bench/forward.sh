#!/usr/bin/env bash
# Scenario "forward" of `make bench` (called by run.sh; environment in lib.sh): sitedns,
# Unbound and dnsmasq as caching forwarders in front of the same NSD upstream (peers.sh:
# sitedns-fwd, unbound-fwd, dnsmasq-fwd; one worker pinned to CPU 0, dnsperf on CPU 1,
# the NSD upstream unpinned). First the answer check against NSD itself. Before each
# measured run the cache is warmed with two passes over fwd_queries.txt (100 names, TTL
# 3600), so the answers measured are cache hits, callgrind's included. Figures only.
#
#   forward.sh [SCENARIO THREADS SERVER...]
# records the same runs as SCENARIO with THREADS workers (forward2.sh); callgrind runs
# with one thread only, where instruction counts are what is compared.
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
scen=${1:-forward}
threads=${2:-1}
servers=(sitedns-fwd unbound-fwd dnsmasq-fwd)
[ $# -gt 2 ] && servers=("${@:3}")
trap 'peer_stop' EXIT
trap 'peer_stop; exit 130' INT TERM

check_answers "$scen" nsd "" "${servers[@]}"
for run in $(seq "$BENCH_RUNS"); do
    say "$scen: run $run of $BENCH_RUNS"
    for s in "${servers[@]}"; do peer_saturate "$scen" "$s" "$run" "$threads"; done
    for s in "${servers[@]}"; do peer_rate "$scen" "$s" "$run" "$threads"; done
done
[ "$threads" = 1 ] || exit 0
for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
    for s in "${servers[@]}"; do peer_callgrind "$scen" "$s" "$run"; done
done
