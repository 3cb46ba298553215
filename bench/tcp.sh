#!/usr/bin/env bash
# Scenario "tcp" of `make bench` (called by run.sh; environment in lib.sh): gen_data.py's
# data over TCP with pipelining (RFC 7766): sitedns, NSD and Knot (one worker pinned to
# CPU 0; Knot with tcp-workers: 1), queried by `dnsperf -m tcp` pinned to CPU 1: 4
# connections, 50 queries in flight, saturating. First the answer check over TCP (NSD as
# the reference); then per run, side by side: qps, average latency, RSS.
#   run alone: BENCH_SCENARIOS=tcp bench/run.sh SITEDNS_BIN
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
servers=(sitedns nsd knot)
trap 'peer_stop' EXIT
trap 'peer_stop; exit 130' INT TERM

check_answers tcp nsd +tcp sitedns knot
for run in $(seq "$BENCH_RUNS"); do
    say "tcp: run $run of $BENCH_RUNS"
    for s in "${servers[@]}"; do peer_saturate tcp "$s" "$run" 1 -m tcp; done
done
exit 0
