#!/usr/bin/env bash
# The metrics endpoint's limits (issue 25, item 3) through the sitedns binary on loopback.
# `check` warns about metrics_listen on 0.0.0.0 without metrics.access, and not with one.
# Section "limit" (max_connections 8, access 127.0.0.1/32, sitedns's soft descriptor
# limit lowered to 128): of 200 idle connections from 127.0.0.1, 192 are closed at once and
# 8 held; DNS over TCP still works (without the limit, 200 held connections exhaust the
# 128 descriptors), a scrape past the limit gets no answer, and once the idle ones go a
# scrape from 127.0.0.1 is answered while one from 127.0.0.2 (outside access) is not.
# Section "outside": 200 connections from 127.0.0.2, outside access, are all closed at
# once, and a scrape from 127.0.0.1 and DNS over TCP are answered right after them.
# Section "idle" (idle_timeout_ms 1000): the 8 held connections of a flood are closed by
# the server, and a scrape is then answered.
#
# Usage: metrics_limits_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: metrics_limits_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: metrics_limits_test.sh SITEDNS SOURCE_DIR}"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

require_tools curl dig python3

write_r_zone "$WORK/r.json"
config() {  # config NAME METRICS_LISTEN METRICS_OBJECT
    cat >"$WORK/$1.json" <<JSON
{ "listen": ["127.0.0.1:0"], "threads": 1, "metrics_listen": "$2", "upstreams": [],
  "dnssec": { "validate": false },
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["r.json"] } ],
  "metrics": $3 }
JSON
}
# http_code SOURCE: the status of a scrape from SOURCE, 000 when none came back.
http_code() {
    curl -s --max-time 5 --interface "$1" -o /dev/null -w '%{http_code}' \
        "http://127.0.0.1:$METRICS_PORT/metrics"
}
# wait_scrape SOURCE: bounded wait (10 s) until a scrape from SOURCE is answered 200.
wait_scrape() {
    local deadline=$((SECONDS + 10))
    until [ "$(http_code "$1")" = 200 ]; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}
# flood NAME COUNT EXPECT_OPEN [SOURCE]: metrics_flood.py in the background, from SOURCE
# (127.0.0.1); waits (bounded) for its first status, $WORK/NAME.status.
flood() {
    rm -f "$WORK/$1".status* "$WORK/$1.release"
    python3 "$HERE/metrics_flood.py" "$METRICS_PORT" "$2" "${4:-127.0.0.1}" "$3" \
        "$WORK/$1.status" "$WORK/$1.release" >"$WORK/$1.stderr" 2>&1 &
    FLOOD_PID=$!
    PIDS+=("$FLOOD_PID")
    wait_for_file "$WORK/$1.status" "$FLOOD_PID" "the flood client" || cat "$WORK/$1.stderr"
}
# status FILE EXPRESSION: EXPRESSION over r, the flood's JSON in FILE; nothing without one.
status() { field "$(cat "$1" 2>/dev/null)" "$2" 2>/dev/null; }

# ---------------------------------------------------------------- check

config open 0.0.0.0:9153 '{}'
out=$("$SITEDNS" check --config "$WORK/open.json" 2>&1)
rc=$?
check "check accepts metrics_listen 0.0.0.0 without access (exit $rc)" test "$rc" -eq 0
check "and warns that only loopback may scrape" grep -qx \
    "warning: metrics_listen 0.0.0.0:9153 is not a loopback address but metrics.access is not set: only loopback clients (127.0.0.0/8, ::1/128) may scrape, others are closed unanswered; list the Prometheus servers' prefixes in metrics.access (the endpoint shows view names and upstream addresses)" \
    <<<"$out"
config open 0.0.0.0:9153 '{ "access": ["10.0.0.0/8"] }'
out=$("$SITEDNS" check --config "$WORK/open.json" 2>&1)
check "no warning with an access list" bash -c '! grep -q "metrics" <<<"$1"' _ "$out"

# ---------------------------------------------------------------- the connection limit

