#!/usr/bin/env bash
# 10,000 sites on one server (SPEC §3.3; issue 23): bench/gen_sites.py's topology with
# 100,000 recipients passes `sitedns check`; sitedns serves it, answering site 1's
# clients with the other sites' routes and its own; and dnsperf's queries at 2,000 a
# second for 15 s through 5 SIGHUPs lose none. The times are printed, never judged (a
# shared CI machine is no benchmark: `make bench` measures them).
#
# Usage: sites_scale_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: sites_scale_test.sh SITEDNS SOURCE_DIR}
SOURCE_DIR=${2:?usage: sites_scale_test.sh SITEDNS SOURCE_DIR}

. "$(dirname "$0")/lib.sh"

require_tools dig python3 curl dnsperf

python3 "$SOURCE_DIR/bench/gen_sites.py" 10000 "$WORK" --port 0 --recipients 100000
python3 - "$WORK/sites.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["metrics_listen"] = "127.0.0.1:0"
json.dump(config, open(sys.argv[1], "w"))
PY

start=$(date +%s%N)
out=$("$SITEDNS" check --config "$WORK/sites.json" 2>&1)
rc=$?
echo "     | check: $(( ($(date +%s%N) - start) / 1000000 )) ms"
check "sitedns check accepts 10,000 sites with 100,000 recipients" test $rc -eq 0
check "check counts the views and zones" grep -q '^ok: 10000 views, 10001 zones' <<<"$out"

start=$(date +%s%N)
start_sitedns "$WORK/sites.json"
echo "     | start: $(( ($(date +%s%N) - start) / 1000000 )) ms"

ask() { dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +short "$@" 2>&1; }
out=$(ask site9999.corp.internal MX)
check "site 1 gets site 9999's MX ($out)" test "$out" = "10 mail.site9999.corp.internal."
out=$(ask mail.site9999.corp.internal A)
check "and its mail host's address ($out)" test "$out" = "198.18.39.15"
out=$(ask mail.site1.corp.internal A)
check "and its own mail host ($out)" test "$out" = "198.18.0.1"
out=$(dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 nosuchsite.corp.internal A 2>&1)
check "a name under the suffix that no site has is NXDOMAIN" grep -q 'status: NXDOMAIN' <<<"$out"

SUCCESS='sitedns_reloads_total{outcome="success"}'
FAILURE='sitedns_reloads_total{outcome="failure"}'
ended() {
    scrape "$WORK/now" &&
        echo $(($(value "$WORK/now" "$SUCCESS") + $(value "$WORK/now" "$FAILURE")))
}
# reload: one SIGHUP, then a bounded wait (60 s) until sitedns counts one more reload ended.
reload() {
    local before n deadline=$((SECONDS + 60))
    before=$(ended) || return 1
    kill -HUP "$PID"
    while :; do
        n=$(ended)
        [ -n "$n" ] && [ "$n" -gt "$before" ] && return 0
        if [ $SECONDS -ge $deadline ] || ! kill -0 "$PID" 2>/dev/null; then return 1; fi
        sleep 0.05
    done
}

dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries.txt" -n 1 -Q 2000 -l 15 -t 2 \
    >"$WORK/dnsperf.txt" 2>&1 &
PERF=$!
PIDS+=("$PERF")
hups=0
for _ in 1 2 3 4 5; do
    sleep 1
    reload || break
    hups=$((hups + 1))
done
wait "$PERF"
out=$(grep -E 'Queries (sent|completed|lost)|Queries per second' "$WORK/dnsperf.txt")
sed 's/^/     | dnsperf: /' <<<"$out"
scrape "$WORK/now"
check "5 reloads during the run, all successful ($hups)" test "$hups" -eq 5
check "sitedns counts 5 successful reloads" test "$(value "$WORK/now" "$SUCCESS")" -eq 5
check "dnsperf: every query sent" grep -qE 'Queries sent: +[1-9][0-9]{4,}$' <<<"$out"
check "dnsperf: Queries lost: 0" grep -qE 'Queries lost: +0 ' <<<"$out"
grep -E 'reloaded in' "$WORK/sitedns.log" | sed 's/^/     | /'

check "SIGTERM stops sitedns" stop_sitedns
finish sites_scale
