#!/usr/bin/env bash
# DNS Cookies (issue 7, item 5; RFC 7873 with the server cookie of RFC 9018) through the
# sitedns binary on loopback: dig +cookie gets a server cookie; sending it back, dig
# calls it good and sitedns counts it valid; a malformed COOKIE option gets FORMERR; a
# query for a server cookie (QDCOUNT 0) is answered; with `rate_limit` low, a UDP flood
# carrying a valid server cookie is answered in full while the same flood without one
# is limited; and a configured `cookies.secret` makes the cookie another server with the
# same secret accepts, while `"enabled": false` turns cookies off.
#
# Usage: cookies_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: cookies_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: cookies_test.sh SITEDNS SOURCE_DIR}"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

require_tools curl dig kdig python3

RATE=10
FLOOD=300
SECRET=e5e973e5a6b2a43f48e7dc849e37bfcf

delta() { echo $(($(value "$WORK/s1" "$1") - $(value "$WORK/s0" "$1"))); }
ask() {  # ask DIG_OPTIONS...: dig at sitedns from 127.0.0.1
    dig @127.0.0.1 -p "$PORT" -b 127.0.0.1 +tries=1 +time=3 +norec "$@" 2>&1
}
cookie_of() { sed -n 's/^; COOKIE: \([0-9a-fA-F]*\).*/\1/p' <<<"$1"; }
# answered_with_cookie DIG_OUTPUT RCODE: one answer with RCODE, carrying a client cookie
# and a server cookie (RFC 7873 §4: 8 + 16 bytes, RFC 9018).
answered_with_cookie() {
    grep -q "status: $2," <<<"$1" && [[ "$(cookie_of "$1")" =~ ^[0-9a-fA-F]{48}$ ]]
}
# new_cookie DIG_OUTPUT OLD: a full server cookie, not OLD.
new_cookie() { answered_with_cookie "$1" NOERROR && [ "$(cookie_of "$1")" != "$2" ]; }
flood() {  # flood COOKIE_HEX|- MARKERS: the flood from 127.0.0.1, its JSON
    python3 "$HERE/cookie_flood.py" "$PORT" "$FLOOD" 127.0.0.1 "$1" "$2"
}
restart() {  # restart CONFIG: stops sitedns and starts it again
    stop_sitedns || die "sitedns did not stop"
    rm -f "$WORK/sitedns.port" "$WORK/metrics.port"
    start_sitedns "$1"
}
reload() {  # reload: SIGHUP, and a bounded wait for one more successful reload
    local before
    scrape "$WORK/now" || die "scrape failed"
    before=$(value "$WORK/now" 'sitedns_reloads_total{outcome="success"}')
    kill -HUP "$PID"
    local deadline=$((SECONDS + 10))
    until scrape "$WORK/now" &&
        [ "$(value "$WORK/now" 'sitedns_reloads_total{outcome="success"}')" = $((before + 1)) ]; do
        [ $SECONDS -lt $deadline ] || die "the reload did not happen"
        sleep 0.05
    done
}

write_r_zone "$WORK/r.json"
config() {  # config EXTRA_MEMBERS
    cat >"$WORK/sitedns.json" <<JSON
{ "listen": ["127.0.0.1:0"], "threads": 1, "metrics_listen": "127.0.0.1:0", "upstreams": [],
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["r.json"] } ]$1 }
JSON
}
config ", \"rate_limit\": { \"responses_per_second\": $RATE, \"slip\": 2, \"ipv4_prefix\": 32 }"

start_sitedns "$WORK/sitedns.json"
scrape "$WORK/s0" || die "scrape failed"
check "sitedns_cookies_total is declared" grep -q '^# TYPE sitedns_cookies_total counter$' "$WORK/s0"

# ---------------------------------------------------------------- the round trip

out=$(ask +cookie www.r.test A)
first=$(cookie_of "$out")
check "a query with a client cookie gets a server cookie back in a normal answer (dig: $first)" \
    answered_with_cookie "$out" NOERROR
out=$(ask +cookie="$first" www.r.test A)
check "sending it back, dig reports the cookie good" grep -q '^; COOKIE: .* (good)$' <<<"$out"
check "and the same cookie comes back (valid, not yet half an hour old)" \
    [ "$(cookie_of "$out")" = "$first" ]
out=$(ask +cookie="${first:0:16}00000000000000000000000000000000" www.r.test A)
check "a server cookie not ours: a normal answer with a fresh one" \
    new_cookie "$out" "${first:0:16}00000000000000000000000000000000"
