#!/usr/bin/env bash
# End-to-end test of forwarding (SPEC §5, "Forwarding" and "EDNS Client Subnet") through
# the sitedns binary on loopback: scriptable fake upstreams (fake_upstream.py) and NSD as
# a real upstream. Failover, TCP retry on TC, SERVFAIL with the EDE that names why when
# all fail, serve-stale, TTLs counting down in the cache, negative caching, merged
# identical queries, spoofed replies ignored, random IDs and source ports spread over
# their ranges (RFC 5452), REFUSED without recursion, RA, ECS never forwarded, ECS
# trusted and untrusted for the view choice; per-upstream options (timeout_ms, tcp), a
# lost packet to the only upstream asked again, forwarding options changed by a reload,
# and forwarded queries answered SERVFAIL at SIGTERM rather than holding the process.
#
# No check times the machine: each asserts a cause the server shows (which upstream saw
# how many queries, the cache and upstream counters of the metrics endpoint, the EDE
# text), and every wait is bounded (10 s) only as a guard against hanging.
#
# Usage: forward_test.sh PATH/TO/sitedns SOURCE_DIR
#
# One sitedns serves every case; the client's loopback source address (dig -b) picks
# the view, and each view has the upstreams its case needs:
#   127.0.0.0/8   rec       upstreams [A]                 zone site.test (where = 10.1.0.1)
#   127.0.0.2/32  failover  upstreams [B (drops), A]
#   127.0.0.3/32  dead      upstreams [B (drops), a closed port]
#   127.0.0.4/32  nsd       upstreams [NSD]
#   127.0.0.5/32  stale     upstreams [C]
#   127.0.0.6/32  tcponly   upstreams [{D, tcp: true}]
#   127.0.0.7/32  quick     upstreams [{E (drops the first 3), timeout_ms: 50}]
#   127.0.0.8/32  spread    upstreams [{F (holds every reply until 200 queries came),
#                                        timeout_ms: the deadline}]
#   127.0.1.0/24  norec     no recursion, no zones
#   127.0.2.0/24  paris     zone site.test (where = 10.2.0.1)
# and 127.0.0.9 is the one sender in ecs_trust.
set -u

SITEDNS=${1:?usage: forward_test.sh SITEDNS SOURCE_DIR}
SOURCE_DIR=${2:?usage: forward_test.sh SITEDNS SOURCE_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PATH=$PATH:/usr/sbin

# An attempt long beside a loopback exchange, and the longest deadline the server allows
# (query_deadline_ms < 3 s, SPEC §5): an exchange that has to stay open, or several
# attempts that have to fit in one query, get the most room.
ATTEMPT_MS=1000
DEADLINE_MS=2900
# Upstream queries for the RFC 5452 spread: a random value falls in a given eighth of
# its range with p = 1/8, so some eighth stays empty with p < 8 * (7/8)^200 < 1e-10.
SPREAD=200

# The scratch folder, cleanup, pass/fail/check/die, wait_for_file, start_fake, seen.
KEEP_WORK=${FORWARD_KEEP:-0}
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

for tool in dig python3 nsd nsd-checkconf; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed ('make deps' installs it)"
done

free_port() {  # a port free for UDP and TCP on 127.0.0.1 right now
    python3 - <<'PY'
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        t.close()
        u.close()
    print(port)
    break
PY
}

# q SOURCE ARGS...: dig at sitedns from the loopback address SOURCE, one try, bounded
q() {
    local source=$1; shift
    dig @127.0.0.1 -p "$PORT" -b "$source" +time=10 +tries=1 "$@" 2>&1
}
# metric SERIES: its value now, from a fresh scrape of the metrics endpoint.
metric() {
    if scrape "$WORK/metrics"; then value "$WORK/metrics" "$1"; else echo "no-scrape"; fi
}
errors_of() {  # errors_of PORT: failed exchanges with the fake upstream on PORT
    metric "sitedns_upstream_errors_total{upstream=\"127.0.0.1:$1\"}"
}
# moved_by BEFORE AFTER N: the counter went from BEFORE to AFTER, up by N exactly (both
# read: a failed scrape is no move).
moved_by() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && [ "$(($2 - $1))" -eq "$3" ]; }

