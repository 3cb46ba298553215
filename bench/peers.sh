# shellcheck shell=bash disable=SC2034  # (sourced by lib.sh: the variables set here are the callers')
# The servers of `make bench`: each one's configuration, written from the data set of
# gen_data.py into its own folder of the bench's temporary folder, started in the
# foreground of a background job, checked to answer, stopped by its process id.
#
#   SERVER        what it is                                           port (peer_port)
#   sitedns       sitedns, one view serving the zone files             5407
#   nsd           NSD 4, the zone files (rrl-ratelimit: 0)             5401
#   knot          Knot DNS, the zone files                             5402
#   echo-floor    bench/echo_floor.c: echoes each query, no lookup     5499
#   sitedns-fwd   sitedns forwarding everything to the NSD upstream    5413
#   unbound-fwd   Unbound, forward-zone "." to the NSD upstream        5411
#   dnsmasq-fwd   dnsmasq, server= the NSD upstream                    5412
#   sitedns-val   sitedns forwarding to the DNSSEC test bed, "dnssec":     5414
#                 {"validate": true} anchored at its root.key
#   unbound-val   Unbound, forward-zone "." to the DNSSEC test bed,       5415
#                 module-config "validator iterator", trust-anchor-file its root.key
# The forwarders' upstream is an NSD serving the same zones on 5410, unpinned. The
# validating ones' is the test bed (tests/integration/dnssec/testbed.sh), which
# bench/dnssec.sh starts: its folder in BENCH_BED_DIR, its port in BENCH_BED_PORT.
# BENCH_PORT_BASE (5400) moves every port.

PEER_SERVERS="sitedns nsd knot echo-floor sitedns-fwd unbound-fwd dnsmasq-fwd sitedns-val unbound-val"

peer_port() {
    local p
    case $1 in
        nsd) p=1 ;; knot) p=2 ;; sitedns) p=7 ;; echo-floor) p=99 ;;
        upstream) p=10 ;; unbound-fwd) p=11 ;; dnsmasq-fwd) p=12 ;; sitedns-fwd) p=13 ;;
        sitedns-val) p=14 ;; unbound-val) p=15 ;;
        bigzone-sitedns) p=90 ;; bigzone-nsd) p=91 ;;
        *) p=98 ;;
    esac
    echo $((${BENCH_PORT_BASE:-5400} + p))
}

# nsd_conf DIR PORT WORKERS ZONELIST: DIR/nsd.conf serving the zones of ZONELIST ("name
# file" lines), checked with nsd-checkconf. Debian's NSD limits each source to 200 answers
# a second (RRL) unless told otherwise.
nsd_conf() {
    local d=$1 port=$2 n=$3 list=$4 z f
    mkdir -p "$d/xfr"
    {
        printf 'server:\n  ip-address: 127.0.0.1@%s\n  port: %s\n  do-ip6: no\n' "$port" "$port"
        printf '  server-count: %s\n' "$n"
        [ "$n" -gt 1 ] && printf '  reuseport: yes\n'
        printf '  username: ""\n  chroot: ""\n  database: ""\n  zonesdir: "%s"\n' "$d"
        printf '  zonelistfile: "%s/zone.list"\n  xfrdfile: "%s/xfrd.state"\n' "$d" "$d"
        printf '  xfrdir: "%s/xfr"\n  pidfile: "%s/nsd.pid"\n  logfile: "%s/nsd.log"\n' "$d" "$d" "$d"
        printf '  verbosity: 0\n  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n'
        printf 'remote-control:\n  control-enable: no\n'
        while read -r z f; do printf 'zone:\n  name: %s\n  zonefile: "%s"\n' "$z" "$f"; done <"$list"
    } >"$d/nsd.conf"
    rm -f "$d/zone.list" "$d/xfrd.state"
    nsd-checkconf "$d/nsd.conf" >"$d/check.log" 2>&1 || { say "nsd-checkconf: $(head -n3 "$d/check.log")"; return 1; }
}

