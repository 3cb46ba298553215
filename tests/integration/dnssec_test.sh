#!/usr/bin/env bash
# End-to-end test of DNSSEC validation of forwarded answers (issue 22, point 2) through the
# sitedns binary on loopback, against the offline test bed (dnssec/testbed.sh: a signed
# fake root and example., served by NSD; its header lists every name and what it proves).
# sitedns forwards everything to that NSD, validates with the bed's root.key as its trust
# anchor, and corp.example. is a forward zone (to the same NSD) that the signed example.
# proves absent, so only its automatic negative trust anchor keeps it answering.
#
#   AD (RFC 4035 §3.2.3, RFC 6840 §5.7-5.8): set on a secure answer to a client that sent
#     DO or AD, clear for one that sent neither, for an insecure answer, for the forward
#     zone and for sitedns's own zone (lab.example., authoritative);
#   bogus (tampered, stripped, expired signatures; NXDOMAIN and wildcard answers without
#     their NSEC proof): SERVFAIL, with EDE 6 for the tampered RRSIG; with CD=1 the data,
#     AD clear, and the plain query SERVFAIL again after it;
#   proofs: NXDOMAIN by NSEC and by NSEC3, a wildcard answer with its NSEC: AD=1;
#   DANE: the TLSA of _25._tcp.mx.example. with AD=1;
#   RRSIGs only to a DO=1 client, in either order of DO=0 and DO=1 queries for a name;
#   the cache: with 4 worker threads, 100 source ports asking a secure name are all
#     answered from the cache with AD=1, every thread answering, and 50 asking the bogus
#     name all get SERVFAIL with EDE 6 from the cache;
#   a trust anchor that does not exist: `sitedns check` fails naming it, and sitedns
#     refuses to start.
#
# Usage: dnssec_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: dnssec_test.sh SITEDNS SOURCE_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PATH=$PATH:/usr/sbin
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/integration/dnssec/testbed.sh
. "$HERE/dnssec/testbed.sh"

require_tools dig python3 curl timeout nsd nsd-checkconf ldns-keygen ldns-signzone

testbed_start "$WORK/bed" || die "the DNSSEC test bed did not start"
PIDS+=("$TESTBED_PID")
pass "test bed: NSD on 127.0.0.1:$TESTBED_PORT, anchor $WORK/bed/root.key"

# config FILE TRUST_ANCHOR: sitedns validating with TRUST_ANCHOR, 4 threads, everything
# forwarded to the test bed, corp.example. as a forward zone, lab.example. its own zone.
config() {
    cat >"$1" <<JSON
{
  "listen": ["127.0.0.1:0"],
  "metrics_listen": "127.0.0.1:0",
  "threads": 4,
  "upstreams": ["127.0.0.1:$TESTBED_PORT"],
  "forward_zones": [ { "name": "corp.example.", "upstreams": ["127.0.0.1:$TESTBED_PORT"] } ],
  "dnssec": { "validate": true, "trust_anchor": "$2", "negative_trust_anchors": [] },
  "views": [
    { "name": "rec", "match_clients": ["127.0.0.0/8"], "recursion": true, "zones": ["lab.json"] }
  ]
}
JSON
}
write_zone "$WORK/lab.json" lab.example. '{ "name": "www", "type": "A", "data": "10.9.9.9" }'

# q ARGS...: dig at sitedns from 127.0.0.1, one try, bounded; +noadflag unless ARGS set it.
q() { ask_from 127.0.0.1 +noadflag "$@"; }
ad_of() {  # ad_of DIG_OUTPUT: 1 when the reply's flags hold ad, else 0
    if grep -qE '^;; flags:[a-z ]* ad[ ;]' <<<"$1"; then echo 1; else echo 0; fi
}
ad_is() { [ "$(ad_of "$1")" = "$2" ]; }  # ad_is DIG_OUTPUT 0|1
aa_is_set() { grep -qE '^;; flags:[a-z ]* aa[ ;]' <<<"$1"; }
ede_of() { grep '^; EDE' <<<"$1"; }
ede6() { grep -qE '^; EDE: 6 \(DNSSEC Bogus\)' <<<"$1"; }  # ede6 DIG_OUTPUT
# rrsig_count DIG_OUTPUT NAME: RRSIG records of NAME in the answer section.
rrsig_count() {
    awk -v n="$2." '/^;; ANSWER SECTION:/ { on = 1; next } /^$/ { on = 0 }
        on && tolower($1) == n && $4 == "RRSIG" { c++ } END { print c + 0 }' <<<"$1"
}
# rrsigs DESCRIPTION DIG_OUTPUT NAME 0|1: the answer holds no RRSIG of NAME (0), or some (1).
rrsigs() {
    out=$2
    if [ "$4" = 1 ]; then
        check "$1: with its RRSIG ($(rrsig_count "$2" "$3"))" test "$(rrsig_count "$2" "$3")" -ge 1
    else
        check "$1: no RRSIG ($(rrsig_count "$2" "$3"))" test "$(rrsig_count "$2" "$3")" -eq 0
    fi
}
# secure DESCRIPTION DIG_OUTPUT RCODE: RCODE with AD=1. insecure: NOERROR with AD=0.
# servfail: SERVFAIL.
secure() {
    out=$2
    check "$1: $3 ($(rcode_of "$2"))" rcode_is "$2" "$3"
    check "$1: AD=1 (got $(ad_of "$2"))" ad_is "$2" 1
}
insecure() {
    out=$2
    check "$1: NOERROR ($(rcode_of "$2"))" rcode_is "$2" NOERROR
    check "$1: AD=0 (got $(ad_of "$2"))" ad_is "$2" 0
}
servfail() { out=$2; check "$1: SERVFAIL ($(rcode_of "$2"))" rcode_is "$2" SERVFAIL; }
cache_hits() {  # cache_hits: sitedns_cache_hits_total now ("no-scrape" when it fails)
    if scrape "$WORK/metrics"; then value "$WORK/metrics" sitedns_cache_hits_total; else echo no-scrape; fi
}
# spread NAME COUNT ARGS...: COUNT DO=1 queries for NAME, each from its own source port.
spread() {
    local name=$1 count=$2; shift 2
    python3 "$FAKE_UPSTREAM" spread "$PORT" "$name" "$count" --dnssec --timeout 5 "$@" 2>&1
}