ttl_of() {  # ttl_of DIG_OUTPUT NAME: the TTL of NAME's first A record
    awk -v n="$2." '$1 == n && $3 == "IN" && $4 == "A" { print $2; exit }' <<<"$1"
}
has_a() {  # has_a DIG_OUTPUT NAME ADDRESS
    grep -qE "^${2//./\\.}\.\s+[0-9]+\s+IN\s+A\s+${3//./\\.}$" <<<"$1"
}
status_is() { grep -q "status: $2," <<<"$1"; }
flag_set() { grep -qE "^;; flags:[a-z ]* $2[ ;]" <<<"$1"; }
has_ede() {  # has_ede DIG_OUTPUT CODE ("" for any code) [TEXT]: the EDE, with TEXT
    grep -E "^; EDE: ${2:-[0-9]+}( |$)" <<<"$1" | grep -qF "${3:-}"
}
ede_of() { grep '^; EDE' <<<"$1"; }
soa_in_authority() {
    grep -A1 'AUTHORITY SECTION' <<<"$1" | grep -qE "\sIN\s+SOA\s"
}
# ttl_since TTL FIRST SINCE: a cached TTL counted down from FIRST no faster than the
# clock: at most FIRST, at least FIRST less the whole seconds since SINCE ($SECONDS
# before the query that filled the cache), less one for the rounding of both clocks.
ttl_since() {
    [ -n "$1" ] && [ "$1" -le "$2" ] && [ "$1" -ge $(($2 - (SECONDS - $3) - 1)) ]
}
# log_field LOG KEY: the value of KEY=... on every line of a fake upstream's log.
log_field() {
    awk -v k="$2=" '{ for (i = 1; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$1"
}
# eighths LOW HIGH: how many of the numbers on stdin fall in each eighth of LOW..HIGH,
# then how many fall outside it (9 numbers).
eighths() {
    awk -v lo="$1" -v hi="$2" '
        $1 < lo || $1 > hi { out++; next }
        { n[int(($1 - lo) * 8 / (hi - lo + 1))]++ }
        END { for (i = 0; i < 8; i++) printf "%d ", n[i]; print out + 0 }'
}
covers() {  # covers "EIGHTHS": every eighth holds a number, and none is outside
    local counts
    read -ra counts <<<"$1"
    [ "${#counts[@]}" -eq 9 ] && [ "${counts[8]}" -eq 0 ] &&
        ! printf '%s\n' "${counts[@]:0:8}" | grep -qx 0
}
counted_down() { [ -n "$1" ] && [ "$1" -lt "$2" ] && ttl_since "$@"; }  # and below FIRST

# ---------------------------------------------------------------- fixtures

zone_json() {  # zone_json FILE WHERE_ADDRESS
    cat >"$1" <<JSON
{ "origin": "site.test.", "ttl": 300,
  "soa": { "mname": "ns.site.test.", "rname": "hostmaster.site.test.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [ { "name": "@", "type": "NS", "data": "ns.site.test." },
               { "name": "ns", "type": "A", "data": "192.0.2.53" },
               { "name": "where", "type": "A", "data": "$2" } ] }
JSON
}
zone_json "$WORK/site-rec.json" 10.1.0.1
zone_json "$WORK/site-paris.json" 10.2.0.1

cat >"$WORK/nsd.test.zone" <<'ZONE'
$ORIGIN nsd.test.
$TTL 3600
@      IN SOA  ns1.nsd.test. hostmaster.nsd.test. 1 3600 600 86400 120
       IN NS   ns1
       IN MX   10 mail
ns1    IN A    192.0.2.53
www    IN A    192.0.2.80
www    IN A    192.0.2.81
mail   IN A    192.0.2.25
alias  IN CNAME www
short  60 IN A 192.0.2.60
ZONE

# ---------------------------------------------------------------- upstreams

start_fake A \
    --rule "ok.fwd.test answer addr=192.0.2.10" \
    --rule "ttl.fwd.test answer addr=192.0.2.11 ttl=300" \
    --rule "nx.fwd.test nxdomain minimum=60" \
    --rule "nodata.fwd.test nodata minimum=60" \
    --rule "trunc.fwd.test truncate addr=192.0.2.12" \
    --rule "merge.fwd.test delay $((ATTEMPT_MS / 4)) addr=192.0.2.13" \
    --rule "spoof-id.fwd.test wrong-id addr=192.0.2.14" \
    --rule "spoof-q.fwd.test wrong-question addr=192.0.2.15" \
    --rule "spoof-port.fwd.test wrong-port addr=192.0.2.16" \
    --rule "spoof-only.fwd.test wrong-id real=0" \
    --rule "ecs.fwd.test answer addr=192.0.2.17" \
    --rule "ecs-trusted.fwd.test answer addr=192.0.2.21" \
    --rule "failover.fwd.test answer addr=192.0.2.18" \
    --rule "failover2.fwd.test answer addr=192.0.2.19" \
    --rule "lost.fwd.test drop-first addr=192.0.2.22" \
    --rule "reload.fwd.test answer addr=192.0.2.24" || die "fake upstream A"
PORT_A=$FAKE_PORT
start_fake B --default drop || die "fake upstream B"
PORT_B=$FAKE_PORT
start_fake C --rule "stale.fwd.test answer addr=192.0.2.20 ttl=1" || die "fake upstream C"
PORT_C=$FAKE_PORT
start_fake D --default "answer addr=192.0.2.25" || die "fake upstream D"
PORT_D=$FAKE_PORT
start_fake E --default drop --rule "quick.fwd.test drop-first count=3 addr=192.0.2.23" ||
    die "fake upstream E"
