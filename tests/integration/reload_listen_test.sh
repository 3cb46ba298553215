#!/usr/bin/env bash
# Listen addresses change on SIGHUP without a restart (SPEC §2, §5; server/net/server
# update_listen, server/runtime/reload): an added address is bound (UDP on every worker
# and TCP) and answers; a removed one is closed (its UDP sockets and TCP acceptor) while
# the connections it accepted finish; an address that stays keeps its very sockets (same
# inodes, and a TCP connection opened before the reload still answers). An address that
# cannot be bound (port taken, or below 1024 after the switch to `user`) is logged and
# left out while the data reload still applies; port 0 binds a free port and logs it.
#
# Usage: reload_listen_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: reload_listen_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: reload_listen_test.sh SITEDNS SOURCE_DIR}"

. "$(dirname "$0")/lib.sh"
cleanup_extra() { exec 3>&- 2>/dev/null; }

# ---------------------------------------------------------------- fixtures

# zone WWW_ADDRESS SERIAL: the zone reload.test, replaced atomically.
zone() {
    cat > "$WORK/zone.tmp" <<JSON
{ "origin": "reload.test.", "ttl": 60,
  "soa": { "mname": "ns.reload.test.", "rname": "hostmaster.reload.test.", "serial": $2,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.reload.test." },
               { "name": "www", "type": "A", "data": "$1" } ] }
JSON
    mv "$WORK/zone.tmp" "$WORK/reload.json"
}

# config FILE [EXTRA_JSON] -- LISTEN...: two workers, a long TCP idle time (the held
# connection must not idle out during the test), replaced atomically.
config() {
    local file=$1 extra=$2 listen=""
    shift 3
    for endpoint in "$@"; do listen="$listen${listen:+, }\"$endpoint\""; done
    cat > "$file.tmp" <<JSON
{ "listen": [$listen], "threads": 2, "tcp": { "idle_timeout_ms": 120000 }$extra,
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["reload.json"] } ] }
JSON
    mv "$file.tmp" "$file"
}

# free_ports N [MAX]: N distinct ports free for both UDP and TCP on 127.0.0.1 (and ::1),
# below MAX when given (from 900 up: the privileged range).
free_ports() {
    python3 - "$@" <<'PY'
import socket, sys
n = int(sys.argv[1])
candidates = range(900, int(sys.argv[2])) if len(sys.argv) > 2 else [0] * 200
found = []
for want in candidates:
    held = []
    try:
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        held.append(tcp)
        tcp.bind(("127.0.0.1", want))
        port = tcp.getsockname()[1]
        for family, host, kind in ((socket.AF_INET, "127.0.0.1", socket.SOCK_DGRAM),
                                   (socket.AF_INET6, "::1", socket.SOCK_DGRAM),
                                   (socket.AF_INET6, "::1", socket.SOCK_STREAM)):
            try:
                s = socket.socket(family, kind)
            except OSError:
                continue  # no IPv6 at all
            held.append(s)
            try:
                s.bind((host, port))
            except OSError as e:
                if family == socket.AF_INET6 and e.errno == 99:
                    continue  # no ::1
                raise
        if port not in found:
            found.append(port)
    except OSError:
        pass
    finally:
        for s in held:
            s.close()
    if len(found) == n:
        break
print(" ".join(map(str, found)))
PY
}

# The held TCP connection: connects to 127.0.0.1:PORT, then for each line read from the
# FIFO sends one query for www.reload.test A over that same connection and appends
# "N ADDRESS" (or "N error ...") to OUT.
cat > "$WORK/held.py" <<'PY'
import socket, struct, sys

port, fifo, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
QNAME = b"\x03www\x06reload\x04test\x00"

def exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed by the server")
        data += chunk
    return data

def skip_name(msg, pos):
    while msg[pos] and msg[pos] < 0xC0:
        pos += 1 + msg[pos]
    return pos + (2 if msg[pos] else 1)

def ask(conn, qid):
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + QNAME + struct.pack(">HH", 1, 1)
    conn.sendall(struct.pack(">H", len(msg)) + msg)
    answer = exact(conn, struct.unpack(">H", exact(conn, 2))[0])
    if struct.unpack(">H", answer[:2])[0] != qid or struct.unpack(">H", answer[6:8])[0] != 1:
        return "error: unexpected answer"
    pos = skip_name(answer, 12) + 4   # the question
    pos = skip_name(answer, pos) + 10  # the answer's owner, type, class, TTL, RDLENGTH
    return socket.inet_ntoa(answer[pos:pos + 4])