# ---------------------------------------------------------------- a missing trust anchor

config "$WORK/missing.json" "$WORK/nowhere/root.key"
out=$("$SITEDNS" check --config "$WORK/missing.json" 2>&1)
rc=$?
check "check: a trust anchor that does not exist is an error (exit $rc)" test "$rc" -ne 0
check "check: the error names the file" grep -qF "$WORK/nowhere/root.key" <<<"$out"
# It must refuse at once: still running after 10 s (timeout's 124) is serving.
out=$(SITEDNS_PORT_FILE="$WORK/missing.port" timeout 10 "$SITEDNS" --config "$WORK/missing.json" 2>&1)
rc=$?
check "serve: sitedns refuses to start without its trust anchor (exit $rc)" \
    bash -c '[ "$1" -ne 0 ] && [ "$1" -ne 124 ] && [ ! -s "$2" ]' _ "$rc" "$WORK/missing.port"
check "serve: and names the file" grep -qF "$WORK/nowhere/root.key" <<<"$out"

# ---------------------------------------------------------------- sitedns, validating

config "$WORK/dnssec.json" "$WORK/bed/root.key"
section dnssec || die "sitedns does not serve the validating configuration"

echo "# secure, and AD only to a client that asked for it"
out=$(q +dnssec www.example. A)
secure "www.example. A, DO=1" "$out" NOERROR
check "www.example. A, DO=1: 192.0.2.1" has_rr "$out" www.example A 192.0.2.1
rrsigs "www.example. A, DO=1" "$out" www.example 1
out=$(q +adflag www.example. A)
secure "www.example. A, DO=0 AD=1" "$out" NOERROR
rrsigs "www.example. A, DO=0 AD=1" "$out" www.example 0
out=$(q www.example. A)
insecure "www.example. A, DO=0 AD=0 (secure data, not asked)" "$out"
check "www.example. A, DO=0 AD=0: 192.0.2.1" has_rr "$out" www.example A 192.0.2.1
rrsigs "www.example. A, DO=0 AD=0" "$out" www.example 0
# The other order: the name is first fetched for a DO=0 client.
rrsigs "mx.example. A first with DO=0" "$(q mx.example. A)" mx.example 0
out=$(q +dnssec mx.example. A)
secure "mx.example. A, then DO=1" "$out" NOERROR
rrsigs "mx.example. A, then DO=1" "$out" mx.example 1

echo "# DANE"
out=$(q +dnssec +nosplit _25._tcp.mx.example. TLSA)
secure "_25._tcp.mx.example. TLSA" "$out" NOERROR
check "_25._tcp.mx.example. TLSA: 3 1 1 ${TESTBED_DEFAULT_TLSA^^}" \
    has_rr "$out" _25._tcp.mx.example TLSA "3 1 1 ${TESTBED_DEFAULT_TLSA^^}"

echo "# denial of existence and wildcards"
secure "nonexist.example. (NXDOMAIN proven by NSEC)" "$(q +dnssec nonexist.example. A)" NXDOMAIN
secure "nonexist.nsec3.example. (NXDOMAIN proven by NSEC3)" \
    "$(q +dnssec nonexist.nsec3.example. A)" NXDOMAIN
servfail "nonexist.noproof.example. (NXDOMAIN without proof)" \
    "$(q +dnssec nonexist.noproof.example. A)"
out=$(q +dnssec x.wild.example. TXT)
secure "x.wild.example. TXT (wildcard with its proof)" "$out" NOERROR
check 'x.wild.example. TXT: "wild"' has_rr "$out" x.wild.example TXT '"wild"'
servfail "x.w.wildnoproof.example. TXT (wildcard without its proof)" \
    "$(q +dnssec x.w.wildnoproof.example. TXT)"