PORT_E=$FAKE_PORT
start_fake F --default "hold count=$SPREAD addr=192.0.2.26" || die "fake upstream F"
PORT_F=$FAKE_PORT
PORT_CLOSED=$(free_port)

start_nsd() {
    local try deadline
    mkdir -p "$WORK/nsd/xfr"
    for try in 1 2 3; do
        NSD_PORT=$(free_port)
        cat >"$WORK/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  port: $NSD_PORT
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  database: ""
  zonesdir: "$WORK"
  zonelistfile: "$WORK/nsd/zone.list"
  xfrdfile: "$WORK/nsd/xfrd.state"
  xfrdir: "$WORK/nsd/xfr"
  pidfile: "$WORK/nsd/nsd.pid"
  logfile: "$WORK/nsd/nsd.log"
  verbosity: 1
  minimal-responses: yes
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: nsd.test
  zonefile: "$WORK/nsd.test.zone"
CONF
        nsd-checkconf "$WORK/nsd/nsd.conf" || return 1
        nsd -d -c "$WORK/nsd/nsd.conf" >"$WORK/nsd/stderr.log" 2>&1 &
        NSD_PID=$!
        PIDS+=("$NSD_PID")
        deadline=$((SECONDS + 10))
        while kill -0 "$NSD_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
            dig @127.0.0.1 -p "$NSD_PORT" +norec +time=1 +tries=1 nsd.test SOA 2>/dev/null |
                grep -q 'status: NOERROR' && return 0
            sleep 0.1
        done
        kill -KILL "$NSD_PID" 2>/dev/null
        echo "NSD start $try failed: $(tail -n 3 "$WORK/nsd/stderr.log" "$WORK/nsd/nsd.log" 2>/dev/null | tr '\n' ' ')"
    done
    return 1
}
start_nsd || die "NSD did not start"

# ---------------------------------------------------------------- sitedns

cat >"$WORK/sitedns.json" <<JSON
{
  "listen": ["127.0.0.1:0"],
  "threads": 1,
  "metrics_listen": "127.0.0.1:0",
  "upstreams": ["127.0.0.1:$PORT_A"],
  "dnssec": { "validate": false },
  "forwarding": { "attempt_timeout_ms": $ATTEMPT_MS, "query_deadline_ms": $DEADLINE_MS,
                  "down_time_ms": 3600000, "cache_entries": 1000, "serve_stale_s": 3600,
                  "max_ttl_s": 86400, "max_negative_ttl_s": 3600, "max_in_flight": 1000 },
  "ecs_trust": ["127.0.0.9/32"],
  "views": [
    { "name": "rec", "match_clients": ["127.0.0.0/8"], "recursion": true, "zones": ["site-rec.json"] },
    { "name": "failover", "match_clients": ["127.0.0.2/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_B", "127.0.0.1:$PORT_A"] },
    { "name": "dead", "match_clients": ["127.0.0.3/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_B", "127.0.0.1:$PORT_CLOSED"] },
    { "name": "nsd", "match_clients": ["127.0.0.4/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$NSD_PORT"] },
    { "name": "stale", "match_clients": ["127.0.0.5/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_C"] },
    { "name": "tcponly", "match_clients": ["127.0.0.6/32"], "recursion": true,
      "upstreams": [ { "address": "127.0.0.1:$PORT_D", "tcp": true } ] },
    { "name": "quick", "match_clients": ["127.0.0.7/32"], "recursion": true,
      "upstreams": [ { "address": "127.0.0.1:$PORT_E", "timeout_ms": 50 } ] },
    { "name": "spread", "match_clients": ["127.0.0.8/32"], "recursion": true,
      "upstreams": [ { "address": "127.0.0.1:$PORT_F", "timeout_ms": $DEADLINE_MS } ] },
    { "name": "norec", "match_clients": ["127.0.1.0/24"], "zones": [] },
    { "name": "paris", "match_clients": ["127.0.2.0/24"], "zones": ["site-paris.json"] }
  ]
}
JSON

out=$("$SITEDNS" check --config "$WORK/sitedns.json" 2>&1); rc=$?
check "check accepts the forwarding config ($out)" test $rc -eq 0

# check_rejects DESCRIPTION JSON_PATH UPSTREAMS_JSON: `sitedns check` exits 1, an invalid
# configuration (SPEC §2; a crash's 134 or 139 is no rejection), naming the path.
check_rejects() {
    printf '{ "listen": ["127.0.0.1:0"], "upstreams": %s,
  "forwarding": { "query_deadline_ms": 1000 } }\n' "$3" >"$WORK/bad.json"
    out=$("$SITEDNS" check --config "$WORK/bad.json" 2>&1); rc=$?
    check "check rejects $1: exit 1 (got $rc; $(head -n1 <<<"$out"))" \
        bash -c '[ "$1" -eq 1 ] && grep -qF "$2" <<<"$3"' _ "$rc" "$2" "$out"
}
check_rejects "an unknown key in an upstream object" "/upstreams/1/timeout" \
    '["127.0.0.1:53", { "address": "127.0.0.2:53", "timeout": 300 }]'
