#!/usr/bin/env bash
# Scenario "auth" of `make bench` (called by run.sh, which exports the environment
# described in lib.sh): gen_data.py's data (3 zones x 1,000 hosts) served by sitedns,
# NSD and Knot over UDP, and the echo floor (no lookup: the kernel's loopback cost).
# First the answer check (check_answers, NSD as the reference); then per run, side by
# side: a saturating run of each, then a run of each at BENCH_RATE queries/s offered
# (CPU per answer, p50/p99); then callgrind (instructions per answer)
# BENCH_CALLGRIND_RUNS times. Figures only.
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
servers=(sitedns nsd knot)
trap 'peer_stop' EXIT
trap 'peer_stop; exit 130' INT TERM

check_answers auth nsd "" sitedns knot
for run in $(seq "$BENCH_RUNS"); do
    say "auth: run $run of $BENCH_RUNS"
    for s in "${servers[@]}" echo-floor; do peer_saturate auth "$s" "$run"; done
    for s in "${servers[@]}" echo-floor; do peer_rate auth "$s" "$run"; done
done
for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
    for s in "${servers[@]}"; do peer_callgrind auth "$s" "$run"; done
done
