#!/usr/bin/env bash
# Scenario "core" of `make bench` (called by run.sh; environment in lib.sh): the query
# core alone, no sockets. bench_core (bench/core_bench.cpp) loads the configuration
# the auth scenario's sitedns serves (one view, gen_data.py's 3 zones), encodes the queries of
# queries.txt once, and answers them through Responder::handle exactly as a UDP worker
# does; callgrind counts the instructions of the measured loop only (one pass over the
# 100,000 queries after a warm-up pass): with the worker's answer cache, and without.
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
[ -x "${BENCH_CORE_BIN:-}" ] || { say "core: no bench_core, skipped"; exit 0; }

dir=$BENCH_WORK/core
mkdir -p "$dir"
python3 - "$dir/sitedns.json" "$BENCH_DATA/zones.list" <<'PY'
import json, sys
out, zlist = sys.argv[1:]
zones = [line.split()[1] for line in open(zlist) if line.strip()]
json.dump({"listen": ["127.0.0.1:0"], "threads": 1, "upstreams": [],
           "views": [{"name": "all", "match_clients": ["any"], "zones": zones}]},
          open(out, "w"), indent=1)
PY

for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
    for mode in cache nocache; do
        args=(); [ "$mode" = nocache ] && args=(--no-cache)
        result=$(core_instr "$dir/sitedns.json" "$BENCH_DATA/queries.txt" "${args[@]}")
        say "  core callgrind $run ($mode): ${result:-FAILED}"
        [ -n "$result" ] || continue
        record core "core-$mode" instr "$run" "${result%% *}"
        if [ "$mode" = cache ] && [ "$run" = 1 ]; then
            line=${result#* }
            hits=$(field "$line" hits); misses=$(field "$line" misses)
            templated=$(field "$line" templated)
            [ $((hits + misses)) -gt 0 ] &&
                note "query core, answer cache: $((100 * hits / (hits + misses)))% of the measured queries were cache hits and $((100 * ${templated:-0} / (hits + misses)))% answered from the template of a name that does not exist (queries.txt: 15% random hosts, 10% random NXDOMAIN, 5% random wildcard names)."
        fi
    done
done
