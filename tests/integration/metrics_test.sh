#!/usr/bin/env bash
# The metrics endpoint and the query log (issue 5, items 4 and 5) through the sitedns
# binary on loopback: scrape `GET /metrics` with curl, send UDP and TCP queries with dig
# (NOERROR, NXDOMAIN, REFUSED, forwarded to fake upstreams, SERVFAIL), scrape again and
# check that each counter moved by exactly the right amount under the right labels;
# SIGHUP with a good and with a broken zone moves reloads_total{outcome}; other paths
# are 404; the query log has one line per query while `log.queries` is on and none
# once a reload turns it off. The log is written by a thread of its own, so what it
# lacks is read only after sitedns has exited: its QueryLog writes every queued line
# out before the process ends.
#
# Usage: metrics_test.sh PATH/TO/sitedns SOURCE_DIR
# The metrics port comes from SITEDNS_METRICS_PORT_FILE (metrics_listen on port 0).
# Views, by the client's loopback source address (dig -b):
#   127.0.0.1/32  local   zone m.test, recursion, upstreams [A (answers)]
#   127.0.0.2/32  other   zone m.test
#   127.0.0.4/32  fail    recursion, upstreams [B (SERVFAIL)]
#   anything else: no view (REFUSED)
set -u

SITEDNS=${1:?usage: metrics_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: metrics_test.sh SITEDNS SOURCE_DIR}"
HERE=$(cd "$(dirname "$0")" && pwd)

# The scratch folder, cleanup, pass/fail/die, wait_for_file, start_fake, scrape, value.
KEEP_WORK=${METRICS_KEEP:-0}
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

for tool in curl dig python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skip: '$tool' is not installed"; exit 77; }
done

# moved SERIES EXPECTED: the series went up by EXPECTED between $WORK/s0 and $WORK/s1.
moved() {
    local before after
    before=$(value "$WORK/s0" "$1")
    after=$(value "$WORK/s1" "$1")
    check "$1 +$2 ($before -> $after)" test "$((after - before))" -eq "$2"
}
# wait_metric SERIES VALUE: bounded wait until a scrape ($WORK/now) shows SERIES at VALUE;
# sets `out` to the value last seen.
wait_metric() {
    local deadline=$((SECONDS + 10))
    while :; do
        scrape "$WORK/now"
        out="$1 is $(value "$WORK/now" "$1")"
        [ "$(value "$WORK/now" "$1")" = "$2" ] && return 0
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}
# wait_log REGEX: bounded wait for a line of the server's log (the query log is async).
wait_log() {
    local deadline=$((SECONDS + 10))
    until grep -qE "$1" "$WORK/sitedns.log"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------- fixtures

zone() {  # zone FILE [EXTRA_RECORDS]: the zone m.test.
    cat >"$1" <<JSON
{ "origin": "m.test.", "ttl": 60,
  "soa": { "mname": "ns.m.test.", "rname": "hostmaster.m.test.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.m.test." },
               { "name": "ns", "type": "A", "data": "192.0.2.53" },
               { "name": "www", "type": "A", "data": "192.0.2.1" }${2:-} ] }
JSON
}
zone "$WORK/m.json"

start_fake a || die "fake upstream a did not start"
PORT_A=$FAKE_PORT
start_fake b --default servfail || die "fake upstream b did not start"
PORT_B=$FAKE_PORT

config() {  # config LOG_QUERIES
    cat >"$WORK/sitedns.json" <<JSON
{ "listen": ["127.0.0.1:0"], "threads": 1, "metrics_listen": "127.0.0.1:0",
  "dnssec": { "validate": false },
  "log": { "level": "info", "queries": $1 },
  "views": [
    { "name": "local", "match_clients": ["127.0.0.1/32"], "zones": ["m.json"],
      "recursion": true, "upstreams": ["127.0.0.1:$PORT_A"] },
    { "name": "other", "match_clients": ["127.0.0.2/32"], "zones": ["m.json"] },
    { "name": "fail", "match_clients": ["127.0.0.4/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_B"] } ] }
JSON
}
config true

start_sitedns "$WORK/sitedns.json"

# ---------------------------------------------------------------- the endpoint