check_rejects "an upstream timeout over the query deadline" "/upstreams/0/timeout_ms" \
    '[{ "address": "127.0.0.1:53", "timeout_ms": 1200 }]'
check_rejects "an upstream object without an address" "/upstreams/0" '[{ "tcp": true }]'

start_sitedns "$WORK/sitedns.json" --listen 127.0.0.1:0
deadline=$((SECONDS + 10))
until q 127.0.0.1 +norec where.site.test A | grep -q 'status: NOERROR'; do
    [ $SECONDS -lt $deadline ] && kill -0 "$PID" 2>/dev/null ||
        die "sitedns does not answer"
    sleep 0.05
done
pass "sitedns forwarding on port $PORT (fakes A=$PORT_A B=$PORT_B C=$PORT_C, NSD=$NSD_PORT)"

# ---------------------------------------------------------------- basics: RA, REFUSED

out=$(q 127.0.0.1 ok.fwd.test A)
check "forwarded answer: NOERROR" status_is "$out" NOERROR
check "forwarded answer: the upstream's address 192.0.2.10" has_a "$out" ok.fwd.test 192.0.2.10
check "RA set in a recursion view" flag_set "$out" ra
line=$(grep ' qname=ok\.fwd\.test\. ' "$WORK/A.log" | head -n1)
check "the upstream query asks EDNS with 1232 bytes ($line)" grep -q ' edns=1232 ' <<<"$line"
check "and sets RD ($line)" grep -q ' rd=1 ' <<<"$line"

out=$(q 127.0.0.1 +norec where.site.test A)
check "RA set on an authoritative answer in a recursion view" flag_set "$out" ra

out=$(q 127.0.1.5 norec.fwd.test A)
check "no recursion in view norec: REFUSED" status_is "$out" REFUSED
check "and RA clear" bash -c '! grep -qE "^;; flags:[a-z ]* ra[ ;]" <<<"$1"' _ "$out"
check "and nothing was sent upstream" test "$(seen A norec.fwd.test)" -eq 0

# ---------------------------------------------------------------- failover and all dead

# B drops everything: the forwarder moves on to A after B's one attempt, marks B down
# (down_time_ms outlasts the test), and asks A first from then on.
errors_b=$(errors_of "$PORT_B")
out=$(q 127.0.0.2 failover.fwd.test A)
check "failover past a dropping first upstream: answer 192.0.2.18" has_a "$out" failover.fwd.test 192.0.2.18
check "B was asked first, once, then A once (B saw $(seen B failover.fwd.test), A saw $(seen A failover.fwd.test))" \
    bash -c '[ "$1" -eq 1 ] && [ "$2" -eq 1 ]' _ "$(seen B failover.fwd.test)" "$(seen A failover.fwd.test)"
check "B's attempt counted as a failed exchange (errors $errors_b -> $(errors_of "$PORT_B"))" \
    moved_by "$errors_b" "$(errors_of "$PORT_B")" 1
out=$(q 127.0.0.2 failover2.fwd.test A)
check "next query in the view: answer 192.0.2.19" has_a "$out" failover2.fwd.test 192.0.2.19
check "B, marked down, was not asked; A was, once (B saw $(seen B failover2.fwd.test), A saw $(seen A failover2.fwd.test))" \
    bash -c '[ "$1" -eq 0 ] && [ "$2" -eq 1 ]' _ "$(seen B failover2.fwd.test)" "$(seen A failover2.fwd.test)"

# Neither upstream answers: each attempt times out, the timed-out ones are asked again
# while the deadline allows, and the SERVFAIL's EDE says why: 22, every upstream tried.
out=$(q 127.0.0.3 dead.fwd.test A)
check "all upstreams dead: SERVFAIL" status_is "$out" SERVFAIL
check "with EDE 22 after every upstream timed out ($(ede_of "$out"))" \
    has_ede "$out" 22 "(all 2 upstreams failed)"
check "B was asked (saw $(seen B dead.fwd.test))" test "$(seen B dead.fwd.test)" -ge 1
out=$(q 127.0.0.3 dead2.fwd.test A)
check "again with both upstreams marked down: SERVFAIL" status_is "$out" SERVFAIL
check "with the same EDE ($(ede_of "$out"))" has_ede "$out" 22 "(all 2 upstreams failed)"
check "B, though down, was asked (saw $(seen B dead2.fwd.test))" test "$(seen B dead2.fwd.test)" -ge 1

# ---------------------------------------------------------------- TCP retry on TC

