# Shared by the integration scripts (source it): a scratch folder, processes stopped on
# exit, and the ok/FAIL check lines every script prints.
#   WORK       scratch folder, removed on exit (kept, and named, when KEEP_WORK=1)
#   PIDS       processes to stop on exit (append with PIDS+=("$!")): SIGTERM, up to 3 s
#              to end, then SIGKILL
#   FAILURES   count of failed checks
#   cleanup_extra   optional function a script defines; run first on exit

WORK=$(mktemp -d)
PIDS=()
FAILURES=0

cleanup() {
    local pid
    if declare -F cleanup_extra >/dev/null; then cleanup_extra; fi
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILURES=$((FAILURES + 1)); }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds; on failure shows $out, the
# last command's output, when the script set it. COMMAND is the whole condition: a command,
# a function or `bash -c '...'`. Returns COMMAND's status, so a script may stop where later
# steps depend on it (`check ... || exit 1`); a condition chained after it (`check ... &&
# test ...`) would never be counted, and tests/lint/assertions.py refuses it.
check() {
    local what=$1; shift
    if "$@"; then
        pass "$what"
    else
        fail "$what"
        [ -n "${out:-}" ] && sed 's/^/     | /' <<<"$out"
        return 1
    fi
}

# skip_part WHAT: a part of the test that cannot run here. The rest still runs; `finish`
# then ends the test with 77, which ctest reports as Skipped (SKIP_RETURN_CODE), never as
# Passed, and names every part left out.
SKIPPED=()
skip_part() {
    echo "skip - $*"
    SKIPPED+=("$*")
}

# ---- sitedns with a metrics endpoint, for the scripts that start one server.
#   SITEDNS    the binary (set by the script)
#   PID, PORT, METRICS_PORT   set by start_sitedns

# show_log: the tail of sitedns's log, when there is one.
show_log() {
    [ -s "$WORK/sitedns.log" ] || return 0
    echo "--- sitedns log"; tail -20 "$WORK/sitedns.log"
}
die() { fail "$*"; show_log; echo "$FAILURES failure(s)"; exit 1; }

# wait_for_file FILE [PID [NAME]]: bounded wait (10 s) for a non-empty FILE written by
# process PID (default $PID, sitedns); false when PID ends first or time runs out, and
# then, when NAME is given, says which.
wait_for_file() {
    local pid=${2:-$PID} deadline=$((SECONDS + 10))
    until [ -s "$1" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            [ -n "${3:-}" ] && echo "$3 exited during start-up"
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            [ -n "${3:-}" ] && echo "$3 did not start within 10 s"
            return 1
        fi
        sleep 0.05
    done
}

# start_sitedns CONFIG [ARGS...]: starts sitedns with CONFIG (and ARGS) on the ports it
# asks (0: free ones), logging to $WORK/sitedns.log, and waits until it serves DNS and,
# when CONFIG has metrics_listen, metrics.
start_sitedns() {
    local config=$1; shift
    rm -f "$WORK/sitedns.port" "$WORK/metrics.port"
    SITEDNS_PORT_FILE="$WORK/sitedns.port" SITEDNS_METRICS_PORT_FILE="$WORK/metrics.port" \
        "$SITEDNS" --config "$config" "$@" >"$WORK/sitedns.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    wait_for_file "$WORK/sitedns.port" || die "sitedns did not start"
    PORT=$(cat "$WORK/sitedns.port")
    if grep -q '"metrics_listen"' "$config"; then
        wait_for_file "$WORK/metrics.port" || die "sitedns did not serve metrics"
        METRICS_PORT=$(cat "$WORK/metrics.port")
        pass "sitedns on port $PORT, metrics on port $METRICS_PORT"
    else
        pass "sitedns on port $PORT"
    fi
}

# ---- sections: one sitedns per configuration, for scripts that try several.
#   SECTION, SECTION_FAILURES   the section under way and the failures before it
#   CHECK_OUT                   what `sitedns check` printed for it

# section NAME: `sitedns check` accepts $WORK/NAME.json, and sitedns serves it (the
# previous section's stopped); false, with the reason, when check rejects it.
section() {
    SECTION=$1
    SECTION_FAILURES=$FAILURES
    echo "# $SECTION"
    : >"$WORK/sitedns.log"
    CHECK_OUT=$("$SITEDNS" check --config "$WORK/$SECTION.json" 2>&1)
    local rc=$?
    out=$CHECK_OUT
    check "$SECTION: sitedns check accepts the configuration" test $rc -eq 0
    [ $rc -eq 0 ] || return 1
    start_sitedns "$WORK/$SECTION.json"
}
# section_end: stops sitedns, showing its log when the section had a failure.
section_end() {
    if [ "$FAILURES" -gt "$SECTION_FAILURES" ] && [ -s "$WORK/sitedns.log" ]; then
        echo "--- sitedns log ($SECTION)"; tail -n 15 "$WORK/sitedns.log"
    fi
    if [ -n "${PID:-}" ]; then
        check "$SECTION: sitedns is still running after the section's queries" kill -0 "$PID"
        check "$SECTION: SIGTERM stops sitedns" stop_sitedns
        PID=""
        rm -f "$WORK/sitedns.port" "$WORK/metrics.port"
    fi
}

# write_r_zone FILE: the zone r.test. (www.r.test A 192.0.2.1) of the flood tests.
write_r_zone() {
    cat >"$1" <<'JSON'
{ "origin": "r.test.", "ttl": 60,
  "soa": { "mname": "ns.r.test.", "rname": "hostmaster.r.test.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.r.test." },
               { "name": "ns", "type": "A", "data": "192.0.2.53" },
               { "name": "www", "type": "A", "data": "192.0.2.1" } ] }
JSON
}
# write_zone FILE ORIGIN RECORDS_JSON: a zone ORIGIN (TTL 300) with its SOA, NS ns.ORIGIN
# (192.0.2.53) and RECORDS_JSON, one or more records of the zone file's "records".
write_zone() {
    cat >"$1" <<JSON
{ "origin": "$2", "ttl": 300,
  "soa": { "mname": "ns.$2", "rname": "hostmaster.$2", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.$2" },
               { "name": "ns", "type": "A", "data": "192.0.2.53" }, $3 ] }
JSON
}
# stop_sitedns: SIGTERM, and a bounded wait (10 s, a guard against a hang) for the process
# to end; false if it did not.
stop_sitedns() {
    kill -TERM "$PID"
    for _ in $(seq 100); do
        kill -0 "$PID" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}