out=$(curl -s --max-time 5 -D - -o "$WORK/s0" "http://127.0.0.1:$METRICS_PORT/metrics")
check "GET /metrics is 200" grep -q '^HTTP/1.1 200' <<<"$out"
check "Content-Type is the Prometheus text format 0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' <<<"$out"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/nope")
check "GET /nope is 404 ($code)" test "$code" = 404
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST \
    "http://127.0.0.1:$METRICS_PORT/metrics")
check "POST /metrics is 405 ($code)" test "$code" = 405
check "the latency histogram is declared" \
    grep -q '^# TYPE sitedns_answer_duration_seconds histogram$' "$WORK/s0"
gauges="$(value "$WORK/s0" sitedns_views)/$(value "$WORK/s0" sitedns_zones)"
gauges+="/$(value "$WORK/s0" sitedns_records)"
check "views/zones/records 3/1/4 ($gauges)" test "$gauges" = 3/1/4

# ---------------------------------------------------------------- queries move counters

scrape "$WORK/s0" || die "scrape failed"
expect() {  # expect DESCRIPTION STATUS DIG_OUTPUT
    local out=$3
    check "$1: $2" rcode_is "$3" "$2"
}
for _ in 1 2 3; do expect "www udp" NOERROR "$(ask_from 127.0.0.1 www.m.test A)"; done
for _ in 1 2; do expect "nope tcp" NXDOMAIN "$(ask_from 127.0.0.1 +tcp nope.m.test A)"; done
expect "no view" REFUSED "$(ask_from 127.0.0.3 www.m.test A)"
expect "other view" NOERROR "$(ask_from 127.0.0.2 www.m.test A)"
expect "forwarded, miss" NOERROR "$(ask_from 127.0.0.1 fwd.example.org A)"
expect "forwarded, hit" NOERROR "$(ask_from 127.0.0.1 fwd.example.org A)"
expect "forwarded, upstream SERVFAIL" SERVFAIL "$(ask_from 127.0.0.4 bad.example.org A)"
scrape "$WORK/s1" || die "scrape failed"

moved 'sitedns_queries_total{view="local",protocol="udp",rcode="NOERROR"}' 5
moved 'sitedns_queries_total{view="local",protocol="tcp",rcode="NXDOMAIN"}' 2
moved 'sitedns_queries_total{view="",protocol="udp",rcode="REFUSED"}' 1
moved 'sitedns_queries_total{view="other",protocol="udp",rcode="NOERROR"}' 1
moved 'sitedns_queries_total{view="fail",protocol="udp",rcode="SERVFAIL"}' 1
moved 'sitedns_queries_total{view="other",protocol="tcp",rcode="NOERROR"}' 0
moved 'sitedns_answer_duration_seconds_count' 10
moved 'sitedns_answer_duration_seconds_bucket{le="+Inf"}' 10
moved 'sitedns_forwarded_queries_total' 3
moved 'sitedns_cache_hits_total' 1
moved 'sitedns_cache_misses_total' 2
moved "sitedns_upstream_queries_total{upstream=\"127.0.0.1:$PORT_A\"}" 1
moved "sitedns_upstream_errors_total{upstream=\"127.0.0.1:$PORT_A\"}" 0
moved "sitedns_upstream_queries_total{upstream=\"127.0.0.1:$PORT_B\"}" 1
moved "sitedns_upstream_errors_total{upstream=\"127.0.0.1:$PORT_B\"}" 1
moved 'sitedns_reloads_total{outcome="success"}' 0

# ---------------------------------------------------------------- the query log

line() {  # line DESCRIPTION REGEX
    local out="no line matches $2"
    check "query log: $1" wait_log "$2"
}
line "udp NOERROR" \
    ' query client=127\.0\.0\.1#[0-9]+ view=local name=www\.m\.test\. type=A rcode=NOERROR proto=udp us=[0-9]+$'
line "tcp NXDOMAIN" \
    ' query client=127\.0\.0\.1#[0-9]+ view=local name=nope\.m\.test\. type=A rcode=NXDOMAIN proto=tcp us=[0-9]+$'
line "no view" \
    ' query client=127\.0\.0\.3#[0-9]+ view=- name=www\.m\.test\. type=A rcode=REFUSED proto=udp us=[0-9]+$'