knot_conf() {
    local d=$1 port=$2 n=$3 list=$4 z f
    mkdir -p "$d/run" "$d/db"
    {
        printf 'server:\n  rundir: "%s/run"\n  listen: 127.0.0.1@%s\n' "$d" "$port"
        printf '  udp-workers: %s\n  tcp-workers: 1\n  background-workers: 1\n' "$n"
        printf 'log:\n  - target: stderr\n    any: warning\n'
        printf 'database:\n  storage: "%s/db"\ncontrol:\n  listen: "%s/run/knot.sock"\n' "$d" "$d"
        printf 'template:\n  - id: default\n    zonefile-sync: -1\n    zonefile-load: whole\n'
        printf '    journal-content: none\nzone:\n'
        while read -r z f; do printf '  - domain: %s\n    file: "%s"\n' "$z" "$f"; done <"$list"
    } >"$d/knot.conf"
    knotc -c "$d/knot.conf" conf-check >"$d/check.log" 2>&1 || { say "knotc conf-check: $(head -n3 "$d/check.log")"; return 1; }
}

# unbound_conf DIR PORT THREADS UPSTREAM_PORT [TRUST_ANCHOR_FILE]: a caching forwarder;
# with a trust anchor, validating (the validator module, as libunbound in sitedns).
unbound_conf() {
    local d=$1 port=$2 n=$3 up=$4 ta=${5:-} s
    {
        printf 'server:\n  interface: 127.0.0.1@%s\n  port: %s\n  do-ip6: no\n' "$port" "$port"
        printf '  num-threads: %s\n' "$n"
        for s in msg rrset infra key; do printf '  %s-cache-slabs: %s\n' "$s" "$n"; done
        printf '  so-reuseport: yes\n  username: ""\n  chroot: ""\n  directory: "%s"\n' "$d"
        printf '  pidfile: "%s/unbound.pid"\n  use-syslog: no\n  logfile: ""\n  verbosity: 0\n' "$d"
        if [ -n "$ta" ]; then
            printf '  module-config: "validator iterator"\n  trust-anchor-file: "%s"\n' "$ta"
            printf '  trust-anchor-signaling: no\n  val-log-level: 0\n'
        else
            printf '  module-config: "iterator"\n'
        fi
        printf '  qname-minimisation: no\n'
        printf '  access-control: 127.0.0.0/8 allow\n  do-not-query-localhost: no\n'
        printf '  msg-cache-size: 16m\n  rrset-cache-size: 32m\n  prefetch: no\n'
        printf 'remote-control:\n  control-enable: no\n'
        printf 'forward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@%s\n' "$up"
    } >"$d/unbound.conf"
    unbound-checkconf "$d/unbound.conf" >"$d/check.log" 2>&1 || { say "unbound-checkconf: $(head -n3 "$d/check.log")"; return 1; }
}

dnsmasq_conf() {
    local d=$1 port=$2 up=$3
    printf '%s\n' "port=$port" listen-address=127.0.0.1 bind-interfaces no-resolv no-hosts \
        no-poll keep-in-foreground "user=$(id -un)" "pid-file=$d/dnsmasq.pid" log-facility=- \
        cache-size=10000 "server=127.0.0.1#$up" >"$d/dnsmasq.conf"
    dnsmasq --test -C "$d/dnsmasq.conf" >"$d/check.log" 2>&1 || { say "dnsmasq --test: $(head -n3 "$d/check.log")"; return 1; }
}

