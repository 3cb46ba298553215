#!/usr/bin/env bash
# The metrics endpoint and the query log (issue 5, items 4 and 5) through the sitedns
# binary on loopback: scrape `GET /metrics` with curl, send UDP and TCP queries with dig
# (NOERROR, NXDOMAIN, REFUSED, forwarded to fake upstreams, SERVFAIL), scrape again and
# check that each counter moved by exactly the right amount under the right labels;
# SIGHUP with a good and with a broken zone moves reloads_total{outcome}; other paths
# are 404; the query log has one line per query while `log.queries` is on and none
# once a reload turns it off.
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
    if [ "$((after - before))" -eq "$2" ]; then
        pass "$1 +$2"
    else
        fail "$1 moved by $((after - before)) ($before -> $after), expected +$2"
    fi
}
# wait_metric SERIES VALUE: bounded wait until a scrape shows SERIES at VALUE.
wait_metric() {
    local deadline=$((SECONDS + 10))
    while :; do
        scrape "$WORK/now" && [ "$(value "$WORK/now" "$1")" = "$2" ] && return 0
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}
# wait_log REGEX: bounded wait for a line of the server's log (the query log is async).
wait_log() {
    local deadline=$((SECONDS + 5))
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

headers=$(curl -s --max-time 5 -D - -o "$WORK/s0" "http://127.0.0.1:$METRICS_PORT/metrics")
grep -q '^HTTP/1.1 200' <<<"$headers" && pass "GET /metrics is 200" || fail "GET /metrics: $headers"
grep -qi '^Content-Type: text/plain; version=0.0.4' <<<"$headers" &&
    pass "Content-Type is the Prometheus text format 0.0.4" || fail "Content-Type: $headers"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/nope")
[ "$code" = 404 ] && pass "GET /nope is 404" || fail "GET /nope is $code"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST \
    "http://127.0.0.1:$METRICS_PORT/metrics")
[ "$code" = 405 ] && pass "POST /metrics is 405" || fail "POST /metrics is $code"
grep -q '^# TYPE sitedns_answer_duration_seconds histogram$' "$WORK/s0" &&
    pass "the latency histogram is declared" || fail "no latency histogram"
[ "$(value "$WORK/s0" sitedns_views)" = 3 ] && [ "$(value "$WORK/s0" sitedns_zones)" = 1 ] &&
    [ "$(value "$WORK/s0" sitedns_records)" = 4 ] &&
    pass "views 3, zones 1, records 4" || fail "gauges: $(grep -E '^sitedns_(views|zones|records) ' "$WORK/s0")"

# ---------------------------------------------------------------- queries move counters

scrape "$WORK/s0" || die "scrape failed"
expect() {  # expect DESCRIPTION STATUS DIG_OUTPUT
    [ "$(rcode_of "$3")" = "$2" ] || fail "$1: expected $2, got: $3"
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
    if wait_log "$2"; then pass "query log: $1"; else fail "query log: no line for $1 ($2)"; fi
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
count=$(grep -cE ' query client=127\.0\.0\.1#[0-9]+ view=local name=www\.m\.test\. ' "$WORK/sitedns.log")
[ "$count" = 3 ] && pass "query log: one line per query" || fail "query log: $count lines for 3 queries"

# ---------------------------------------------------------------- reloads

cp "$WORK/s1" "$WORK/s0"
before=$(value "$WORK/s1" sitedns_last_reload_success_timestamp_seconds)
zone "$WORK/m.json" ', { "name": "after", "type": "A", "data": "192.0.2.2" }'
config false  # and the query log off
kill -HUP "$PID"
if wait_metric 'sitedns_reloads_total{outcome="success"}' 1; then
    pass "a good SIGHUP: reloads_total{outcome=\"success\"} 1"
else
    fail "a good SIGHUP: reloads_total{outcome=\"success\"} is $(value "$WORK/now" 'sitedns_reloads_total{outcome="success"}')"
fi
after=$(value "$WORK/now" sitedns_last_reload_success_timestamp_seconds)
python3 -c "import sys; sys.exit(0 if float('$after') >= float('$before') > 0 else 1)" &&
    pass "last_reload_success_timestamp_seconds moved ($before -> $after)" ||
    fail "last_reload_success_timestamp_seconds: $before -> $after"
[ "$(value "$WORK/now" sitedns_records)" = 5 ] && pass "records 5 after the reload" ||
    fail "records after the reload: $(value "$WORK/now" sitedns_records)"

expect "after the reload" NOERROR "$(ask_from 127.0.0.1 after.m.test A)"
scrape "$WORK/s1"
moved 'sitedns_queries_total{view="local",protocol="udp",rcode="NOERROR"}' 1
stamp=$(value "$WORK/s1" sitedns_last_reload_success_timestamp_seconds)

zone "$WORK/m.json" ', { "name": "broken", "type": "A", "data": "not-an-address" }'
kill -HUP "$PID"
if wait_metric 'sitedns_reloads_total{outcome="failure"}' 1; then
    pass "a broken SIGHUP: reloads_total{outcome=\"failure\"} 1"
else
    fail "a broken SIGHUP: reloads_total{outcome=\"failure\"} is $(value "$WORK/now" 'sitedns_reloads_total{outcome="failure"}')"
fi
cp "$WORK/now" "$WORK/s1"
moved 'sitedns_reloads_total{outcome="success"}' 1
[ "$(value "$WORK/s1" sitedns_last_reload_success_timestamp_seconds)" = "$stamp" ] &&
    [ "$(value "$WORK/s1" sitedns_records)" = 5 ] &&
    pass "a failed reload keeps the last good time and the records" ||
    fail "after a failed reload: $(grep -E '^sitedns_(last_reload|records)' "$WORK/s1")"

# The log was turned off by the good reload: no line for after.m.test.
expect "www after" NOERROR "$(ask_from 127.0.0.1 www.m.test A)"
! grep -q 'name=after\.m\.test\.' "$WORK/sitedns.log" &&
    pass "query log off after the reload: no line" || fail "query log still on after the reload"

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

stop_sitedns && pass "sitedns stopped" || fail "sitedns did not stop"

finish metrics
