#!/usr/bin/env bash
# End-to-end test of the sitedns binary on loopback (SPEC §2, §5): answers over UDP and
# TCP, pipelining, truncation and TCP retry, idle timeout, connection cap, clean stop,
# `check`, and the command line's exit statuses.
#
# Usage: serve_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: serve_test.sh SITEDNS SOURCE_DIR}
SOURCE_DIR=${2:?usage: serve_test.sh SITEDNS SOURCE_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT="python3 $HERE/dns_client.py"

. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- fixtures

cp "$SOURCE_DIR/zones/examples/paris.example.local.json" "$WORK/paris.json"
{
    echo '{ "origin": "big.test.", "ttl": 300,'
    echo '  "soa": { "mname": "ns.big.test.", "rname": "hostmaster.big.test.", "serial": 1,'
    echo '           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },'
    echo '  "records": [ { "name": "@", "type": "NS", "data": "ns.big.test." },'
    echo '               { "name": "ns", "type": "A", "data": "192.0.2.53" },'
    for i in $(seq -w 1 40); do
        sep=$([ "$i" = 40 ] && echo "" || echo ",")
        echo "    { \"name\": \"txt\", \"type\": \"TXT\", \"data\": \"\\\"record $i padding padding padding padding padding\\\"\" }$sep"
    done
    echo '  ] }'
} > "$WORK/big.json"

write_config() {  # write_config FILE IDLE_MS MAX_CONNECTIONS
    cat > "$1" <<JSON
{
  "listen": ["127.0.0.1:5353"],
  "threads": 2,
  "tcp": { "idle_timeout_ms": $2, "max_connections": $3 },
  "views": [
    { "name": "all", "match_clients": ["any"], "zones": ["paris.json", "big.json"] }
  ]
}
JSON
}
write_config "$WORK/site.json" 300 1000
write_config "$WORK/capped.json" 10000 3

cat > "$WORK/bad-key.json" <<'JSON'
{ "listen": ["127.0.0.1:5353"], "treads": 2, "views": [] }
JSON
cat > "$WORK/bad-zone.json" <<'JSON'
{ "views": [ { "name": "all", "match_clients": ["any"], "zones": ["broken.json"] } ] }
JSON
cat > "$WORK/broken.json" <<'JSON'
{ "origin": "broken.test.", "ttl": 300,
  "soa": { "mname": "ns.broken.test.", "rname": "hostmaster.broken.test.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [ { "name": "www", "type": "A", "data": "not-an-address" } ] }
JSON
cat > "$WORK/shared.json" <<'JSON'
{ "views": [
    { "name": "one", "match_clients": ["10.1.0.0/16"], "zones": ["paris.json", "big.json"] },
    { "name": "two", "match_clients": ["any"], "zones": ["./paris.json"] } ] }
JSON
cat > "$WORK/twice.json" <<'JSON'
{ "views": [ { "name": "one", "match_clients": ["any"], "zones": ["paris.json", "paris-again.json"] } ] }
JSON
cp "$WORK/paris.json" "$WORK/paris-again.json"

# ---------------------------------------------------------------- server control

# start_server NAME ARGS...: starts sitedns on an ephemeral port; sets PORT and PID.
start_server() {
    local name=$1; shift
    local port_file="$WORK/$name.port"
    rm -f "$port_file"
    SITEDNS_PORT_FILE="$port_file" "$SITEDNS" "$@" >"$WORK/$name.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    local deadline=$((SECONDS + 10))
    until [ -s "$port_file" ]; do
        if ! kill -0 "$PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            echo "server $name did not start:"; cat "$WORK/$name.log"; return 1
        fi
        sleep 0.05
    done
    PORT=$(cat "$port_file")
    until dig @127.0.0.1 -p "$PORT" +time=1 +tries=1 paris.example.local SOA 2>/dev/null |
          grep -q 'status: NOERROR'; do
        if [ $SECONDS -ge $deadline ]; then
            echo "server $name does not answer:"; cat "$WORK/$name.log"; return 1
        fi
        sleep 0.05
    done
}

# stop_server: SIGTERM, and the exit status must be 0 within 5 s.
stop_server() {
    kill -TERM "$PID"
    local deadline=$((SECONDS + 5))
    while kill -0 "$PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    if kill -0 "$PID" 2>/dev/null; then
        echo "server still running 5 s after SIGTERM"; return 1
    fi
    wait "$PID"
}

authority_has_soa() {  # authority_has_soa DIG_OUTPUT
    grep -A1 'AUTHORITY SECTION' <<<"$1" | grep -qE '^paris\.example\.local\.\s.*\sSOA\s'
}

q() {  # q ARGS...: dig at the server under test, bounded
    dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +norec "$@" 2>&1
}

# ---------------------------------------------------------------- command line

out=$("$SITEDNS" --version); rc=$?
check "--version exits 0 and prints the version" \
    test $rc -eq 0 -a "${out%% *}" = sitedns
"$SITEDNS" --no-such-option >/dev/null 2>&1; rc=$?
check "an unknown option exits 2 (got $rc)" test $rc -eq 2
"$SITEDNS" --threads many >/dev/null 2>&1; rc=$?
check "a bad option value exits 2 (got $rc)" test $rc -eq 2

out=$("$SITEDNS" check --config "$WORK/site.json" 2>&1); rc=$?
check "check on a good config exits 0 ($out)" test $rc -eq 0
check "check reports views, zones and records" grep -qE '^ok: 1 views, 2 zones, [0-9]+ records$' <<<"$out"
python3 - "$WORK/site.json" "$WORK/nouser.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["user"] = "sitedns-no-such-user"
json.dump(config, open(sys.argv[2], "w"))
PY
out=$("$SITEDNS" check --config "$WORK/nouser.json" 2>&1); rc=$?
check "check warns about a user that does not exist, exit 0 (got $rc)" test $rc -eq 0
check "the warning names the user" \
    grep -qE '^warning: user: user "sitedns-no-such-user" does not exist' <<<"$out"
out=$("$SITEDNS" check 2>&1); rc=$?
check "check on the built-in config exits 0 ($out)" test $rc -eq 0
check "the built-in config is the three sites, each zone compiled once (and the suffix's)" \
    grep -qE '^ok: 3 views, 4 zones, 17 records$' <<<"$out"
out=$("$SITEDNS" check --config "$WORK/shared.json" 2>&1); rc=$?
check "a zone held by two views is compiled once ($out)" \
    grep -qE '^ok: 2 views, 2 zones, [0-9]+ records$' <<<"$out"
out=$("$SITEDNS" check --config "$WORK/twice.json" 2>&1); rc=$?
check "one origin twice in a view exits 1 (got $rc)" test $rc -eq 1
check "naming the view and both files ($out)" \
    grep -qE '^error: .*view one: zone paris\.example\.local\. listed twice \(.*paris\.json, .*paris-again\.json\)' <<<"$out"
out=$("$SITEDNS" check --config "$WORK/bad-key.json" 2>&1); rc=$?
check "check on an unknown key exits 1 (got $rc)" test $rc -eq 1
check "the message names the config file ($out)" grep -q '^error: .*bad-key.json' <<<"$out"
out=$("$SITEDNS" check --config "$WORK/bad-zone.json" 2>&1); rc=$?
check "check on a bad zone exits 1 (got $rc)" test $rc -eq 1
check "the message names the zone file ($out)" grep -q '^error: .*broken.json' <<<"$out"
out=$("$SITEDNS" check --config "$WORK/missing.json" 2>&1); rc=$?
check "check on a missing file exits 1 (got $rc)" test $rc -eq 1
check "the message names the missing file ($out)" grep -q '^error: .*missing.json' <<<"$out"
out=$("$SITEDNS" --config "$WORK/bad-zone.json" --listen 127.0.0.1:0 2>&1); rc=$?
check "serving a bad config exits 1 (got $rc)" test $rc -eq 1
check "with one 'sitedns: error:' line naming the file ($out)" \
    grep -q '^sitedns: error: .*broken.json' <<<"$out"
out=$("$SITEDNS" trace --from paris user@example.com 2>&1); rc=$?
check "trace on the built-in config exits 0 (got $rc)" test $rc -eq 0
check "and delivers public mail at the primary site ($out)" \
    grep -qE 'delivered at london$' <<<"$out"

# ---------------------------------------------------------------- answers

if start_server main --config "$WORK/site.json" --listen 127.0.0.1:0; then
    pass "server started on port $PORT"
    for transport in +notcp +tcp; do
        out=$(q $transport paris.example.local MX)
        check "$transport MX: NOERROR" grep -q 'status: NOERROR' <<<"$out"
        check "$transport MX: aa flag" grep -qE '^;; flags:[a-z ]* aa' <<<"$out"
        check "$transport MX: answer" \
            grep -qE '^paris\.example\.local\.\s+[0-9]+\s+IN\s+MX\s+10 mail\.paris\.example\.local\.$' <<<"$out"
        check "$transport MX: mail A in additional" \
            grep -qE '^mail\.paris\.example\.local\.\s+[0-9]+\s+IN\s+A\s+203\.0\.113\.20$' <<<"$out"

        out=$(q $transport nope.paris.example.local A)
        check "$transport NXDOMAIN" grep -q 'status: NXDOMAIN' <<<"$out"
        check "$transport NXDOMAIN: SOA in authority" authority_has_soa "$out"

        out=$(q $transport example.org A)
        check "$transport REFUSED outside the view's zones" grep -q 'status: REFUSED' <<<"$out"
    done

    out=$(kdig @127.0.0.1 -p "$PORT" +tcp +timeout=2 +retry=0 \
        paris.example.local MX mail.paris.example.local A nope.paris.example.local A 2>&1)
    check "kdig: three queries over TCP" test "$(grep -c 'status: ' <<<"$out")" -eq 3

    check "pipelined TCP queries on one connection" $CLIENT pipeline "$PORT"
    check "a frame shorter than a header closes the connection" $CLIENT short "$PORT"

    out=$(q +bufsize=512 +ignore txt.big.test TXT)
    check "large answer over UDP with EDNS 512: TC=1" grep -qE '^;; flags:[a-z ]* tc' <<<"$out"
    out=$(q +bufsize=512 txt.big.test TXT)
    check "dig retries over TCP after TC" grep -q 'Truncated, retrying in TCP mode' <<<"$out"
    check "and gets all 40 records over TCP" grep -q 'ANSWER: 40,' <<<"$out"

    check "idle TCP connection closed (idle_timeout_ms 300)" $CLIENT idle "$PORT"

    check "SIGTERM stops the server with exit 0" stop_server
    check "the log says it stopped" grep -q 'stopped' "$WORK/main.log"
else
    fail "server did not start"
fi

# ---------------------------------------------------------------- connection cap

if start_server capped --config "$WORK/capped.json" --listen 127.0.0.1:0; then
    check "max_connections 3: the fourth connection is closed" $CLIENT cap "$PORT" 3
    check "SIGTERM with idle connections open: exit 0" stop_server
else
    fail "capped server did not start"
fi

# ---------------------------------------------------------------- built-in configuration

if start_server builtin --listen 127.0.0.1:0 --threads 1; then
    # 127.0.0.1 is in london's subnets: the london view answers for paris and madrid.
    out=$(q paris.example.local MX)
    check "built-in config answers paris MX" grep -q 'status: NOERROR' <<<"$out"
    check "with the generated MX" \
        grep -qE '^paris\.example\.local\.\s+300\s+IN\s+MX\s+10 mail\.paris\.example\.local\.$' <<<"$out"
    check "paris's external IPv4 address in additional" \
        grep -qE '^mail\.paris\.example\.local\.\s+300\s+IN\s+A\s+203\.0\.113\.20$' <<<"$out"
    check "and its IPv6 address" \
        grep -qE '^mail\.paris\.example\.local\.\s+300\s+IN\s+AAAA\s+2001:db8:20::25$' <<<"$out"
    out=$(q madrid.example.local SOA)
    check "built-in config answers madrid SOA" \
        grep -qE '^madrid\.example\.local\.\s+300\s+IN\s+SOA\s+ns\.example\.local\. hostmaster\.example\.com\. ' <<<"$out"
    check "banner lists the listen address with its port" \
        grep -q "listening on 127.0.0.1:$PORT" "$WORK/builtin.log"
    check "SIGINT also stops with exit 0" bash -c "kill -INT $PID"
    deadline=$((SECONDS + 5))
    while kill -0 "$PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    wait "$PID"; rc=$?
    check "exit status after SIGINT is 0 (got $rc)" test $rc -eq 0
else
    fail "built-in server did not start"
fi

# ---------------------------------------------------------------- IPv6, where loopback has it

if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
    if start_server v6 --config "$WORK/site.json" --listen 127.0.0.1:0 --listen '[::1]:0'; then
        v6port=$(sed -n 's/.*listening on \[::1\]:\([0-9]*\).*/\1/p' "$WORK/v6.log")
        out=$(dig @::1 -p "$v6port" +time=2 +tries=1 +norec paris.example.local MX 2>&1)
        check "IPv6 UDP answers on [::1]:$v6port" grep -q 'status: NOERROR' <<<"$out"
        out=$(dig @::1 -p "$v6port" +tcp +time=2 +tries=1 +norec paris.example.local MX 2>&1)
        check "IPv6 TCP answers on [::1]:$v6port" grep -q 'status: NOERROR' <<<"$out"
        check "SIGTERM: exit 0" stop_server
    else
        fail "IPv6 server did not start"
    fi
else
    skip_part "IPv6 (no ::1 on loopback)"
fi

# ---------------------------------------------------------------- root

# Started as root without "user": one warning that says what it means and what to set.
# With "user" outside systemd (no NOTIFY_SOCKET): the bounding set empty, no_new_privs.
if [ "$(id -u)" -ne 0 ]; then
    skip_part "the root warning and the bounding set (need a start as root; CI runs as root)"
elif start_server rootwarn --config "$WORK/site.json" --listen 127.0.0.1:0; then
    check "as root without user: the warning is logged once" \
        test "$(grep -c 'running as root with every capability: no "user" is configured' \
                "$WORK/rootwarn.log")" -eq 1
    check "the warning says what to set" grep -q 'set "user" (e.g. "sitedns")' "$WORK/rootwarn.log"
    stop_server >/dev/null
    if getent passwd nobody >/dev/null; then
        chmod 755 "$WORK"; chmod 644 "$WORK/paris.json" "$WORK/big.json"
        python3 - "$WORK/site.json" "$WORK/nobody.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["user"] = "nobody"
json.dump(config, open(sys.argv[2], "w"))
PY
        if NOTIFY_SOCKET='' start_server nobody --config "$WORK/nobody.json" --listen 127.0.0.1:0; then
            check "with user: no root warning" bash -c '! grep -q "running as root" "$1"' _ "$WORK/nobody.log"
            check "with user outside systemd: bounding set empty (CapBnd 0)" \
                grep -Eq '^CapBnd:[[:space:]]+0+$' "/proc/$PID/status"
            check "with user outside systemd: NoNewPrivs 1" \
                grep -Eq '^NoNewPrivs:[[:space:]]+1$' "/proc/$PID/status"
            check "the log says so" \
                grep -q 'switched to user nobody .*capability bounding set emptied, no_new_privs set' \
                "$WORK/nobody.log"
            stop_server >/dev/null
        else
            fail "server started as root with user nobody"
        fi
    else
        skip_part "the bounding set drop (no user nobody)"
    fi
else
    fail "server started as root without user"
fi

# ---------------------------------------------------------------- runtime fault

if start_server holder --config "$WORK/site.json" --listen 127.0.0.1:0; then
    out=$("$SITEDNS" --config "$WORK/site.json" --listen "127.0.0.1:$PORT" 2>&1); rc=$?
    check "a taken port exits 3 (got $rc)" test $rc -eq 3
    check "with 'cannot listen on' ($out)" grep -q "^sitedns: cannot listen on 127.0.0.1:$PORT: " <<<"$out"
    stop_server >/dev/null
fi

finish serve
