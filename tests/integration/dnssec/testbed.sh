#!/usr/bin/env bash
# An offline DNSSEC test bed (issue 22): a fake signed root, the signed zone example. and
# its children, signed (with keys made) at start-up so every signature is fresh, all served
# by one NSD on 127.0.0.1 (or TESTBED_ADDRESS). No network, no root: any user may run it.
#
# Usage, as a command:
#   testbed.sh start DIR [PORT [TLSA_SHA256]]   builds DIR, starts NSD in the background
#                                               and prints its port (PORT 0 or none: a
#                                               random one, another on a clash, 5 tries)
#   testbed.sh stop DIR                         stops that NSD (bounded wait, 5 s)
# or sourced (`. testbed.sh`): testbed_start DIR [PORT] sets TESTBED_PORT and TESTBED_PID
# (NSD's process: add it to lib.sh's PIDS), testbed_stop DIR stops it. Either way:
#   TESTBED_TLSA_SHA256   the hex of the TLSA 3 1 1 of _25._tcp.mx.example. and
#                         _25._tcp.mx.bogus.example. (the SHA-256 of a certificate's
#                         SubjectPublicKeyInfo); the argument wins over it; default
#                         $TESTBED_DEFAULT_TLSA, a fixed value
#   TESTBED_ADDRESS       the IPv4 address NSD listens on, and ns.example.'s A (default
#                         127.0.0.1; the end-to-end test serves the bed on "the Internet")
#   TESTBED_MX_ADDRESS    the A of the mail hosts mx.example., badtlsa.example. and
#                         mx.bogus.example. (default 127.0.0.1)
#   TESTBED_BIG_NAMES     N above 0 adds big.example., signed (NSEC), delegated with its DS,
#                         holding h1 ... hN.big.example. A 198.51.100.x: distinct secure names
#                         for bench/dnssec.sh (none by default)
#
# What DIR holds once started:
#   DIR/root.key        the trust anchor: the fake root's DS, as unbound's trust-anchor-file
#                       (and sitedns's "dnssec": {"trust_anchor"}) reads it
#   DIR/port            NSD's port
#   DIR/unbound.conf    a validating unbound configuration forwarding "." to NSD, for
#                       `unbound-host -C DIR/unbound.conf -v -t TYPE NAME`
#   DIR/zones/          the zone sources (*.zone) and signed zones (*.signed); keys/ the keys
#   DIR/nsd/            nsd.conf, nsd.pid, nsd.log
#
# The names, and what a validating resolver anchored at DIR/root.key must conclude:
#   www.example. A 192.0.2.1                         secure
#   nonexist.example.                                NXDOMAIN, secure (NSEC)
#   x.wild.example. TXT "wild"                       secure (*.wild.example., with its NSEC)
#   example. MX 10 mx.example.; mx.example. A MX_ADDRESS
#   _25._tcp.mx.example. TLSA 3 1 1 TLSA_SHA256      secure
#   badtlsa.example. A MX_ADDRESS; _25._tcp.badtlsa.example. TLSA 3 1 1 $TESTBED_BAD_TLSA
#                                                    secure data, a hash no certificate has
#   www.nsec3.example. A 192.0.2.3                   secure (zone signed with NSEC3)
#   nonexist.nsec3.example.                          NXDOMAIN, secure (NSEC3)
#   www.insecure.example. A 192.0.2.4                insecure (delegated without DS)
#   www.bogus.example. A 192.0.2.5                   bogus (its RRSIG's signature changed:
#                                                    the first base64 digit, in its first byte)
#   mx.bogus.example. A MX_ADDRESS                   secure
#   _25._tcp.mx.bogus.example. TLSA 3 1 1 TLSA_SHA256
#                                                    bogus (a forged TLSA: the right hash, its
#                                                    RRSIG's signature changed as www's)
#   www.stripped.example. A 192.0.2.6                bogus (its RRSIG removed)
#   www.expired.example. A 192.0.2.7                 bogus (signatures expired 2 days ago)
#   nonexist.noproof.example.                        bogus NXDOMAIN (the zone's NSECs removed)
#   x.w.wildnoproof.example. TXT "wild"              bogus (a wildcard answer; the NSEC of
#                                                    *.w..., which proves x.w... absent, removed)
#   dc1.corp.example. A 192.0.2.10                   corp.example. is served, unsigned, but
#                                                    example. proves it does not exist: bogus,
#                                                    unless exempt (domain-insecure, a
#                                                    negative trust anchor): insecure
# Every zone has the NS ns.example. (A ADDRESS) and its SOA; keys are one ECDSAP256SHA256
# (algorithm 13) key per signed zone, with the SEP flag, signing every RRset.

