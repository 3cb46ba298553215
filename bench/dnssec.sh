#!/usr/bin/env bash
# Scenario "dnssec" of `make bench` (called by run.sh; environment in lib.sh): DNSSEC
# validation of forwarded answers (issue 22), against the offline test bed
# (tests/integration/dnssec/testbed.sh) with big.example. holding BENCH_DNSSEC_NAMES
# signed names h1 ... hN (NSD on loopback, unpinned). Not in the default run: it signs
# its zones at start-up and sends BENCH_DNSSEC_NAMES misses per server and run.
#
# Cache hits, the query core alone (bench_core under callgrind, as core.sh): 100 names
# of big.example. forwarded to the test bed, two warm-up rounds (the first resolves them
# through the bed), then BENCH_CALLGRIND queries answered from the caches, exactly as a
# UDP worker does (Responder::handle with its PacketCache, then the forwarder's cache):
#   hit-plain       validation off, queries without EDNS (the forward scenario's hits)
#   hit-plain-do    validation off, queries with DO=1
#   hit-secure      validation on (the bed's root.key), queries without EDNS
#   hit-secure-do   validation on, queries with DO=1: the secure entry, AD set
# The worker's cache keeps positive forwarded answers, so those hits seldom reach the
# forwarder's cache; fwdcache-* are the same four without it (bench_core --no-cache): each
# query decided in full and answered by Forwarder::answer_from_cache.
# Misses: sitedns-val and unbound-val (peers.sh) asked every name of big.example. once,
# at BENCH_DNSSEC_RATE queries/s (2000), so each answer is a validated miss; after one
# question that loads the chain's keys (big.example. SOA) each server's CPU time
# (/proc/PID/stat utime + stime, every thread) over the answers: cpu_us per miss.
# Before that each is checked: h1.big.example. secure (AD) and www.bogus.example. SERVFAIL.
# Figures only.
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dnssec/testbed.sh
source "$BENCH_HERE/../tests/integration/dnssec/testbed.sh"

names=${BENCH_DNSSEC_NAMES:-20000}
rate=${BENCH_DNSSEC_RATE:-2000}
dir=$BENCH_WORK/dnssec
export BENCH_BED_DIR=$dir/bed
mkdir -p "$dir"
trap 'peer_stop; testbed_stop "$BENCH_BED_DIR"' EXIT
trap 'peer_stop; testbed_stop "$BENCH_BED_DIR"; exit 130' INT TERM

say "dnssec: signing the test bed with $names names in big.example."
TESTBED_BIG_NAMES=$names testbed_start "$BENCH_BED_DIR" >"$dir/bed.log" 2>&1 ||
    { note "dnssec: the DNSSEC test bed did not start: $(tail -n2 "$dir/bed.log" | tr '\n' ' ')"; exit 1; }
export BENCH_BED_PORT=$TESTBED_PORT
anchor=$BENCH_BED_DIR/root.key
awk -v n="$names" 'BEGIN { for (i = 1; i <= n; i++) printf "h%d.big.example. A\n", i }' >"$dir/misses.txt"
head -n 100 "$dir/misses.txt" >"$dir/hits.txt"

# --- cache hits: bench_core ---------------------------------------------------------
hits() {
    local rounds=$(((BENCH_CALLGRIND + 99) / 100)) run mode result line ad
    python3 - "$dir/core.json" "$BENCH_BED_PORT" <<'PY'
import json, sys
out, port = sys.argv[1:]
json.dump({"listen": ["127.0.0.1:0"], "threads": 1, "upstreams": [f"127.0.0.1:{port}"],
           "views": [{"name": "all", "match_clients": ["any"], "recursion": True, "zones": []}]},
          open(out, "w"), indent=1)
PY
    for run in $(seq "$BENCH_CALLGRIND_RUNS"); do
        for mode in {hit,fwdcache}-{plain,plain-do,secure,secure-do}; do
            local args=(--rounds "$rounds")
            [[ $mode == fwdcache-* ]] && args+=(--no-cache)
            [[ $mode == *-secure* ]] && args+=(--trust-anchor "$anchor")
            [[ $mode == *-do ]] && args+=(--dnssec-ok)
            result=$(core_instr "$dir/core.json" "$dir/hits.txt" "${args[@]}")
            say "  dnssec callgrind $run ($mode): ${result:-FAILED}"
            [ -n "$result" ] || continue
            line=${result#* }
            record dnssec "$mode" instr "$run" "${result%% *}"
            [ "$(field "$line" fwd_misses)" = 0 ] ||
                note "dnssec: $mode: $(field "$line" fwd_misses) measured queries missed the forwarder's cache"
            ad=$(field "$line" ad)
            if [[ $mode == *-secure-do ]] && [ "$ad" != 100 ]; then
                note "dnssec: $mode: $ad of the 100 answers had AD set (all should: the entries are secure)"
            elif [[ $mode != *-secure-do ]] && [ "$ad" != 0 ]; then
                note "dnssec: $mode: $ad answers had AD set (none should)"
            fi
            [ "$run" = 1 ] || continue
            case $mode in
                hit-secure-do) note "dnssec hits: of the measured queries with DO=1 and validation, $(field "$line" hits) were answered from the worker's cache and $(field "$line" fwd_hits) from the forwarder's; $(($(field "$line" bytes) / $(field "$line" measured))) bytes per answer." ;;
                hit-plain-do) note "dnssec hits: $(($(field "$line" bytes) / $(field "$line" measured))) bytes per answer with DO=1 and no validation (the upstream's reply: its authority NS and their RRSIGs too; libunbound's answers carry the answer section only)." ;;
            esac
        done
    done
}

