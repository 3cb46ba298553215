#!/usr/bin/env bash
# Malformed-traffic soak (issue 7, "Tests") through the sitedns binary on loopback: the
# sitedns_soak program (tests/integration/soak/) writes a configuration with site views,
# a lab view and a dead upstream, then sends tens of thousands of mutated and random UDP
# packets and hundreds of abusive TCP connections, and checks that sitedns still answers
# every view correctly over UDP and TCP and that its VmRSS grew by at most 8 MiB. This
# script starts sitedns, prints the metrics counters the soak moved, checks by them that
# both TCP connection limits refused connections, and that sitedns still stops cleanly on
# SIGTERM. Skipped (77) without curl, which `make test` installs.
#
# Usage: soak_test.sh PATH/TO/sitedns PATH/TO/sitedns_soak
set -u

SITEDNS=${1:?usage: soak_test.sh SITEDNS SITEDNS_SOAK}
SOAK=${2:?usage: soak_test.sh SITEDNS SITEDNS_SOAK}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
require_tools curl

"$SOAK" write-config "$WORK" || die "sitedns_soak write-config failed"
out=$("$SITEDNS" check --config "$WORK/sitedns.json" 2>&1)
check "sitedns check accepts the soak configuration" test $? -eq 0

start_sitedns "$WORK/sitedns.json"
scrape "$WORK/s0" || die "scrape failed"

"$SOAK" run "$PORT" "$PID" || fail "the soak (sitedns_soak run)"

scrape "$WORK/s1" || die "scrape failed after the soak"
sum() { awk -v k="$2" 'index($1, k) == 1 { s += $2 } END { print s + 0 }' "$1"; }
moved() { echo $(($(sum "$WORK/s1" "$1") - $(sum "$WORK/s0" "$1"))); }
echo "     metrics moved by the soak:"
for series in 'sitedns_queries_total{' 'sitedns_queries_total{view="london",protocol="udp",rcode="FORMERR"' \
    'sitedns_dropped_queries_total{' sitedns_forwarded_queries_total 'sitedns_upstream_errors_total{' \
    'sitedns_tcp_connections_refused_total{reason="per_client"}' \
    'sitedns_tcp_connections_refused_total{reason="total"}'; do
    echo "       $series $(moved "$series")"
done
check "the per-client connection limit refused connections" \
    [ "$(moved 'sitedns_tcp_connections_refused_total{reason="per_client"}')" -ge 1 ]
check "the total connection limit refused connections" \
    [ "$(moved 'sitedns_tcp_connections_refused_total{reason="total"}')" -ge 1 ]

kill -0 "$PID" 2>/dev/null || die "sitedns died"
kill -TERM "$PID"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
    fail "sitedns did not stop on SIGTERM"
else
    wait "$PID"
    rc=$?
    check "sitedns stopped cleanly on SIGTERM (exit $rc)" [ "$rc" = 0 ]
fi

finish soak