# Zone text and awk programs stand in single quotes on purpose.
# shellcheck disable=SC2016

TESTBED_DEFAULT_TLSA=8bd1da95272f7fa4ffb24137fc0ed03aae67e5c4d8b3c50734e1050a7920b922
TESTBED_BAD_TLSA=0000000000000000000000000000000000000000000000000000000000000000
TESTBED_TTL=300

# tb_now: seconds since the epoch.
tb_now() { date +%s; }

# tb_soa ORIGIN: the zone source's head: $ORIGIN, $TTL, SOA and NS.
tb_soa() {
    printf '$ORIGIN %s\n$TTL %s\n' "$1" "$TESTBED_TTL"
    printf '@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 %s\n' "$TESTBED_TTL"
    printf '@ IN NS ns.example.\n'
}

# tb_base ORIGIN: the name of ORIGIN's files: ORIGIN without its final dot, "root" for ".".
tb_base() { if [ "$1" = . ]; then echo root; else echo "${1%.}"; fi; }

# tb_sign DIR ORIGIN [LDNS-SIGNZONE OPTIONS...]: makes ORIGIN's key in DIR/keys, signs
# DIR/zones/BASE.zone into BASE.signed (valid from an hour ago for two weeks unless the
# options say otherwise) and writes the parent's DS to DIR/keys/BASE.ds (BASE: tb_base).
tb_sign() {
    local dir=$1 origin=$2 base key now
    shift 2
    base=$(tb_base "$origin")
    key=$(cd "$dir/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$origin") || return 1
    now=$(tb_now)
    ldns-signzone -i $((now - 3600)) -e $((now + 14 * 86400)) "$@" -o "$origin" \
        -f "$dir/zones/$base.signed" "$dir/zones/$base.zone" "$dir/keys/$key" || return 1
    cp "$dir/keys/$key.ds" "$dir/keys/$base.ds"
}

# tb_tamper NAME TYPE: an awk program for tb_edit that changes the signature of NAME's
# RRSIG covering TYPE (its first base64 digit: the signature's first byte).
tb_tamper() {
    printf '$1 == "%s" && $4 == "RRSIG" && $5 == "%s" {
        c = substr($NF, 1, 1); sub(/[^ \\t]+$/, (c == "A" ? "B" : "A") substr($NF, 2)); hit = 1 }' "$1" "$2"
}

# tb_edit FILE AWK_PROGRAM: rewrites the signed zone FILE through the awk program, which
# sets `hit` on each record it changes or drops; false (naming FILE) when it touched none,
# so a fault the test bed promises is always planted. ldns writes a record a line: owner,
# TTL, class, type, then RDATA (an RRSIG's covered type is $5, its signature the last field).
tb_edit() {
    awk "$2"' { print } END { exit !hit }' "$1" >"$1.new" ||
        { rm -f "$1.new"; echo "testbed: nothing to change in $1" >&2; return 1; }
    mv "$1.new" "$1"
}

# tb_children DIR TLSA_SHA256 MX_ADDRESS: the zones below example., each signed (or not)
# and broken as promised.
tb_children() {
    local dir=$1 z=$1/zones now
    now=$(tb_now)
    { tb_soa nsec3.example.; echo 'www A 192.0.2.3'; } >"$z/nsec3.example.zone"
    tb_sign "$dir" nsec3.example. -n -a 1 -t 0 -s '' || return 1

    {
        tb_soa bogus.example.
        echo 'www A 192.0.2.5'
        echo "mx A $3"
        echo "_25._tcp.mx TLSA 3 1 1 $2"
    } >"$z/bogus.example.zone"
    tb_sign "$dir" bogus.example. || return 1
    tb_edit "$z/bogus.example.signed" "$(tb_tamper www.bogus.example. A)" || return 1
    tb_edit "$z/bogus.example.signed" "$(tb_tamper _25._tcp.mx.bogus.example. TLSA)" || return 1

    { tb_soa stripped.example.; echo 'www A 192.0.2.6'; } >"$z/stripped.example.zone"
    tb_sign "$dir" stripped.example. || return 1
    tb_edit "$z/stripped.example.signed" '
        $1 == "www.stripped.example." && $4 == "RRSIG" && $5 == "A" { hit = 1; next }' ||
        return 1

    { tb_soa expired.example.; echo 'www A 192.0.2.7'; } >"$z/expired.example.zone"
    tb_sign "$dir" expired.example. -i $((now - 10 * 86400)) -e $((now - 2 * 86400)) || return 1

    { tb_soa noproof.example.; echo 'www A 192.0.2.8'; } >"$z/noproof.example.zone"
    tb_sign "$dir" noproof.example. || return 1
    tb_edit "$z/noproof.example.signed" '
        $4 == "NSEC" || ($4 == "RRSIG" && $5 == "NSEC") { hit = 1; next }' || return 1

    { tb_soa wildnoproof.example.; echo '*.w TXT "wild"'; } >"$z/wildnoproof.example.zone"
    tb_sign "$dir" wildnoproof.example. || return 1
    tb_edit "$z/wildnoproof.example.signed" '
        $1 == "*.w.wildnoproof.example." && ($4 == "NSEC" || ($4 == "RRSIG" && $5 == "NSEC")) {
            hit = 1; next }' || return 1

    { tb_soa insecure.example.; echo 'www A 192.0.2.4'; } >"$z/insecure.example.signed"
    { tb_soa corp.example.; echo 'dc1 A 192.0.2.10'; } >"$z/corp.example.signed"
}

