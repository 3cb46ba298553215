#!/usr/bin/env bash
# End-to-end test of the local internal suffix (SPEC §3.3, §5; issue 21): each site's view
# answers its own location domain (with `internal_address` where given) and answers
# NXDOMAIN for any other name under the suffix, without asking the default upstream; a
# forward zone at the suffix (the Active Directory domain as the suffix) takes those names
# to the domain controllers while the generated site zones still answer inside it; a
# forward zone below the suffix wins inside itself; other names, `.local` ones included,
# still go to the default upstream. Fake upstreams (fake_upstream.py) log every query:
#   A  the default upstream (the Internet's resolver)   192.0.2.41
#   B  a domain controller: dc1.example.local 10.1.0.10, _ldap._tcp.example.local SRV
#   C  madrid's own domain controller                    10.0.0.2
# The client's loopback source address (dig -b) picks the site: london 127.0.0.1, paris
# 127.0.2.0/24, madrid 127.0.3.0/24; 127.0.2.7 is an explicit view without recursion.
#
# Usage: internal_suffix_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: internal_suffix_test.sh SITEDNS SOURCE_DIR}
. "$(dirname "$0")/lib.sh"

require_tools dig python3

LDAP=_ldap._tcp.example.local

start_fake A --default "answer addr=192.0.2.41" || die "fake upstream A"
PORT_A=$FAKE_PORT
start_fake B --default "answer addr=10.0.0.1" \
    --rule "dc1.example.local answer addr=10.1.0.10" \
    --rule "$LDAP answer srv=0:100:389:dc1.example.local." || die "fake upstream B"
PORT_B=$FAKE_PORT
start_fake C --default "answer addr=10.0.0.2" || die "fake upstream C"
PORT_C=$FAKE_PORT
pass "fake upstreams A=$PORT_A B=$PORT_B C=$PORT_C"

declare -A CLIENT=([london]=127.0.0.1 [paris]=127.0.2.1 [madrid]=127.0.3.1)
# What each site's own view answers for its mail host: london's inside address.
declare -A OWN_ADDRESS=([london]=10.1.0.25 [paris]=203.0.113.20 [madrid]=203.0.113.30)

# ---------------------------------------------------------------- helpers

aa() { grep -qE '^;; flags:[a-z ]* aa[ ;]' <<<"$1"; }  # aa DIG_OUTPUT: the AA bit is set
# authority_soa DIG_OUTPUT ZONE MNAME: the authority section holds ZONE's SOA naming MNAME.
authority_soa() {
    awk -v z="$2." -v m="$3." '
        /^;; AUTHORITY SECTION:/ { on = 1; next } /^$/ { on = 0 }
        on && tolower($1) == z && $4 == "SOA" && tolower($5) == m { found = 1 }
        END { exit !found }' <<<"$1"
}
# additional_a DIG_OUTPUT NAME ADDRESS: the additional section holds NAME A ADDRESS.
additional_a() {
    awk -v n="$2." -v a="$3" '
        /^;; ADDITIONAL SECTION:/ { on = 1; next } /^$/ { on = 0 }
        on && tolower($1) == n && $4 == "A" && $5 == a { found = 1 }
        END { exit !found }' <<<"$1"
}
has_answer() {  # has_answer DESCRIPTION DIG_OUTPUT NAME TYPE DATA: that record
    out=$2
    check "$1 ($(rcode_of "$2"))" has_rr "$2" "$3" "$4" "$5"
}
# leaked FAKE: how many queries for a name under example.local. FAKE received.
leaked() { grep -c ' qname=\([^ ]*\.\)\?example\.local\. ' "$WORK/$1.log"; }

# own_domain SITE: SITE's own location domain answers AA with its MX and its mail host's
# address as the site's own view has it.
own_domain() {
    local site=$1 address=${OWN_ADDRESS[$1]}
    out=$(ask_from "${CLIENT[$site]}" "$site.example.local" MX)
    check "$site: its own $site.example.local MX is answered ($(rcode_of "$out"))" \
        has_rr "$out" "$site.example.local" MX "10 mail.$site.example.local."
    check "$site: with AA" aa "$out"
    check "$site: and mail.$site.example.local A $address in the additional section" \
        additional_a "$out" "mail.$site.example.local" "$address"
}
# nowhere SITE NAME: NXDOMAIN with AA and the suffix's SOA at SITE.
nowhere() {
    out=$(ask_from "${CLIENT[$1]}" "$2" A)
    check "$1: $2 is NXDOMAIN ($(rcode_of "$out"))" rcode_is "$out" NXDOMAIN
    check "$1: $2 with AA" aa "$out"
    check "$1: $2 with the suffix's SOA in the authority section" \
        authority_soa "$out" example.local ns.example.local
}

# sites_json TOP_LEVEL_EXTRA MADRID_EXTRA: the three sites, london with an inside address.
sites_json() {
    cat <<JSON
{
  "listen": ["127.0.0.1:0"], "metrics_listen": "127.0.0.1:0", "threads": 2,
  "upstreams": ["127.0.0.1:$PORT_A"], "dnssec": { "validate": false } $1,
  "sites": {
    "domain": "example.com", "internal_suffix": "example.local", "ttl": 300,
    "list": [
      { "name": "london", "subnets": ["10.1.0.0/16", "127.0.0.1/32"], "address": "203.0.113.10",
        "internal_address": "10.1.0.25", "primary": true },
      { "name": "paris",  "subnets": ["10.2.0.0/16", "127.0.2.0/24"], "address": "203.0.113.20" },
      { "name": "madrid", "subnets": ["10.3.0.0/16", "127.0.3.0/24"], "address": "203.0.113.30" $2 }
    ]
  }
}
JSON
}

