#!/usr/bin/env bash
# Drift detection (SPEC §2 `verify`, §5 `topology.sitedns. CH TXT`; issue 15 item 7):
# three sitedns on loopback, one per site, each with its own copy of one configuration
# whose sites name the others' `dns` addresses. `verify` says ok for all of them; after
# paris alone reloads another topology it reports paris's drift; a stopped madrid is
# `no answer`; asked from an address in no view (--source) every site is `refused`.
# Also the CH TXT answer with dig, over UDP and TCP, and the metric.
#
# Usage: verify_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: verify_test.sh SITEDNS SOURCE_DIR}

. "$(dirname "$0")/lib.sh"
require_tools dig curl

SITES=(london paris madrid)
declare -A SITE_PID SITE_PORT METRICS

# topology FILE MADRID_ADDRESS [DNS_KEYS]: the three sites (and oslo, which has no `dns`
# address) on ephemeral ports; DNS_KEYS=yes gives each site its server's address.
topology() {
    local dns_london="" dns_paris="" dns_madrid=""
    if [ "${3:-}" = yes ]; then
        dns_london=", \"dns\": \"127.0.0.1:${SITE_PORT[london]}\""
        dns_paris=", \"dns\": \"127.0.0.1:${SITE_PORT[paris]}\""
        dns_madrid=", \"dns\": \"127.0.0.1:${SITE_PORT[madrid]}\""
    fi
    cat >"$1.tmp" <<JSON
{
  "listen": ["127.0.0.1:0"],
  "metrics_listen": "127.0.0.1:0",
  "upstreams": [],
  "sites": {
    "domain": "example.com",
    "internal_suffix": "example.internal",
    "list": [
      { "name": "london", "subnets": ["127.0.0.1/32"], "address": "203.0.113.10", "primary": true$dns_london },
      { "name": "paris",  "subnets": ["127.0.2.0/24"], "address": "203.0.113.20"$dns_paris },
      { "name": "madrid", "subnets": ["127.0.3.0/24"], "address": "$2"$dns_madrid },
      { "name": "oslo",   "subnets": ["127.0.4.0/24"], "address": "203.0.113.40" }
    ]
  }
}
JSON
    mv "$1.tmp" "$1"  # a reload never reads half a file
}

# start_site SITE: its sitedns on its own copy of the configuration; sets SITE_PORT.
start_site() {
    local site=$1
    topology "$WORK/$site.json" 203.0.113.30
    SITEDNS_PORT_FILE="$WORK/$site.port" SITEDNS_METRICS_PORT_FILE="$WORK/$site.metrics" \
        "$SITEDNS" --config "$WORK/$site.json" --threads 1 >"$WORK/$site.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    SITE_PID[$site]=$PID
    wait_for_file "$WORK/$site.port" && wait_for_file "$WORK/$site.metrics" ||
        { cat "$WORK/$site.log"; die "$site's sitedns did not start"; }
    SITE_PORT[$site]=$(cat "$WORK/$site.port")
    METRICS[$site]=$(cat "$WORK/$site.metrics")
}

# served SITE [TCP]: the TXT string of topology.sitedns. CH at SITE's server.
served() {
    dig @127.0.0.1 -p "${SITE_PORT[$1]}" +time=2 +tries=1 ${2:-+notcp} +short \
        topology.sitedns CH TXT 2>/dev/null
}