out=$(ask +cookie=00 www.r.test A)
check "a COOKIE option of one byte is FORMERR" grep -q 'status: FORMERR' <<<"$out"
out=$(ask +cookie="${first:0:16}aabbccdd" www.r.test A)
check "a COOKIE option of 12 bytes is FORMERR" grep -q 'status: FORMERR' <<<"$out"
out=$(kdig @127.0.0.1 -p "$PORT" -b 127.0.0.1 +cookie +norec +retry=0 +timeout=3 www.r.test A 2>&1)
check "kdig too gets a server cookie" grep -Eq '^;; COOKIE: [0-9A-F]{48}$' <<<"$out"
out=$(ask +cookie +header-only)
check "a query for a server cookie (QDCOUNT 0) is answered NOERROR with one" \
    answered_with_cookie "$out" NOERROR
out=$(ask +nobadcookie +cookie="${first:0:16}0100000000000000aaaaaaaaaaaaaaaa" +header-only)
check "with a server cookie not ours it is BADCOOKIE (RFC 7873 §5.4)" \
    grep -q 'status: BADCOOKIE' <<<"$out"
out=$(ask +tcp +cookie="$first" www.r.test A)
check "over TCP too" grep -q '^; COOKIE: .* (good)$' <<<"$out"

scrape "$WORK/s1" || die "scrape failed"
check "cookies_total{result=\"valid\"} counts the good cookies sent back (2)" \
    [ "$(delta 'sitedns_cookies_total{result="valid"}')" = 2 ]
check "cookies_total{result=\"malformed\"} counts the bad lengths (2)" \
    [ "$(delta 'sitedns_cookies_total{result="malformed"}')" = 2 ]

# ---------------------------------------------------------------- rate limiting

cp "$WORK/s1" "$WORK/s0"
out=$(flood "$first" 127.0.3.)
echo "     flood with the cookie: $out"
check "with a valid server cookie, all $FLOOD answers of the flood come back in full" \
    [ "$(field "$out" "r['pass'] == $FLOOD and r['tc'] == 0 and r['bad'] == []")" = True ]
check "each with the COOKIE option" [ "$(field "$out" "r['cookie']")" = $FLOOD ]
scrape "$WORK/s1" || die "scrape failed"
check "and none is counted as rate limited" \
    [ "$(delta 'sitedns_rate_limited_total{action="dropped"}')" = 0 ]
out=$(flood - 127.0.4.)
echo "     flood without a cookie: $out"
check "without a cookie, the same flood is limited (at most $((RATE * 3)) of $FLOOD pass)" \
    [ "$(field "$out" "r['pass'] <= $((RATE * 3)) and r['tc'] > 0 and r['bad'] == []")" = True ]
client_only=$(python3 -c "import os; print(os.urandom(8).hex())")
out=$(flood "$client_only" 127.0.5.)
echo "     flood with a client cookie only: $out"
check "with a client cookie only it is limited too, and the truncated answers carry a cookie" \
    [ "$(field "$out" "r['pass'] <= $((RATE * 3)) and r['tc'] > 0 and r['cookie'] == r['pass'] + r['tc']")" = True ]

# ---------------------------------------------------------------- configured secret, off

config ", \"cookies\": { \"secret\": \"$SECRET\" }"
reload
out=$(ask +cookie="$first" www.r.test A)
check "after a reload to a configured secret, a server cookie comes back and it is not the old one" \
    new_cookie "$out" "$first"
second=$(cookie_of "$out")
out=$("$SITEDNS" check --config "$WORK/sitedns.json" 2>&1)
check "sitedns check accepts cookies.secret" test $? -eq 0
restart "$WORK/sitedns.json"
out=$(ask +cookie="$second" www.r.test A)
check "another server with the same secret takes the cookie as valid" \
    bash -c 'grep -q "^; COOKIE: .* (good)$" <<<"$1" && [ -n "$2" ] && [ "$2" = "$3" ]' _ \
    "$out" "$second" "$(cookie_of "$out")"

config ", \"cookies\": { \"enabled\": false }"
reload
out=$(ask +cookie www.r.test A)
check "with cookies off, a normal answer without a COOKIE option" \
    bash -c 'grep -q "status: NOERROR," <<<"$1" && ! grep -q "^; COOKIE:" <<<"$1"' _ "$out"

config ", \"cookies\": { \"secret\": \"abc\" }"
out=$("$SITEDNS" check --config "$WORK/sitedns.json" 2>&1)
check "a bad secret is an error naming its path" grep -q '/cookies/secret' <<<"$out"

check "sitedns stopped" stop_sitedns
finish "cookie"
