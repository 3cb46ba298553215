#!/usr/bin/env bash
# Scenario "miss" of `make bench` (called by run.sh; environment in lib.sh): CPU per
# forwarded miss. sitedns and Unbound as caching forwarders (peers.sh: sitedns-fwd,
# unbound-fwd; one worker pinned to CPU 0, no DNSSEC validation) in front of the same NSD
# upstream (unpinned), asked BENCH_MISS_RATE queries/s (10000) for BENCH_SECONDS by dnsperf
# pinned to CPU 1, every query a name never asked before: a name under the data set's
# wildcards (*.dyn.<zone> A), new for each server and run, so every answer is a miss the
# server forwards to NSD and relays. CPU µs per miss: the server's utime + stime
# (/proc/PID/stat, every thread) over the answers, as dnssec.sh's misses.
#
# Checked before timing: the answer check of forward.sh (check_answers against NSD), and
# in each run, before the clock starts, three new names (one per zone) must get NSD's
# own answer. During the run 20 more new names, not in dnsperf's list, are asked one at a
# time and must get NSD's answer too (their queries count in the CPU time: 0.03%). After
# it every name must have been answered NOERROR; lost or other answers go in the notes.
# Figures only.
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
rate=${BENCH_MISS_RATE:-10000}
names=$((rate * BENCH_SECONDS))
dir=$BENCH_WORK/miss
servers=(sitedns-fwd unbound-fwd)
mkdir -p "$dir"
mapfile -t zones < <(awk '{ print $1 }' "$BENCH_DATA/zones.list")
trap 'peer_stop' EXIT
trap 'peer_stop; exit 130' INT TERM

# same_as_nsd NAME: the server (PEER_PORT) gives NSD's answer (the upstream, asked
# without recursion) to NAME A; otherwise both answers are printed on stdout.
same_as_nsd() {
    local want got
    want=$(ask "$(peer_port upstream)" "$1" A +norec)
    got=$(ask "$PEER_PORT" "$1" A +rec)
    [ -n "$want" ] && [ "$want" = "$got" ] && return 0
    echo "$1: \`${got:-no answer}\` against NSD's \`${want:-no answer}\`"
    return 1
}

# spot_check TAG FILE: while the misses go on, 20 new names asked one at a time, each
# checked against NSD's answer; what differs is written to FILE, a line a name.
spot_check() {
    local tag=$1 bad=$2 i
    : >"$bad"
    for i in $(seq 20); do
        same_as_nsd "spot$i.$tag.dyn.${zones[i % ${#zones[@]}]}." >>"$bad"
        sleep 0.3
    done
}

# miss_run SERVER RUN: $names new names at $rate queries/s, each asked once.
miss_run() {
    local s=$1 run=$2 tag got out=$dir/dnsperf.out bad=$dir/spot.txt done_ noerror cpu z lost
    tag=r$run-${s%%-*}
    # m<i>.<tag>.dyn.<zone>: the zones in turn, every name under a wildcard, none asked before.
    awk -v n="$names" -v tag="$tag" -v zs="${zones[*]}" \
        'BEGIN { k = split(zs, z, " "); for (i = 1; i <= n; i++) printf "m%d.%s.dyn.%s. A\n", i, tag, z[i % k + 1] }' \
        >"$dir/names.txt"
    peer_start "$s" || { record miss "$s" failed "$run" 1; return 0; }
    for z in "${zones[@]}"; do
        if ! got=$(same_as_nsd "first.$tag.dyn.$z."); then
            record miss "$s" wrong "$run" 1
            note "miss run $run: $s's answer to a new name before the misses differs from NSD's: $got"
            say "  miss run $run: $s answers $got"
            break
        fi
    done
    peer_misses miss "$dir/names.txt" "$rate" "$out" spot_check "$tag" "$bad"
    if [ -s "$bad" ]; then
        record miss "$s" wrong "$run" "$(wc -l <"$bad")"
        note "miss run $run: $s gave $(wc -l <"$bad") of 20 new names asked during the misses an answer other than NSD's, e.g. $(head -n1 "$bad")"
    fi
    kill -0 "$PEER_PID" 2>/dev/null ||
        note "miss run $run: $s was no longer running after the misses: $(tail -n3 "$PEER_DIR/server.log" | tr '\n' ' ')"
    done_=$(awk '/Queries completed:/ { print $3 }' "$out")
    noerror=$(awk '/Response codes:/ { for (i = 3; i < NF; i++) if ($i == "NOERROR") print $(i + 1) }' "$out")
    lost=$(awk '/Queries lost:/ { print $3 }' "$out")
    cpu=$(cpu_per_answer "$MISS_T0" "$MISS_T1" "${done_:-0}")
    record miss "$s" cpu_us "$run" "$cpu"
    record miss "$s" answers "$run" "${done_:-0}"
    record miss "$s" noerror "$run" "${noerror:-0}"
    record miss "$s" lost_queries "$run" "${lost:-0}"
    record miss "$s" answered_qps "$run" "$(awk '/Queries per second:/ { print $4 }' "$out")"
    [ "${noerror:-0}" = "$names" ] ||
        note "miss run $run: $s answered ${noerror:-0} of the $names names NOERROR, lost ${lost:-?} ($(grep 'Response codes:' "$out" | sed 's/^[[:space:]]*//'))"
    say "  miss run $run: $s ${done_:-0} answers of $names, ${noerror:-0} NOERROR, ${lost:-?} lost, cpu_us per miss=${cpu:-?}"
    peer_stop
}

check_answers miss nsd "" "${servers[@]}"
for run in $(seq "$BENCH_RUNS"); do
    say "miss: run $run of $BENCH_RUNS ($names new names per server at $rate queries/s)"
    for s in "${servers[@]}"; do miss_run "$s" "$run"; done
done