out=$(q 127.0.0.1 +notcp trunc.fwd.test A)
check "upstream truncates over UDP: the client still gets 192.0.2.12 over UDP" \
    has_a "$out" trunc.fwd.test 192.0.2.12
check "without TC" bash -c '! grep -qE "^;; flags:[a-z ]* tc[ ;]" <<<"$1"' _ "$out"
check "the upstream saw the UDP query and then a TCP one" \
    bash -c 'grep -q "^transport=udp qname=trunc\.fwd\.test\. " "$1" &&
             grep -q "^transport=tcp qname=trunc\.fwd\.test\. " "$1"' _ "$WORK/A.log"

# ---------------------------------------------------------------- cache: TTLs, negative

hits=$(metric sitedns_cache_hits_total)
since=$SECONDS
out=$(q 127.0.0.1 ttl.fwd.test A)
ttl1=$(ttl_of "$out" ttl.fwd.test)
check "first answer carries the upstream's TTL (300, got '${ttl1}')" test "${ttl1:-0}" -eq 300
# The cached TTL drops once a second has passed: ask until it has (a bounded wait).
ttl2=$ttl1
asked=0
deadline=$((SECONDS + 10))
while [ "${ttl2:-0}" -ge 300 ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.2
    ttl2=$(ttl_of "$(q 127.0.0.1 ttl.fwd.test A)" ttl.fwd.test)
    asked=$((asked + 1))
done
check "a later cached answer counts the TTL down, no faster than the clock (300 -> '${ttl2}' in $((SECONDS - since)) s)" \
    counted_down "$ttl2" 300 "$since"
check "from the cache: the upstream saw 1 query (saw $(seen A ttl.fwd.test))" \
    test "$(seen A ttl.fwd.test)" -eq 1
check "and the $asked later answers were cache hits (hits $hits -> $(metric sitedns_cache_hits_total))" \
    moved_by "$hits" "$(metric sitedns_cache_hits_total)" "$asked"

hits=$(metric sitedns_cache_hits_total)
out1=$(q 127.0.0.1 nx.fwd.test A)
out2=$(q 127.0.0.1 nx.fwd.test A)
check "NXDOMAIN forwarded" status_is "$out1" NXDOMAIN
check "with the SOA in authority" soa_in_authority "$out1"
check "NXDOMAIN again, from the cache" status_is "$out2" NXDOMAIN
check "still with the SOA" soa_in_authority "$out2"
check "negative caching: the upstream saw 1 query (saw $(seen A nx.fwd.test))" \
    test "$(seen A nx.fwd.test)" -eq 1
check "and the second answer was a cache hit (hits $hits -> $(metric sitedns_cache_hits_total))" \
    moved_by "$hits" "$(metric sitedns_cache_hits_total)" 1
hits=$(metric sitedns_cache_hits_total)
out1=$(q 127.0.0.1 nodata.fwd.test A)
out2=$(q 127.0.0.1 nodata.fwd.test A)
check "NODATA forwarded: NOERROR, no answer, SOA" \
    bash -c 'grep -q "status: NOERROR," <<<"$1" && grep -q "ANSWER: 0," <<<"$1"' _ "$out1"
check "NODATA from the cache: NOERROR, no answer, SOA" \
    bash -c 'grep -q "status: NOERROR," <<<"$1" && grep -q "ANSWER: 0," <<<"$1" &&
             grep -A1 "AUTHORITY SECTION" <<<"$1" | grep -q "SOA"' _ "$out2"
check "NODATA cached: the upstream saw 1 query (saw $(seen A nodata.fwd.test))" \
    test "$(seen A nodata.fwd.test)" -eq 1
check "and the second answer was a cache hit (hits $hits -> $(metric sitedns_cache_hits_total))" \
    moved_by "$hits" "$(metric sitedns_cache_hits_total)" 1

# ---------------------------------------------------------------- 100 identical queries

out=$(python3 "$FAKE_UPSTREAM" burst "$PORT" merge.fwd.test 100 192.0.2.13 --timeout 10 2>&1); rc=$?
check "100 concurrent identical queries: 100 answers, each with its own ID ($(tail -n1 <<<"$out"))" \
    test $rc -eq 0
check "merged into 1 upstream query (upstream saw $(seen A merge.fwd.test))" \
    test "$(seen A merge.fwd.test)" -eq 1

# ---------------------------------------------------------------- spoofed replies

for spoof in id:192.0.2.14 q:192.0.2.15 port:192.0.2.16; do
    kind=${spoof%%:*}; address=${spoof#*:}
    out=$(q 127.0.0.1 "spoof-$kind.fwd.test" A)
    check "wrong-$kind reply (6.6.6.6) then the real one: the client gets $address" \
        has_a "$out" "spoof-$kind.fwd.test" "$address"
    check "and never the spoofed address" bash -c '! grep -q "6\.6\.6\.6" <<<"$1"' _ "$out"
done

out=$(q 127.0.0.1 spoof-only.fwd.test A)
check "only a wrong-ID reply: SERVFAIL ($(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out"))" \
    status_is "$out" SERVFAIL