config limit 127.0.0.1:0 \
    '{ "access": ["127.0.0.1/32"], "max_connections": 8, "idle_timeout_ms": 3600000 }'
# 128 descriptors: without a limit, 200 held connections would take them all.
ulimit -Sn 128
start_sitedns "$WORK/limit.json"
ulimit -Sn "$(ulimit -Hn)"
echo "     sitedns holds $(find "/proc/$PID/fd" -mindepth 1 | wc -l) descriptors at start"

flood limit 200 8
out=$(cat "$WORK/limit.status" 2>&1)
echo "     flood: $out"
check "of 200 idle connections 192 are closed at once, 8 held" \
    [ "$(status "$WORK/limit.status" 'r["closed_at_once"] == 192 and r["open"] == 8')" = True ]
out=$(dig @127.0.0.1 -p "$PORT" +tcp +time=3 +tries=1 www.r.test A 2>&1)
check "DNS over TCP still answers" has_rr "$out" www.r.test A 192.0.2.1
code=$(http_code 127.0.0.1)
check "a scrape past the limit gets no answer ($code)" test "$code" = 000
touch "$WORK/limit.release"
wait "$FLOOD_PID"
check "a scrape from 127.0.0.1 is answered once the idle connections go" wait_scrape 127.0.0.1
code=$(http_code 127.0.0.2)
check "a scrape from 127.0.0.2, outside access, gets no answer ($code)" test "$code" = 000
out=$(grep 'metrics: ' "$WORK/sitedns.log")
check "the limit is logged once" test "$(grep -c 'closed: metrics.max_connections (8) open' <<<"$out")" -eq 1
check "the refusal by access is logged once" \
    test "$(grep -c 'connection from 127.0.0.2 closed: not in metrics.access' <<<"$out")" -eq 1
check "no accept failed" bash -c '! grep -q "accept:" "$1"' _ "$WORK/sitedns.log"
check "sitedns stopped" stop_sitedns

# ---------------------------------------------------------------- a flood from outside access

# The attack of issue 25 comes from an address that may not scrape: each of its
# connections is closed at once, so no slot is held and the scrapers are served meanwhile.
config outside 127.0.0.1:0 \
    '{ "access": ["127.0.0.1/32"], "max_connections": 8, "idle_timeout_ms": 3600000 }'
ulimit -Sn 128
start_sitedns "$WORK/outside.json"
ulimit -Sn "$(ulimit -Hn)"
flood outside 200 0 127.0.0.2
check "of 200 connections from 127.0.0.2 (outside access) all are closed at once" \
    [ "$(status "$WORK/outside.status" 'r["closed_at_once"] == 200 and r["open"] == 0')" = True ]
code=$(http_code 127.0.0.1)
check "a scrape from 127.0.0.1 is answered right after it ($code)" test "$code" = 200
out=$(dig @127.0.0.1 -p "$PORT" +tcp +time=3 +tries=1 www.r.test A 2>&1)
check "DNS over TCP answers right after it" has_rr "$out" www.r.test A 192.0.2.1
wait "$FLOOD_PID"
check "sitedns stopped" stop_sitedns

# ---------------------------------------------------------------- the idle timeout

config idle 127.0.0.1:0 '{ "max_connections": 8, "idle_timeout_ms": 1000 }'
start_sitedns "$WORK/idle.json"
flood idle 20 8
check "of 20 idle connections at least 12 are closed at once" \
    [ "$(status "$WORK/idle.status" 'r["closed_at_once"] >= 12')" = True ]
wait "$FLOOD_PID"
out=$(cat "$WORK/idle.status.final" 2>&1)
echo "     flood: $out"
check "the 8 held are closed by the server after idle_timeout_ms" \
    [ "$(status "$WORK/idle.status.final" 'r == {"closed_by_server": 20, "released": False}')" = True ]
check "a scrape is then answered" wait_scrape 127.0.0.1
check "sitedns stopped" stop_sitedns

finish metrics_limits