# finish WHAT: the closing lines; exit 1 (with the log's tail) after a failed check, 77
# when a part was skipped.
finish() {
    if [ "$FAILURES" -ne 0 ]; then
        show_log
        echo "$FAILURES failure(s)"
        exit 1
    fi
    if [ ${#SKIPPED[@]} -ne 0 ]; then
        echo "SKIP: the $1 checks that ran passed; not run: $(IFS=';'; echo "${SKIPPED[*]}")"
        exit 77
    fi
    echo "all $1 checks passed"
}

scrape() { curl -sf --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$1"; }
value() {  # value FILE SERIES: its value, 0 when absent
    awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}
field() {  # field JSON PYTHON_EXPRESSION over `r`, a client script's JSON result
    python3 -c "import json, sys; r = json.loads(sys.argv[1]); print($2)" "$1"
}
# thread_answers FILE: the scrape's sitedns_thread_answers_total series, "THREAD COUNT" a line.
thread_answers() {
    sed -n 's/^sitedns_thread_answers_total{thread="\([0-9]*\)"} \([0-9]*\)$/\1 \2/p' "$1"
}
# threads_moved BEFORE AFTER N: the scrapes show N threads and each answered between them.
threads_moved() {
    join <(thread_answers "$1" | sort) <(thread_answers "$2" | sort) |
        awk -v n="$3" '$3 > $2 { moved++ } END { exit !(NR == n && moved == n) }'
}

# require_tools TOOL...: the test cannot run without these; exit 77 (Skipped) naming the
# first one not installed. `make test` installs them all (.ci/install-deps).
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: '$tool' is not installed ('make deps')"; exit 77; }
    done
}

# ---- fake upstreams (fake_upstream.py) and dig, for the forwarding scripts.
#   FAKE_PORT   set by start_fake

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FAKE_UPSTREAM="$LIB_DIR/fake_upstream.py"

# start_fake NAME ARGS...: `fake_upstream.py serve ARGS...` logging every query it gets
# to $WORK/NAME.log; waits until it listens and sets FAKE_PORT.
start_fake() {
    local name=$1; shift
    python3 "$FAKE_UPSTREAM" serve --port-file "$WORK/$name.port" --log "$WORK/$name.log" "$@" \
        >"$WORK/$name.stderr" 2>&1 &
    local pid=$! deadline=$((SECONDS + 10))
    disown "$pid"  # killed at exit, without the shell's "Killed" line
    PIDS+=("$pid")
    until [ -s "$WORK/$name.port" ]; do
        if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            cat "$WORK/$name.stderr"; return 1
        fi
        sleep 0.05
    done
    FAKE_PORT=$(cat "$WORK/$name.port")
}
# fake_down PORT: the fake on PORT drops every query from now on (a WAN outage); false
# when it still answers.
fake_down() {
    dig @127.0.0.1 -p "$1" +time=2 +tries=1 die.control A >/dev/null 2>&1
    ! dig @127.0.0.1 -p "$1" +time=1 +tries=1 probe.control A >/dev/null 2>&1
}
seen() {  # seen FAKE NAME: how many queries for NAME (no final dot) FAKE received
    grep -c " qname=${2//./\\.}\. " "$WORK/$1.log" 2>/dev/null
}
# ask_from SOURCE ARGS...: dig at sitedns ($PORT) from the loopback address SOURCE (its view).
ask_from() {
    local source=$1; shift
    dig @127.0.0.1 -p "$PORT" -b "$source" +time=5 +tries=1 "$@" 2>&1
}
rcode_of() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$1"; }
rcode_is() { [ "$(rcode_of "$1")" = "$2" ]; }  # rcode_is DIG_OUTPUT RCODE
# has_rr DIG_OUTPUT NAME TYPE DATA: the answer section holds NAME TYPE DATA.
has_rr() {
    awk -v n="$2." -v t="$3" -v d="$4" '
        /^;; ANSWER SECTION:/ { on = 1; next } /^$/ { on = 0 }
        on && tolower($1) == tolower(n) && $4 == t {
            $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); if ($0 == d) found = 1 }
        END { exit !found }' <<<"$1"
}
answer_count() { sed -n 's/.*ANSWER: \([0-9]*\),.*/\1/p' <<<"$1"; }
