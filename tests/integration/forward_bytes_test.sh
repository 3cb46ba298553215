#!/usr/bin/env bash
# Forwarded answers, byte for byte, against a golden file made by the path they replace.
# A fixed list of queries (forward_bytes.py: A, MX, AAAA, answers over and around 512
# bytes, NXDOMAIN, NODATA; without EDNS, with EDNS, DO, COOKIE, ECS from a trusted and an
# untrusted sender, a small EDNS size that truncates with the echoed options; over UDP
# and TCP) is asked of sitedns forwarding to a fake upstream, each name three times:
# a miss that goes upstream, then hits in the forwarder's cache or a thread's copy. Every
# answer, with only its TTLs and the server cookie's timestamp and hash normalised, must
# equal its line of forward_bytes.golden, and each name must have gone upstream once.
#
# Usage: forward_bytes_test.sh PATH/TO/sitedns SOURCE_DIR [--record]
#   --record   writes forward_bytes.golden (beside this script) from this binary instead
#              of comparing; made from the binary before a change to how forwarded answers
#              are written, then read and committed (see the file's header).
set -u

SITEDNS=${1:?usage: forward_bytes_test.sh SITEDNS SOURCE_DIR [--record]}
MODE=${3:-compare}
. "$(dirname "$0")/lib.sh"

require_tools python3

CLIENT="$LIB_DIR/forward_bytes.py"
GOLDEN="$LIB_DIR/forward_bytes.golden"
# A fixed secret: the server cookie's hash still depends on the time, so it is normalised.
SECRET=000102030405060708090a0b0c0d0e0f

python3 "$CLIENT" rules "$WORK/rules.json" || die "forward_bytes.py rules"
start_fake up --rules "$WORK/rules.json" || die "fake upstream"

# Two views so that ECS chooses one by its subnet and its echo carries that view's prefix
# as the scope (RFC 7871 §7.2.1): 127.0.0.0/8 and 2001:db8::/32. Only 127.0.0.1 is a
# trusted ECS sender; 127.0.0.2's option is ignored and not echoed.
cat >"$WORK/sitedns.json" <<JSON
{
  "listen": ["127.0.0.1:0"],
  "threads": 2,
  "upstreams": [],
  "dnssec": { "validate": false },
  "cookies": { "enabled": true, "secret": "$SECRET" },
  "ecs_trust": ["127.0.0.1/32"],
  "views": [
    { "name": "v4", "match_clients": ["127.0.0.0/8"], "recursion": true,
      "upstreams": ["127.0.0.1:$FAKE_PORT"] },
    { "name": "v6", "match_clients": ["2001:db8::/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$FAKE_PORT"] }
  ]
}
JSON
start_sitedns "$WORK/sitedns.json"

if [ "$MODE" = --record ]; then
    python3 "$CLIENT" run "$PORT" >"$WORK/answers" 2>&1
    rc=$?
    out=$(grep -E 'no-answer|unparsable|^prime:|Traceback' "$WORK/answers" | head -20)
    check "record: every query answered and parsed (exit $rc)" \
        bash -c '[ "$1" -eq 0 ] && [ -z "$2" ]' _ "$rc" "$out"
    if [ "$FAILURES" -eq 0 ]; then
        {
            echo "# forward_bytes_test.sh --record: the answers of $("$SITEDNS" --version 2>/dev/null | head -1)"
            echo "# source commit: $(git -C "$LIB_DIR" rev-parse --short HEAD 2>/dev/null)"
            echo "# A line: LABEL ask=N sc=SERVER_COOKIE HEX; TTLs are ffffffff, the server"
            echo "# cookie's timestamp and hash ee (forward_bytes.py describes the run)."
            cat "$WORK/answers"
        } >"$GOLDEN"
        pass "wrote $GOLDEN ($(grep -vc '^#' "$GOLDEN") answers)"
    fi
else
    out=$(python3 "$CLIENT" compare "$PORT" "$GOLDEN" 2>&1)
    check "every answer equals its line of forward_bytes.golden ($(tail -1 <<<"$out"))" \
        grep -q "^forward_bytes: 0 of [0-9]* answers differ" <<<"$out"
fi

out=$(python3 "$CLIENT" upstream "$WORK/up.log" 2>&1)
rc=$?
check "each name went upstream once: the first ask a miss, the others hits ($(tail -1 <<<"$out"))" \
    test "$rc" -eq 0
check "sitedns is still running" kill -0 "$PID"
check "SIGTERM stops sitedns" stop_sitedns
finish "forwarded bytes"