# ---------------------------------------------------------------- the suffix answered locally

# No forward zone covers example.local.; _msdcs.example.local. (below it) goes to B. The
# explicit view lab (no recursion) holds nothing.
cat >"$WORK/lab.json" <<'JSON'
{ "origin": "lab.test.", "ttl": 300,
  "soa": { "mname": "ns.lab.test.", "rname": "hostmaster.lab.test.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [ { "name": "@", "type": "NS", "data": "ns" },
               { "name": "ns", "type": "A", "data": "192.0.2.53" } ] }
JSON
sites_json ', "forward_zones": [ { "name": "_msdcs.example.local.", "upstreams": ["127.0.0.1:'"$PORT_B"'"] } ],
  "views": [ { "name": "lab", "match_clients": ["127.0.2.7/32"], "zones": ["lab.json"] } ]' '' \
    >"$WORK/local.json"
if section local; then
    check "local: check warns that the loopback upstream looks like a domain controller" \
        grep -qE '^warning: sites london, paris and madrid forward to 127\.0\.0\.1, .*no forward zone covers the internal suffix example\.local\.: .*add a forward zone "example\.local\." to the domain controllers$' \
        <<<"$CHECK_OUT"
    for site in london paris madrid; do
        own_domain "$site"
        nowhere "$site" nowhere.example.local
        nowhere "$site" www.berlin.example.local
    done
    out=$(ask_from 127.0.2.1 london.example.local MX)
    check "paris: london's mail host is its external address, not the inside one" \
        additional_a "$out" mail.london.example.local 203.0.113.10
    out=$(ask_from 127.0.0.1 ns.example.local A)
    check "london: ns.example.local (no records) is NXDOMAIN too ($(rcode_of "$out"))" \
        rcode_is "$out" NXDOMAIN
    check "A saw no query under example.local. ($(leaked A))" test "$(leaked A)" -eq 0

    has_answer "london: a name under the deeper forward zone _msdcs.example.local. reaches B" \
        "$(ask_from 127.0.0.1 dc._msdcs.example.local A)" dc._msdcs.example.local A 10.0.0.1
    has_answer "london: foo.local (outside the suffix) goes to A" \
        "$(ask_from 127.0.0.1 foo.local A)" foo.local A 192.0.2.41
    has_answer "madrid: a public name goes to A" \
        "$(ask_from 127.0.3.1 www.example.org A)" www.example.org A 192.0.2.41
    check "A saw foo.local and www.example.org (once each: $(seen A foo.local), $(seen A www.example.org))" \
        bash -c '[ "$1" -eq 1 ] && [ "$2" -eq 1 ]' _ "$(seen A foo.local)" "$(seen A www.example.org)"
    out=$(ask_from 127.0.2.7 nowhere.example.local A)
    check "lab (explicit view, no recursion): nowhere.example.local is still REFUSED ($(rcode_of "$out"))" \
        rcode_is "$out" REFUSED
fi
section_end

# ---------------------------------------------------------------- the AD domain as the suffix

# example.local. at the top level to the DC (B); madrid has its own DC (C) for it.
sites_json ', "forward_zones": [ { "name": "example.local.", "upstreams": ["127.0.0.1:'"$PORT_B"'"] } ]' \
    ', "forward_zones": [ { "name": "example.local.", "upstreams": ["127.0.0.1:'"$PORT_C"'"] } ]' \
    >"$WORK/ad.json"
before_a=$(leaked A)
if section ad; then
    check "ad: check does not warn about the suffix" \
        bash -c '! grep -q "forward zone covers the internal suffix" <<<"$1"' _ "$CHECK_OUT"
    out=$(ask_from 127.0.0.1 dc1.example.local A)
    check "london: dc1.example.local A comes from the DC (B)" \
        has_rr "$out" dc1.example.local A 10.1.0.10
    out=$(ask_from 127.0.0.1 $LDAP SRV)
    check "london: $LDAP SRV comes from the DC (B)" \
        has_rr "$out" $LDAP SRV "0 100 389 dc1.example.local."
    check "B got both ($(seen B dc1.example.local), $(seen B $LDAP))" \
        bash -c '[ "$1" -ge 1 ] && [ "$2" -ge 1 ]' _ "$(seen B dc1.example.local)" "$(seen B $LDAP)"
    out=$(ask_from 127.0.0.1 paris.example.local MX)
    check "london: paris.example.local MX is answered from the generated zone" \
        has_rr "$out" paris.example.local MX "10 mail.paris.example.local."
    check "london: with AA" aa "$out"
    check "london: the DC never saw paris.example.local ($(seen B paris.example.local))" \
        test "$(seen B paris.example.local)" -eq 0
    own_domain london
    check "the DC never saw london.example.local ($(seen B london.example.local))" \
        test "$(seen B london.example.local)" -eq 0
    out=$(ask_from 127.0.3.1 dc1.example.local A)
    check "madrid: dc1.example.local comes from its own DC (C)" \
        has_rr "$out" dc1.example.local A 10.0.0.2
    out=$(ask_from 127.0.2.1 nowhere.example.local A)
    check "paris: nowhere.example.local goes to the DC (B), which answers it" \
        has_rr "$out" nowhere.example.local A 10.0.0.1
    check "A saw none of these ($(( $(leaked A) - before_a )) new queries under example.local.)" \
        test "$(leaked A)" -eq "$before_a"
    out=$(ask_from 127.0.0.1 foo.local A)
    check "london: foo.local still goes to A" has_rr "$out" foo.local A 192.0.2.41
fi
section_end

finish "internal suffix"
