#!/usr/bin/env bash
# End-to-end test of the sites topology (SPEC §2, §3.3): the per-site view chosen by the
# client's source address over real UDP and TCP, an explicit /32 view beside a site's
# /24, and the `check`, `trace` and `export` commands. Linux lets a client bind any
# 127.0.0.0/8 address, so `dig -b 127.0.2.1` asks as a Paris client.
#
# Usage: sites_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: sites_test.sh SITEDNS SOURCE_DIR}
SOURCE_DIR=${2:?usage: sites_test.sh SITEDNS SOURCE_DIR}
EXAMPLE="$SOURCE_DIR/config/examples/sites.json"

. "$(dirname "$0")/lib.sh"
require_tools dig nsd-checkzone named-checkzone python3

# ---------------------------------------------------------------- fixtures

# sites_config FILE PARIS_ADDRESS [EXTRA_TOP_LEVEL_JSON]: the example topology.
sites_config() {
    cat > "$1" <<JSON
{
  "listen": ["127.0.0.1:5353"],
  "sites": {
    "domain": "example.com",
    "internal_suffix": "example.local",
    "ttl": 300,
    "list": [
      { "name": "london", "subnets": ["10.1.0.0/16", "127.0.0.1/32"], "address": "203.0.113.10", "primary": true },
      { "name": "paris",  "subnets": ["10.2.0.0/16", "127.0.2.0/24"], "address": "$2" },
      { "name": "madrid", "subnets": ["10.3.0.0/16", "127.0.3.0/24"], "address": "203.0.113.30" }
    ]
  }${3:-}
}
JSON
}
# No upstreams: names outside a site view's zones are REFUSED, whatever resolv.conf says.
sites_config "$WORK/lab-config.json" 203.0.113.20 ',
  "upstreams": [],
  "views": [ { "name": "lab", "match_clients": ["127.0.2.7/32"], "zones": ["lab.json"] } ]'
sites_config "$WORK/no-upstreams.json" 203.0.113.20 ',
  "upstreams": []'
sites_config "$WORK/loop.json" 203.0.113.10  # paris's address is london's

cat > "$WORK/lab.json" <<'JSON'
{ "origin": "lab.example.local.", "ttl": 300,
  "soa": { "mname": "ns.lab.example.local.", "rname": "hostmaster.example.com.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [ { "name": "@", "type": "NS", "data": "ns" },
               { "name": "ns", "type": "A", "data": "127.0.0.1" },
               { "name": "www", "type": "A", "data": "192.0.2.77" } ] }
JSON

