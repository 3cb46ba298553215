#!/usr/bin/env bash
# Scenario "forward2" of `make bench` (called by run.sh; environment in lib.sh): the
# forwarded cache hits of forward.sh with two worker threads, sitedns `"threads": 2`
# beside Unbound `num-threads: 2` (and `*-cache-slabs: 2`), same data, same NSD upstream,
# same dnsperf load (-c 4 -q 50, pinned to CPU 1). A two-worker server is not pinned, so
# on a 2-core machine it shares CPU 1 with dnsperf: the rows show what one process cache
# costs when two threads answer from it, not how either scales. Saturating qps and CPU
# per answer at BENCH_RATE (every thread's CPU time counted); no callgrind, which runs
# the threads one at a time. dnsmasq has no worker option.
#   run alone: BENCH_SCENARIOS=forward2 bench/run.sh SITEDNS_BIN
exec "$(dirname "$0")/forward.sh" forward2 2 sitedns-fwd unbound-fwd