check "and never the spoofed address" bash -c '! grep -q "6\.6\.6\.6" <<<"$1"' _ "$out"

# ---------------------------------------------------------------- random ID and source port

# RFC 5452 §9.2: an ID and a source port an attacker cannot guess. A counter gives
# distinct values too, so the check is that they cover their ranges: every eighth of the
# 16-bit IDs, and of the kernel's ephemeral ports (sitedns binds port 0 for each query,
# server/upstream/upstream_query.cpp). $SPREAD queries for distinct names, sent at once;
# F holds every reply until it has them all, so the forwarder's sockets are all open
# together and no two can share a port. IDs are drawn each on its own: two of 200 are
# equal with p = 0.26, so up to 5 repeats pass (6 or more: p < 1e-6).
out=$(python3 "$FAKE_UPSTREAM" spread "$PORT" rfc5452.fwd.test "$SPREAD" --distinct \
    --source 127.0.0.8 --address 192.0.2.26 --timeout 10 2>&1); rc=$?
check "$SPREAD queries for distinct names, answered once F had them all ($out)" test $rc -eq 0
names=$(log_field "$WORK/F.log" qname | sort -u | grep -c .)
total=$(grep -c . "$WORK/F.log")
check "F saw $SPREAD names, each once over UDP: no retry, every socket open at the release ($names names, $total queries)" \
    bash -c '[ "$1" -eq "$3" ] && [ "$2" -eq "$3" ]' _ "$names" "$total" "$SPREAD"
ids=$(log_field "$WORK/F.log" id)
ports=$(log_field "$WORK/F.log" sport)
read -r port_low port_high </proc/sys/net/ipv4/ip_local_port_range
check "source ports: $SPREAD distinct (got $(sort -u <<<"$ports" | grep -c .))" \
    test "$(sort -u <<<"$ports" | grep -c .)" -eq "$SPREAD"
check "source ports in every eighth of $port_low-$port_high (per eighth, then outside: $(eighths "$port_low" "$port_high" <<<"$ports"))" \
    covers "$(eighths "$port_low" "$port_high" <<<"$ports")"
check "IDs: at most 5 repeats ($(sort -u <<<"$ids" | grep -c .) distinct of $SPREAD)" \
    test "$(sort -u <<<"$ids" | grep -c .)" -ge $((SPREAD - 5))
check "IDs in every eighth of 0-65535 (per eighth, then outside: $(eighths 0 65535 <<<"$ids"))" \
    covers "$(eighths 0 65535 <<<"$ids")"

# ---------------------------------------------------------------- ECS

out=$(q 127.0.0.1 +subnet=198.51.100.0/24 ecs.fwd.test A)
check "a query with ECS is forwarded: 192.0.2.17" has_a "$out" ecs.fwd.test 192.0.2.17
line=$(grep ' qname=ecs\.fwd\.test\. ' "$WORK/A.log" | head -n1)
check "the client's ECS is not passed upstream ($line)" \
    bash -c '[ -n "$1" ] && ! grep -qE " opts=([0-9]+,)*8(,|$| )" <<<"$1"' _ "$line"
out=$(q 127.0.0.9 +subnet=127.0.3.0/24 ecs-trusted.fwd.test A)
check "from a trusted sender with ECS 127.0.3.0/24 (view rec): answered 192.0.2.21" \
    has_a "$out" ecs-trusted.fwd.test 192.0.2.21
line=$(grep ' qname=ecs-trusted\.fwd\.test\. ' "$WORK/A.log" | head -n1)
check "and its ECS is not passed upstream ($line)" \
    bash -c '[ -n "$1" ] && ! grep -qE " opts=([0-9]+,)*8(,|$| )" <<<"$1"' _ "$line"

out=$(q 127.0.0.9 +norec +subnet=127.0.2.0/24 where.site.test A)
check "trusted sender with ECS 127.0.2.0/24: view paris (10.2.0.1)" has_a "$out" where.site.test 10.2.0.1
check "and the answer echoes CLIENT-SUBNET with a scope ($(grep 'CLIENT-SUBNET' <<<"$out"))" \
    grep -qE '^; CLIENT-SUBNET: 127\.0\.2\.0/24/[0-9]+$' <<<"$out"
out=$(q 127.0.0.9 +subnet=198.51.100.0/24 ecs-nowhere.fwd.test A)
check "trusted sender with ECS 198.51.100.0/24, in no view: REFUSED" status_is "$out" REFUSED
check "and nothing was sent upstream" test "$(seen A ecs-nowhere.fwd.test)" -eq 0
out=$(q 127.0.0.9 +norec where.site.test A)
check "trusted sender without ECS: its own view rec (10.1.0.1)" has_a "$out" where.site.test 10.1.0.1
out=$(q 127.0.0.1 +norec +subnet=127.0.2.0/24 where.site.test A)
check "untrusted sender with ECS 127.0.2.0/24: its own view rec (10.1.0.1)" \
    has_a "$out" where.site.test 10.1.0.1