echo "# insecure"
out=$(q +dnssec www.insecure.example. A)
insecure "www.insecure.example. (delegation without DS)" "$out"
check "www.insecure.example.: 192.0.2.4" has_rr "$out" www.insecure.example A 192.0.2.4

echo "# bogus"
out=$(q +dnssec www.bogus.example. A)
servfail "www.bogus.example. (tampered RRSIG)" "$out"
check "www.bogus.example.: EDE 6 DNSSEC Bogus ($(ede_of "$out"))" ede6 "$out"
check "www.bogus.example.: no data" test "$(answer_count "$out")" = 0
out=$(q +dnssec +cd www.bogus.example. A)
check "www.bogus.example. with CD=1: NOERROR ($(rcode_of "$out"))" rcode_is "$out" NOERROR
check "www.bogus.example. with CD=1: the data, 192.0.2.5" has_rr "$out" www.bogus.example A 192.0.2.5
check "www.bogus.example. with CD=1: AD=0 (got $(ad_of "$out"))" ad_is "$out" 0
out=$(q +dnssec www.bogus.example. A)
servfail "www.bogus.example. without CD after the CD=1 answer" "$out"
check "www.bogus.example. again: EDE 6 ($(ede_of "$out"))" ede6 "$out"
servfail "www.stripped.example. (RRSIG removed)" "$(q +dnssec www.stripped.example. A)"
servfail "www.expired.example. (signatures expired)" "$(q +dnssec www.expired.example. A)"

echo "# exempt: the forward zone and sitedns's own zone"
out=$(q +dnssec dc1.corp.example. A)
insecure "dc1.corp.example. (forward zone, proven absent by example.)" "$out"
check "dc1.corp.example.: 192.0.2.10" has_rr "$out" dc1.corp.example A 192.0.2.10
out=$(q +dnssec www.lab.example. A)
insecure "www.lab.example. (sitedns's own zone)" "$out"
check "www.lab.example.: 10.9.9.9" has_rr "$out" www.lab.example A 10.9.9.9
check "www.lab.example.: authoritative (aa)" aa_is_set "$out"

echo "# the cache, from every thread"
scrape "$WORK/threads-before" || die "scrape failed"
hits=$(cache_hits)
out=$(spread www.example. 100 --address 192.0.2.1 --ad 1)
check "100 source ports, DO=1: all NOERROR 192.0.2.1 with AD=1 ($out)" \
    grep -q "^spread: 100 of 100 " <<<"$out"
after=$(cache_hits)
check "all 100 from the cache (hits $hits -> $after)" test "$((after - hits))" -eq 100
scrape "$WORK/threads-after" || die "scrape failed"
out=$(join <(thread_answers "$WORK/threads-before" | sort) <(thread_answers "$WORK/threads-after" | sort))
check "the 100 ports reached 4 threads, and each answered (thread, before, after: $(tr '\n' ';' <<<"$out"))" \
    threads_moved "$WORK/threads-before" "$WORK/threads-after" 4
q +dnssec www.bogus.example. A >/dev/null
hits=$(cache_hits)
out=$(spread www.bogus.example. 50 --rcode SERVFAIL --ede 6)
check "50 source ports for the bogus name: all SERVFAIL with EDE 6 ($out)" \
    grep -q "^spread: 50 of 50 " <<<"$out"
after=$(cache_hits)
check "all 50 from the cache (hits $hits -> $after)" test "$((after - hits))" -eq 50

section_end

# ---------------------------------------------------------------- every exchange over TCP

# libunbound runs on sitedns's own event loop: its TCP exchanges (connect, partial reads
# of length-prefixed messages) go through it as well as its UDP ones.
sed 's|"upstreams": \["127.0.0.1:'"$TESTBED_PORT"'"\]|"upstreams": [{ "address": "127.0.0.1:'"$TESTBED_PORT"'", "tcp": true }]|' \
    "$WORK/dnssec.json" >"$WORK/dnssec-tcp.json"
check "dnssec-tcp: the upstream is marked tcp" grep -q '"tcp": true' "$WORK/dnssec-tcp.json"
section dnssec-tcp || die "sitedns does not serve the validating configuration over TCP"
out=$(q +dnssec www.example. A)
secure "over TCP: www.example. A, DO=1" "$out" NOERROR
check "over TCP: www.example. A: 192.0.2.1" has_rr "$out" www.example A 192.0.2.1
secure "over TCP: nonexist.nsec3.example. (NXDOMAIN proven by NSEC3)" \
    "$(q +dnssec nonexist.nsec3.example. A)" NXDOMAIN
out=$(q +dnssec www.bogus.example. A)
servfail "over TCP: www.bogus.example. (tampered RRSIG)" "$out"
check "over TCP: www.bogus.example.: EDE 6 ($(ede_of "$out"))" ede6 "$out"
out=$(q +dnssec _25._tcp.mx.example. TLSA)
secure "over TCP: _25._tcp.mx.example. TLSA" "$out" NOERROR
section_end

finish DNSSEC