conn = socket.create_connection(("127.0.0.1", port), timeout=3)
with open(fifo) as commands:
    for n, _ in enumerate(commands, start=1):
        try:
            result = ask(conn, n)
        except (OSError, EOFError) as e:
            result = "error: %s" % e
        with open(out, "a") as f:
            f.write("%d %s\n" % (n, result))
PY

# ---------------------------------------------------------------- helpers

LOG="$WORK/server.log"
RELOADED='reloaded in [0-9]+ ms: '
ENDED="($RELOADED|reload failed, still serving generation )"

count() { grep -cE "$1" "$LOG"; }

# wait_for PATTERN N [SECONDS]: until the log has N lines matching PATTERN.
wait_for() {
    local deadline=$((SECONDS + ${3:-20}))
    until [ "$(count "$1")" -ge "$2" ]; do
        if [ $SECONDS -ge $deadline ] || ! kill -0 "$PID" 2>/dev/null; then
            return 1
        fi
        sleep 0.02
    done
}

# start_server CONFIG: sitedns on CONFIG; sets PID and PORT (the first listen address's).
start_server() {
    rm -f "$WORK/port"
    SITEDNS_PORT_FILE="$WORK/port" "$SITEDNS" --config "$1" --log-level debug >"$LOG" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    local deadline=$((SECONDS + 10))
    until [ -s "$WORK/port" ]; do
        if ! kill -0 "$PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            echo "server did not start:"; cat "$LOG"; return 1
        fi
        sleep 0.02
    done
    PORT=$(cat "$WORK/port")
}

# reload: SIGHUP, then wait until the log shows that one more reload ended.
reload() {
    local before
    before=$(count "$ENDED")
    kill -HUP "$PID"
    wait_for "$ENDED" $((before + 1)) 30
}

# The log lines of the last reload, from its "SIGHUP" line on (a "generation N freed"
# line from a receive thread that just moved on may come between them).
since_reload() {
    awk '/SIGHUP: reloading/ { lines = "" } { lines = lines $0 "\n" } END { printf "%s", lines }' "$LOG"
}

# www HOST PORT [+tcp]: what the server at HOST#PORT answers for www.reload.test A.
www() {
    dig @"$1" -p "$2" ${3:-} +time=1 +tries=1 +short www.reload.test A 2>&1
}

# tcp_refused HOST PORT: a TCP connection to HOST:PORT is refused.
tcp_refused() {
    python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
PY
}