# reload SITE GENERATION: SIGHUP, and a bounded wait until SITE serves GENERATION.
reload() {
    kill -HUP "${SITE_PID[$1]}"
    local deadline=$((SECONDS + 10))
    until served "$1" | grep -q " generation=$2\"\$"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

serial_of() { sed -n 's/^"serial=\([0-9]*\) generation=[0-9]*"$/\1/p' <<<"$1"; }

# ---------------------------------------------------------------- three sites

for site in "${SITES[@]}"; do start_site "$site"; done
pass "london, paris and madrid on ports ${SITE_PORT[london]}, ${SITE_PORT[paris]}, ${SITE_PORT[madrid]}"

# The rollout: every site gets the file that names the servers' addresses.
for site in "${SITES[@]}"; do
    topology "$WORK/$site.json" 203.0.113.30 yes
    check "$site reloads the topology with the dns addresses (generation 2)" reload "$site" 2
done
cp "$WORK/london.json" "$WORK/current.json"

out=$(dig @127.0.0.1 -p "${SITE_PORT[paris]}" +time=2 +tries=1 topology.sitedns CH TXT 2>&1)
check "dig topology.sitedns CH TXT: NOERROR" rcode_is "$out" NOERROR
SERIAL=$(serial_of "$(served paris)")
check "dig topology.sitedns CH TXT: \"serial=N generation=2\", N not 0" \
    has_rr "$out" topology.sitedns TXT "\"serial=$SERIAL generation=2\""
check "the serial is not 0" test "${SERIAL:-0}" != 0
out=$(served paris +tcp)
check "over TCP: the same TXT" test "$out" = "\"serial=$SERIAL generation=2\""
out=$(dig @127.0.0.1 -p "${SITE_PORT[paris]}" -b 127.0.3.1 +time=2 +tries=1 +short \
      topology.sitedns CH TXT 2>&1)
check "from madrid's view: the same TXT" test "$out" = "\"serial=$SERIAL generation=2\""
out=$(dig @127.0.0.1 -p "${SITE_PORT[paris]}" -b 127.0.9.1 +time=2 +tries=1 \
      topology.sitedns CH TXT 2>&1)
check "from no view: REFUSED" rcode_is "$out" REFUSED
out=$(dig @127.0.0.1 -p "${SITE_PORT[paris]}" +time=2 +tries=1 version.bind CH TXT 2>&1)
check "version.bind CH TXT: still REFUSED" rcode_is "$out" REFUSED
METRICS_PORT=${METRICS[paris]}
scrape "$WORK/paris.scrape"
check "metric sitedns_topology_serial $SERIAL" \
    test "$(value "$WORK/paris.scrape" sitedns_topology_serial)" = "$SERIAL"

out=$("$SITEDNS" verify --config "$WORK/current.json" 2>&1)
status=$?
echo "$out" | sed 's/^/     verify: /'
check "verify: exit 0 when every site serves the file" test "$status" = 0
for site in "${SITES[@]}"; do
    check "verify: $site: ok serial $SERIAL" grep -qx "$site: ok serial $SERIAL" <<<"$out"
done
check "verify: oslo, without dns, is skipped" grep -qx "oslo: skipped: no dns address" <<<"$out"

# Each server answers by the asker's view: from 127.0.9.1, in no site's subnet, every
# site refuses; from 127.0.2.1, in paris's, every site answers (--source binds it).
out=$("$SITEDNS" verify --config "$WORK/current.json" --source 127.0.9.1 2>&1)
status=$?
echo "$out" | sed 's/^/     verify --source 127.0.9.1: /'
check "verify --source 127.0.9.1: exit 1 when a site refuses" test "$status" = 1
for site in "${SITES[@]}"; do
    check "verify --source 127.0.9.1: $site: refused" grep -qx "$site: refused (127.0.9.1 is in no \
view of that server: ask from a site subnet with --source)" <<<"$out"
done
out=$("$SITEDNS" verify --config "$WORK/current.json" --source 127.0.2.1 2>&1)
status=$?
check "verify --source 127.0.2.1 (paris's subnet): exit 0" test "$status" = 0
for site in "${SITES[@]}"; do
    check "verify --source 127.0.2.1: $site: ok serial $SERIAL" \
        grep -qx "$site: ok serial $SERIAL" <<<"$out"
done

# ---------------------------------------------------------------- drift

# Paris alone reloads another topology (madrid's mail host moved).
topology "$WORK/paris.json" 203.0.113.31 yes
check "paris reloads another topology (generation 3)" reload paris 3
PARIS_SERIAL=$(serial_of "$(served paris)")
check "paris serves another serial" test "${PARIS_SERIAL:-$SERIAL}" != "$SERIAL"
out=$("$SITEDNS" verify --config "$WORK/current.json" 2>&1)
status=$?
echo "$out" | sed 's/^/     verify: /'
check "verify: exit 1 on drift" test "$status" = 1
check "verify: paris: drift" \
    grep -qx "paris: drift: serves serial $PARIS_SERIAL, this file has $SERIAL" <<<"$out"
check "verify: london and madrid still ok" \
    bash -c 'grep -qx "london: ok serial $1" <<<"$2" && grep -qx "madrid: ok serial $1" <<<"$2"' \
    _ "$SERIAL" "$out"

# ---------------------------------------------------------------- a silent site

PID=${SITE_PID[madrid]}
check "madrid stops" stop_sitedns
out=$("$SITEDNS" verify --config "$WORK/current.json" --timeout 500 2>"$WORK/verify.err")
status=$?
echo "$out" | sed 's/^/     verify: /'
check "verify: exit 1 when a site is silent" test "$status" = 1
check "verify: madrid: no answer" grep -qx "madrid: no answer" <<<"$out"
check "verify: why on stderr" \
    grep -q "^sitedns: verify: madrid at 127.0.0.1:${SITE_PORT[madrid]}: timeout" "$WORK/verify.err"

# ---------------------------------------------------------------- usage

out=$("$SITEDNS" verify 2>&1)
status=$?
check "verify of the built-in configuration (no dns addresses): exit 1" test "$status" = 1
check "and says there is nothing to ask" grep -q 'no site has a "dns" address' <<<"$out"
"$SITEDNS" verify --config "$WORK/current.json" --timeout 0 >/dev/null 2>&1
check "verify --timeout 0: usage error (2)" test "$?" = 2
"$SITEDNS" verify --config "$WORK/current.json" --source paris >/dev/null 2>&1
check "verify --source paris (not an address): usage error (2)" test "$?" = 2

for site in london paris; do
    PID=${SITE_PID[$site]}
    check "$site stops" stop_sitedns
done
finish verify
