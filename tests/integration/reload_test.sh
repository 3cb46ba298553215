#!/usr/bin/env bash
# Reload on SIGHUP under load (SPEC §2, §5): a UDP load runs while 20 SIGHUPs swap the
# zone between two valid sets; no query may go unanswered and every answer must come
# from one of the two sets. Then a broken zone and a looping topology are refused and
# the old data keeps being served; a listen change is applied without a restart;
# SIGHUPs during a reload coalesce into one more; and, when dnsperf is installed,
# 8,000 queries/s for 8 s with 21 SIGHUPs lose no query.
#
# Usage: reload_test.sh PATH/TO/sitedns SOURCE_DIR
# RELOAD_TEST_DNSPERF=0 skips the dnsperf part; RELOAD_TEST_QPS sets the python load.
set -u

SITEDNS=${1:?usage: reload_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: reload_test.sh SITEDNS SOURCE_DIR}"
QPS=${RELOAD_TEST_QPS:-3000}

. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- fixtures

# zone FILE WWW_ADDRESS SERIAL [EXTRA_RECORDS]: the zone reload.test.
zone() {
    cat > "$1" <<JSON
{ "origin": "reload.test.", "ttl": 60,
  "soa": { "mname": "ns.reload.test.", "rname": "hostmaster.reload.test.", "serial": $3,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.reload.test." },
               { "name": "ns", "type": "A", "data": "192.0.2.53" },
               { "name": "www", "type": "A", "data": "$2" }${4:-} ] }
JSON
}
# Set A: www is 192.0.2.1 (4 records). Set B: www is 192.0.2.2, plus a TXT (5 records).
zone "$WORK/set-a.json" 192.0.2.1 1
zone "$WORK/set-b.json" 192.0.2.2 2 ', { "name": "@", "type": "TXT", "data": "\"set b\"" }'
zone "$WORK/broken.json" not-an-address 3

# config FILE [ZONE...] [--listen-extra]: one view for every client.
config() {
    local file=$1; shift
    local zones='"reload.json"' listen='"127.0.0.1:0"'
    for arg in "$@"; do
        case $arg in
            --listen-extra) listen='"127.0.0.1:0", "127.0.0.2:0"' ;;
            *) zones="$zones, \"$arg\"" ;;
        esac
    done
    cat > "$file" <<JSON
{ "listen": [$listen], "threads": 2,
  "views": [ { "name": "all", "match_clients": ["any"], "zones": [$zones] } ] }
JSON
}

# A topology whose paris has london's address: mail between them loops (SPEC §2).
cat > "$WORK/loop.json" <<'JSON'
{ "listen": ["127.0.0.1:0"], "threads": 2,
  "sites": { "domain": "example.com", "internal_suffix": "example.internal", "ttl": 300,
    "list": [
      { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10", "primary": true },
      { "name": "paris",  "subnets": ["10.2.0.0/16"], "address": "203.0.113.10" },
      { "name": "madrid", "subnets": ["10.3.0.0/16"], "address": "203.0.113.30" } ] },
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["reload.json"] } ] }
JSON

# The coalescing check holds a reload in its build: its extra zone is a FIFO, which the
# reload thread blocks on until the test writes the zone into it.
mkfifo "$WORK/gate.json"
cat > "$WORK/gate-zone.json" <<'JSON'
{ "origin": "gate.test.", "ttl": 60,
  "soa": { "mname": "ns.gate.test.", "rname": "hostmaster.gate.test.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.gate.test." },
               { "name": "www", "type": "A", "data": "192.0.2.9" } ] }
JSON

# The UDP load: QPS queries a second for www.reload.test A from 16 sockets (so both
# workers get packets), each with its own ID, until STOP_FILE exists; then waits 2 s
# for the last answers. Prints a JSON summary.
cat > "$WORK/load.py" <<'PY'
import json, os, select, socket, struct, sys, time

port, qps, stop_file, ready_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
GOOD = {"192.0.2.1", "192.0.2.2"}
QNAME = b"\x03www\x06reload\x04test\x00"

def query(qid):
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + QNAME + struct.pack(">HH", 1, 1)

