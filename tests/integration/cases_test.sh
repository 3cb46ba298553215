#!/usr/bin/env bash
# The shared table of query cases (tests/support/query_cases.h) against the sitedns
# binary on loopback, over UDP and TCP: sitedns_cases writes the example views and zones
# as a configuration, this script starts sitedns on a free port (waiting for its port
# file, not a fixed sleep), sitedns_cases runs every case from its client address, and
# sitedns must then stop cleanly on SIGTERM.
#
# Usage: cases_test.sh PATH/TO/sitedns PATH/TO/sitedns_cases
set -u

SITEDNS=${1:?usage: cases_test.sh SITEDNS SITEDNS_CASES}
CASES=${2:?usage: cases_test.sh SITEDNS SITEDNS_CASES}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

"$CASES" write-config "$WORK" || die "sitedns_cases write-config failed"
start_sitedns "$WORK/sitedns.json"
"$CASES" run "$PORT" || fail "the query cases over UDP and TCP"
stop_sitedns || fail "sitedns did not stop on SIGTERM"
finish "query case"
