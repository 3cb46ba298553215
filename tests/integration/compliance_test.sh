#!/usr/bin/env bash
# The compliance corners of issue 22 through the sitedns binary on loopback, asked with
# dig and kdig:
#   - TSIG (RFC 8945 §5.2.1): a signed query gets NOTAUTH and an unsigned TSIG with error
#     BADKEY, for a name of a zone and for a name the view forwards, which never reaches
#     the upstream;
#   - opcodes other than QUERY (STATUS, NOTIFY): NOTIMP with only QR and the opcode set;
#   - a zone file signed with ldns-signzone (NSEC3): `sitedns check` and the log at start
#     and at reload warn naming it, and it is served unsigned (no RRSIG at +dnssec;
#     DNSKEY, RRSIG, NSEC3PARAM at the apex are NODATA).
#
# Usage: compliance_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: compliance_test.sh SITEDNS SOURCE_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"
require_tools dig kdig python3 ldns-keygen ldns-signzone

# ---- the zones: plain.test, and signed.test signed with NSEC3 by ldns-signzone
cat >"$WORK/plain.zone" <<'ZONE'
$ORIGIN plain.test.
$TTL 300
@ SOA ns hostmaster 1 3600 600 604800 300
@ NS ns
ns A 192.0.2.53
www A 192.0.2.1
ZONE
cat >"$WORK/signed.unsigned" <<'ZONE'
$ORIGIN signed.test.
$TTL 300
@ SOA ns hostmaster 1 3600 600 604800 300
@ NS ns
ns A 192.0.2.54
www A 192.0.2.2
ZONE
key=$(cd "$WORK" && ldns-keygen -a ED25519 signed.test) || die "ldns-keygen failed"
(cd "$WORK" && ldns-signzone -n -s 00 -f signed.zone signed.unsigned "$key") ||
    die "ldns-signzone failed"
out=$(cat "$WORK/signed.zone")
check "the signed zone file holds RRSIG, DNSKEY and NSEC3 records" \
    bash -c 'grep -q "RRSIG" <<<"$1" && grep -q "DNSKEY" <<<"$1" && grep -q "NSEC3PARAM" <<<"$1"' _ "$out"

start_fake up --default "answer addr=198.51.100.1" || die "fake upstream"
cat >"$WORK/sitedns.json" <<JSON
{ "listen": ["127.0.0.1:0"],
  "views": [ { "name": "all", "match_clients": ["127.0.0.0/8"], "recursion": true,
               "upstreams": ["127.0.0.1:$FAKE_PORT"],
               "zones": ["plain.zone", "signed.zone"] } ] }
JSON

# ---- sitedns check
out=$("$SITEDNS" check --config "$WORK/sitedns.json" 2>&1)
rc=$?
check "check accepts the configuration with the signed zone (exit 0)" test $rc -eq 0
warning='warning: zone signed.test. ('
check "check warns about signed.test, naming it" grep -qF "$warning" <<<"$out"
check "the warning says it is served unsigned and no DS may be published" \
    grep -q "signed.test.*serves the zone unsigned, so no DS may be published" <<<"$out"
check "check does not warn about plain.test" bash -c '! grep -q "plain.test" <<<"$1"' _ "$out"

start_sitedns "$WORK/sitedns.json"
out=$(cat "$WORK/sitedns.log")
check "the start-up log warns about signed.test" \
    grep -q "warn.*zone signed.test. .*serves the zone unsigned" <<<"$out"

ask() { dig @127.0.0.1 -p "$PORT" +time=5 +tries=1 "$@" 2>&1; }
flags_of() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$1"; }

# ---- TSIG: NOTAUTH with an unsigned BADKEY TSIG, the key and algorithm echoed
out=$(ask -y hmac-sha256:name:c2VjcmV0 www.plain.test A)
check "TSIG: dig's signed query for a zone name is NOTAUTH" rcode_is "$out" NOTAUTH
check "TSIG: the answer carries the TSIG (dig prints its pseudosection)" \
    grep -q '^;; TSIG PSEUDOSECTION:' <<<"$out"