def skip_name(msg, pos):
    while True:
        length = msg[pos]
        if length >= 0xC0:
            return pos + 2
        pos += 1 + length
        if length == 0:
            return pos

def address_of(msg):
    """The A record of an answer, or a description of what is wrong with it."""
    qid, flags, qd, an = struct.unpack(">HHHH", msg[:8])
    if not flags & 0x8000 or flags & 0xF:
        return "rcode %d" % (flags & 0xF)
    if an != 1:
        return "%d answers" % an
    pos = skip_name(msg, 12) + 4
    pos = skip_name(msg, pos)
    rtype, _, _, rdlength = struct.unpack(">HHIH", msg[pos:pos + 10])
    if rtype != 1 or rdlength != 4:
        return "type %d" % rtype
    return socket.inet_ntoa(msg[pos + 10:pos + 14])

socks = []
for _ in range(16):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    socks.append(s)
index = {s.fileno(): i for i, s in enumerate(socks)}
outstanding = {}  # (socket index, id) -> True
next_id = [0] * len(socks)
sent = answered = 0
seen, bad = {}, []

def receive(timeout):
    global answered
    readable, _, _ = select.select(socks, [], [], timeout)
    for s in readable:
        i = index[s.fileno()]
        while True:
            try:
                msg = s.recv(4096)
            except BlockingIOError:
                break
            key = (i, struct.unpack(">H", msg[:2])[0])
            if outstanding.pop(key, None) is None:
                continue  # a duplicate or an answer to a query already counted
            answered += 1
            got = address_of(msg)
            seen[got] = seen.get(got, 0) + 1
            if got not in GOOD and len(bad) < 5:
                bad.append(got)

start = time.monotonic()
last_check = 0.0
while True:
    now = time.monotonic()
    if now - last_check > 0.02:
        last_check = now
        if os.path.exists(stop_file) or now - start > 120:
            break
    while sent < int((now - start) * qps):
        i = sent % len(socks)
        qid = next_id[i]
        next_id[i] = (qid + 1) & 0xFFFF
        try:
            socks[i].send(query(qid))
        except BlockingIOError:
            pass  # counted as sent: it will show as unanswered
        outstanding[(i, qid)] = True
        sent += 1
    receive(0.001)
    if answered and not os.path.exists(ready_file):
        open(ready_file, "w").close()
deadline = time.monotonic() + 2.0
while outstanding and time.monotonic() < deadline:
    receive(0.05)
print(json.dumps({"sent": sent, "answered": answered, "unanswered": len(outstanding),
                  "seen": seen, "bad": bad, "seconds": round(time.monotonic() - start, 1)}))
PY

# ---------------------------------------------------------------- server control

LOG="$WORK/server.log"

# start_server ARGS...: starts sitedns on an ephemeral port; sets PORT and PID.
start_server() {
    rm -f "$WORK/port"
    SITEDNS_PORT_FILE="$WORK/port" "$SITEDNS" "$@" >"$LOG" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    local deadline=$((SECONDS + 10))
    until [ -s "$WORK/port" ]; do
        if ! kill -0 "$PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            echo "server did not start:"; cat "$LOG"; return 1
        fi
        sleep 0.05
    done
    PORT=$(cat "$WORK/port")
}

www() {  # the address the server gives for www.reload.test
    dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +short www.reload.test A 2>&1
}

count() {  # count PATTERN: lines of the server log matching PATTERN
    grep -cE "$1" "$LOG"
}

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

RELOADED='reloaded in [0-9]+ ms: '
FAILED='reload failed, still serving generation '
ENDED="($RELOADED|$FAILED)"

# swap FILE: the zone reload.json becomes FILE, atomically (rename).
swap() {
    cp "$1" "$WORK/reload.json.tmp" && mv "$WORK/reload.json.tmp" "$WORK/reload.json"
}

# reload: SIGHUP, then wait until the log shows that one more reload ended.
reload() {
    local before
    before=$(count "$ENDED")
    kill -HUP "$PID"
    wait_for "$ENDED" $((before + 1)) 30
}

# ---------------------------------------------------------------- 20 reloads under load

swap "$WORK/set-a.json"
config "$WORK/site.json"
if ! start_server --config "$WORK/site.json" --log-level debug; then
    fail "server started"
    exit 1
