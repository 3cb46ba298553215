#!/usr/bin/env bash
# Reload on SIGHUP under load (SPEC §2, §5): a UDP load runs while 20 SIGHUPs swap the
# zone between two valid sets; no query may go unanswered and every answer must come
# from one of the two sets. Then a broken zone and a looping topology are refused and
# the old data keeps being served; a listen change is applied without a restart;
# SIGHUPs during a reload coalesce into one more; and dnsperf's 64,000 queries at
# 8,000 a second with 21 SIGHUPs lose none.
# Reloads are counted by sitedns itself (sitedns_reloads_total), and each next step waits,
# bounded, for what sitedns says: a reload ended, a SIGHUP taken, a generation answering
# the load. No sleep keeps two events apart.
#
# Usage: reload_test.sh PATH/TO/sitedns SOURCE_DIR
# RELOAD_TEST_DNSPERF=0 leaves the dnsperf part out and exits 77 (skipped) after the rest
# passed; otherwise a missing dnsperf is a failure. RELOAD_TEST_QPS sets the python load.
set -u

SITEDNS=${1:?usage: reload_test.sh SITEDNS SOURCE_DIR}
: "${2:?usage: reload_test.sh SITEDNS SOURCE_DIR}"
QPS=${RELOAD_TEST_QPS:-3000}
DNSPERF=${RELOAD_TEST_DNSPERF:-1}

. "$(dirname "$0")/lib.sh"

require_tools dig python3 curl
if [ "$DNSPERF" != 0 ]; then require_tools dnsperf; fi

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
{ "listen": [$listen], "threads": 2, "metrics_listen": "127.0.0.1:0",
  "views": [ { "name": "all", "match_clients": ["any"], "zones": [$zones] } ] }
JSON
}