# sitedns_conf FILE PORT THREADS ZONELIST|fwd:UPSTREAM_PORT [TRUST_ANCHOR_FILE]: one view
# for every client (SPEC §3.2), serving the zone files, or forwarding everything
# (recursion) upstream; with a trust anchor, validating ("dnssec": {"validate": true}).
sitedns_conf() {
    python3 - "$@" <<'PY' || return 1
import json, sys
out, port, threads, what = sys.argv[1:5]
anchor = sys.argv[5] if len(sys.argv) > 5 else ""
view = {"name": "all", "match_clients": ["any"]}
upstreams = []
if what.startswith("fwd:"):
    view.update(recursion=True, zones=[])
    upstreams = [f"127.0.0.1:{what[4:]}"]
else:
    view["zones"] = [line.split()[1] for line in open(what) if line.strip()]
config = {"listen": [f"127.0.0.1:{port}"], "threads": int(threads), "upstreams": upstreams,
          "log": {"level": "warning"}, "views": [view]}
if anchor:
    config["dnssec"] = {"validate": True, "trust_anchor": anchor, "negative_trust_anchors": []}
else:
    # The bench's NSD upstream serves unsigned zones: validation (on by default) would
    # find every forwarded answer bogus under the real root's anchor.
    config["dnssec"] = {"validate": False}
json.dump(config, open(out, "w"), indent=1)
PY
    "$SITEDNS_BIN" check --config "$1" >"$1.check" 2>&1 || { say "sitedns check: $(head -n3 "$1.check")"; return 1; }
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (UDP or TCP), so that what answers
# there is the server just started and not one somebody left running.
port_free() {
    [ -z "$(ss -Hlnut "( sport = :$1 )" 2>/dev/null)" ] || { say "port $1 is in use; set BENCH_PORT_BASE to move the bench's ports"; return 1; }
}

# launch PIN LOG CMD...: CMD in the background, pinned to SRV_CPU when PIN is 1, under
# callgrind (every process, each to its own file) when PEER_CALLGRIND is a folder. Sets
# LAUNCHED to its process id (taskset and valgrind keep it).
launch() {
    local pin=$1 logf=$2
    shift 2
    [ -n "${PEER_CALLGRIND:-}" ] &&
        set -- valgrind --tool=callgrind --trace-children=yes \
            --callgrind-out-file="$PEER_CALLGRIND/callgrind.out.%p" "$@"
    [ "$pin" = 1 ] && set -- taskset -c "$SRV_CPU" "$@"
    "$@" >"$logf" 2>&1 &
    LAUNCHED=$!
}

# ask PORT NAME TYPE [dig options]: dig's answer, one line: "STATUS | RR; RR; ..." with
# the answer section sorted and without TTLs (a forwarder's cache counts them down).
ask() {
    local port=$1 name=$2 type=$3
    shift 3
    dig +time=1 +tries=1 +nottlid +nocmd +nostats "$@" @127.0.0.1 -p "$port" "$name" "$type" 2>/dev/null |
        awk '/->>HEADER<<-/ { for (i = 1; i <= NF; i++) if ($i == "status:") { rc = $(i + 1); sub(/,$/, "", rc) } }
             /^;; ANSWER SECTION:/ { on = 1; next }
             /^$/ || /^;;/ { on = 0 }
             on { gsub(/[ \t]+/, " "); rr[n++] = $0 }
             END { if (rc == "") exit 1
                   for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (rr[j] < rr[i]) { t = rr[i]; rr[i] = rr[j]; rr[j] = t }
                   printf "%s |", rc; for (i = 0; i < n; i++) printf " %s;", rr[i]; print "" }'
}

# rd_flag SERVER: the dig flag a server is asked with (forwarders answer RD=1 only).
rd_flag() { case $1 in *-fwd | *-val) echo +rec ;; *) echo +norec ;; esac; }