fi
pass "server started on port $PORT"
out=$(www)
check "set A is served first ($out)" test "$out" = 192.0.2.1

python3 "$WORK/load.py" "$PORT" "$QPS" "$WORK/stop" "$WORK/ready" >"$WORK/load.json" &
LOAD=$!
PIDS+=("$LOAD")
deadline=$((SECONDS + 10))
until [ -e "$WORK/ready" ] || [ $SECONDS -ge $deadline ]; do sleep 0.02; done
check "the load is running" test -e "$WORK/ready"

swaps_ok=0
for i in $(seq 1 20); do
    if [ $((i % 2)) -eq 1 ]; then set=b want=192.0.2.2 records=5; else set=a want=192.0.2.1 records=4; fi
    swap "$WORK/set-$set.json"
    if ! reload; then
        fail "reload $i finished"; break
    fi
    out=$(www)
    if [ "$out" = "$want" ] && [ "$(count "$RELOADED")" -eq "$i" ] &&
       tail -n 20 "$LOG" | grep -qE "$RELOADED.*, $records records \(generation $((i + 1))\)"; then
        swaps_ok=$((swaps_ok + 1))
    else
        echo "     | reload $i: expected $want, got $out"; tail -n 3 "$LOG" | sed 's/^/     | /'
    fi
    sleep 0.1  # pacing: the 20 reloads spread over 2 s or more of load
done
check "20 reloads, each serving its set at once ($swaps_ok of 20)" test $swaps_ok -eq 20
# Each replaced generation is freed once both workers have moved on (under load they do).
wait_for 'generation [0-9]+ freed' 20 5
out=$(grep -E 'freed' "$LOG" | tail -n 3)
check "the 20 replaced snapshots were freed ($(count 'generation [0-9]+ freed') of 20)" \
    test "$(count 'generation [0-9]+ freed')" -eq 20

touch "$WORK/stop"
wait "$LOAD"
out=$(cat "$WORK/load.json")
echo "     | load: $out"
summary() {  # summary PYTHON_EXPRESSION: evaluates it over the load's JSON summary
    python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
        "$WORK/load.json"
}
check "the load sent queries during the reloads" summary 'd["sent"] >= 3000'
check "no query went unanswered" summary 'd["unanswered"] == 0 and d["answered"] == d["sent"]'
check "every answer came from set A or set B" summary 'not d["bad"]'
check "answers came from both sets" summary 'd["seen"].get("192.0.2.1") and d["seen"].get("192.0.2.2")'
out=$(www)
check "the 20th swap's data is served ($out)" test "$out" = 192.0.2.1

# ---------------------------------------------------------------- refused reloads

swap "$WORK/broken.json"
reload
out=$(tail -n 1 "$LOG")
check "a broken zone: reload failed, generation 21 still served" \
    grep -qE "${FAILED}21: .*reload\.json: record 2: bad A data \"not-an-address\"" <<<"$out"
check "the failure logs its duration" grep -qE '\([0-9]+ ms\)$' <<<"$out"
out=$(www)
check "the old data is still served ($out)" test "$out" = 192.0.2.1

swap "$WORK/set-b.json"
cp "$WORK/site.json" "$WORK/site.good"
cp "$WORK/loop.json" "$WORK/site.json.tmp" && mv "$WORK/site.json.tmp" "$WORK/site.json"
reload
out=$(tail -n 1 "$LOG")
check "a looping topology: reload refused" grep -qE "${FAILED}21: " <<<"$out"
check "naming the loop" grep -qE 'london and paris share the address 203\.0\.113\.10.*loop back' <<<"$out"
out=$(www)
check "the old data is still served, not the new zone ($out)" test "$out" = 192.0.2.1

# ---------------------------------------------------------------- listen change

config "$WORK/site.json.tmp" --listen-extra && mv "$WORK/site.json.tmp" "$WORK/site.json"
reload
out=$(tail -n 3 "$LOG")
check "a listen change applies without a restart: 127.0.0.2 is bound" \
    grep -qE "listening on 127\.0\.0\.2:[0-9]+ \(UDP and TCP\)\$" <<<"$out"
