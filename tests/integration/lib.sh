# Shared by the integration scripts (source it): a scratch folder, processes killed on
# exit, and the ok/FAIL check lines every script prints.
#   WORK       scratch folder, removed on exit
#   PIDS       processes to kill on exit (append with PIDS+=("$!"))
#   FAILURES   count of failed checks
#   cleanup_extra   optional function a script defines; run first on exit

WORK=$(mktemp -d)
PIDS=()
FAILURES=0

cleanup() {
    if declare -F cleanup_extra >/dev/null; then cleanup_extra; fi
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILURES=$((FAILURES + 1)); }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds; on failure shows $out, the
# last command's output, when the script set it.
check() {
    local what=$1; shift
    if "$@"; then
        pass "$what"
    else
        fail "$what"
        [ -n "${out:-}" ] && sed 's/^/     | /' <<<"$out"
    fi
    return 0
}

# ---- sitedns with a metrics endpoint, for the scripts that start one server.
#   SITEDNS    the binary (set by the script)
#   PID, PORT, METRICS_PORT   set by start_sitedns

die() { fail "$*"; echo "--- sitedns log"; tail -20 "$WORK/sitedns.log"; exit 1; }

wait_for_file() {  # wait_for_file FILE: bounded wait for a non-empty FILE from sitedns
    local deadline=$((SECONDS + 10))
    until [ -s "$1" ]; do
        kill -0 "$PID" 2>/dev/null || return 1
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

# start_sitedns CONFIG: starts sitedns on the ports CONFIG asks (0: free ones), logging to
# $WORK/sitedns.log, and waits until it serves DNS and metrics.
start_sitedns() {
    SITEDNS_PORT_FILE="$WORK/sitedns.port" SITEDNS_METRICS_PORT_FILE="$WORK/metrics.port" \
        "$SITEDNS" --config "$1" >"$WORK/sitedns.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    wait_for_file "$WORK/sitedns.port" && wait_for_file "$WORK/metrics.port" ||
        die "sitedns did not start"
    PORT=$(cat "$WORK/sitedns.port")
    METRICS_PORT=$(cat "$WORK/metrics.port")
    pass "sitedns on port $PORT, metrics on port $METRICS_PORT"
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
# stop_sitedns: SIGTERM, and a bounded wait for the process to end; false if it did not.
stop_sitedns() {
    kill -TERM "$PID"
    for _ in $(seq 50); do
        kill -0 "$PID" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}
# finish WHAT: the closing lines, and exit 1 (with the log's tail) after a failed check.
finish() {
    if [ "$FAILURES" -ne 0 ]; then
        echo "--- sitedns log"; tail -20 "$WORK/sitedns.log"
        echo "$FAILURES failure(s)"
        exit 1
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
