#!/usr/bin/env bash
# systemd integration (SPEC §2, §3.1 `user`).
#
#   systemd_test.sh verify  SITEDNS SOURCE_DIR
#       `systemd-analyze verify` accepts systemd/sitedns.service (a copy pointing at the
#       built binary, since verify checks that ExecStart exists), and
#       `systemd-analyze security --offline=yes` rates it below 2.0 ("OK").
#   systemd_test.sh runtime SITEDNS SOURCE_DIR
#       The running binary: READY=1 on $NOTIFY_SOCKET once it answers, RELOADING=1 with
#       MONOTONIC_USEC and then READY=1 around SIGHUP, STOPPING=1 on SIGTERM; and, when run
#       as root with "user": "nobody", /proc/PID/status shows nobody's uid and gid (real,
#       effective, saved, fs) and no root group once it answers.
set -u

MODE=${1:?usage: systemd_test.sh verify|runtime SITEDNS SOURCE_DIR}
SITEDNS=${2:?usage: systemd_test.sh verify|runtime SITEDNS SOURCE_DIR}
SOURCE_DIR=${3:?usage: systemd_test.sh verify|runtime SITEDNS SOURCE_DIR}
SITEDNS=$(realpath "$SITEDNS")

# The scratch folder, cleanup, pass/fail/check/finish, start_sitedns.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- verify

run_verify() {
    if ! command -v systemd-analyze >/dev/null; then
        if [ "$(id -u)" -eq 0 ]; then "$SOURCE_DIR/.ci/install-deps" systemd; fi
        command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
    fi
    local unit="$WORK/sitedns.service"
    sed "s|/usr/sbin/sitedns|$SITEDNS|g" "$SOURCE_DIR/systemd/sitedns.service" >"$unit"
    check "the test copy runs the built binary" grep -q "^ExecStart=$SITEDNS " "$unit"
    # --man=no: the man page is not installed here (Documentation=man:sitedns(8)).
    if systemd-analyze verify --man=no "$unit" >"$WORK/verify.log" 2>&1 &&
       ! grep -q . "$WORK/verify.log"; then
        pass "systemd-analyze verify: no complaint"
    else
        sed 's/^/    /' "$WORK/verify.log"; fail "systemd-analyze verify"
    fi
    check "Type=notify" grep -qx 'Type=notify' "$unit"
    check "reload first checks what the server loads (check --serving)" \
        grep -qx "ExecReload=$SITEDNS check --serving --config /etc/sitedns/sitedns.json" "$unit"
    check "reload sends SIGHUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
    check "memory is capped (MemoryMax=2G, docs/operations.md)" grep -qx 'MemoryMax=2G' "$unit"
    check "runs as user sitedns with CAP_NET_BIND_SERVICE only" \
        bash -c 'grep -qx "User=sitedns" "$1" && grep -qx "AmbientCapabilities=CAP_NET_BIND_SERVICE" "$1" &&
                 grep -qx "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" "$1"' _ "$unit"

    # systemd 252 rates a unit file without a running manager with --offline=yes.
    if systemd-analyze security --offline=yes "$unit" >"$WORK/security.log" 2>&1; then
        local level
        level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$WORK/security.log")
        echo "    systemd-analyze security: exposure ${level:-?}"
        check "exposure level $level is below 2.0" awk -v l="$level" 'BEGIN { exit !(l != "" && l < 2.0) }'
    elif grep -q 'unrecognized option' "$WORK/security.log"; then
        skip_part "systemd-analyze security --offline=yes (not supported by this systemd)"
    else
        sed 's/^/    /' "$WORK/security.log" | tail -5; fail "systemd-analyze security"
    fi
}

# ---------------------------------------------------------------- runtime

# notify_listener SOCKET OUT: a stand-in for systemd's notification socket; each
# datagram becomes one line of OUT, its newlines turned into '|'.
notify_listener() {
    python3 - "$1" "$2" <<'PY' &
import socket, sys
address, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + address[1:] if address.startswith("@") else address)
open(out + ".bound", "w").close()
with open(out, "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        f.flush()
PY
    PIDS+=($!)
    disown $!  # killed at exit; no job report
    local deadline=$((SECONDS + 10))
    until [ -e "$2.bound" ]; do
        [ $SECONDS -ge $deadline ] && { echo "notify listener did not start"; return 1; }
        sleep 0.05
    done
}