check "the rest of the reload applies" grep -qE "${RELOADED}1 views, 1 zones, 5 records \(generation 22\)" <<<"$out"
out=$(www)
check "set B is served after it ($out)" test "$out" = 192.0.2.2

# ---------------------------------------------------------------- coalescing

# feed_gate: lets the reload blocked on the FIFO read one copy of the gate zone.
feed_gate() {
    timeout 10 bash -c 'cat "$1" > "$2"' _ "$WORK/gate-zone.json" "$WORK/gate.json"
}
config "$WORK/site.json.tmp" "gate.json" && mv "$WORK/site.json.tmp" "$WORK/site.json"
before=$(count "$RELOADED")
started=$(count 'SIGHUP: reloading')
queued=$(count 'one more reload queued')
already=$(count 'a reload is already queued')
# The first SIGHUP starts a reload that waits on the FIFO; four more arrive meanwhile.
kill -HUP "$PID"
wait_for 'SIGHUP: reloading' $((started + 1)) 10
for _ in 1 2 3 4; do
    kill -HUP "$PID"
    sleep 0.02  # apart, so that the kernel does not merge them into one pending signal
done
wait_for 'reload is already queued|one more reload queued' $((queued + already + 4)) 10
out=$(www)
check "while the reload waits, the old data is served ($out)" test "$out" = 192.0.2.2
out=$(tail -n 6 "$LOG")
check "4 SIGHUPs during a reload: one more reload queued" \
    test "$(count 'one more reload queued')" -eq $((queued + 1))
check "and the other three coalesced into it" \
    test "$(count 'a reload is already queued')" -eq $((already + 3))
feed_gate && wait_for "$RELOADED" $((before + 1)) 10
feed_gate && wait_for "$RELOADED" $((before + 2)) 10
out=$(tail -n 4 "$LOG")
check "exactly 2 reloads ran for the 5 SIGHUPs" test "$(($(count "$RELOADED") - before))" -eq 2
out=$(dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +short www.gate.test A 2>&1)
check "the gated zone is served ($out)" test "$out" = 192.0.2.9

# ---------------------------------------------------------------- dnsperf

if [ "${RELOAD_TEST_DNSPERF:-1}" != 0 ] && command -v dnsperf >/dev/null; then
    config "$WORK/site.json.tmp" && mv "$WORK/site.json.tmp" "$WORK/site.json"
    reload
    echo "www.reload.test A" >"$WORK/queries.txt"
    dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries.txt" -Q 8000 -l 8 -t 2 \
        >"$WORK/dnsperf.txt" 2>&1 &
    PERF=$!
    PIDS+=("$PERF")
    before=$(count "$ENDED")
    for i in $(seq 1 21); do
        # About 21 reloads in 8 s: one every 0.3 s (the wait for each is bounded by it).
        if [ $((i % 2)) -eq 1 ]; then swap "$WORK/set-a.json"; else swap "$WORK/set-b.json"; fi
        reload || break
        sleep 0.3
    done
    wait "$PERF"
    hups=$(($(count "$ENDED") - before))
    out=$(grep -E 'Queries (sent|completed|lost)|Queries per second' "$WORK/dnsperf.txt")
    sed 's/^/     | dnsperf: /' <<<"$out"
    check "dnsperf: 21 reloads during the run (got $hups)" test "$hups" -eq 21
    check "dnsperf at 8,000 queries/s for 8 s: Queries lost: 0" grep -qE 'Queries lost: +0 ' <<<"$out"
else
    echo "skip - dnsperf part (not installed or RELOAD_TEST_DNSPERF=0)"
fi

# ---------------------------------------------------------------- clean stop

out=$(count "$RELOADED")
check "no reload failed unexpectedly ($(count "$FAILED") failures)" test "$(count "$FAILED")" -eq 2
kill -TERM "$PID"
deadline=$((SECONDS + 5))
while kill -0 "$PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
wait "$PID"; rc=$?
check "stops cleanly after the reloads (exit $rc)" test $rc -eq 0

if [ $FAILURES -ne 0 ]; then
    echo "$FAILURES check(s) failed; server log tail:"
    tail -n 20 "$LOG" | sed 's/^/     | /'
    exit 1
fi
echo "all reload checks passed"