check "and no CLIENT-SUBNET echo" bash -c '! grep -q "CLIENT-SUBNET" <<<"$1"' _ "$out"

# ---------------------------------------------------------------- NSD as a real upstream

normalise() {  # RRs of the answer and authority sections, without TTLs, sorted
    awk '/^;; (ANSWER|AUTHORITY) SECTION:/ { on = 1; next } /^$/ { on = 0 }
         on && !/^;/ { $2 = ""; print }' <<<"$1" | tr -s ' \t' ' ' | sort
}
since=$SECONDS
for query in "www.nsd.test A" "alias.nsd.test A" "missing.nsd.test A" "nsd.test MX" "short.nsd.test A"; do
    # shellcheck disable=SC2086
    want=$(dig @127.0.0.1 -p "$NSD_PORT" +time=10 +tries=1 $query 2>&1)
    # shellcheck disable=SC2086
    got=$(q 127.0.0.4 $query)
    want_rcode=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$want")
    got_rcode=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$got")
    check "NSD upstream, $query: rcode $got_rcode = NSD's $want_rcode" \
        test -n "$want_rcode" -a "$got_rcode" = "$want_rcode"
    if [ "$(normalise "$got")" = "$(normalise "$want")" ]; then
        pass "NSD upstream, $query: answer and authority match NSD's"
    else
        fail "NSD upstream, $query: answer and authority differ"
        diff <(normalise "$want") <(normalise "$got") | sed 's/^/    /'
    fi
done
hits=$(metric sitedns_cache_hits_total)
out=$(q 127.0.0.4 short.nsd.test A)
ttl=$(ttl_of "$out" short.nsd.test)
check "NSD upstream: a cached answer keeps a TTL at most NSD's 60, counted down by the clock (got '${ttl}' after $((SECONDS - since)) s)" \
    ttl_since "$ttl" 60 "$since"
check "and it was a cache hit (hits $hits -> $(metric sitedns_cache_hits_total))" \
    moved_by "$hits" "$(metric sitedns_cache_hits_total)" 1

# ---------------------------------------------------------------- per-upstream options, retries

# E drops the first 3 queries for the name and answers the 4th. Each attempt lasts its
# timeout unless answered, and none starts within 50 ms of the deadline: with the
# default $ATTEMPT_MS ms at most 3 fit in the $DEADLINE_MS ms of a query (SERVFAIL);
# only E's own timeout_ms of 50 leaves room for the 4th.
errors_e=$(errors_of "$PORT_E")
out=$(q 127.0.0.7 quick.fwd.test A)
check "timeout_ms 50 on an upstream that drops 3 queries: answer 192.0.2.23 ($(rcode_of "$out"))" \
    has_a "$out" quick.fwd.test 192.0.2.23
check "from the 4th attempt, more than the default timeout allows (E saw $(seen E quick.fwd.test))" \
    test "$(seen E quick.fwd.test)" -eq 4
check "after 3 failed exchanges with E (errors $errors_e -> $(errors_of "$PORT_E"))" \
    moved_by "$errors_e" "$(errors_of "$PORT_E")" 3

out=$(q 127.0.0.6 tcp.fwd.test A)
check "a tcp: true upstream: answer 192.0.2.25" has_a "$out" tcp.fwd.test 192.0.2.25
out=$(q 127.0.0.6 +tcp tcp2.fwd.test A)
check "and again for a client over TCP: 192.0.2.25" has_a "$out" tcp2.fwd.test 192.0.2.25
check "the tcp: true upstream saw TCP queries only ($(grep -c '^transport=tcp ' "$WORK/D.log") TCP, $(grep -c '^transport=udp ' "$WORK/D.log") UDP)" \
    bash -c '[ "$(grep -c "^transport=tcp " "$1")" -eq 2 ] && ! grep -q "^transport=udp " "$1"' \
    _ "$WORK/D.log"

# A drops the first query for the name without a word, so that exchange can only end
# by its timeout; the retry within the deadline gets the answer.
errors_a=$(errors_of "$PORT_A")
out=$(q 127.0.0.1 lost.fwd.test A)
check "the only upstream drops the first query: the client still gets 192.0.2.22 ($(rcode_of "$out"))" \
    has_a "$out" lost.fwd.test 192.0.2.22
check "the upstream was asked twice (saw $(seen A lost.fwd.test))" test "$(seen A lost.fwd.test)" -eq 2
check "the first exchange failed (timed out) before the retry (errors $errors_a -> $(errors_of "$PORT_A"))" \
    moved_by "$errors_a" "$(errors_of "$PORT_A")" 1