# Every record shape the zone reader takes, for export to write and NSD to read back.
cat > "$WORK/shapes.json" <<'JSON'
{ "origin": "shapes.test.", "ttl": 3600,
  "soa": { "mname": "ns.shapes.test.", "rname": "hostmaster.shapes.test.", "serial": 42,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [
    { "name": "@", "type": "NS", "data": "ns" },
    { "name": "ns", "type": "A", "data": "192.0.2.53" },
    { "name": "@", "type": "MX", "ttl": 300, "data": "10 Mail" },
    { "name": "mail", "type": "A", "data": "192.0.2.25" },
    { "name": "mail", "type": "AAAA", "data": "2001:db8::25" },
    { "name": "@", "type": "TXT", "data": "\"v=spf1 mx -all\" \"say \\\"hi\\\"; ok\"" },
    { "name": "www", "type": "CNAME", "data": "mail" },
    { "name": "*.dyn", "type": "A", "data": "198.51.100.7" },
    { "name": "_submission._tcp", "type": "SRV", "data": "0 1 587 mail" },
    { "name": "@", "type": "CAA", "data": "0 issue \"letsencrypt.org\"" },
    { "name": "1.2.0.192.in-addr", "type": "PTR", "data": "mail.shapes.test." },
    { "name": "sub", "type": "NS", "data": "ns.sub" },
    { "name": "ns.sub", "type": "A", "data": "192.0.2.54" },
    { "name": "opaque", "type": "TYPE65280", "data": "\\# 4 0a000001" },
    { "name": "a\\032b", "type": "A", "data": "192.0.2.9" }
  ] }
JSON
cat > "$WORK/shapes-config.json" <<'JSON'
{ "views": [ { "name": "all", "match_clients": ["any"], "zones": ["shapes.json"] } ] }
JSON

# ---------------------------------------------------------------- server control

# start_server NAME ARGS...: starts sitedns on an ephemeral port; sets PORT and PID.
# Ready when a London client (127.0.0.1) gets Paris's SOA.
start_server() {
    local name=$1; shift
    local port_file="$WORK/$name.port"
    rm -f "$port_file"
    SITEDNS_PORT_FILE="$port_file" "$SITEDNS" "$@" >"$WORK/$name.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    local deadline=$((SECONDS + 10))
    until [ -s "$port_file" ]; do
        if ! kill -0 "$PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            echo "server $name did not start:"; cat "$WORK/$name.log"; return 1
        fi
        sleep 0.05
    done
    PORT=$(cat "$port_file")
    until dig -b 127.0.0.1 @127.0.0.1 -p "$PORT" +time=1 +tries=1 paris.example.local SOA 2>/dev/null |
          grep -q 'status: NOERROR'; do
        if [ $SECONDS -ge $deadline ]; then
            echo "server $name does not answer:"; cat "$WORK/$name.log"; return 1
        fi
        sleep 0.05
    done
}

# stop_server: SIGTERM, and the exit status must be 0 within 5 s.
stop_server() {
    kill -TERM "$PID"
    local deadline=$((SECONDS + 5))
    while kill -0 "$PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    if kill -0 "$PID" 2>/dev/null; then
        echo "server still running 5 s after SIGTERM"; return 1
    fi
    wait "$PID"
}

q() {  # q SOURCE ARGS...: dig at the server under test from SOURCE, bounded
    local source=$1; shift
    dig -b "$source" @127.0.0.1 -p "$PORT" +time=2 +tries=1 +norec "$@" 2>&1
}

# expect_site_mx SOURCE TRANSPORT SITE ADDRESS: SITE's MX, with the mail host's address
# in the additional section, as a client at SOURCE sees it.
expect_site_mx() {
    local source=$1 transport=$2 site=$3 address=$4 out
    out=$(q "$source" "$transport" "$site.example.local" MX)
    check "$source $transport $site MX: NOERROR, aa" \
        grep -qE '^;; ->>HEADER<<-.*status: NOERROR' <<<"$out"
    check "$source $transport $site MX: 10 mail.$site.example.local." \
        grep -qE "^$site\.example\.local\.\s+300\s+IN\s+MX\s+10 mail\.$site\.example\.local\.\$" <<<"$out"
    check "$source $transport $site MX: additional A $address" \
        grep -qE "^mail\.$site\.example\.local\.\s+300\s+IN\s+A\s+${address//./\\.}\$" <<<"$out"
}

# expect_status SOURCE TRANSPORT NAME TYPE STATUS
expect_status() {
    local out
    out=$(q "$1" "$2" "$3" "$4")
    check "$1 $2 $3 $4: $5" grep -q "status: $5" <<<"$out"
}

# ---------------------------------------------------------------- view per site

out=$(dig -b 127.0.2.1 @127.0.0.1 -p 9 +time=1 +tries=1 example.test 2>&1)
if grep -qi 'bind\|cannot assign' <<<"$out"; then
    fail "this machine does not let a client bind 127.0.2.1: $out"
fi

declare -A ADDRESS=([london]=203.0.113.10 [paris]=203.0.113.20 [madrid]=203.0.113.30)
declare -A CLIENT=([london]=127.0.0.1 [paris]=127.0.2.1 [madrid]=127.0.3.1)

if start_server builtin --listen 127.0.0.1:0 --threads 2; then
    pass "built-in configuration serving on port $PORT"
    # Every site's zone, its own included (SPEC §3.3).
    for here in london paris madrid; do
        for there in london paris madrid; do
            expect_site_mx "${CLIENT[$here]}" +notcp "$there" "${ADDRESS[$there]}"
        done
    done
    expect_site_mx 127.0.0.1 +tcp paris 203.0.113.20
    expect_site_mx 127.0.2.1 +tcp madrid 203.0.113.30
    expect_site_mx 127.0.3.200 +tcp london 203.0.113.10
    out=$(q 127.0.2.1 +notcp london.example.local MX)
    check "site views have recursion: RA set on authoritative answers" \
        grep -qE '^;; flags:[a-z ]* aa[a-z ]* ra' <<<"$out"

    out=$(q 127.0.2.1 +notcp mail.london.example.local AAAA)
    check "paris: london's mail host has AAAA 2001:db8:10::25" \
        grep -qE '^mail\.london\.example\.local\.\s+300\s+IN\s+AAAA\s+2001:db8:10::25$' <<<"$out"
    out=$(q 127.0.3.1 +notcp nope.paris.example.local A)
    check "madrid: a name missing from paris's zone is NXDOMAIN" grep -q 'status: NXDOMAIN' <<<"$out"

    expect_status 127.0.5.1 +notcp paris.example.local MX REFUSED
    expect_status 127.0.5.1 +tcp london.example.local MX REFUSED
    expect_status 127.0.0.2 +notcp paris.example.local MX REFUSED  # london is 127.0.0.1/32 only
    out=$(q 127.0.5.1 +notcp paris.example.local MX)
    check "no view: REFUSED without RA" bash -c '! grep -qE "^;; flags:.* ra" <<<"$1"' _ "$out"
    check "SIGTERM: exit 0" stop_server
else
    fail "the built-in configuration did not start"
fi

# ---------------------------------------------------------------- recursion without upstreams

if start_server no-upstreams --config "$WORK/no-upstreams.json" --listen 127.0.0.1:0 --threads 1; then
    for here in london paris madrid; do
        # Its own zone and the rest of the suffix are answered; other names have nothing
        # to go to: REFUSED.
        expect_site_mx "${CLIENT[$here]}" +notcp "$here" "${ADDRESS[$here]}"
        expect_status "${CLIENT[$here]}" +notcp nowhere.example.local A NXDOMAIN
        expect_status "${CLIENT[$here]}" +tcp example.org A REFUSED
    done
    out=$(q 127.0.2.1 +notcp example.org A)
    check "REFUSED from a recursion view still has RA" grep -qE '^;; flags:[a-z ]* ra' <<<"$out"
    check "SIGTERM: exit 0" stop_server
else
    fail "the no-upstreams configuration did not start"
fi

# ---------------------------------------------------------------- a /32 view beside a /24 site

if start_server lab --config "$WORK/lab-config.json" --listen 127.0.0.1:0 --threads 1; then
    for transport in +notcp +tcp; do
        out=$(q 127.0.2.7 $transport www.lab.example.local A)
        check "127.0.2.7 $transport: the lab view answers its zone" \
            grep -qE '^www\.lab\.example\.local\.\s+300\s+IN\s+A\s+192\.0\.2\.77$' <<<"$out"
        expect_status 127.0.2.7 $transport london.example.local MX REFUSED
        expect_site_mx 127.0.2.8 $transport london 203.0.113.10
        # Paris's view lacks the lab zone; the name is under the suffix: NXDOMAIN, not
        # forwarded (SPEC §3.3), although this configuration has no upstreams at all.
        expect_status 127.0.2.8 $transport www.lab.example.local A NXDOMAIN
    done
    check "SIGTERM: exit 0" stop_server
else
    fail "the lab configuration did not start"
fi

# ---------------------------------------------------------------- check

out=$("$SITEDNS" check --config "$EXAMPLE" 2>&1); rc=$?
check "check on the example topology exits 0 (got $rc)" test $rc -eq 0
check "three views, four shared zones (the sites' and the suffix's)" \
    grep -qE '^ok: 3 views, 4 zones, [0-9]+ records$' <<<"$out"
check "no error line" bash -c '! grep -q "^error:" <<<"$1"' _ "$out"
check "warns that .local is claimed by mDNS" grep -qE '^warning: .*\.local' <<<"$out"

out=$("$SITEDNS" check --config "$WORK/no-upstreams.json" 2>&1); rc=$?
check "check: recursion without upstreams is a warning, not an error (got $rc)" test $rc -eq 0
check "check: names the view without upstreams" \
    grep -qE '^warning: view paris has recursion but no upstreams' <<<"$out"

out=$("$SITEDNS" check 2>&1); rc=$?
check "check on the built-in configuration exits 0 (got $rc)" test $rc -eq 0

# A view for some of a site's clients must route mail like the site's own view.
out=$("$SITEDNS" check --config "$WORK/lab-config.json" 2>&1); rc=$?
check "check: a /32 view inside paris lacking the other sites' zones is served (got $rc)" \
    test $rc -eq 0
check "check: warns with the view and the missing zone" \
    grep -qE '^warning: view lab .*127\.0\.2\.7/32.*paris.*london\.example\.local\.' <<<"$out"

# check_fails NAME PATTERN: `check` on $WORK/NAME.json exits 1 with an error line
# matching PATTERN (extended regular expression).
check_fails() {
    local out rc
    out=$("$SITEDNS" check --config "$WORK/$1.json" 2>&1); rc=$?
    check "check $1: exit 1 (got $rc)" test $rc -eq 1
    check "check $1: names the problem" grep -qE "^error: .*$2" <<<"$out"
    check "check $1: no ok line" bash -c '! grep -q "^ok:" <<<"$1"' _ "$out"
}
check_fails loop 'sites london and paris share the address 203\.0\.113\.10: each one.s view sends the other.s mail back to itself'
# The topology is checked before it is served: a looping one is never served.
out=$(timeout 10 "$SITEDNS" --config "$WORK/loop.json" --listen 127.0.0.1:0 2>&1); rc=$?
check "serving a looping topology exits 1 (got $rc)" test $rc -eq 1
check "serving a looping topology names the loop" \
    grep -qE '^sitedns: error: sites london and paris share the address 203\.0\.113\.10: .*back to itself' <<<"$out"

# Two sites' own zones send a partner domain to each other; an MX at the site's own address.
# partner_zone FILE ADDRESS: partner.example.net with its MX at ADDRESS.
partner_zone() {
    cat > "$1" <<JSON
{ "origin": "partner.example.net.", "ttl": 300,
  "soa": { "mname": "ns.partner.example.net.", "rname": "hostmaster.example.com.", "serial": 1,
           "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300 },
  "records": [ { "name": "@", "type": "MX", "data": "10 mx" },
               { "name": "mx", "type": "A", "data": "$2" } ] }
JSON
}
partner_zone "$WORK/partner-at-paris.json" 203.0.113.20
partner_zone "$WORK/partner-at-london.json" 203.0.113.10
sites_config "$WORK/partner-loop.json" 203.0.113.20
sed -i -e 's|"primary": true }|"primary": true, "zones": ["partner-at-paris.json"] }|' \
    -e 's|"address": "203.0.113.20" }|"address": "203.0.113.20", "zones": ["partner-at-london.json"] }|' \
    "$WORK/partner-loop.json"
check_fails partner-loop 'mail from site london to partner\.example\.net\. loops \(london -> paris -> london\)'
out=$("$SITEDNS" trace --config "$WORK/partner-loop.json" --from london user@partner.example.net 2>&1); rc=$?
check "trace on the partner loop ends in loop, exit 1 (got $rc)" test "$rc:$(tail -1 <<<"$out")" = "1:loop"
# Such a topology is never served: the server refuses it as check does.
out=$(timeout 10 "$SITEDNS" --config "$WORK/partner-loop.json" --listen 127.0.0.1:0 2>&1); rc=$?
check "serving the partner loop exits 1 (got $rc)" test $rc -eq 1
check "serving the partner loop names it" \
    grep -qE '^sitedns: error: mail from site london to partner\.example\.net\. loops' <<<"$out"
sites_config "$WORK/own-address.json" 203.0.113.20
sed -i 's|"primary": true }|"primary": true, "zones": ["partner-at-london.json"] }|' "$WORK/own-address.json"
check_fails own-address "mail from site london to partner\.example\.net\. loops: .*203\.0\.113\.10 is london's own address"

sites_config "$WORK/no-primary.json" 203.0.113.20
sed -i 's/, "primary": true//' "$WORK/no-primary.json"
check_fails no-primary 'no site is primary'

sites_config "$WORK/two-primaries.json" 203.0.113.20
sed -i 's/"address": "203.0.113.30"/"address": "203.0.113.30", "primary": true/' "$WORK/two-primaries.json"
check_fails two-primaries 'london and madrid .*primary'

# The public domain as internal suffix, whatever its case and trailing dot.
sites_config "$WORK/suffix-is-domain.json" 203.0.113.20
sed -i 's/"internal_suffix": "example.local"/"internal_suffix": "Example.COM."/' \
    "$WORK/suffix-is-domain.json"
check_fails suffix-is-domain '/sites/internal_suffix: "Example\.COM" is the public domain'

# check --serving checks what the server loads, not the recipients file it never reads:
# a recipients-file mistake fails check only; a broken zone fails both.
sites_config "$WORK/bad-recipients.json" 203.0.113.20
sed -i 's/"internal_suffix": "example.local",/&\n    "recipients": "bad-recipients.csv",/' \
    "$WORK/bad-recipients.json"
printf 'address,site\ncarol@example.com,london\nbob@example.com,berlin\n' \
    >"$WORK/bad-recipients.csv"
check_fails bad-recipients 'bad-recipients\.csv:3: '
out=$("$SITEDNS" check --serving --config "$WORK/bad-recipients.json" 2>&1); rc=$?
check "check --serving bad-recipients: exit 0, the recipients file unread (got $rc)" test $rc -eq 0
check "check --serving bad-recipients: ok line" grep -qE '^ok: 3 views' <<<"$out"

# A directory export with an address that would break out of the Exchange script's
# quotes (U+2019 is a quote to PowerShell) and one with ESC: check refuses both, naming
# line and column, and prints no raw control character.
sites_config "$WORK/hostile.json" 203.0.113.20
sed -i 's/"internal_suffix": "example.local",/&\n    "recipients": "hostile.csv",/' "$WORK/hostile.json"
printf 'address,site\nx\u2019|whoami|y@example.com,paris\nbell\033]0;x@example.com,paris\n' \
    >"$WORK/hostile.csv"
out=$("$SITEDNS" check --config "$WORK/hostile.json" 2>&1); rc=$?
check "check hostile recipients: exit 1 (got $rc)" test $rc -eq 1
check "check hostile recipients: U+2019 named at line 2, column 2" \
    grep -qE '^error: .*hostile\.csv:2: column 2: U\+2019' <<<"$out"
check "check hostile recipients: ESC named at line 3" grep -qE '^error: .*hostile\.csv:3: .*U\+001B' <<<"$out"
check "check hostile recipients: no raw ESC printed" bash -c '! grep -q $'"'"'\033'"'"' <<<"$1"' _ "$out"

# A zone file line with ESC (a terminal's clear-screen): check quotes the line with the
# ESC shown as \x1b, and prints no raw control character.
sites_config "$WORK/esc-zone.json" 203.0.113.20 ',
  "views": [ { "name": "lab", "match_clients": ["127.0.2.7/32"], "zones": ["esc.zone"] } ]'
printf '$ORIGIN lab.example.local.\n$TTL 300\n@ IN SOA ns hostmaster.example.com. 1 3600 600 604800 300\n@ IN NS ns\nns IN A 127.0.0.1\nwww IN A 192.0.2.\033[2J7\n' \
    >"$WORK/esc.zone"
out=$("$SITEDNS" check --config "$WORK/esc-zone.json" 2>&1); rc=$?
check "check esc-zone: exit 1 (got $rc)" test $rc -eq 1
check "check esc-zone: names the file and line 6" \
    grep -qF 'esc.zone: line 6: ' <<<"$out"
check "check esc-zone: ESC shown as \\x1b" grep -qF '"www IN A 192.0.2.\x1b[2J7"' <<<"$out"
check "check esc-zone: no raw ESC printed" bash -c '! grep -q $'"'"'\033'"'"' <<<"$1"' _ "$out"

sites_config "$WORK/broken-zone.json" 203.0.113.20 ',
  "views": [ { "name": "lab", "match_clients": ["127.0.2.7/32"], "zones": ["broken.json"] } ]'
# lab.json with an address that is not one.
sed 's/"192\.0\.2\.77"/"192.0.2.777"/' "$WORK/lab.json" >"$WORK/broken.json"
for serving in "" --serving; do
    out=$("$SITEDNS" check $serving --config "$WORK/broken-zone.json" 2>&1); rc=$?
    check "check ${serving:+--serving }broken-zone: exit 1 (got $rc)" test $rc -eq 1
    check "check ${serving:+--serving }broken-zone: names the zone file" \
        grep -qE '^error: .*broken\.json.*192\.0\.2\.777' <<<"$out"
done

sites_config "$WORK/overlap.json" 203.0.113.20
sed -i 's#"127.0.3.0/24"#"127.0.2.128/25"#' "$WORK/overlap.json"
check_fails overlap 'paris \(127\.0\.2\.0/24\) and madrid \(127\.0\.2\.128/25\) overlap'

sites_config "$WORK/loopback.json" 127.0.0.9
check_fails loopback 'site paris: address 127\.0\.0\.9 is a loopback address'

# ---------------------------------------------------------------- trace

for from in london paris madrid; do
    for to in london paris madrid; do
        [ "$from" = "$to" ] && continue
        out=$("$SITEDNS" trace --config "$EXAMPLE" --from "$from" "alice@$to.example.local" 2>&1); rc=$?
        check "trace $from -> $to: exit 0 (got $rc)" test $rc -eq 0
        check "trace $from -> $to: ends 'delivered at $to'" \
            test "$(tail -n 1 <<<"$out" | grep -o "delivered at $to\$")" = "delivered at $to"
        check "trace $from -> $to: goes by ${ADDRESS[$to]}" grep -qF "${ADDRESS[$to]}" <<<"$out"
    done
done
out=$("$SITEDNS" trace --config "$EXAMPLE" --from madrid alice@paris.example.local 2>&1)
echo "$out" | sed 's/^/     | /'

for from in paris madrid london; do
    out=$("$SITEDNS" trace --config "$EXAMPLE" --from "$from" bob@example.com 2>&1); rc=$?
    check "trace $from -> bob@example.com: exit 0 (got $rc)" test $rc -eq 0
    check "trace $from -> bob@example.com: delivered at the primary, london" \
        grep -qE 'delivered at london$' <<<"$(tail -n 1 <<<"$out")"
done
out=$("$SITEDNS" trace --from paris bob@example.com 2>&1); rc=$?
check "trace with the built-in configuration: delivered at london (got $rc)" \
    grep -qE 'delivered at london$' <<<"$out"

out=$("$SITEDNS" trace --config "$EXAMPLE" --from paris someone@example.org 2>&1); rc=$?
check "trace to an outside domain: exit 0 (got $rc)" test $rc -eq 0
check "trace to an outside domain: forwarded upstream" grep -q 'forwarded upstream' <<<"$out"

out=$("$SITEDNS" trace --config "$WORK/loop.json" --from madrid alice@paris.example.local 2>&1); rc=$?
check "trace on the looping topology: exit 1 (got $rc)" test $rc -eq 1
check "trace on the looping topology: says loop" grep -q 'loop' <<<"$(tail -n 1 <<<"$out")"
echo "$out" | sed 's/^/     | /'

out=$("$SITEDNS" trace --config "$EXAMPLE" --from rome alice@paris.example.local 2>&1); rc=$?
check "trace from an unknown site: exit 2 (got $rc)" test $rc -eq 2
check "trace from an unknown site: names it" grep -q 'rome' <<<"$out"
"$SITEDNS" trace --config "$EXAMPLE" alice@paris.example.local >/dev/null 2>&1; rc=$?
check "trace without --from: exit 2 (got $rc)" test $rc -eq 2
"$SITEDNS" trace --config "$WORK/missing.json" --from paris a@b.test >/dev/null 2>&1; rc=$?
check "trace with a missing configuration: exit 1 (got $rc)" test $rc -eq 1

# ---------------------------------------------------------------- export

# split_zones FILE DIR: one file per "; zone ORIGIN ..." section, named ORIGIN.zone.
split_zones() {
    awk -v dir="$2" '/^; zone / { file = dir "/" $3 "zone" } file { print > file }' "$1"
}

# nsd_loads DIR: every zone file in DIR passes nsd-checkzone and BIND's named-checkzone
# with its origin (a folder without zones, from a view without any, passes).
nsd_loads() {
    local file origin ok=0
    for file in "$1"/*.zone; do
        [ -e "$file" ] || continue
        origin=$(basename "$file" .zone).
        if ! nsd-checkzone "$origin" "$file" >"$file.nsd" 2>&1; then
            echo "nsd-checkzone $origin:"; cat "$file.nsd"; cat "$file"; ok=1
        fi
        if ! named-checkzone "$origin" "$file" >"$file.named" 2>&1; then
            echo "named-checkzone $origin:"; cat "$file.named"; cat "$file"; ok=1
        fi
    done
    return $ok
}

# Every view of every example, the generated zones included (each with its SOA and NS).
for example in "$SOURCE_DIR"/config/examples/*.json; do
    name=$(basename "$example" .json)
    for view in $(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
print(*[v["name"] for v in c.get("views", [])], *[s["name"] for s in c.get("sites", {}).get("list", [])])' "$example"); do
        "$SITEDNS" export --config "$example" --view "$view" >"$WORK/$name-$view.txt"; rc=$?
        mkdir "$WORK/$name-$view"
        split_zones "$WORK/$name-$view.txt" "$WORK/$name-$view"
        check "export $name --view $view: exit 0 (got $rc)" test $rc -eq 0
        check "export $name --view $view: NSD and BIND load every zone" nsd_loads "$WORK/$name-$view"
    done
done

"$SITEDNS" export --config "$EXAMPLE" --view london >"$WORK/london.txt" 2>"$WORK/export.err"; rc=$?
check "export --view london: exit 0 (got $rc: $(cat "$WORK/export.err"))" test $rc -eq 0
mkdir "$WORK/london"
split_zones "$WORK/london.txt" "$WORK/london"
check "export --view london: every site's zone and the suffix's" \
    test "$(cd "$WORK/london" && echo *.zone)" = "example.local.zone london.example.local.zone madrid.example.local.zone paris.example.local.zone"
check "export --view london: paris MX and address" \
    grep -qE '^paris\.example\.local\.\s+300\s+IN\s+MX\s+10 mail\.paris\.example\.local\.$' "$WORK/london.txt"
check "export --view london: every zone loads into NSD" nsd_loads "$WORK/london"

for view in paris madrid; do
    "$SITEDNS" export --view "$view" >"$WORK/$view.txt" 2>/dev/null; rc=$?
    mkdir "$WORK/$view"
    split_zones "$WORK/$view.txt" "$WORK/$view"
    check "export --view $view (built-in): exit 0, four zones, its own among them" \
        bash -c '[ $1 -eq 0 ] && [ $(ls "$2"/*.zone | wc -l) -eq 4 ] && [ -e "$2/$3.example.local.zone" ]' \
        _ "$rc" "$WORK/$view" "$view"
    check "export --view $view: NSD loads it" nsd_loads "$WORK/$view"
done

"$SITEDNS" export --config "$WORK/shapes-config.json" --view all >"$WORK/shapes.txt"; rc=$?
mkdir "$WORK/shapes"
split_zones "$WORK/shapes.txt" "$WORK/shapes"
check "export of every record shape: exit 0 (got $rc)" test $rc -eq 0
check "export of every record shape: NSD loads it" nsd_loads "$WORK/shapes"
cat > "$WORK/reload-config.json" <<JSON
{ "views": [ { "name": "all", "match_clients": ["any"], "zones": ["shapes/shapes.test.zone"] } ] }
JSON
out=$("$SITEDNS" check --config "$WORK/reload-config.json" 2>&1); rc=$?
check "the exported zone loads back into sitedns (got $rc)" test $rc -eq 0
"$SITEDNS" export --config "$WORK/reload-config.json" --view all >"$WORK/shapes-again.txt"
check "and exports to the same records" \
    diff <(grep -v '^;' "$WORK/shapes.txt") <(grep -v '^;' "$WORK/shapes-again.txt")

"$SITEDNS" export --config "$WORK/lab-config.json" --view lab >"$WORK/lab.txt"; rc=$?
mkdir "$WORK/lab"
split_zones "$WORK/lab.txt" "$WORK/lab"
check "export of an explicit view: exit 0 (got $rc)" test $rc -eq 0
check "export of an explicit view: NSD loads it" nsd_loads "$WORK/lab"

out=$("$SITEDNS" export --config "$EXAMPLE" --view nosuch 2>&1 >/dev/null); rc=$?
check "export --view nosuch: exit 2 (got $rc)" test $rc -eq 2
check "export --view nosuch: lists the views" \
    grep -q 'no view named nosuch; views: london, paris, madrid' <<<"$out"
"$SITEDNS" export --config "$EXAMPLE" >/dev/null 2>&1; rc=$?
check "export without --view: exit 2 (got $rc)" test $rc -eq 2
"$SITEDNS" export --config "$WORK/missing.json" --view london >/dev/null 2>&1; rc=$?
check "export with a missing configuration: exit 1 (got $rc)" test $rc -eq 1

echo "$FAILURES failure(s)"
[ "$FAILURES" -eq 0 ]
