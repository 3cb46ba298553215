#!/usr/bin/env bash
# End-to-end test of where forwarded names go (SPEC §3.1-3.3, §5; issue 14): forward zones
# (an Active Directory domain and a reverse zone sent to a domain controller, the deepest
# match winning, in views with and without recursion), per-site upstreams and forward
# zones, transparent zones and a site's absolute `mail_host`. Fake upstreams
# (fake_upstream.py) stand in for the Internet resolvers and the DCs, each answering its
# own addresses, so every answer tells which one was asked:
#   A  Internet resolver   192.0.2.41, mail-paris.example.com 198.51.100.99 (its public one)
#   B  DC (corp)           _ldap SRV -> dc1, 4.3.2.10.in-addr.arpa PTR dc1, else 10.0.0.1
#   C  London resolver / a second DC   _ldap SRV -> dc2, else 10.0.0.2
#   D  Paris resolver      10.0.0.3
#   E  Paris DC            _ldap SRV -> dc-paris, else 10.0.0.5
# Each section starts its own sitedns (a configuration the section's feature needs), so
# one feature missing does not hide the others' results. The client's loopback source
# address (dig -b) picks the view.
#
# Usage: forward_zones_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: forward_zones_test.sh SITEDNS SOURCE_DIR}
. "$(dirname "$0")/lib.sh"

require_tools dig python3

LDAP=_ldap._tcp.dc._msdcs.corp.example.com

# ---------------------------------------------------------------- upstreams

start_fake A --default "answer addr=192.0.2.41" \
    --rule "mail-paris.example.com answer addr=198.51.100.99 aaaa=2001:db8::bad" \
    --rule "nothere.example.com nxdomain zone=example.com" \
    --rule "1.2.0.192.in-addr.arpa answer ptr=public.example.net." || die "fake upstream A"
PORT_A=$FAKE_PORT
start_fake B --default "answer addr=10.0.0.1" \
    --rule "$LDAP answer srv=0:100:389:dc1.corp.example.com." \
    --rule "4.3.2.10.in-addr.arpa answer ptr=dc1.corp.example.com." || die "fake upstream B"
PORT_B=$FAKE_PORT
start_fake C --default "answer addr=10.0.0.2" \
    --rule "$LDAP answer srv=0:100:389:dc2.corp.example.com." || die "fake upstream C"
PORT_C=$FAKE_PORT
start_fake D --default "answer addr=10.0.0.3" || die "fake upstream D"
PORT_D=$FAKE_PORT
start_fake E --default "answer addr=10.0.0.5" \
    --rule "$LDAP answer srv=0:100:389:dc-paris.corp.example.com." || die "fake upstream E"
PORT_E=$FAKE_PORT
pass "fake upstreams A=$PORT_A B=$PORT_B C=$PORT_C D=$PORT_D E=$PORT_E"

# ---------------------------------------------------------------- sections

has_answer() {  # has_answer DESCRIPTION DIG_OUTPUT NAME TYPE DATA: NOERROR and that record
    out=$2
    check "$1 ($(rcode_of "$2"))" rcode_is "$2" NOERROR
    check "$1: $3 $4 $5" has_rr "$2" "$3" "$4" "$5"
}
nodata() {  # nodata DIG_OUTPUT: NOERROR with an empty answer section
    rcode_is "$1" NOERROR && [ "$(answer_count "$1")" = 0 ]
}

# ---------------------------------------------------------------- forward zones

