#!/usr/bin/env bash
# After an upstream changes its answer and the old entry expires, every thread serves the
# new answer. sitedns has two worker threads (two UDP receive threads); 48 UDP sockets on
# their own source ports, which SO_REUSEPORT spreads over them, and 4 TCP connections ask
# one name (TTL 2) until every thread has answered it, and so holds a copy; the fake
# upstream then answers another address. Once any socket sees the new address, every
# socket's next queries, UDP and TCP, must get it, never the old one: a thread's copy of
# the forwarder's cache entry must not outlive the entry (forward_expiry.py).
#
# Usage: forward_expiry_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: forward_expiry_test.sh SITEDNS SOURCE_DIR}
. "$(dirname "$0")/lib.sh"

require_tools python3 dig

NAME=flip.expiry.test
OLD=192.0.2.71
NEW=192.0.2.72
TTL=2

echo "{\"$NAME\": \"answer addr=$OLD ttl=$TTL\"}" >"$WORK/rules.json"
start_fake up --rules "$WORK/rules.json" || die "fake upstream"

cat >"$WORK/sitedns.json" <<JSON
{
  "listen": ["127.0.0.1:0"],
  "metrics_listen": "127.0.0.1:0",
  "threads": 2,
  "upstreams": [],
  "dnssec": { "validate": false },
  "views": [
    { "name": "all", "match_clients": ["127.0.0.0/8"], "recursion": true,
      "upstreams": ["127.0.0.1:$FAKE_PORT"] }
  ]
}
JSON
start_sitedns "$WORK/sitedns.json"

out=$(ask_from 127.0.0.1 "$NAME" A)
check "the name is answered with the old address, TTL $TTL or less" \
    bash -c 'grep -qE "^flip\.expiry\.test\.\s+[0-2]\s+IN\s+A\s+192\.0\.2\.71$" <<<"$1"' _ "$out"

out=$(python3 "$LIB_DIR/forward_expiry.py" "$PORT" "$METRICS_PORT" "$NAME" "$OLD" "$NEW" \
      "$WORK/rules.json" --ttl "$TTL" 2>&1)
rc=$?
echo "$out" | sed 's/^/     : /'
check "warm: every socket got $OLD, and every worker thread answered" \
    bash -c '! grep -q "^expiry: FAIL warm" <<<"$1" && grep -q "^warm: " <<<"$1"' _ "$out"
check "after the switch some socket saw $NEW (bounded wait)" \
    grep -q "^first new: " <<<"$out"
check "from then on every UDP and TCP socket got $NEW, never $OLD (exit $rc)" \
    bash -c '[ "$1" -eq 0 ] && grep -q "^expiry: ok$" <<<"$2"' _ "$rc" "$out"

check "sitedns is still running" kill -0 "$PID"
check "SIGTERM stops sitedns" stop_sitedns
finish "expiry"