# ---------------------------------------------------------------- serve-stale (last: C dies)

out=$(q 127.0.0.5 stale.fwd.test A)
check "stale candidate answered: 192.0.2.20 with TTL 1" \
    bash -c 'grep -qE "^stale\.fwd\.test\.\s+[01]\s+IN\s+A\s+192\.0\.2\.20$" <<<"$1"' _ "$out"
check "upstream C now drops everything" fake_down "$PORT_C"
ttl=""
deadline=$((SECONDS + 10))
while [ "${ttl:-}" != 30 ] && [ $SECONDS -lt $deadline ]; do
    out=$(q 127.0.0.5 stale.fwd.test A)
    ttl=$(ttl_of "$out" stale.fwd.test)
    [ "$ttl" = 30 ] || sleep 0.2
done
check "after expiry with the upstream dead: the stale answer 192.0.2.20" \
    has_a "$out" stale.fwd.test 192.0.2.20
check "with TTL 30 (RFC 8767 §4; got '${ttl}')" test "${ttl:-x}" = 30
check "and EDE 3 Stale Answer ($(ede_of "$out"))" has_ede "$out" 3
check "the forwarder did try the dead upstream again (C saw $(seen C stale.fwd.test))" \
    test "$(seen C stale.fwd.test)" -ge 2

# ---------------------------------------------------------------- reload: new forwarding options

hits=$(metric sitedns_cache_hits_total)
q 127.0.0.1 reload.fwd.test A >/dev/null
q 127.0.0.1 reload.fwd.test A >/dev/null
check "before the reload: cached, the upstream saw 1 query (saw $(seen A reload.fwd.test))" \
    test "$(seen A reload.fwd.test)" -eq 1
check "and the second answer was a cache hit (hits $hits -> $(metric sitedns_cache_hits_total))" \
    moved_by "$hits" "$(metric sitedns_cache_hits_total)" 1
reloads=$(grep -c 'reloaded in' "$WORK/sitedns.log")
sed 's/"cache_entries": 1000/"cache_entries": 0/' "$WORK/sitedns.json" >"$WORK/sitedns.json.tmp" &&
    mv "$WORK/sitedns.json.tmp" "$WORK/sitedns.json"
kill -HUP "$PID"
deadline=$((SECONDS + 10))
until [ "$(grep -c 'reloaded in' "$WORK/sitedns.log")" -gt "$reloads" ]; do
    [ $SECONDS -lt $deadline ] || break
    sleep 0.05
done
check "SIGHUP with cache_entries 0: reloaded" test "$(grep -c 'reloaded in' "$WORK/sitedns.log")" -gt "$reloads"
hits=$(metric sitedns_cache_hits_total)
q 127.0.0.1 reload.fwd.test A >/dev/null
out=$(q 127.0.0.1 reload.fwd.test A)
check "after it: still answered (192.0.2.24)" has_a "$out" reload.fwd.test 192.0.2.24
check "and no longer cached: the upstream saw 3 queries (saw $(seen A reload.fwd.test))" \
    test "$(seen A reload.fwd.test)" -eq 3
check "and no cache hit (hits $hits -> $(metric sitedns_cache_hits_total))" \
    moved_by "$hits" "$(metric sitedns_cache_hits_total)" 0

# ---------------------------------------------------------------- clean stop, queries in flight

# A TCP query waits in view dead, whose upstreams never answer, when SIGTERM comes. Left
# alone it would end at its deadline with the EDE "all 2 upstreams failed"; the stop
# answers it "shutting down" instead and exits while B still holds it unanswered.
dig @127.0.0.1 -p "$PORT" -b 127.0.0.3 +tcp +time=10 +tries=1 inflight.fwd.test A \
    >"$WORK/inflight.out" 2>&1 &
DIG_PID=$!
deadline=$((SECONDS + 10))
until [ "$(seen B inflight.fwd.test)" -ge 1 ] || [ $SECONDS -ge $deadline ]; do sleep 0.02; done
check "a forwarded TCP query is in flight at SIGTERM (B saw $(seen B inflight.fwd.test))" \
    test "$(seen B inflight.fwd.test)" -ge 1
kill -TERM "$PID"
rc=running
deadline=$((SECONDS + 10))
while kill -0 "$PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.02; done
if ! kill -0 "$PID" 2>/dev/null; then wait "$PID"; rc=$?; fi
check "SIGTERM stops the forwarding server with exit 0 (got $rc)" test "$rc" = 0
wait "$DIG_PID"
out=$(cat "$WORK/inflight.out")
check "the waiting TCP client got SERVFAIL ($(rcode_of "$out"))" status_is "$out" SERVFAIL
check "with EDE 0 \"shutting down\", not the deadline's EDE: the stop did not wait for it ($(ede_of "$out"))" \
    grep -qE '^; EDE: 0 .*shutting down' <<<"$out"

finish forwarding