# Top level: corp.example.com. and 10.in-addr.arpa. to the DC (B), dmz.corp.example.com.
# (deeper) to C. View office (recursion) holds lab.corp.example.com. (authoritative,
# inside the forward zone) and example.net. with its own forward zone ad.example.net.
# (deeper than the authoritative zone); dc-only forwards nothing else; branch has its own
# corp.example.com. (C), before the top-level one.
write_zone "$WORK/lab.json" lab.corp.example.com. '{ "name": "www", "type": "A", "data": "10.9.9.9" }'
write_zone "$WORK/example-net.json" example.net. '{ "name": "www", "type": "A", "data": "192.0.2.90" }'
cat >"$WORK/forward.json" <<JSON
{
  "listen": ["127.0.0.1:0"], "metrics_listen": "127.0.0.1:0", "threads": 2,
  "upstreams": ["127.0.0.1:$PORT_A"], "dnssec": { "validate": false },
  "forward_zones": [
    { "name": "corp.example.com.", "upstreams": ["127.0.0.1:$PORT_B"] },
    { "name": "10.in-addr.arpa.", "upstreams": ["127.0.0.1:$PORT_B"] },
    { "name": "dmz.corp.example.com.", "upstreams": ["127.0.0.1:$PORT_C"] }
  ],
  "views": [
    { "name": "office", "match_clients": ["127.0.0.1/32"], "recursion": true,
      "zones": ["lab.json", "example-net.json"],
      "forward_zones": [ { "name": "ad.example.net.", "upstreams": ["127.0.0.1:$PORT_B"] } ] },
    { "name": "dc-only", "match_clients": ["127.0.0.5/32"] },
    { "name": "branch", "match_clients": ["127.0.0.6/32"],
      "forward_zones": [ { "name": "corp.example.com.", "upstreams": ["127.0.0.1:$PORT_C"] } ] }
  ]
}
JSON
if section forward; then
    has_answer "office: the DC SRV reaches the DC (B)" "$(ask_from 127.0.0.1 $LDAP SRV)" \
        $LDAP SRV "0 100 389 dc1.corp.example.com."
    check "office: B got the SRV query, A did not (B $(seen B $LDAP), A $(seen A $LDAP))" \
        bash -c '[ "$1" -ge 1 ] && [ "$2" -eq 0 ]' _ "$(seen B $LDAP)" "$(seen A $LDAP)"
    has_answer "office: a name of the domain (corp.example.com A) reaches B" \
        "$(ask_from 127.0.0.1 corp.example.com A)" corp.example.com A 10.0.0.1
    has_answer "office: other names go to the view's upstream (A)" \
        "$(ask_from 127.0.0.1 www.example.com A)" www.example.com A 192.0.2.41
    check "office: and B never saw them ($(seen B www.example.com))" test "$(seen B www.example.com)" -eq 0
    has_answer "office: the reverse zone 10.in-addr.arpa. reaches B (dig -x 10.2.3.4)" \
        "$(ask_from 127.0.0.1 -x 10.2.3.4)" 4.3.2.10.in-addr.arpa PTR dc1.corp.example.com.
    check "office: A never saw that PTR query ($(seen A 4.3.2.10.in-addr.arpa))" \
        test "$(seen A 4.3.2.10.in-addr.arpa)" -eq 0
    has_answer "office: another reverse zone goes to A (dig -x 192.0.2.1)" \
        "$(ask_from 127.0.0.1 -x 192.0.2.1)" 1.2.0.192.in-addr.arpa PTR public.example.net.
    has_answer "office: the deepest forward zone wins (dmz.corp.example.com. to C)" \
        "$(ask_from 127.0.0.1 host.dmz.corp.example.com A)" host.dmz.corp.example.com A 10.0.0.2
    out=$(ask_from 127.0.0.1 www.lab.corp.example.com A)
    has_answer "office: an authoritative zone inside the forward zone answers locally" \
        "$out" www.lab.corp.example.com A 10.9.9.9
    check "office: with AA, and B never saw it" \
        bash -c 'grep -qE "^;; flags:[a-z ]* aa[ ;]" <<<"$1" && [ "$2" -eq 0 ]' _ "$out" \
        "$(seen B www.lab.corp.example.com)"
    has_answer "office: the view's forward zone inside its authoritative zone wins (ad.example.net. to B)" \
        "$(ask_from 127.0.0.1 dc.ad.example.net A)" dc.ad.example.net A 10.0.0.1
    has_answer "office: beside it the authoritative zone still answers" \
        "$(ask_from 127.0.0.1 www.example.net A)" www.example.net A 192.0.2.90

    has_answer "dc-only (no recursion): the forward zone still works" \
        "$(ask_from 127.0.0.5 $LDAP SRV)" $LDAP SRV "0 100 389 dc1.corp.example.com."
    has_answer "dc-only: and the reverse zone" \
        "$(ask_from 127.0.0.5 -x 10.2.3.4)" 4.3.2.10.in-addr.arpa PTR dc1.corp.example.com.
    out=$(ask_from 127.0.0.5 other.example.com A)
    check "dc-only: other names are REFUSED ($(rcode_of "$out"))" rcode_is "$out" REFUSED
    check "dc-only: and not forwarded ($(seen A other.example.com))" test "$(seen A other.example.com)" -eq 0

    has_answer "branch: the view's own corp.example.com. (C) beats the top-level one (B)" \
        "$(ask_from 127.0.0.6 $LDAP SRV)" $LDAP SRV "0 100 389 dc2.corp.example.com."
    has_answer "branch: the top-level reverse zone still applies" \
        "$(ask_from 127.0.0.6 -x 10.2.3.4)" 4.3.2.10.in-addr.arpa PTR dc1.corp.example.com.

    # A reload that drops dmz.corp.example.com. and adds example.org. keeps the answers of
    # the upstream sets that remain (A, B): asked again, they go nowhere.
    ask_from 127.0.0.1 www.example.com A >/dev/null
    ask_from 127.0.0.1 $LDAP SRV >/dev/null
    before_a=$(seen A www.example.com)
    before_b=$(seen B $LDAP)
    reloads=$(grep -c 'reloaded in' "$WORK/sitedns.log")
    python3 - "$WORK/forward.json" "$PORT_C" <<'PY'
