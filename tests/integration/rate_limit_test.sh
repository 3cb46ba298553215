#!/usr/bin/env bash
# Response rate limiting (issue 7, item 3) through the sitedns binary on loopback: with
# 10 answers per second per /32 and slip 2, a flood of 400 UDP queries from 127.0.0.1 is
# mostly dropped and every second limited answer comes back truncated (TC=1, header and
# question only); meanwhile 127.0.0.2 (exempt) gets every answer, 127.0.0.3 (its own
# /32, under its budget) gets every answer, and a TCP query from 127.0.0.1 is answered
# (TCP is never limited). sitedns_rate_limited_total{action} moves by exactly what the
# flooder saw; a SIGHUP that removes `rate_limit` lets the same flood through.
#
# Usage: rate_limit_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: rate_limit_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: rate_limit_test.sh SITEDNS SOURCE_DIR}"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

require_tools curl python3

RATE=10
FLOOD=400

within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }  # within N LOW HIGH
delta() { echo $(($(value "$WORK/s1" "$1") - $(value "$WORK/s0" "$1"))); }
wait_metric() {  # wait_metric SERIES VALUE: bounded wait until a scrape shows it
    local deadline=$((SECONDS + 10))
    until scrape "$WORK/now" && [ "$(value "$WORK/now" "$1")" = "$2" ]; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}
flood() {  # flood: runs the flood, prints its JSON
    python3 "$HERE/rate_limit_flood.py" "$PORT" "$FLOOD" 127.0.0.1 127.0.0.2 127.0.0.3
}

write_r_zone "$WORK/r.json"
config() {  # config RATE_LIMIT_MEMBER: the configuration, with that member or none
    cat >"$WORK/sitedns.json" <<JSON
{ "listen": ["127.0.0.1:0"], "threads": 1, "metrics_listen": "127.0.0.1:0", "upstreams": [],
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["r.json"] } ]$1 }
JSON
}
config ", \"rate_limit\": { \"responses_per_second\": $RATE, \"slip\": 2, \"ipv4_prefix\": 32,
                           \"exempt\": [\"127.0.0.2/32\", \"10.0.0.0/8\"] }"

"$SITEDNS" check --config "$WORK/sitedns.json" >"$WORK/check.log" 2>&1 &&
    pass "sitedns check accepts rate_limit" || { cat "$WORK/check.log"; fail "sitedns check"; }

start_sitedns "$WORK/sitedns.json"

# ---------------------------------------------------------------- limited

scrape "$WORK/s0" || die "scrape failed"
check "sitedns_rate_limited_total is declared" grep -q '^# TYPE sitedns_rate_limited_total counter$' "$WORK/s0"
out=$(flood) || die "the flood failed: $out"
scrape "$WORK/s1" || die "scrape failed"
echo "     flood: $out"

passed=$(field "$out" 'r["flooder"]["pass"]')
truncated=$(field "$out" 'r["flooder"]["tc"]')
seconds=$(field "$out" 'int(r["seconds"]) + 1')  # seconds the flood may span
limited=$((FLOOD - passed))
check "the flooder's answers are well formed" \
    [ "$(field "$out" 'len(r["flooder"]["bad"])')" = 0 ]
# Each second the flood touches gives a budget of RATE.
most=$((RATE * (seconds + 1)))
check "the flooder got $passed full answers: between $RATE and $most ($RATE a second, $seconds s)" \
    within "$passed" "$RATE" "$most"
check "most of the flood is limited ($limited of $FLOOD)" [ "$limited" -ge $((FLOOD * 3 / 4)) ]
half=$((limited / 2))
check "every 2nd limited answer comes back truncated ($truncated of $limited)" \
    within "$truncated" $((half - 1)) $((half + 1))
dropped=$(delta 'sitedns_rate_limited_total{action="dropped"}')
slipped=$(delta 'sitedns_rate_limited_total{action="truncated"}')
check "rate_limited_total{action=\"truncated\"} +$slipped is what the flooder got ($truncated)" \
    [ "$slipped" = "$truncated" ]
check "rate_limited_total{action=\"dropped\"} +$dropped is the rest ($((limited - truncated)))" \
    [ "$dropped" = $((limited - truncated)) ]
check "truncated answers count as answers (queries_total +$((passed + truncated + FLOOD / 4 + 1 + FLOOD / 50)) udp)" \
    [ "$(delta 'sitedns_queries_total{view="all",protocol="udp",rcode="NOERROR"}')" = \
      $((passed + truncated + FLOOD / 4 + 1 + FLOOD / 50)) ]

check "127.0.0.2 (exempt) got all $((FLOOD / 4 + 1)) answers, none truncated" \
    [ "$(field "$out" "r['exempt'] == {'sent': $((FLOOD / 4 + 1)), 'pass': $((FLOOD / 4 + 1)), 'tc': 0, 'bad': []}")" = True ]
check "127.0.0.3 (another /32) got all $((FLOOD / 50)) answers, none truncated" \
    [ "$(field "$out" "r['other'] == {'sent': $((FLOOD / 50)), 'pass': $((FLOOD / 50)), 'tc': 0, 'bad': []}")" = True ]
check "TCP from the limited 127.0.0.1 is answered in full" \
    [ "$(field "$out" 'r["tcp"]["rcode"] == 0 and not r["tcp"]["tc"]')" = True ]

# ---------------------------------------------------------------- off after a reload

config ""
kill -HUP "$PID"
wait_metric 'sitedns_reloads_total{outcome="success"}' 1 || die "the reload did not happen"
pass "SIGHUP without rate_limit"
cp "$WORK/now" "$WORK/s0"
out=$(flood) || die "the flood failed: $out"
scrape "$WORK/s1" || die "scrape failed"
check "with rate_limit removed, the whole flood is answered" \
    [ "$(field "$out" "r['flooder'] == {'sent': $FLOOD, 'pass': $FLOOD, 'tc': 0, 'bad': []}")" = True ]
check "and rate_limited_total does not move" \
    [ "$(delta 'sitedns_rate_limited_total{action="dropped"}')$(delta 'sitedns_rate_limited_total{action="truncated"}')" = 00 ]

check "sitedns stopped" stop_sitedns
finish "rate limiting"