# wait_line FILE FROM REGEX: waits (10 s at most) for a line matching REGEX at or after
# line FROM of FILE.
wait_line() {
    local deadline=$((SECONDS + 10))
    until tail -n +"$2" "$1" 2>/dev/null | grep -Eq "$3"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.05
    done
}

answers() {
    dig @127.0.0.1 -p "$PORT" +time=1 +tries=1 paris.example.local SOA 2>/dev/null |
        grep -q 'status: NOERROR'
}

# status_ids FIELD: the four ids of the Uid: or Gid: line of /proc/PID/status.
status_ids() { awk -v f="$1:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$PID/status"; }

run_runtime() {
    local socket="@sitedns-systemd-test-$$" messages="$WORK/notify.log"
    touch "$messages"
    notify_listener "$socket" "$messages" || exit 1

    # The work folder is readable by "nobody": a SIGHUP reload after the switch reads it.
    chmod 755 "$WORK"
    local as_root=0 config="$WORK/sitedns.json"
    [ "$(id -u)" -eq 0 ] && as_root=1
    python3 - "$SOURCE_DIR/config/examples/sites.json" "$config" "$as_root" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
if sys.argv[3] == "1":
    config["user"] = "nobody"
config["upstreams"] = ["127.0.0.1:9"]  # nothing is forwarded here; no resolv.conf needed
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
    chmod 644 "$config"

    NOTIFY_SOCKET="$socket" start_sitedns "$config" --listen 127.0.0.1:0 --threads 2
    local deadline=$((SECONDS + 10))
    until answers; do
        [ $SECONDS -ge $deadline ] && die "sitedns does not answer"
        sleep 0.05
    done
    pass "sitedns answers on 127.0.0.1:$PORT"

    check "READY=1 sent at start" wait_line "$messages" 1 '(^|\|)READY=1(\||$)'
    check "no STOPPING=1 or RELOADING=1 yet" bash -c '! grep -Eq "STOPPING=1|RELOADING=1" "$1"' _ "$messages"

    if [ $as_root = 1 ]; then
        local uid gid
        uid=$(id -u nobody); gid=$(id -g nobody)
        check "Uid: real, effective, saved and fs are nobody's ($uid)" \
            test "$(status_ids Uid)" = "$uid $uid $uid $uid"
        check "Gid: real, effective, saved and fs are nobody's ($gid)" \
            test "$(status_ids Gid)" = "$gid $gid $gid $gid"
        check "no supplementary root group" \
            bash -c '! awk "\$1 == \"Groups:\"" "/proc/$1/status" | grep -Eq "[[:space:]]0([[:space:]]|$)"' _ "$PID"
        check "no capability left (CapEff and CapPrm are 0)" \
            bash -c 'grep -Eq "^CapEff:[[:space:]]+0+$" "/proc/$1/status" &&
                     grep -Eq "^CapPrm:[[:space:]]+0+$" "/proc/$1/status"' _ "$PID"
        check "the log says it switched to nobody" grep -q 'switched to user nobody' "$WORK/sitedns.log"
    else
        skip_part "the switch to \"user\" (needs root)"
    fi

    local from=$(( $(wc -l <"$messages") + 1 ))
    kill -HUP "$PID"
    check "RELOADING=1 with MONOTONIC_USEC on SIGHUP" \
        wait_line "$messages" "$from" '^RELOADING=1\|MONOTONIC_USEC=[0-9]+(\||$)'
    local reloading
    reloading=$(tail -n +"$from" "$messages" | grep -n '^RELOADING=1' | head -1 | cut -d: -f1)
    check "READY=1 after the reload" \
        wait_line "$messages" "$((from + ${reloading:-1}))" '(^|\|)READY=1(\||$)'
    check "still answers after the reload" answers

    from=$(( $(wc -l <"$messages") + 1 ))
    kill -TERM "$PID"
    check "STOPPING=1 on SIGTERM" wait_line "$messages" "$from" '(^|\|)STOPPING=1(\||$)'
    local status=0
    wait "$PID" || status=$?
    check "exit status 0 after SIGTERM" test "$status" -eq 0
    echo "notifications received:"; sed 's/^/    /' "$messages"
    if [ $FAILURES -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then echo "server log:"; sed 's/^/    /' "$WORK/sitedns.log"; fi
}

case "$MODE" in
verify) run_verify ;;
runtime) run_runtime ;;
*) echo "unknown mode $MODE"; exit 2 ;;
esac
finish "$MODE"