import json, sys
path, port = sys.argv[1], sys.argv[2]
config = json.load(open(path))
zones = [z for z in config["forward_zones"] if z["name"] != "dmz.corp.example.com."]
zones.append({"name": "example.org.", "upstreams": ["127.0.0.1:" + port]})
config["forward_zones"] = zones
json.dump(config, open(path, "w"))
PY
    kill -HUP "$PID"
    end=$((SECONDS + 10))
    until [ "$(grep -c 'reloaded in' "$WORK/sitedns.log")" -gt "$reloads" ] || [ $SECONDS -ge $end ]; do
        sleep 0.05
    done
    check "reload: SIGHUP with other forward zones reloaded" \
        test "$(grep -c 'reloaded in' "$WORK/sitedns.log")" -gt "$reloads"
    has_answer "reload: www.example.com still answered" \
        "$(ask_from 127.0.0.1 www.example.com A)" www.example.com A 192.0.2.41
    has_answer "reload: the DC SRV still answered" \
        "$(ask_from 127.0.0.1 $LDAP SRV)" $LDAP SRV "0 100 389 dc1.corp.example.com."
    check "reload: both from the kept cache (A $(( $(seen A www.example.com) - before_a )), B $(( $(seen B $LDAP) - before_b )) new queries)" \
        bash -c '[ "$1" -eq "$2" ] && [ "$3" -eq "$4" ]' _ \
        "$(seen A www.example.com)" "$before_a" "$(seen B $LDAP)" "$before_b"
    has_answer "reload: the new forward zone example.org. reaches C" \
        "$(ask_from 127.0.0.1 www.example.org A)" www.example.org A 10.0.0.2
fi
section_end

# ---------------------------------------------------------------- per-site upstreams