# wait_answers PID PORT SERVER SECONDS: until the server gives the data set's check zone's
# MX (the echo floor: any answer; a validating forwarder: the test bed's www.example.), PID
# dies or SECONDS pass.
wait_answers() {
    local pid=$1 port=$2 server=$3 end=$(($(date +%s) + $4)) zone ans=""
    zone=$(awk 'NR == 1 { print $1 }' "$BENCH_DATA/check.txt")
    while [ "$(date +%s)" -lt "$end" ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        if [[ $server == *-val ]]; then
            [[ $(ask "$port" www.example. A +rec) == "NOERROR | www.example. IN A 192.0.2.1;" ]] && return 0
            sleep 0.1
            continue
        fi
        ans=$(ask "$port" "$zone" MX "$(rd_flag "$server")")
        [ "$server" = echo-floor ] && [ -n "$ans" ] && return 0
        [[ $ans == "NOERROR | $zone. IN MX 10 mail.$zone.;" ]] && return 0
        sleep 0.1
    done
    return 1
}

# stop_pid PID: TERM, up to 10 s to exit, then KILL.
stop_pid() {
    local p=$1
    [ -n "$p" ] || return 0
    kill -TERM "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null || true
}

# peer_start SERVER [THREADS]: writes SERVER's configuration, starts it (and for a
# forwarder the NSD upstream first) and waits until it answers. THREADS 1 (the default)
# pins it to SRV_CPU; 2 gives it two workers, unpinned. Sets PEER_PID, PEER_PORT and
# PEER_DIR. PEER_CALLGRIND=FOLDER runs it under callgrind. False, with the reason on
# stderr, when it does not answer within 30 s (180 s under callgrind).
peer_start() {
    local server=$1 n=${2:-1} pin=1 d up
    [ "$n" = 1 ] || pin=0
    d=$BENCH_WORK/peers/$server
    mkdir -p "$d"
    PEER_PID=""; PEER_UP_PID=""; PEER_DIR=$d; PEER_PORT=$(peer_port "$server")
    port_free "$PEER_PORT" || return 1
    if [[ $server == *-fwd ]]; then
        up=$(peer_port upstream)
        port_free "$up" && nsd_conf "$d/upstream" "$up" 1 "$BENCH_DATA/zones.list" || return 1
        PEER_CALLGRIND="" launch 0 "$d/upstream.log" nsd -d -c "$d/upstream/nsd.conf"
        PEER_UP_PID=$LAUNCHED
        wait_answers "$PEER_UP_PID" "$up" nsd 30 ||
            { say "$server: the NSD upstream did not answer: $(tail -n2 "$d/upstream.log" | tr '\n' ' ')"; peer_stop; return 1; }
    fi
    case $server in
        sitedns) sitedns_conf "$d/sitedns.json" "$PEER_PORT" "$n" "$BENCH_DATA/zones.list" || return 1
                 set -- "$SITEDNS_BIN" --config "$d/sitedns.json" ;;
        sitedns-fwd) sitedns_conf "$d/sitedns.json" "$PEER_PORT" "$n" "fwd:$up" || { peer_stop; return 1; }
                 set -- "$SITEDNS_BIN" --config "$d/sitedns.json" ;;
        nsd) nsd_conf "$d" "$PEER_PORT" "$n" "$BENCH_DATA/zones.list" || return 1
             set -- nsd -d -c "$d/nsd.conf" ;;
        knot) knot_conf "$d" "$PEER_PORT" "$n" "$BENCH_DATA/zones.list" || return 1
              set -- knotd -c "$d/knot.conf" ;;
        unbound-fwd) unbound_conf "$d" "$PEER_PORT" "$n" "$up" || { peer_stop; return 1; }
                     set -- unbound -d -c "$d/unbound.conf" ;;
        sitedns-val) sitedns_conf "$d/sitedns.json" "$PEER_PORT" "$n" "fwd:${BENCH_BED_PORT:?}" \
                         "${BENCH_BED_DIR:?}/root.key" || return 1
                     set -- "$SITEDNS_BIN" --config "$d/sitedns.json" ;;
        unbound-val) unbound_conf "$d" "$PEER_PORT" "$n" "${BENCH_BED_PORT:?}" "${BENCH_BED_DIR:?}/root.key" ||
                         return 1
                     set -- unbound -d -c "$d/unbound.conf" ;;
        dnsmasq-fwd) dnsmasq_conf "$d" "$PEER_PORT" "$up" || { peer_stop; return 1; }
                     set -- dnsmasq -C "$d/dnsmasq.conf" ;;
        echo-floor) [ -x "${BENCH_ECHO_FLOOR:-}" ] || { say "echo-floor: not built"; return 1; }
                    set -- "$BENCH_ECHO_FLOOR" "$PEER_PORT" ;;
        *) say "unknown server '$server' (one of $PEER_SERVERS)"; return 1 ;;
    esac
    launch "$pin" "$d/server.log" "$@"
    PEER_PID=$LAUNCHED
    wait_answers "$PEER_PID" "$PEER_PORT" "$server" "$([ -n "${PEER_CALLGRIND:-}" ] && echo 180 || echo 30)" ||
        { say "$server did not answer on 127.0.0.1:$PEER_PORT: $(tail -n3 "$d/server.log" | tr '\n' ' ')"; peer_stop; return 1; }
}

# peer_stop: stops what peer_start started, the server first.
peer_stop() {
    stop_pid "${PEER_PID:-}"
    stop_pid "${PEER_UP_PID:-}"
    PEER_PID=""; PEER_UP_PID=""
}
