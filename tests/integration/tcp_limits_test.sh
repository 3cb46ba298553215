#!/usr/bin/env bash
# TCP limits (issue 7, item 4) through the sitedns binary on loopback: with
# max_connections_per_client 2, a third connection from 127.0.0.1 is closed at accept
# while 127.0.0.2 is still answered, and 127.0.0.1 connects again once one of its
# connections ends; sitedns_tcp_connections_refused_total{reason="per_client"} counts the
# refusal. With max_queries_in_flight 2, 50 queries pipelined before any answer is read
# all get their answer, also when the client closes its sending side before reading: the
# server paces its reading, it drops nothing.
#
# Usage: tcp_limits_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: tcp_limits_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: tcp_limits_test.sh SITEDNS SOURCE_DIR}"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

require_tools curl python3

client() { python3 "$HERE/tcp_limits_client.py" "$PORT" "$@"; }

cat >"$WORK/t.json" <<'JSON'
{ "origin": "t.test.", "ttl": 60,
  "soa": { "mname": "ns.t.test.", "rname": "hostmaster.t.test.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.t.test." },
               { "name": "ns", "type": "A", "data": "192.0.2.53" },
               { "name": "www", "type": "A", "data": "192.0.2.1" } ] }
JSON
cat >"$WORK/sitedns.json" <<'JSON'
{ "listen": ["127.0.0.1:0"], "threads": 2, "metrics_listen": "127.0.0.1:0", "upstreams": [],
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["t.json"] } ],
  "tcp": { "max_connections_per_client": 2, "max_queries_in_flight": 2 } }
JSON

"$SITEDNS" check --config "$WORK/sitedns.json" >"$WORK/check.log" 2>&1 &&
    pass "sitedns check accepts the tcp limits" || { cat "$WORK/check.log"; fail "sitedns check"; }

start_sitedns "$WORK/sitedns.json"

# ---------------------------------------------------------------- per client

scrape "$WORK/s0" || die "scrape failed"
check "sitedns_tcp_connections_refused_total is declared" \
    grep -q '^# TYPE sitedns_tcp_connections_refused_total counter$' "$WORK/s0"
out=$(client per_client) || die "the client failed: $out"
scrape "$WORK/s1" || die "scrape failed"
echo "     per_client: $out"
check "two connections from 127.0.0.1 are answered" [ "$(field "$out" 'r["first_two"]')" = True ]
check "a third from 127.0.0.1 is closed at once" [ "$(field "$out" 'r["third_closed"]')" = True ]
check "127.0.0.2 is still answered" [ "$(field "$out" 'r["other_answered"]')" = True ]
check "127.0.0.1 connects again once one of its connections ends" \
    [ "$(field "$out" 'r["again"]')" = True ]
refused=$(($(value "$WORK/s1" 'sitedns_tcp_connections_refused_total{reason="per_client"}') -
           $(value "$WORK/s0" 'sitedns_tcp_connections_refused_total{reason="per_client"}')))
check "refused_total{reason=\"per_client\"} moved ($refused)" [ "$refused" -ge 1 ]
check "refused_total{reason=\"total\"} did not move" \
    [ "$(value "$WORK/s1" 'sitedns_tcp_connections_refused_total{reason="total"}')" = 0 ]

# ---------------------------------------------------------------- in flight

out=$(client pipeline 50) || die "the client failed: $out"
echo "     pipeline: $out"
check "50 pipelined queries all get their answer with max_queries_in_flight 2" \
    [ "$(field "$out" 'r == {"sent": 50, "answered": 50, "all": True}')" = True ]
out=$(client pipeline 50 eof) || die "the client failed: $out"
echo "     pipeline, then EOF: $out"
check "and all 50 too when the client closes its side before reading" \
    [ "$(field "$out" 'r == {"sent": 50, "answered": 50, "all": True}')" = True ]

kill -TERM "$PID"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "sitedns did not stop on SIGTERM"

echo "$FAILURES failure(s)"
[ "$FAILURES" -eq 0 ]