# London asks its resolver C, Paris its resolver D and its own DC E for corp.example.com.,
# Madrid the top-level A and the top-level DC B.
sites_list() {  # sites_list PARIS_EXTRA_KEYS LONDON_EXTRA_KEYS: the example's three sites
    cat <<JSON
    "list": [
      { "name": "london", "subnets": ["10.1.0.0/16", "127.0.0.1/32"], "address": "203.0.113.10",
        "primary": true $2 },
      { "name": "paris",  "subnets": ["10.2.0.0/16", "127.0.2.0/24"], "address": "203.0.113.20" $1 },
      { "name": "madrid", "subnets": ["10.3.0.0/16", "127.0.3.0/24"], "address": "203.0.113.30" }
    ]
JSON
}
cat >"$WORK/sites.json" <<JSON
{
  "listen": ["127.0.0.1:0"], "metrics_listen": "127.0.0.1:0", "threads": 2,
  "upstreams": ["127.0.0.1:$PORT_A"], "dnssec": { "validate": false },
  "forward_zones": [ { "name": "corp.example.com.", "upstreams": ["127.0.0.1:$PORT_B"] } ],
  "sites": {
    "domain": "example.com", "internal_suffix": "example.local", "ttl": 300,
$(sites_list ', "upstreams": ["127.0.0.1:'"$PORT_D"'"],
        "forward_zones": [ { "name": "corp.example.com.", "upstreams": ["127.0.0.1:'"$PORT_E"'"] } ]' \
             ', "upstreams": ["127.0.0.1:'"$PORT_C"'"]')
  }
}
JSON
if section sites; then
    has_answer "london: portal.example.com from London's resolver (C)" \
        "$(ask_from 127.0.0.1 portal.example.com A)" portal.example.com A 10.0.0.2
    has_answer "paris: the same name from Paris's resolver (D)" \
        "$(ask_from 127.0.2.1 portal.example.com A)" portal.example.com A 10.0.0.3
    has_answer "madrid (no upstreams of its own): from the top-level upstream (A)" \
        "$(ask_from 127.0.3.1 portal.example.com A)" portal.example.com A 192.0.2.41
    check "each resolver was asked once (A $(seen A portal.example.com), C $(seen C portal.example.com), D $(seen D portal.example.com))" \
        bash -c '[ "$1" -eq 1 ] && [ "$2" -eq 1 ] && [ "$3" -eq 1 ]' _ \
        "$(seen A portal.example.com)" "$(seen C portal.example.com)" "$(seen D portal.example.com)"
    has_answer "paris: its own DC (E) for corp.example.com., before the top-level one" \
        "$(ask_from 127.0.2.1 $LDAP SRV)" $LDAP SRV "0 100 389 dc-paris.corp.example.com."
    has_answer "london: the top-level DC (B) for corp.example.com." \
        "$(ask_from 127.0.0.1 $LDAP SRV)" $LDAP SRV "0 100 389 dc1.corp.example.com."
    has_answer "london: the generated routing records still answer (paris.example.local MX)" \
        "$(ask_from 127.0.0.1 paris.example.local MX)" paris.example.local MX "10 mail.paris.example.local."
fi
section_end

# ---------------------------------------------------------------- transparent zone

# example.com. with one name, mail-paris, and no SOA: that name is answered here for every
# type; every other name of example.com goes on to the upstream (A), whose public
# addresses for mail-paris must never show.
cat >"$WORK/override.json" <<'JSON'
{ "origin": "example.com.", "ttl": 300,
  "records": [ { "name": "mail-paris", "type": "A", "data": "203.0.113.21" } ] }
JSON
cat >"$WORK/transparent.json" <<JSON
{
  "listen": ["127.0.0.1:0"], "metrics_listen": "127.0.0.1:0", "threads": 2,
  "upstreams": ["127.0.0.1:$PORT_A"], "dnssec": { "validate": false },
  "views": [
    { "name": "override", "match_clients": ["127.0.0.1/32"], "recursion": true,
      "zones": [ { "file": "override.json", "transparent": true } ] },
    { "name": "override-norec", "match_clients": ["127.0.0.7/32"],
      "zones": [ { "file": "override.json", "transparent": true } ] }
  ]
}
JSON
if section transparent; then
    before=$(seen A mail-paris.example.com)
    has_answer "override: mail-paris.example.com A answered locally" \
        "$(ask_from 127.0.0.1 mail-paris.example.com A)" mail-paris.example.com A 203.0.113.21
    out=$(ask_from 127.0.0.1 mail-paris.example.com AAAA)
    check "override: its AAAA is NODATA ($(rcode_of "$out"), $(answer_count "$out") answers)" nodata "$out"
    check "override: and the public AAAA never shows" bash -c '! grep -q "2001:db8::bad" <<<"$1"' _ "$out"
    out=$(ask_from 127.0.0.1 mail-paris.example.com TXT)
    check "override: its TXT is NODATA too ($(rcode_of "$out"))" nodata "$out"
    check "override: none of them went upstream ($(( $(seen A mail-paris.example.com) - before )))" \
        test "$(seen A mail-paris.example.com)" -eq "$before"
    has_answer "override: the sibling www.example.com is forwarded" \
        "$(ask_from 127.0.0.1 www.example.com A)" www.example.com A 192.0.2.41
    has_answer "override: the apex, which has no records here, is forwarded" \
        "$(ask_from 127.0.0.1 example.com A)" example.com A 192.0.2.41
    out=$(ask_from 127.0.0.1 nothere.example.com A)
    check "override: a name without records gets the upstream's NXDOMAIN ($(rcode_of "$out"), A saw $(seen A nothere.example.com))" \
        bash -c '[ "$1" = NXDOMAIN ] && [ "$2" -ge 1 ]' _ "$(rcode_of "$out")" "$(seen A nothere.example.com)"
    has_answer "override-norec: mail-paris.example.com A answered locally" \
        "$(ask_from 127.0.0.7 mail-paris.example.com A)" mail-paris.example.com A 203.0.113.21
    out=$(ask_from 127.0.0.7 www2.example.com A)
    check "override-norec: a sibling is REFUSED, as if the zone were absent ($(rcode_of "$out"))" \
        rcode_is "$out" REFUSED
fi
section_end

# ---------------------------------------------------------------- absolute mail_host

# Paris's mail host is a public name (its certificate's): London's and Madrid's views
# answer it with Paris's address; the rest of example.com still comes from A.
cat >"$WORK/mailhost.json" <<JSON
{
  "listen": ["127.0.0.1:0"], "metrics_listen": "127.0.0.1:0", "threads": 2,
  "upstreams": ["127.0.0.1:$PORT_A"], "dnssec": { "validate": false },
  "sites": {
    "domain": "example.com", "internal_suffix": "example.local", "ttl": 300,
$(sites_list ', "address6": "2001:db8:20::25", "mail_host": "mail-paris.example.com."' '')
  }
}
JSON
if section mailhost; then
    before=$(seen A mail-paris.example.com)
    has_answer "london: paris.example.local MX points at the absolute mail host" \
        "$(ask_from 127.0.0.1 paris.example.local MX)" paris.example.local MX "10 mail-paris.example.com."
    has_answer "london: mail-paris.example.com A is Paris's address" \
        "$(ask_from 127.0.0.1 mail-paris.example.com A)" mail-paris.example.com A 203.0.113.20
    has_answer "london: and its AAAA Paris's address6" \
        "$(ask_from 127.0.0.1 mail-paris.example.com AAAA)" mail-paris.example.com AAAA 2001:db8:20::25
    out=$(ask_from 127.0.0.1 mail-paris.example.com TXT)
    check "london: its TXT is NODATA ($(rcode_of "$out"))" nodata "$out"
    has_answer "madrid: mail-paris.example.com A is Paris's address" \
        "$(ask_from 127.0.3.1 mail-paris.example.com A)" mail-paris.example.com A 203.0.113.20
    check "none of them went upstream ($(( $(seen A mail-paris.example.com) - before )))" \
        test "$(seen A mail-paris.example.com)" -eq "$before"
    has_answer "london: another example.com name is still forwarded" \
        "$(ask_from 127.0.0.1 www.example.com A)" www.example.com A 192.0.2.41
    has_answer "paris (its own view holds no override): mail-paris.example.com from upstream" \
        "$(ask_from 127.0.2.1 mail-paris.example.com A)" mail-paris.example.com A 198.51.100.99
    out=$("$SITEDNS" export --config "$WORK/mailhost.json" --view london 2>&1)
    check "export --view london shows mail-paris.example.com A 203.0.113.20" \
        grep -qE '^mail-paris\.example\.com\.\s+[0-9]+\s+IN\s+A\s+203\.0\.113\.20$' <<<"$out"
fi
section_end

finish "forward zone"