line "forwarded" \
    ' query client=127\.0\.0\.1#[0-9]+ view=local name=fwd\.example\.org\. type=A rcode=NOERROR proto=udp us=[0-9]+$'
line "upstream SERVFAIL" \
    ' query client=127\.0\.0\.4#[0-9]+ view=fail name=bad\.example\.org\. type=A rcode=SERVFAIL proto=udp us=[0-9]+$'
# The last line waited for was queued after the three for www: they are written.
count=$(grep -cE ' query client=127\.0\.0\.1#[0-9]+ view=local name=www\.m\.test\. ' "$WORK/sitedns.log")
check "query log: one line per query ($count lines for 3 queries)" test "$count" = 3

# ---------------------------------------------------------------- reloads

cp "$WORK/s1" "$WORK/s0"
before=$(value "$WORK/s1" sitedns_last_reload_success_timestamp_seconds)
zone "$WORK/m.json" ', { "name": "after", "type": "A", "data": "192.0.2.2" }'
config false  # and the query log off
kill -HUP "$PID"
check "a good SIGHUP: reloads_total{outcome=\"success\"} 1" \
    wait_metric 'sitedns_reloads_total{outcome="success"}' 1
after=$(value "$WORK/now" sitedns_last_reload_success_timestamp_seconds)
check "last_reload_success_timestamp_seconds moved ($before -> $after)" \
    python3 -c "import sys; sys.exit(0 if float('$after') >= float('$before') > 0 else 1)"
check "records 5 after the reload ($(value "$WORK/now" sitedns_records))" \
    test "$(value "$WORK/now" sitedns_records)" = 5

expect "after the reload" NOERROR "$(ask_from 127.0.0.1 after.m.test A)"
scrape "$WORK/s1"
moved 'sitedns_queries_total{view="local",protocol="udp",rcode="NOERROR"}' 1
stamp=$(value "$WORK/s1" sitedns_last_reload_success_timestamp_seconds)

zone "$WORK/m.json" ', { "name": "broken", "type": "A", "data": "not-an-address" }'
kill -HUP "$PID"
check "a broken SIGHUP: reloads_total{outcome=\"failure\"} 1" \
    wait_metric 'sitedns_reloads_total{outcome="failure"}' 1
cp "$WORK/now" "$WORK/s1"
moved 'sitedns_reloads_total{outcome="success"}' 1
kept="$(value "$WORK/s1" sitedns_last_reload_success_timestamp_seconds)"
kept+="/$(value "$WORK/s1" sitedns_records)"
check "a failed reload keeps the last good time and the records ($kept)" test "$kept" = "$stamp/5"

# ---------------------------------------------------------------- the packet cache

# One worker, one receive thread: of identical plain queries (+nocookie: EDNS without
# options) the first is looked up and the others are copies; the first name that does not
# exist leaves a template that answers the next ones.
scrape "$WORK/s0" || die "scrape failed"
for _ in 1 2 3 4; do expect "www, plain" NOERROR "$(ask_from 127.0.0.1 +nocookie www.m.test A)"; done
for n in 1 2 3; do
    expect "typo$n, plain" NXDOMAIN "$(ask_from 127.0.0.1 +nocookie "typo$n.m.test" A)"
done
scrape "$WORK/s1" || die "scrape failed"
moved sitedns_packet_cache_hits_total 5
moved sitedns_packet_cache_templated_total 2
moved sitedns_packet_cache_misses_total 2

# ---------------------------------------------------------------- the query log, written out

# sitedns exits through its destructors (exit 0) only after the QueryLog has written every
# line it queued: from then on the log is complete, and what it lacks was never logged.
check "sitedns stopped" stop_sitedns
wait "$PID"
rc=$?
check "and exited cleanly, its query log written out (exit $rc)" test "$rc" -eq 0
out=$(grep ' query client=' "$WORK/sitedns.log")
check "query log off after the good reload: no line for after.m.test" \
    bash -c '! grep -q "name=after\.m\.test\." "$1"' _ "$WORK/sitedns.log"
check "query log: the 10 queries before the reload, none after ($(grep -c . <<<"$out") lines)" \
    test "$(grep -c . <<<"$out")" -eq 10

finish metrics