# tb_big DIR N: big.example. with N names h1 ... hN, each one A record, signed.
tb_big() {
    local dir=$1 z=$1/zones
    { tb_soa big.example.; awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "h%d A 198.51.100.%d\n", i, i % 256 }'; } \
        >"$z/big.example.zone"
    tb_sign "$dir" big.example.
}

# tb_parents DIR TLSA_SHA256 MX_ADDRESS ADDRESS: example. (delegating its children, DS for
# the signed ones; no corp.) and the root delegating example.; writes DIR/root.key.
tb_parents() {
    local dir=$1 z=$1/zones child
    {
        tb_soa example.
        cat <<ZONE
@ MX 10 mx
ns A $4
www A 192.0.2.1
*.wild TXT "wild"
mx A $3
_25._tcp.mx TLSA 3 1 1 $2
badtlsa A $3
_25._tcp.badtlsa TLSA 3 1 1 $TESTBED_BAD_TLSA
insecure NS ns.example.
ZONE
        for child in nsec3 bogus stripped expired noproof wildnoproof big; do
            [ "$child" = big ] && [ ! -f "$dir/keys/big.example.ds" ] && continue
            echo "$child NS ns.example."
            cat "$dir/keys/$child.example.ds"
        done
    } >"$z/example.zone"
    tb_sign "$dir" example. || return 1
    {
        tb_soa .
        echo 'example. NS ns.example.'
        echo "ns.example. A $4"
        cat "$dir/keys/example.ds"
    } >"$z/root.zone"
    tb_sign "$dir" . || return 1
    cp "$dir/keys/root.ds" "$dir/root.key"
}