check "TSIG: the key and algorithm echoed, MAC size 0, error BADKEY" \
    grep -qE '^name\.[[:space:]]+0[[:space:]]+ANY[[:space:]]+TSIG[[:space:]]+hmac-sha256\. [0-9]+ 300 0 [0-9]+ BADKEY 0' <<<"$out"
check "TSIG: no data is given to the signed query" test "$(answer_count "$out")" = 0
out=$(kdig @127.0.0.1 -p "$PORT" +time=5 +retry=0 -y hmac-sha256:name:c2VjcmV0 www.plain.test A 2>&1)
check "TSIG: kdig reads the TSIG error BADKEY" grep -q 'status: BADKEY' <<<"$out"
check "TSIG: kdig sees the TSIG record, MAC size 0" \
    grep -qE 'TSIG[[:space:]]+hmac-sha256\. [0-9]+ 300 0 [0-9]+ BADKEY' <<<"$out"
out=$(ask +tcp -y hmac-sha512:other.key:c2VjcmV0 www.plain.test A)
check "TSIG: over TCP with another key and algorithm, the same" \
    grep -qE '^other\.key\.[[:space:]]+0[[:space:]]+ANY[[:space:]]+TSIG[[:space:]]+hmac-sha512\. .* BADKEY 0' <<<"$out"
out=$(ask -y hmac-sha256:name:c2VjcmV0 www.forwarded.test A)
check "TSIG: a name the view forwards is NOTAUTH too" rcode_is "$out" NOTAUTH
check "TSIG: ... with the BADKEY TSIG" grep -q 'TSIG.* BADKEY 0' <<<"$out"
out=$(seen up www.forwarded.test)
check "TSIG: the signed query never reached the upstream" test "${out:-0}" = 0
out=$(ask www.forwarded.test A)
check "unsigned, the same name is forwarded and answered" has_rr "$out" www.forwarded.test A 198.51.100.1

# ---- other opcodes: NOTIMP, only QR and the opcode
for opcode in status notify; do
    out=$(ask +opcode=$opcode +rec +cdflag +adflag www.plain.test A)
    check "opcode $opcode: NOTIMP" rcode_is "$out" NOTIMP
    check "opcode $opcode: only QR set (flags: qr)" test "$(flags_of "$out")" = "qr"
done
out=$(ask +opcode=status +noedns +rec www.plain.test A)
check "opcode status without EDNS: NOTIMP, only QR" test "$(flags_of "$out")" = "qr"

# ---- the signed zone, served unsigned (the A answered is the control: the zone loaded)
nodata() {  # nodata DIG_OUTPUT: NOERROR, no answer record, no RRSIG record in any section
    rcode_is "$1" NOERROR && [ "$(answer_count "$1")" = 0 ] &&
        ! grep -qE '^[^;].*[[:space:]]RRSIG[[:space:]]' <<<"$1"
}
out=$(ask +dnssec +norec www.signed.test A)
check "signed zone: www.signed.test A answered at +dnssec" has_rr "$out" www.signed.test A 192.0.2.2
for query in "www.signed.test RRSIG" "signed.test RRSIG" "signed.test DNSKEY" \
             "signed.test NSEC3PARAM"; do
    # shellcheck disable=SC2086 # name and type
    out=$(ask +dnssec +norec $query)
    check "signed zone: $query at +dnssec is NODATA, no RRSIG" nodata "$out"
done
hashed=$(awk '$4 == "NSEC3" { print $1; exit }' "$WORK/signed.zone")
out=$(ask +dnssec +norec "$hashed" NSEC3)
check "signed zone: the NSEC3 chain's name $hashed does not exist" rcode_is "$out" NXDOMAIN

# ---- a reload logs the warning again
kill -HUP "$PID"
for _ in $(seq 100); do grep -q "reloaded in" "$WORK/sitedns.log" && break; sleep 0.1; done
out=$(grep -c "zone signed.test. .*serves the zone unsigned" "$WORK/sitedns.log")
check "reload logs the signed-zone warning again" test "$out" = 2

check "SIGTERM stops sitedns" stop_sitedns
finish "compliance"