# A topology whose paris has london's address: mail between them loops (SPEC §2).
cat > "$WORK/loop.json" <<'JSON'
{ "listen": ["127.0.0.1:0"], "threads": 2, "metrics_listen": "127.0.0.1:0",
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
# gate.py FIFO ZONE OPENED GO: waits (bounded) until a reload opens FIFO to read it, says
# so in the file OPENED, then, once the file GO exists, writes ZONE into it.
cat >"$WORK/gate.py" <<'PY'
import errno, os, sys, time

fifo, zone, opened, go = sys.argv[1:5]
deadline = time.monotonic() + 20
while True:
    try:  # succeeds once a reader has the FIFO open, without letting it read yet
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        break
    except OSError as e:
        if e.errno != errno.ENXIO or time.monotonic() > deadline:
            sys.exit("gate: no reload opened the FIFO: %s" % e)
        time.sleep(0.01)
with open(opened, "w") as f:
    f.write("open\n")
while not os.path.exists(go):
    if time.monotonic() > deadline + 20:
        sys.exit("gate: never told to open")
    time.sleep(0.01)
os.set_blocking(fd, True)
with open(zone, "rb") as f:
    os.write(fd, f.read())
os.close(fd)
PY
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
        with open(ready_file, "w") as f:
            f.write("answered\n")
deadline = time.monotonic() + 2.0
while outstanding and time.monotonic() < deadline:
    receive(0.05)
print(json.dumps({"sent": sent, "answered": answered, "unanswered": len(outstanding),
                  "seen": seen, "bad": bad, "seconds": round(time.monotonic() - start, 1)}))
PY

# ---------------------------------------------------------------- the server's own counts

LOG="$WORK/sitedns.log"  # start_sitedns's
FAILED='reload failed, still serving generation '
SUCCESS='sitedns_reloads_total{outcome="success"}'
FAILURE='sitedns_reloads_total{outcome="failure"}'
ANSWERED='sitedns_queries_total{view="all",protocol="udp",rcode="NOERROR"}'

www() {  # the address the server gives for www.reload.test
    dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +short www.reload.test A 2>&1
}
generation() {  # the generation the server says it serves (topology.sitedns. CH TXT)
    dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +short topology.sitedns. CH TXT 2>&1 |
        sed -n 's/^"serial=[0-9]* generation=\([0-9]*\)"$/\1/p'
}
count() {  # count PATTERN: lines of the server log matching PATTERN
    grep -cE "$1" "$LOG"
}
metric() {  # metric SERIES: its value in a fresh scrape; nothing when the scrape fails
    scrape "$WORK/now" && value "$WORK/now" "$1"
}
answered() { metric "$ANSWERED"; }  # the queries for www.reload.test answered so far
successes() { metric "$SUCCESS"; }
ended() {  # reloads that ended, failed or not, from one scrape
    scrape "$WORK/now" &&
        echo $(($(value "$WORK/now" "$SUCCESS") + $(value "$WORK/now" "$FAILURE")))
}

# wait_count AT_LEAST COMMAND...: bounded wait (20 s, or until sitedns ends) until COMMAND
# prints a number of at least AT_LEAST; sets `out` to what it printed last.
wait_count() {
    local want=$1 deadline=$((SECONDS + 20)) n
    shift
    while :; do
        n=$("$@")
        out="$*: ${n:-no answer} (waiting for $want)"
        [ -n "$n" ] && [ "$n" -ge "$want" ] && return 0
        if [ $SECONDS -ge $deadline ] || ! kill -0 "$PID" 2>/dev/null; then return 1; fi
        sleep 0.02
    done
}

# reload: one SIGHUP, then a bounded wait until the server counts one more reload ended.
# A refused reload is logged before it is counted; a successful one is counted once its
# snapshot is published, and logged after that (wait for its line: wait_count 1 count RE).
reload() {
    local before
    before=$(ended) || return 1
    kill -HUP "$PID"
    wait_count $((before + 1)) ended
}

# swap FILE: the zone reload.json becomes FILE, atomically (rename).
swap() {
    cp "$1" "$WORK/reload.json.tmp" && mv "$WORK/reload.json.tmp" "$WORK/reload.json"
}

# on_load N: bounded wait until the generation just published has answered N more of the
# load's queries: each generation is seen serving traffic before the next SIGHUP.
on_load() {
    local mark
    mark=$(answered) || return 1
    wait_count $((mark + $1)) answered
}

# ---------------------------------------------------------------- 20 reloads under load

swap "$WORK/set-a.json"
config "$WORK/site.json"
start_sitedns "$WORK/site.json" --log-level debug
out=$(www)
check "set A is served first ($out)" test "$out" = 192.0.2.1

python3 "$WORK/load.py" "$PORT" "$QPS" "$WORK/stop" "$WORK/ready" >"$WORK/load.json" &
LOAD=$!
PIDS+=("$LOAD")
check "the load is running" wait_for_file "$WORK/ready" "$LOAD"

# reload_to I SET WANT RECORDS: swap I (to SET), then what the server says after it: I
# successful reloads, www is WANT, RECORDS records, generation I + 1. Sets `why` when not.
reload_to() {
    local i=$1 set=$2 want=$3 records=$4 got
    swap "$WORK/set-$set.json"
    if ! reload; then why="reload $i did not end: $out"; return 1; fi
    scrape "$WORK/now"
    got="$(www) $(value "$WORK/now" "$SUCCESS") $(value "$WORK/now" sitedns_records) $(generation)"
    [ "$got" = "$want $i $records $((i + 1))" ] && return 0
    why="reload $i: www, reloads, records, generation are $got; expected $want $i $records $((i + 1))"
    return 1
}
swaps_ok=0 paced=0 why=
on_load 100 && paced=1
for i in $(seq 1 20); do
    if [ $((i % 2)) -eq 1 ]; then
        reload_to "$i" b 192.0.2.2 5 || break
    else
        reload_to "$i" a 192.0.2.1 4 || break
    fi
    swaps_ok=$((swaps_ok + 1))
    on_load 100 && paced=$((paced + 1))
done
out=$why
check "20 reloads, each counted and serving its set at once ($swaps_ok of 20)" test $swaps_ok -eq 20
check "the load was answered by each of the 21 generations ($paced of 21)" test $paced -eq 21
# Each replaced generation is freed once both workers have moved on (under load they do).
check "the 20 replaced snapshots were freed" wait_count 20 count 'generation [0-9]+ freed'
check "each once ($(count 'generation [0-9]+ freed'))" test "$(count 'generation [0-9]+ freed')" -eq 20

touch "$WORK/stop"
wait "$LOAD"
out=$(cat "$WORK/load.json")
echo "     | load: $out"
summary() {  # summary PYTHON_EXPRESSION: evaluates it over the load's JSON summary
    python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
        "$WORK/load.json"
}
check "no query went unanswered" summary 'd["unanswered"] == 0 and d["answered"] == d["sent"]'
check "every answer came from set A or set B" summary 'not d["bad"]'
check "answers came from both sets" summary 'd["seen"].get("192.0.2.1") and d["seen"].get("192.0.2.2")'
out=$(www)
check "the 20th swap's data is served ($out)" test "$out" = 192.0.2.1

# ---------------------------------------------------------------- refused reloads

swap "$WORK/broken.json"
reload
out=$(grep -E "$FAILED" "$LOG")
check "a broken zone: reload failed, generation 21 still served" \
    grep -qE "${FAILED}21: .*reload\.json: record 2: bad A data \"not-an-address\"" <<<"$out"
check "the failure logs its duration" grep -qE "${FAILED}21: .*reload\.json: .*\([0-9]+ ms\)$" <<<"$out"
check "counted as a failure ($(metric "$FAILURE"))" test "$(metric "$FAILURE")" -eq 1
out=$(www)
check "the old data is still served ($out)" test "$out" = 192.0.2.1

swap "$WORK/set-b.json"
cp "$WORK/loop.json" "$WORK/site.json.tmp" && mv "$WORK/site.json.tmp" "$WORK/site.json"
reload
out=$(grep -E "${FAILED}" "$LOG")
check "a looping topology: reload refused, naming the loop" \
    grep -qE "${FAILED}21: .*london and paris share the address 203\.0\.113\.10.*back to itself" <<<"$out"
check "counted as a failure ($(metric "$FAILURE"))" test "$(metric "$FAILURE")" -eq 2
out=$(www)
check "the old data is still served, not the new zone ($out)" test "$out" = 192.0.2.1

# ---------------------------------------------------------------- listen change

config "$WORK/site.json.tmp" --listen-extra && mv "$WORK/site.json.tmp" "$WORK/site.json"
reload
check "a listen change applies without a restart: 127.0.0.2 is bound" \
    wait_count 1 count "listening on 127\.0\.0\.2:[0-9]+ \(UDP and TCP\)\$"
check "the rest of the reload applies" \
    wait_count 1 count "reloaded in [0-9]+ ms: 1 views, 1 zones, 5 records \(generation 22\)"
out=$(www)
check "set B is served after it ($out)" test "$out" = 192.0.2.2

# ---------------------------------------------------------------- coalescing

# gate N: gate.py for the Nth reload through the FIFO, in the background ($WORK/gate-N.*).
gate() {
    python3 "$WORK/gate.py" "$WORK/gate.json" "$WORK/gate-zone.json" "$WORK/gate-$1.open" \
        "$WORK/gate-$1.go" >"$WORK/gate-$1.log" 2>&1 &
    GATE=$!
    PIDS+=("$GATE")
}
# open_gate N SUCCESSES: lets reload N read the gate zone; bounded wait until sitedns
# counts SUCCESSES successful reloads.
open_gate() {
    touch "$WORK/gate-$1.go"
    wait_count "$2" successes
}
# hup_taken PATTERN: one SIGHUP, and a bounded wait for the log line that shows sitedns
# took it (one more line matching PATTERN): the next one cannot merge with it.
hup_taken() {
    local before
    before=$(count "$1")
    kill -HUP "$PID"
    wait_count $((before + 1)) count "$1"
}
config "$WORK/site.json.tmp" "gate.json" && mv "$WORK/site.json.tmp" "$WORK/site.json"
before=$(successes)
queued=$(count 'one more reload queued')
already=$(count 'a reload is already queued')
# The first SIGHUP starts a reload that waits on the FIFO; four more arrive meanwhile,
# each sent once sitedns has logged the one before.
gate 1
check "a SIGHUP starts a reload" hup_taken 'SIGHUP: reloading'
check "which opens the FIFO and waits on it" wait_for_file "$WORK/gate-1.open" "$GATE"
taken=0
for _ in 1 2 3 4; do
    hup_taken 'SIGHUP during a reload: one more reload queued|a reload is already queued' &&
        taken=$((taken + 1))
done
check "4 more SIGHUPs during it, each taken ($taken of 4)" test $taken -eq 4
out=$(www)
check "while the reload waits, the old data is served ($out)" test "$out" = 192.0.2.2
check "and no reload has ended ($(successes) successes)" test "$(successes)" -eq "$before"
check "the 4 SIGHUPs: one more reload queued" \
    test "$(count 'one more reload queued')" -eq $((queued + 1))
check "and the other three coalesced into it" \
    test "$(count 'a reload is already queued')" -eq $((already + 3))
check "the first reload reads the gate and ends" open_gate 1 $((before + 1))
gate 2
check "the queued reload reads it again and ends" open_gate 2 $((before + 2))
out=$(dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +short www.gate.test A 2>&1)
check "the gated zone is served ($out)" test "$out" = 192.0.2.9
# Exactly 2 reloads ran: a third would now be waiting on the FIFO, and the next SIGHUP
# would find it running. It finds none, and its reload (without the gate) ends.
config "$WORK/site.json.tmp" && mv "$WORK/site.json.tmp" "$WORK/site.json"
check "exactly 2 reloads ran for the 5 SIGHUPs: the next SIGHUP starts a new one" \
    hup_taken 'SIGHUP: reloading'
check "and it ends ($((before + 3)) successes)" wait_count $((before + 3)) successes

# ---------------------------------------------------------------- dnsperf

# 64,000 queries at 8,000 a second; 21 reloads while they run, each once the generation
# before it has answered 1,000 of them.
if [ "$DNSPERF" != 0 ]; then
    echo "www.reload.test A" >"$WORK/queries.txt"
    dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries.txt" -n 64000 -Q 8000 -l 60 -t 2 \
        >"$WORK/dnsperf.txt" 2>&1 &
    PERF=$!
    PIDS+=("$PERF")
    hups=0 paced=0
    for i in $(seq 1 21); do
        on_load 1000 || break
        paced=$((paced + 1))
        if [ $((i % 2)) -eq 1 ]; then swap "$WORK/set-a.json"; else swap "$WORK/set-b.json"; fi
        reload || break
        hups=$((hups + 1))
    done
    on_load 1000 && paced=$((paced + 1))
    wait "$PERF"
    out=$(grep -E 'Queries (sent|completed|lost)|Queries per second' "$WORK/dnsperf.txt")
    sed 's/^/     | dnsperf: /' <<<"$out"
    check "dnsperf: 21 reloads during the run ($hups)" test "$hups" -eq 21
    check "dnsperf: each of the 22 generations answered 1,000 of its queries ($paced)" \
        test "$paced" -eq 22
    check "dnsperf: all 64,000 queries sent" grep -qE 'Queries sent: +64000$' <<<"$out"
    check "dnsperf: Queries lost: 0" grep -qE 'Queries lost: +0 ' <<<"$out"
fi

# ---------------------------------------------------------------- clean stop

check "no reload failed unexpectedly ($(metric "$FAILURE") failures)" \
    test "$(metric "$FAILURE")" -eq 2
check "sitedns stops on SIGTERM" stop_sitedns
kill -KILL "$PID" 2>/dev/null  # only when it did not stop: its exit status then says so
wait "$PID"
rc=$?
check "stops cleanly after the reloads (exit $rc)" test $rc -eq 0

finish reload
if [ "$DNSPERF" = 0 ]; then
    echo "skip - the dnsperf part (RELOAD_TEST_DNSPERF=0)"
    exit 77
fi