# tb_nsd_conf DIR ADDRESS PORT IDENTITY: NSD's configuration, every zone of DIR/zones, no
# chroot, no user switch, no database, no control channel.
tb_nsd_conf() {
    local dir=$1 signed origin
    cat <<CONF
server:
  ip-address: $2@$3
  port: $3
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  database: ""
  identity: "$4"
  zonesdir: "$dir/zones"
  zonelistfile: "$dir/nsd/zone.list"
  xfrdfile: "$dir/nsd/xfrd.state"
  xfrdir: "$dir/nsd/xfr"
  pidfile: "$dir/nsd/nsd.pid"
  logfile: "$dir/nsd/nsd.log"
  verbosity: 1
  rrl-ratelimit: 0
remote-control:
  control-enable: no
CONF
    for signed in "$dir"/zones/*.signed; do
        origin=$(basename "$signed" .signed).
        [ "$origin" = root. ] && origin=.
        printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "$origin" "$signed"
    done
}

# tb_unbound_conf DIR ADDRESS PORT: a validating unbound (unbound-host -C) anchored at DIR/root.key,
# forwarding everything to the test bed.
tb_unbound_conf() {
    cat <<CONF
server:
  trust-anchor-file: "$1/root.key"
  do-not-query-localhost: no
  do-ip6: no
  trust-anchor-signaling: no
  val-log-level: 2
forward-zone:
  name: "."
  forward-addr: $2@$3
CONF
}

# tb_serve DIR ADDRESS PORT: starts NSD on ADDRESS, PORT and waits (10 s at most) until it answers as itself
# (CH TXT id.server is this start's identity, so another server on the port does not
# count); false, NSD stopped (testbed_stop), when it does not.
tb_serve() {
    local dir=$1 address=$2 port=$3 identity pid="" deadline
    identity="sitedns-testbed-$$-$RANDOM"
    tb_nsd_conf "$dir" "$address" "$port" "$identity" >"$dir/nsd/nsd.conf"
    nsd-checkconf "$dir/nsd/nsd.conf" || return 1
    rm -f "$dir/nsd/nsd.pid"
    nsd -c "$dir/nsd/nsd.conf" >>"$dir/nsd/stderr.log" 2>&1 || return 1
    deadline=$((SECONDS + 10))
    while [ $SECONDS -lt $deadline ]; do
        [ -z "$pid" ] && [ -s "$dir/nsd/nsd.pid" ] && pid=$(cat "$dir/nsd/nsd.pid")
        if [ -n "$pid" ]; then
            kill -0 "$pid" 2>/dev/null || return 1
            [ "$(dig @"$address" -p "$port" +short +time=1 +tries=1 CH TXT id.server 2>/dev/null)" \
                = "\"$identity\"" ] && return 0
        fi
        sleep 0.05
    done
    [ -n "$pid" ] && testbed_stop "$dir"
    return 1
}

# testbed_start DIR [PORT]: builds the zones in DIR (made if missing) and serves them; sets
# TESTBED_PORT and TESTBED_PID. PORT 0 or none: a random free port, up to 5 tries.
testbed_start() {
    local dir=$1 port=${2:-0} try tool address=${TESTBED_ADDRESS:-127.0.0.1}
    local tlsa=${TESTBED_TLSA_SHA256:-$TESTBED_DEFAULT_TLSA} mx=${TESTBED_MX_ADDRESS:-127.0.0.1}
    for tool in ldns-keygen ldns-signzone nsd nsd-checkconf dig; do
        command -v "$tool" >/dev/null 2>&1 || { echo "testbed: '$tool' is not installed" >&2; return 1; }
    done
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
    rm -rf "$dir/zones" "$dir/keys" "$dir/nsd"
    mkdir -p "$dir/zones" "$dir/keys" "$dir/nsd/xfr" || return 1
    tb_children "$dir" "$tlsa" "$mx" || return 1
    if [ "${TESTBED_BIG_NAMES:-0}" -gt 0 ]; then tb_big "$dir" "$TESTBED_BIG_NAMES" || return 1; fi
    tb_parents "$dir" "$tlsa" "$mx" "$address" || return 1
    for try in 1 2 3 4 5; do
        [ "${2:-0}" = 0 ] && port=$((20000 + RANDOM % 40000))
        if tb_serve "$dir" "$address" "$port"; then
            TESTBED_PORT=$port
            # shellcheck disable=SC2034  # for the script that sources this one
            TESTBED_PID=$(cat "$dir/nsd/nsd.pid")
            echo "$port" >"$dir/port"
            tb_unbound_conf "$dir" "$address" "$port" >"$dir/unbound.conf"
            return 0
        fi
        echo "testbed: NSD on port $port, try $try, failed: $(tail -q -n 3 "$dir/nsd/nsd.log" \
            "$dir/nsd/stderr.log" 2>/dev/null | tr '\n' ' ')" >&2
        [ "${2:-0}" = 0 ] || return 1
    done
    return 1
}

# testbed_stop DIR: SIGTERM to DIR's NSD and a bounded wait (5 s) for it to end, then
# SIGKILL; true when none runs.
testbed_stop() {
    local pid
    [ -s "$1/nsd/nsd.pid" ] || return 0
    pid=$(cat "$1/nsd/nsd.pid")
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    case "${1:-}" in
    start)
        [ -n "${2:-}" ] || { echo "usage: testbed.sh start DIR [PORT [TLSA_SHA256]]" >&2; exit 2; }
        [ -n "${4:-}" ] && TESTBED_TLSA_SHA256=$4
        testbed_start "$2" "${3:-0}" || exit 1
        echo "$TESTBED_PORT"
        ;;
    stop)
        [ -n "${2:-}" ] || { echo "usage: testbed.sh stop DIR" >&2; exit 2; }
        testbed_stop "$2"
        ;;
    *)
        echo "usage: testbed.sh start DIR [PORT [TLSA_SHA256]] | stop DIR" >&2
        exit 2
        ;;
    esac
fi