# --- misses: sitedns-val and unbound-val ----------------------------------------------
# check_validation SERVER: started, a secure answer has AD, a bogus one is SERVFAIL.
check_validation() {
    local s=$1 secure bogus
    peer_start "$s" || { record dnssec "$s" wrong 1 1; note "dnssec: $s did not start for the answer check"; return 0; }
    secure=$(dig +time=2 +tries=1 +rec +dnssec @127.0.0.1 -p "$PEER_PORT" h1.big.example. A 2>/dev/null)
    bogus=$(ask "$PEER_PORT" www.bogus.example. A +rec)
    peer_stop
    if ! grep -q 'flags:[^;]* ad' <<<"$secure" || ! grep -q $'^h1.big.example.\t.*198.51.100.1$' <<<"$secure"; then
        record dnssec "$s" wrong 1 1
        note "dnssec: $s's answer to h1.big.example. A is not secure data: \`$(grep -m1 'flags:' <<<"$secure")\`"
    fi
    if [[ $bogus != SERVFAIL* ]]; then
        record dnssec "$s" wrong 1 1
        note "dnssec: $s answers the bogus www.bogus.example. A with \`$bogus\`, not SERVFAIL"
    fi
}

# spot_check PORT FILE: while the misses go on, 40 names of big.example. picked at random
# asked with DO=1, one at a time; each answer must be its own address (h<i>: 198.51.100.<i
# mod 256>) with AD. What differs is written to FILE, a line a name.
spot_check() {
    local port=$1 bad=$2 i got
    : >"$bad"
    for _ in $(seq 40); do
        i=$((RANDOM % names + 1))
        got=$(taskset -c "$PERF_CPU" dig +dnssec +rec +time=3 +tries=1 @127.0.0.1 -p "$port" "h$i.big.example." A 2>&1)
        grep -q 'flags:[^;]* ad' <<<"$got" && grep -q $'^h'"$i"$'.big.example.\t.*\tA\t198.51.100.'"$((i % 256))"'$' <<<"$got" ||
            echo "h$i.big.example.: $(grep -m1 -E 'status:|timed out' <<<"$got") $(grep -m1 $'\tA\t' <<<"$got" | tr '\t' ' ')" >>"$bad"
        sleep 0.2
    done
}

# miss_run SERVER RUN: every name of big.example. once at $rate queries/s, and meanwhile
# the spot check (its 40 questions count in the CPU time: 0.2% of the queries).
miss_run() {
    local s=$1 run=$2 out=$dir/dnsperf.out bad=$dir/spot.txt done_ noerror cpu
    peer_start "$s" || { record dnssec "$s" failed "$run" 1; return 0; }
    ask "$PEER_PORT" big.example. SOA +rec >/dev/null  # the chain's keys: ., example., big.example.
    peer_misses dnssec "$dir/misses.txt" "$rate" "$out" spot_check "$PEER_PORT" "$bad"
    [ -s "$bad" ] && note "dnssec run $run: $s gave $(wc -l <"$bad") of 40 names asked during the misses a wrong or unvalidated answer, e.g. $(head -n1 "$bad")"
    kill -0 "$PEER_PID" 2>/dev/null ||
        note "dnssec run $run: $s was no longer running after the misses: $(tail -n3 "$PEER_DIR/server.log" | tr '\n' ' ')"
    done_=$(awk '/Queries completed:/ { print $3 }' "$out")
    noerror=$(awk '/Response codes:/ { for (i = 3; i < NF; i++) if ($i == "NOERROR") print $(i + 1) }' "$out")
    cpu=$(cpu_per_answer "$MISS_T0" "$MISS_T1" "${done_:-0}")
    record dnssec "$s" cpu_us "$run" "$cpu"
    record dnssec "$s" lost "$run" "$(awk '/Queries lost:/ { gsub(/[()%]/, "", $4); print $4 }' "$out")"
    [ "${noerror:-0}" = "$names" ] ||
        note "dnssec run $run: $s answered ${noerror:-0} of the $names names NOERROR ($(grep 'Response codes:' "$out" | sed 's/^[[:space:]]*//'))"
    say "  dnssec run $run: $s ${done_:-0} answers, ${noerror:-0} NOERROR, cpu_us per validated miss=${cpu:-?}"
    peer_stop
}

hits
check_validation sitedns-val
check_validation unbound-val
for run in $(seq "$BENCH_RUNS"); do
    say "dnssec: run $run of $BENCH_RUNS"
    for s in sitedns-val unbound-val; do miss_run "$s" "$run"; done
done
