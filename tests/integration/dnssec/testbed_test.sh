#!/usr/bin/env bash
# Proves the offline DNSSEC test bed (testbed.sh, issue 22) with a reference validator:
# unbound-host, anchored at the test bed's root.key and forwarding to its NSD, must find
# every case of the bed in the state testbed.sh promises (secure, insecure or BOGUS) with
# its data, and every bogus case bogus for the fault planted there (unbound 1.17's words
# for it). Then: the forward zone corp.example., bogus as the signed parent proves it
# absent, is insecure once exempt (domain-insecure: a negative trust anchor); another key
# as the anchor makes even www.example. bogus (root.key is what anchors the chain); the
# TLSA hash comes from TESTBED_TLSA_SHA256 and the mail hosts' address from
# TESTBED_MX_ADDRESS; testbed_stop ends NSD. Only 127.0.0.1; ~3 s.
#
# Usage: testbed_test.sh   (needs no sitedns)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
PATH=$PATH:/usr/sbin
# shellcheck source=tests/integration/lib.sh
. "$HERE/../lib.sh"
# shellcheck source=tests/integration/dnssec/testbed.sh
. "$HERE/testbed.sh"

require_tools dig nsd nsd-checkconf ldns-keygen ldns-signzone unbound-host timeout sha256sum

# A hash and a mail host address of our own: the test bed must serve the ones it is given.
TLSA=$(printf 'testbed_test' | sha256sum | cut -d' ' -f1)
MX=192.0.2.25
TESTBED_TLSA_SHA256=$TLSA TESTBED_MX_ADDRESS=$MX testbed_start "$WORK/bed" || die "the test bed did not start"
PIDS+=("$TESTBED_PID")
pass "test bed: NSD on 127.0.0.1:$TESTBED_PORT, anchor $WORK/bed/root.key"

CONF=$WORK/bed/unbound.conf
NTA=$WORK/unbound-nta.conf
{ cat "$CONF"; printf 'server:\n  domain-insecure: "corp.example."\n'; } >"$NTA"
mkdir -p "$WORK/other"
other_key=$(cd "$WORK/other" && ldns-keygen -a ECDSAP256SHA256 -k .) || die "ldns-keygen"
sed "s|$WORK/bed/root.key|$WORK/other/$other_key.ds|" "$CONF" >"$WORK/unbound-other.conf"

# lookup CONF TYPE NAME: unbound-host's verdict on NAME TYPE into $out (bounded: 20 s).
lookup() { out=$(timeout 20 unbound-host -C "$1" -v -t "$2" "$3" 2>&1); }
# failure_says OUTPUT NAME TYPE REASON: unbound-host's validation failure for NAME TYPE
# names REASON.
failure_says() {
    grep -F "validation failure <$2 $3 IN>: " <<<"$1" | grep -qF "$4"
}
# expect CONF TYPE NAME LINE [REASON]: unbound-host prints LINE for NAME TYPE, and for a
# bogus answer the validation failure names REASON.
expect() {
    lookup "$1" "$2" "$3"
    check "$3 $2: $4" grep -qxF "$4" <<<"$out"
    [ -z "${5:-}" ] || check "$3 $2: bogus because of: $5" failure_says "$out" "$3" "$2" "$5"
}

echo "# secure"
expect "$CONF" A www.example. "www.example. has address 192.0.2.1 (secure)"
expect "$CONF" A nonexist.example. "Host nonexist.example. not found: 3(NXDOMAIN). (secure)"
expect "$CONF" TXT x.wild.example. 'x.wild.example. has TXT record "wild" (secure)'
expect "$CONF" MX example. "example. mail is handled by 10 mx.example. (secure)"
expect "$CONF" A mx.example. "mx.example. has address $MX (secure)"
expect "$CONF" TLSA _25._tcp.mx.example. \
    "_25._tcp.mx.example. has TLSA record 3 1 1 ${TLSA^^} (secure)"
expect "$CONF" A badtlsa.example. "badtlsa.example. has address $MX (secure)"
expect "$CONF" TLSA _25._tcp.badtlsa.example. \
    "_25._tcp.badtlsa.example. has TLSA record 3 1 1 ${TESTBED_BAD_TLSA^^} (secure)"
expect "$CONF" A mx.bogus.example. "mx.bogus.example. has address $MX (secure)"
expect "$CONF" A www.nsec3.example. "www.nsec3.example. has address 192.0.2.3 (secure)"
expect "$CONF" A nonexist.nsec3.example. \
    "Host nonexist.nsec3.example. not found: 3(NXDOMAIN). (secure)"
out=$(dig @127.0.0.1 -p "$TESTBED_PORT" +dnssec +norec +time=2 +tries=1 nonexist.nsec3.example. A)
check "nonexist.nsec3.example.: NSD's denial is NSEC3, no NSEC" \
    bash -c 'grep -qE "\sIN\s+NSEC3\s" <<<"$1" && ! grep -qE "\sIN\s+NSEC\s" <<<"$1"' _ "$out"

echo "# insecure"
expect "$CONF" A www.insecure.example. "www.insecure.example. has address 192.0.2.4 (insecure)"

echo "# bogus"
expect "$CONF" A www.bogus.example. \
    "www.bogus.example. has address 192.0.2.5 (BOGUS (security failure))" \
    "ECDSA signature verification failed"
expect "$CONF" TLSA _25._tcp.mx.bogus.example. \
    "_25._tcp.mx.bogus.example. has TLSA record 3 1 1 ${TLSA^^} (BOGUS (security failure))" \
    "ECDSA signature verification failed"
expect "$CONF" A www.stripped.example. \
    "www.stripped.example. has address 192.0.2.6 (BOGUS (security failure))" "no signatures"
expect "$CONF" A www.expired.example. \
    "www.expired.example. has address 192.0.2.7 (BOGUS (security failure))" "signature expired"
expect "$CONF" A nonexist.noproof.example. \
    "Host nonexist.noproof.example. not found: 3(NXDOMAIN). (BOGUS (security failure))" \
    "no DNSSEC records"
expect "$CONF" TXT x.w.wildnoproof.example. \
    'x.w.wildnoproof.example. has TXT record "wild" (BOGUS (security failure))' \
    "wildcard proof failed"

echo "# the forward zone corp.example."
expect "$CONF" A dc1.corp.example. \
    "dc1.corp.example. has address 192.0.2.10 (BOGUS (security failure))" "for DS corp.example."
expect "$NTA" A dc1.corp.example. "dc1.corp.example. has address 192.0.2.10 (insecure)"
expect "$NTA" A www.bogus.example. \
    "www.bogus.example. has address 192.0.2.5 (BOGUS (security failure))"

echo "# the anchor"
expect "$WORK/unbound-other.conf" A www.example. \
    "www.example. has address 192.0.2.1 (BOGUS (security failure))"

testbed_stop "$WORK/bed"
check "testbed_stop ends NSD (pid $TESTBED_PID)" bash -c '! kill -0 "$1" 2>/dev/null' _ "$TESTBED_PID"

finish "DNSSEC test bed"