# sockets PORT: the inodes of the server's sockets bound to PORT (UDP, and TCP
# listening), sorted, one line: what proves that a kept address kept its sockets.
sockets() {
    python3 - "$PID" "$1" <<'PY'
import os, sys
pid, port = sys.argv[1], int(sys.argv[2])
mine = set()
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        target = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if target.startswith("socket:["):
        mine.add(target[8:-1])
found = []
for table in ("udp", "udp6", "tcp", "tcp6"):
    try:
        lines = open("/proc/net/" + table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if int(local.rsplit(":", 1)[1], 16) != port or inode not in mine:
            continue
        if table.startswith("tcp") and state != "0A":
            continue  # an established connection, not the acceptor
        found.append("%s:%s" % (table, inode))
print(" ".join(sorted(found)))
PY
}

# held N: asks the held connection for its Nth answer; prints it.
held() {
    echo >&3
    local deadline=$((SECONDS + 5))
    until grep -q "^$1 " "$WORK/held.out" 2>/dev/null || [ $SECONDS -ge $deadline ]; do
        sleep 0.02
    done
    grep "^$1 " "$WORK/held.out" | cut -d' ' -f2-
}

read -r P1 P2 P3 P6 <<<"$(free_ports 4)"
if [ -z "${P6:-}" ]; then
    echo "could not find 4 free ports"; exit 1
fi
HAS_V6=0
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null && HAS_V6=1

# ---------------------------------------------------------------- start on P1

zone 192.0.2.1 1
config "$WORK/site.json" "" -- "127.0.0.1:$P1"
if ! start_server "$WORK/site.json"; then
    fail "server started"
    exit 1
fi
pass "server started on 127.0.0.1:$PORT"
out=$(www 127.0.0.1 "$P1")
check "P1 answers over UDP ($out)" test "$out" = 192.0.2.1

mkfifo "$WORK/held.fifo"
python3 "$WORK/held.py" "$P1" "$WORK/held.fifo" "$WORK/held.out" 2>"$WORK/held.err" &
PIDS+=("$!")
exec 3>"$WORK/held.fifo"
out=$(held 1)
check "a TCP connection to P1 is open and answers ($out)" test "$out" = 192.0.2.1
P1_SOCKETS=$(sockets "$P1")
out=$P1_SOCKETS
check "P1: 2 UDP sockets (one per worker) and 1 TCP acceptor" \
    test "$(wc -w <<<"$P1_SOCKETS")" -eq 3

# ---------------------------------------------------------------- add P2

config "$WORK/site.json" "" -- "127.0.0.1:$P1" "127.0.0.1:$P2"
reload
out=$(since_reload)
check "the reload logs the new address" grep -qE "listening on 127\.0\.0\.1:$P2 \(UDP and TCP\)" <<<"$out"
check "and no restart is asked for" test "$(count 'need a restart')" -eq 0
out=$(www 127.0.0.1 "$P2")
check "P2 answers over UDP ($out)" test "$out" = 192.0.2.1
out=$(www 127.0.0.1 "$P2" +tcp)
check "P2 answers over TCP ($out)" test "$out" = 192.0.2.1
out=$(www 127.0.0.1 "$P1")
check "P1 still answers over UDP ($out)" test "$out" = 192.0.2.1
out=$(www 127.0.0.1 "$P1" +tcp)
check "P1 still accepts TCP ($out)" test "$out" = 192.0.2.1
out=$(held 2)
check "the TCP connection opened before the reload still answers ($out)" test "$out" = 192.0.2.1
out="before: $P1_SOCKETS; after: $(sockets "$P1")"
check "P1 kept its very sockets (same inodes)" test "$(sockets "$P1")" = "$P1_SOCKETS"
P2_SOCKETS=$(sockets "$P2")
out=$P2_SOCKETS
check "P2: 2 UDP sockets and 1 TCP acceptor" test "$(wc -w <<<"$P2_SOCKETS")" -eq 3

# ---------------------------------------------------------------- remove P1

config "$WORK/site.json" "" -- "127.0.0.1:$P2"
reload
out=$(since_reload)
check "the reload logs the removed address" grep -qE "no longer listening on 127\.0\.0\.1:$P1\$" <<<"$out"
out=$(www 127.0.0.1 "$P1" | head -n 1)
check "P1 no longer answers over UDP ($out)" test "$(grep -c '^192\.0\.2\.' <<<"$out")" -eq 0
out=""
check "P1 refuses TCP connections" tcp_refused 127.0.0.1 "$P1"
out=$(sockets "$P1")
check "P1's sockets are closed" test -z "$out"
out=$(www 127.0.0.1 "$P2")
check "P2 answers over UDP ($out)" test "$out" = 192.0.2.1
out=$(www 127.0.0.1 "$P2" +tcp)
check "P2 answers over TCP ($out)" test "$out" = 192.0.2.1
out="before: $P2_SOCKETS; after: $(sockets "$P2")"
check "P2 kept its very sockets" test "$(sockets "$P2")" = "$P2_SOCKETS"
out=$(held 3)
check "the connection accepted on P1 may finish: it still answers ($out)" test "$out" = 192.0.2.1

# ---------------------------------------------------------------- a port in use

# Another process holds P3 (UDP and TCP): the reload logs it, the new data still applies.
python3 - "$P3" "$WORK/taken" <<'PY' &
import socket, sys, time
port, ready = int(sys.argv[1]), sys.argv[2]
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", port))
tcp = socket.socket(); tcp.bind(("127.0.0.1", port)); tcp.listen()
open(ready, "w").close()
time.sleep(120)
PY
PIDS+=("$!")
deadline=$((SECONDS + 5))
until [ -e "$WORK/taken" ] || [ $SECONDS -ge $deadline ]; do sleep 0.02; done
zone 192.0.2.2 2
config "$WORK/site.json" "" -- "127.0.0.1:$P2" "127.0.0.1:$P3"
generation=$(($(count "$RELOADED") + 2))
reload
out=$(since_reload)
check "the taken port is named, and what is still served" grep -qE \
    "cannot listen on 127\.0\.0\.1:$P3: Address already in use; still listening on 127\.0\.0\.1:$P2\$" <<<"$out"
check "the data reload succeeded anyway" grep -qE "${RELOADED}.*\(generation $generation\)" <<<"$out"
out=$(www 127.0.0.1 "$P2")
check "P2 serves the new data ($out)" test "$out" = 192.0.2.2
out=$(sockets "$P3")
check "nothing half-bound is left on P3" test -z "$out"
out=$(held 4)
check "the held connection sees the new data too ($out)" test "$out" = 192.0.2.2
# The same configuration again: P3 is still wanted, so the server tries it again.
reload
out=$(since_reload)
check "a later reload retries the address that failed" \
    grep -qE "cannot listen on 127\.0\.0\.1:$P3: Address already in use" <<<"$out"

# ---------------------------------------------------------------- port 0, IPv6

config "$WORK/site.json" "" -- "127.0.0.1:$P2" "127.0.0.2:0"
reload
out=$(since_reload)
P0=$(grep -oE 'listening on 127\.0\.0\.2:[0-9]+ ' <<<"$out" | grep -oE '[0-9]+ $' | tr -d ' ')
check "port 0: a free port is bound and logged (${P0:-none})" test -n "$P0" -a "${P0:-0}" != 0
out=$(www 127.0.0.2 "${P0:-0}")
check "127.0.0.2:$P0 answers over UDP ($out)" test "$out" = 192.0.2.2
out=$(www 127.0.0.2 "${P0:-0}" +tcp)
check "127.0.0.2:$P0 answers over TCP ($out)" test "$out" = 192.0.2.2
P0_SOCKETS=$(sockets "${P0:-0}")
reload
out="before: $P0_SOCKETS; after: $(sockets "${P0:-0}")"
check "port 0 kept by an unchanged configuration: same port, same sockets" \
    test "$(sockets "${P0:-0}")" = "$P0_SOCKETS" -a -n "$P0_SOCKETS"

if [ $HAS_V6 = 1 ]; then
    config "$WORK/site.json" "" -- "127.0.0.1:$P2" "[::1]:$P6"
    reload
    out=$(since_reload)
    check "[::1]:$P6 is added" grep -qE "listening on \[::1\]:$P6 \(UDP and TCP\)" <<<"$out"
    check "127.0.0.2:$P0 is removed" grep -qE "no longer listening on 127\.0\.0\.2:$P0\$" <<<"$out"
    out=$(www ::1 "$P6")
    check "[::1]:$P6 answers over UDP ($out)" test "$out" = 192.0.2.2
    out=$(www ::1 "$P6" +tcp)
    check "[::1]:$P6 answers over TCP ($out)" test "$out" = 192.0.2.2
    config "$WORK/site.json" "" -- "127.0.0.1:$P2"
    reload
    out=""
    check "[::1]:$P6 refuses TCP once removed" tcp_refused ::1 "$P6"
else
    skip_part "[::1] (no IPv6 loopback)"
fi

# ---------------------------------------------------------------- clean stop

exec 3>&-
kill -TERM "$PID"
deadline=$((SECONDS + 5))
while kill -0 "$PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
wait "$PID"; rc=$?
check "stops cleanly after the listen changes (exit $rc)" test $rc -eq 0

# ---------------------------------------------------------------- after the switch to `user`

# Started as root with "user": a port below 1024 added by a reload cannot be bound any
# more: logged as such, the rest of the reload applies.
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
    read -r PLOW <<<"$(free_ports 1 1024)"
    chmod 755 "$WORK" && chmod 644 "$WORK"/*.json
    config "$WORK/site.json" ', "user": "nobody"' -- "127.0.0.1:$P2"
    chmod 644 "$WORK/site.json"
    if [ -n "${PLOW:-}" ] && start_server "$WORK/site.json"; then
        zone 192.0.2.3 3
        chmod 644 "$WORK/reload.json"
        config "$WORK/site.json" ', "user": "nobody"' -- "127.0.0.1:$P2" "127.0.0.1:$PLOW"
        chmod 644 "$WORK/site.json"
        reload
        out=$(since_reload)
        check "after the switch to nobody, port $PLOW is refused and named" grep -qE \
            "cannot listen on 127\.0\.0\.1:$PLOW: Permission denied; still listening on 127\.0\.0\.1:$P2\$" <<<"$out"
        check "the data reload applied" grep -qE "$RELOADED" <<<"$out"
        out=$(www 127.0.0.1 "$P2")
        check "the new data is served ($out)" test "$out" = 192.0.2.3
        kill -TERM "$PID"; wait "$PID"
    else
        fail "server started as root with user nobody"; cat "$LOG"
    fi
else
    skip_part "the privilege drop (not root, or no user nobody)"
fi

if [ $FAILURES -ne 0 ]; then
    echo "$FAILURES check(s) failed; server log tail:"
    tail -n 20 "$LOG" | sed 's/^/     | /'
    exit 1
fi
finish "listen reload"
