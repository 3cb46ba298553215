#!/usr/bin/env bash
# End to end (issues 8, 15 and 22): mail between three sites routed by sitedns, on one
# machine, with each site's Postfix configured by `sitedns export --format postfix`, and
# mail to "the Internet" over DANE, through sitedns validating DNSSEC.
#
#   sd-inet     bridge br0 203.0.113.1/24 ("the Internet"); dnsdist on 203.0.113.53; the
#               signed zones of the DNSSEC test bed (tests/integration/dnssec/testbed.sh:
#               a fake signed root, example. and its children) served by NSD on
#               203.0.113.2; a Postfix for mx.example. on 203.0.113.25
#   sd-london   ext0 203.0.113.10/24, site subnet 10.1.0.0/16 (primary site)
#   sd-paris    ext0 203.0.113.20/24, site subnet 10.2.0.0/16
#   sd-madrid   ext0 203.0.113.30/24, site subnet 10.3.0.0/16
#
# Each site namespace runs sitedns on 10.N.0.53:53 (all three from the same configuration
# file) and a Postfix whose resolver is that sitedns (/etc/netns/sd-SITE/resolv.conf).
# Every site has `tls` and a public mail host (mail-SITE.example.com), with a certificate
# for that name from a CA the test makes, so every delivery between sites is verified
# TLS. The DNS method (SPEC §1) runs first; then the sites' Postfix take the connector
# method's export and deliver with the sender's sitedns stopped. With each method, every
# site sends to every other site's user at the public domain and to postmaster@ of it
# (every_route), and each message must land where `sitedns trace` says, over its hops.
#
# DNSSEC (issue 22): the three sitedns forward the names they do not serve to the test
# bed's NSD and validate with its root.key as their trust anchor; the sites' names are
# negative trust anchors. Every site's Postfix has smtp_dns_support_level = dnssec and
# smtp_tls_security_level = dane, so the routes between sites run with DNSSEC on (the
# export's tls_policy rules them), and london sends to the Internet by DANE: to
# mx.example., whose self-signed certificate the signed TLSA 3 1 1 names (delivered,
# verified), to badtlsa.example. (a wrong TLSA: deferred) and to mx.bogus.example. (a
# forged TLSA, its signature tampered: sitedns answers SERVFAIL, deferred).
#
# Every address exists only inside the namespaces created here; no namespace has a
# default route, so nothing can leave them. Everything made (namespaces, processes,
# /etc/netns/sd-*, /tmp/sd-e2e) is removed on exit, also on failure, and leftovers of
# a crashed run are removed first. The run time is printed at the end.
#
# Usage: e2e_test.sh PATH/TO/sitedns SOURCE_DIR
# Needs root (skipped with exit 77 otherwise); installs postfix, dnsdist, openssl, nsd and
# ldnsutils if missing.
set -u

SITEDNS=${1:?usage: e2e_test.sh SITEDNS SOURCE_DIR}
SOURCE_DIR=${2:?usage: e2e_test.sh SITEDNS SOURCE_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SITEDNS=$(realpath "$SITEDNS")

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the end-to-end test needs root (network namespaces, Postfix, port 53)"
    exit 77
fi

WORK=/tmp/sd-e2e
NAMESPACES=(sd-inet sd-london sd-paris sd-madrid)
SITES=(london paris madrid)
declare -A NUM=([london]=1 [paris]=2 [madrid]=3)
declare -A EXT=([london]=203.0.113.10 [paris]=203.0.113.20 [madrid]=203.0.113.30)
declare -A USER_OF=([london]=carol [paris]=alice [madrid]=bob)
PARIS_NEW=203.0.113.21
LB=203.0.113.53
INET_DNS=203.0.113.2   # the test bed's NSD: the root, example. and its children
INET_MX=203.0.113.25   # mx.example., badtlsa.example., mx.bogus.example.
BED=$WORK/bed
START=$(date +%s)
FAILURES=0

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILURES=$((FAILURES + 1)); }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds; on failure shows $out.
# Returns COMMAND's success, so later steps can depend on it.
check() {
    local what=$1; shift
    if "$@"; then
        pass "$what"
    else
        fail "$what"
        [ -n "${out:-}" ] && sed 's/^/     | /' <<<"$out"
        return 1
    fi
}
# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}
site_ip() { echo "10.${NUM[$1]}.0.$2"; }

# ---------------------------------------------------------------- tools

need_install=()
for tool in postfix:postfix dnsdist:dnsdist ip:iproute2 dig:dnsutils python3:python3 flock:util-linux \
    openssl:openssl nsd:nsd ldns-signzone:ldnsutils; do
    command -v "${tool%%:*}" >/dev/null || need_install+=("${tool#*:}")
done
if [ ${#need_install[@]} -gt 0 ]; then
    # No system Postfix: the package must not configure or start one.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    "$SOURCE_DIR/.ci/install-deps" "${need_install[@]}" || { echo "FAIL - install-deps"; exit 1; }
fi
# Debian keeps the postfix-script helper in /usr/lib/postfix/sbin and the commands in /usr/sbin.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# One run at a time on this machine, whichever checkout it comes from: the names below
# are fixed. The lock file is removed by its holder at exit; a waiter that wakes up on a
# removed file takes the new one. (Not /run/netns: `ip netns add` flocks it itself.)
# Daemons are started with fd 9 closed, so leftovers of a killed run never hold it.
LOCK=/run/sitedns-e2e.lock
take_lock() {
    local deadline=$((SECONDS + 300))
    while [ $SECONDS -lt $deadline ]; do
        exec 9>>"$LOCK"
        if flock -w $((deadline - SECONDS)) 9 &&
            [ "$(stat -c %d:%i "$LOCK" 2>/dev/null)" = "$(stat -L -c %d:%i /proc/self/fd/9)" ]; then
            return 0
        fi
        exec 9>&-
    done
    return 1
}
take_lock || { echo "FAIL - another e2e run holds $LOCK"; exit 1; }

# ---------------------------------------------------------------- cleanup

# Stops every process inside our namespaces (sitedns, the Postfix masters and their
# children, dnsdist), by PID, then deletes the namespaces and the files.
cleanup() {
    local ns pids=() deadline
    for ns in "${NAMESPACES[@]}"; do
        [ -e "/run/netns/$ns" ] && pids+=($(ip netns pids "$ns" 2>/dev/null))
    done
    if [ ${#pids[@]} -gt 0 ]; then
        kill -TERM "${pids[@]}" 2>/dev/null
        any_alive() { local p; for p; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
        deadline=$((SECONDS + 3))
        while [ $SECONDS -lt $deadline ] && any_alive "${pids[@]}"; do sleep 0.1; done
        kill -KILL "${pids[@]}" 2>/dev/null
    fi
    for ns in "${NAMESPACES[@]}"; do
        [ -e "/run/netns/$ns" ] && ip netns del "$ns"
        rm -rf "/etc/netns/$ns"
    done
    rmdir /etc/netns 2>/dev/null
    rm -rf "$WORK"
    return 0
}
cleanup  # leftovers of a crashed run
trap 'cleanup; rm -f "$LOCK"; echo "e2e: $(( $(date +%s) - START )) s"' EXIT
trap 'exit 130' INT TERM

mkdir -m 755 -p "$WORK"

# ---------------------------------------------------------------- network

setup_network() {
    ip netns add sd-inet || return 1
    ip -n sd-inet link set lo up
    ip -n sd-inet link add br0 type bridge
    ip -n sd-inet addr add 203.0.113.1/24 dev br0
    ip -n sd-inet addr add $LB/32 dev br0
    ip -n sd-inet addr add $INET_DNS/32 dev br0
    ip -n sd-inet addr add $INET_MX/32 dev br0
    ip -n sd-inet link set br0 up
    # The Internet's own lookups (its Postfix) go to the test bed, not the host's resolver.
    mkdir -p /etc/netns/sd-inet
    printf 'nameserver %s\n' "$INET_DNS" >/etc/netns/sd-inet/resolv.conf
    local s ns
    for s in "${SITES[@]}"; do
        ns=sd-$s
        ip netns add $ns || return 1
        ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip -n $ns link set lo up
        # The veth is made inside sd-inet with its peer inside the site: the host's
        # namespace never holds an interface of the test.
        ip -n sd-inet link add v-$s type veth peer name ext0 netns $ns || return 1
        ip -n sd-inet link set v-$s master br0 up
        # Renumbering (scenario 4) deletes the first address: keep the second one.
        ip netns exec $ns sysctl -qw net.ipv4.conf.ext0.promote_secondaries=1
        ip -n $ns addr add "${EXT[$s]}/24" dev ext0
        ip -n $ns link set ext0 up
        # Site subnet: sitedns (.53) and a client (.100). Postfix asks sitedns from
        # 10.N.0.53 (the kernel's source for a local destination), inside the subnet.
        ip -n $ns addr add "$(site_ip $s 53)/32" dev lo
        ip -n $ns addr add "$(site_ip $s 100)/32" dev lo
        mkdir -p /etc/netns/$ns
        printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$(site_ip $s 53)" >/etc/netns/$ns/resolv.conf
    done
    ip netns exec sd-inet sysctl -qw net.ipv6.conf.all.disable_ipv6=1
}

# ---------------------------------------------------------------- sitedns

CONFIG=$WORK/sites.json
RECIPIENTS=$WORK/recipients.csv
mail_host() { echo "mail-$1.example.com"; }
# site_entry SITE ADDRESS: SITE in the sites list; every site has tls, a public mail host
# and its sitedns address for `verify`.
site_entry() {
    local primary=
    [ "$1" = london ] && primary=', "primary": true'
    printf '      { "name": "%s", "subnets": ["10.%s.0.0/16"], "address": "%s"%s,\n' \
        "$1" "${NUM[$1]}" "$2" "$primary"
    printf '        "mail_host": "%s.", "tls": true, "dns": "%s:53" }' "$(mail_host "$1")" "$(site_ip "$1" 53)"
}
# sites_config FILE PARIS_ADDRESS [TTL]: the one configuration every site runs (SPEC §3.3):
# names outside the sites go to the test bed, validated with its trust anchor.
sites_config() {
    cat >"$1.tmp" <<JSON
{
  "listen": ["127.0.0.1:5353"],
  "threads": 1,
  "upstreams": ["$INET_DNS:53"],
  "dnssec": { "validate": true, "trust_anchor": "$BED/root.key" },
  "ecs_trust": ["$LB/32"],
  "user": "nobody",
  "sites": {
    "domain": "example.com",
    "internal_suffix": "example.local",
    "ttl": ${3:-300},
    "recipients": "$(basename "$RECIPIENTS")",
    "list": [
$(site_entry london "${EXT[london]}"),
$(site_entry paris "$2"),
$(site_entry madrid "${EXT[madrid]}")
    ]
  }
}
JSON
    chmod 644 "$1.tmp" && mv "$1.tmp" "$1"
}
# The users of each site, as the directory would export them (SPEC §3.3).
write_recipients() {
    local s
    echo "address,site" >"$RECIPIENTS"
    for s in "${SITES[@]}"; do echo "${USER_OF[$s]}@example.com,$s" >>"$RECIPIENTS"; done
    chmod 644 "$RECIPIENTS"
}

declare -A SITEDNS_PID
# start_sitedns NAME NAMESPACE ADDRESS: one instance, logging to $WORK/NAME.log.
start_sitedns() {
    ip netns exec "$2" "$SITEDNS" --config "$CONFIG" --listen "$3:53" >"$WORK/$1.log" 2>&1 9<&- &
    SITEDNS_PID[$1]=$!
}
# dig_in NAMESPACE SOURCE SERVER ARGS...: a short answer, one try.
dig_in() {
    local ns=$1 src=$2 server=$3; shift 3
    ip netns exec "$ns" dig @"$server" -b "$src" +tries=1 +timeout=1 "$@" 2>&1
}
answers() {  # answers NAMESPACE SOURCE SERVER NAME TYPE: a NOERROR answer
    dig_in "$@" | grep -q 'status: NOERROR'
}
# reload_sites PATTERN SITE...: SIGHUP those sites' sitedns, wait for PATTERN in each log.
reload_sites() {
    local pattern=$1 s ok=0
    shift
    declare -A before
    for s; do
        before[$s]=$(grep -c "$pattern" "$WORK/sitedns-$s.log")
        kill -HUP "${SITEDNS_PID[sitedns-$s]}"
    done
    for s; do
        log_grew() { [ "$(grep -c "$1" "$WORK/sitedns-$2.log")" -gt "$3" ]; }
        wait_for 10 log_grew "$pattern" "$s" "${before[$s]}" || { ok=1; out=$(tail -5 "$WORK/sitedns-$s.log"); }
    done
    return $ok
}
reload_all() { reload_sites "$1" "${SITES[@]}"; }

# ---------------------------------------------------------------- certificates

CA=$WORK/ca
# make_ca: a CA of the test's own, the one every site's SMTP client trusts.
make_ca() {
    mkdir -p "$CA" &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
            -subj "/CN=sitedns e2e CA" -keyout "$CA/ca.key" -out "$CA/ca.pem" 2>"$CA/openssl.log"
}
# make_cert NAME FILE: FILE holds a key and its certificate for NAME (CN and SAN), issued
# by the CA: what smtpd_tls_chain_files reads.
make_cert() {
    local tmp=$CA/$1
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
        -keyout "$tmp.key" -out "$tmp.csr" 2>>"$CA/openssl.log" &&
        printf 'subjectAltName = DNS:%s\nextendedKeyUsage = serverAuth\n' "$1" >"$tmp.ext" &&
        openssl x509 -req -in "$tmp.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -set_serial "$RANDOM" \
            -days 2 -extfile "$tmp.ext" -out "$tmp.crt" 2>>"$CA/openssl.log" &&
        cat "$tmp.key" "$tmp.crt" >"$2.tmp" && chmod 600 "$2.tmp" && mv "$2.tmp" "$2"
}

# make_dane_cert NAME FILE: FILE holds a key and a self-signed certificate for NAME, as a
# DANE-EE (TLSA 3 1 1) host may show; sets SPKI_SHA256 to the SHA-256 of its
# SubjectPublicKeyInfo, what that TLSA record holds (RFC 6698 §2.1, RFC 7672 §3.1.1).
make_dane_cert() {
    local tmp=$CA/$1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
        -keyout "$tmp.key" -out "$tmp.crt" 2>>"$CA/openssl.log" &&
        cat "$tmp.key" "$tmp.crt" >"$2.tmp" && chmod 600 "$2.tmp" && mv "$2.tmp" "$2" || return 1
    SPKI_SHA256=$(openssl x509 -in "$tmp.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
                  sha256sum | cut -d' ' -f1)
    [ ${#SPKI_SHA256} -eq 64 ]
}

# ---------------------------------------------------------------- the Internet

# start_testbed: the DNSSEC test bed's zones, signed now, served by NSD on $INET_DNS:53 in
# sd-inet, the mail hosts at $INET_MX with the TLSA of the certificate make_dane_cert made.
start_testbed() {
    out=$(TESTBED_ADDRESS=$INET_DNS TESTBED_MX_ADDRESS=$INET_MX ip netns exec sd-inet \
          bash "$HERE/../integration/dnssec/testbed.sh" start "$BED" 53 "$SPKI_SHA256" 2>&1 9<&-)
}
# The Internet's mail host: a Postfix in sd-inet on $INET_MX, as the sites' own (main.cf.in,
# its settings changed with postconf), that takes mail for the test bed's mail domains
# into one mailbox, dana's: a message that reaches it was sent, whichever domain it was for.
INET_DOMAINS="example badtlsa.example mx.bogus.example"
setup_internet_postfix() {
    local dir=$WORK/inet d
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail"
    chown postfix "$dir/data"
    chown nobody:nogroup "$dir/mail"
    for d in $INET_DOMAINS; do echo "dana@$d dana/"; done >"$dir/etc/mailboxes"
    echo "postmaster $dir/mail/postmaster/" >"$dir/etc/aliases"
    cp "$HERE/postfix/master.cf" "$dir/etc/master.cf"
    sed -e "s|@SITE@|inet|g" -e "s|@DIR@|$dir|g" -e "s|@WORK@|$WORK|g" -e "s|@SUBNET@|127.0.0.0/8|g" \
        "$HERE/postfix/main.cf.in" >"$dir/etc/main.cf" &&
        make_dane_cert mx.example "$dir/etc/smtpd.pem" &&
        postconf -c "$dir/etc" -e myhostname=mx.example mydomain=example "inet_interfaces=$INET_MX" \
            "virtual_mailbox_domains=$INET_DOMAINS" smtpd_peername_lookup=no
}

# ---------------------------------------------------------------- postfix

# setup_postfix SITE: folders, mailboxes from the recipients file, the certificate.
setup_postfix() {
    local s=$1 dir=$WORK/$1
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail"
    chown postfix "$dir/data"
    chown nobody:nogroup "$dir/mail"
    awk -F, -v site="$s" 'NR > 1 && $2 == site { sub(/@.*/, "", $1); print $1 "@" site ".example.local " $1 "/" }' \
        "$RECIPIENTS" >"$dir/etc/mailboxes"
    # The local postmaster, where the export sends postmaster@ and abuse@ of the public
    # domain (postmaster@localhost): a Maildir beside the users' (local(8) writes it).
    echo "postmaster $dir/mail/postmaster/" >"$dir/etc/aliases"
    cp "$HERE/postfix/master.cf" "$dir/etc/master.cf"
    make_cert "$(mail_host "$s")" "$dir/etc/smtpd.pem"
}
# export_postfix SITE METHOD: `sitedns export --format postfix` into SITE/sitedns, the
# folder its main.cf names (--postfix-dir), and SITE's main.cf: the test's settings, then
# the exported main.cf as it is written.
export_postfix() {
    local s=$1 dir=$WORK/$1
    out=$("$SITEDNS" export --config "$CONFIG" --format postfix --site "$s" --method "$2" \
          --out "$dir/sitedns" --postfix-dir "$dir/sitedns" 2>&1) || return 1
    sed -e "s|@SITE@|$s|g" -e "s|@DIR@|$dir|g" -e "s|@WORK@|$WORK|g" \
        -e "s|@SUBNET@|10.${NUM[$s]}.0.0/16|g" "$HERE/postfix/main.cf.in" >"$dir/etc/main.cf.tmp" &&
        cat "$dir/sitedns/main.cf" >>"$dir/etc/main.cf.tmp" &&
        mv "$dir/etc/main.cf.tmp" "$dir/etc/main.cf"
}
# exported_tables SITE: SITE's Postfix reads its routing and TLS tables from the export.
exported_tables() {
    local dir=$WORK/$1
    out=$(postconf -c "$dir/etc" -h virtual_alias_maps transport_maps smtp_tls_policy_maps 2>&1)
    [ "$out" = "$(printf 'texthash:%s/sitedns/%s\n' "$dir" virtual "$dir" transport "$dir" tls_policy)" ]
}
postfix_cmd() {  # postfix_cmd SITE ARGS...: the site's postfix, inside its namespace
    local s=$1; shift
    ip netns exec "sd-$s" postfix -c "$WORK/$s/etc" "$@" >>"$WORK/$s/postfix-cmd.log" 2>&1 9<&-
}
smtp_up() {  # smtp_up SITE: the site's SMTP server greets on its external address
    local addr=${2:-${EXT[$1]}}
    ip netns exec "sd-$1" timeout 2 bash -c "exec 3<>/dev/tcp/$addr/25 && head -c 3 <&3" 2>/dev/null | grep -q 220
}
smtp_down() { ! smtp_up "$@"; }
start_postfix() { postfix_cmd "$1" start && wait_for 20 smtp_up "$1"; }
stop_postfix() { postfix_cmd "$1" stop && wait_for 20 smtp_down "$1"; }
# reload_postfix SITE: `postfix reload`, waiting for the master to log it.
reload_postfix() {
    local before
    before=$(grep -c ' reload -- ' "$WORK/$1/maillog")
    postfix_cmd "$1" reload || return 1
    reloaded() { [ "$(grep -c ' reload -- ' "$WORK/$1/maillog")" -gt "$2" ]; }
    wait_for 10 reloaded "$1" "$before"
}

# send SITE FROM TO MSGID: submits at SITE's Postfix; sets QID.
send() {
    QID=$(ip netns exec "sd-$1" python3 "$HERE/send_mail.py" 127.0.0.1 "$2" "$3" "$4" \
          "e2e $4" 2>&1)
    local rc=$?
    out=$QID
    return $rc
}
copies() { grep -rlF "Message-ID: <$1>" "$WORK"/*/mail 2>/dev/null; }
in_queues() { grep -rlF "Message-ID: <$1>" "$WORK"/*/queue 2>/dev/null; }
delivered() { [ -n "$(copies "$1")" ]; }
queues_clear() { [ -z "$(in_queues "$1")" ]; }
# only_at SITE USER MSGID: exactly one copy, in USER's mailbox at SITE, in no queue.
only_at() {
    wait_for 30 delivered "$3" && wait_for 10 queues_clear "$3"
    local found
    found=$(copies "$3"; in_queues "$3")
    out="copies and queue files: ${found:-none}"
    [ "$(wc -l <<<"$found")" -eq 1 ] && [[ $found == "$WORK/$1/mail/$2/new/"* ]]
}
# first_received FILE: the message's top Received header, unfolded to one line.
first_received() {
    awk '/^Received:/ { if (seen) exit; seen = 1; printf "%s", $0; next }
         seen && /^[ \t]/ { printf " %s", $0; next }
         seen { exit }' "$1"
}
# came_from SITE MSGID ADDRESS: the delivered copy's last hop was ADDRESS, over TLS
# (smtpd_tls_received_header).
came_from() {
    local file
    file=$(copies "$2" | head -1)
    out=$(first_received "$file")
    grep -qF "[$3])" <<<"$out" && grep -qF "by mail.$1.example.local" <<<"$out" &&
        grep -qF "(using TLSv1" <<<"$out"
}
# relayed SITE QID RCPT ADDRESS STATUS: SITE's Postfix logged QID to RCPT via ADDRESS.
relayed() {
    grep -qE "$2: to=<$3>,( orig_to=<[^>]*>,)? relay=[^ ]*\[$4\]:25, .* status=$5" "$WORK/$1/maillog"
}
# refused SITE QID RCPT ADDRESS: SITE's Postfix deferred QID, ADDRESS refusing the connection.
refused() {
    grep -qE "$2: to=<$3>, relay=none, .* status=deferred \(connect to [^ ]*\[$4\]:25: Connection refused\)" \
        "$WORK/$1/maillog"
}
# tls_verified SITE QID PEER: the SMTP client that sent QID verified PEER's certificate
# (PEER as Postfix logs it, host[address]).
tls_verified() {
    local log=$WORK/$1/maillog smtp
    smtp=$(grep -oE "/smtp\[[0-9]+\]: $2: to=<" "$log" | head -1 | cut -d: -f1)
    out=$(grep -F "TLS connection established" "$log" | tail -3)
    [ -n "$smtp" ] && grep -qF "$smtp: Verified TLS connection established to $3:25:" "$log"
}
# tls_from SITE ADDRESS: SITE's SMTP server logged a TLS connection from ADDRESS.
tls_from() {
    out=$(grep -F "TLS connection established from" "$WORK/$1/maillog" | tail -3)
    grep -qE "smtpd\[[0-9]+\]: [A-Za-z]* ?TLS connection established from [^ ]*\[$2\]" "$WORK/$1/maillog"
}
# only_deferred_at SITE MSGID: one queue file, in SITE's deferred queue; no mailbox copy.
only_deferred_at() {
    local found
    found=$(copies "$2"; in_queues "$2")
    out="copies and queue files: ${found:-none}"
    [ "$(wc -l <<<"$found")" -eq 1 ] && [[ $found == "$WORK/$1/queue/deferred/"* ]]
}
# The method the sites' Postfix were exported with: dns, then connector.
METHOD=dns
# traced FROM ADDRESS SITE IP: `sitedns trace --method $METHOD` ends "delivered at SITE",
# via IP (the MX's address, or the connector's smart host).
traced() {
    out=$("$SITEDNS" trace --config "${TRACE_CONFIG:-$CONFIG}" --method "$METHOD" --from "$1" "$2" 2>&1) ||
        return 1
    tail -1 <<<"$out" | grep -qx "delivered at $3" || return 1
    if [ "$METHOD" = dns ]; then
        grep -qF -- "-> $4 (site $3)" <<<"$out"
    else
        grep -qF -- "smart host [$4] (site $3)" <<<"$out"
    fi
}
# peer SITE IP: the other end of a delivery to SITE at IP, as Postfix logs it: the MX
# target with the DNS method, the smart host's address with the connector method.
peer() { [ "$METHOD" = dns ] && echo "$(mail_host "$1")[$2]" || echo "$2[$2]"; }

# mail_scenario NAME FROM_SITE RCPT HOME_SITE USER VIA_IP: submit at FROM_SITE, expect
# the route `trace` gives (VIA_IP, HOME_SITE), the Postfix relay over verified TLS and the
# one copy. For user@example.com, trace follows the contact (the recipients file) to the
# user's location address and on to HOME_SITE.
# traced_contact TRACE_OUTPUT RCPT INTERNAL HOME USER: the trace follows RCPT's contact to
# INTERNAL and ends delivered at HOME to USER.
traced_contact() {
    grep -qx "delivered at $4 ($5)" <<<"$(tail -1 <<<"$1")" && grep -qF "contact $2 -> $3" <<<"$1"
}
mail_scenario() {
    local name=$1 from=$2 rcpt=$3 home=$4 user=$5 via=$6 id internal=$5@$4.example.local
    id="$name.$RANDOM@e2e.invalid"
    if [ "$rcpt" != "$internal" ]; then
        out=$("$SITEDNS" trace --config "${TRACE_CONFIG:-$CONFIG}" --method "$METHOD" --from "$from" \
              "$rcpt" 2>&1)
        check "$name: trace --from $from $rcpt: contact to $internal, delivered at $home" \
            traced_contact "$out" "$rcpt" "$internal" "$home" "$user"
    fi
    check "$name: trace --method $METHOD --from $from $internal predicts $via, delivered at $home" \
        traced "$from" "$internal" "$home" "$via"
    check "$name: submitted at $from" send "$from" "${USER_OF[$from]}@$from.example.local" "$rcpt" "$id" ||
        return
    check "$name: only in $user's mailbox at $home" only_at "$home" "$user" "$id"
    out=$(grep -F "$QID" "$WORK/$from/maillog")
    check "$name: $from's Postfix relayed it to [$via]" wait_for 5 relayed "$from" "$QID" \
        "$user@$home.example.local" "$via" sent
    check "$name: $from verified $(peer "$home" "$via")'s certificate (match=$(mail_host "$home"))" \
        tls_verified "$from" "$QID" "$(peer "$home" "$via")"
    check "$name: the copy at $home came straight from $from, over TLS" came_from "$home" "$id" \
        "$(current_ext "$from")"
}
current_ext() { [ "$1" = paris ] && echo "$PARIS_ADDR" || echo "${EXT[$1]}"; }

# ---------------------------------------------------------------- every route

# site_at ADDRESS: the site whose external address ADDRESS is now.
site_at() {
    local s
    for s in "${SITES[@]}"; do [ "$(current_ext "$s")" = "$1" ] && echo "$s"; done
}
# trace_route FROM RCPT: `sitedns trace --method $METHOD --from FROM RCPT`; sets ROUTE to
# its hops, one "ADDRESS (site SITE)" line per relay (the MX's address with the DNS
# method, the smart host with the connector method), then its last line, which for mail
# that arrives is "delivered at SITE (USER)".
trace_route() {
    local hop='-> ([0-9.]+) \(site ([a-z]+)\)$'
    [ "$METHOD" = connector ] && hop='smart host \[([0-9.]+)\] \(site ([a-z]+)\)$'
    out=$("$SITEDNS" trace --config "${TRACE_CONFIG:-$CONFIG}" --method "$METHOD" --from "$1" "$2" 2>&1)
    ROUTE=$(sed -nE "s/.*$hop/\1 (site \2)/p" <<<"$out"; tail -1 <<<"$out")
}
# logged_route SITE QID: what the Postfix logs say happened to QID, in ROUTE's format: each
# delivery to relay=NAME[ADDRESS]:25 that SITE logged for QID, as "ADDRESS (site S)",
# followed in S's log under the queue id S gave it ("queued as ..."), until a delivery
# into a mailbox (relay=virtual or local): "delivered at SITE (USER)", USER the local part
# Postfix delivered to. A queue id sent twice, or to no site of the test, ends it.
logged_route() {
    local site=$1 qid=$2 hops line addr
    for hops in 1 2 3 4 5; do
        line=$(grep -E "\]: $qid: to=<[^>]*>,( orig_to=<[^>]*>,)? relay=[^ ]*, .* status=sent " \
               "$WORK/$site/maillog")
        if [ "$(grep -c . <<<"$line")" -ne 1 ]; then
            echo "$site logged ${line:+several deliveries of }$qid${line:- as sent nowhere}"
            return 1
        fi
        case $line in
        *" relay=local, "* | *" relay=virtual, "*)
            echo "delivered at $site ($(sed -E 's/.*: to=<([^@>]*).*/\1/' <<<"$line"))"
            return 0
            ;;
        esac
        addr=$(sed -nE 's/.* relay=[^ ]*\[([0-9.]+)\]:25, .*/\1/p' <<<"$line")
        site=$(site_at "$addr")
        echo "$addr (site ${site:-none})"
        qid=$(sed -nE 's/.*queued as ([0-9A-Za-z]+)\).*/\1/p' <<<"$line")
        [ -n "$site" ] && [ -n "$qid" ] || return 1
    done
    return 1
}
# same_route SITE QID ROUTE: the route Postfix logged for QID from SITE is ROUTE.
same_route() {
    local logged
    logged=$(logged_route "$1" "$2")
    out=$(printf 'trace:\n%s\nPostfix logs:\n%s' "$3" "$logged")
    [ "$logged" = "$3" ]
}
# every_route: at every site, a message to each other site's user by the public address
# (through the sender's own contact) and one to postmaster@ of the public domain (the
# sender's own postmaster); all are submitted before any is waited for. Each is checked
# against `trace --method $METHOD --from SENDER`: it lies once, in the mailbox trace
# names, and the relays the Postfix logs show are the hops trace printed (none for mail
# delivered at the sending site).
every_route() {
    local from to rcpt user name i home id hops
    local -a names=() ids=() qids=() froms=() routes=()
    for from in "${SITES[@]}"; do
        for to in "${SITES[@]}"; do
            rcpt=${USER_OF[$to]}@example.com user=${USER_OF[$to]}
            [ "$to" = "$from" ] && rcpt=postmaster@example.com user=postmaster
            name="$METHOD: $from to $rcpt"
            trace_route "$from" "$rcpt"
            check "$name: trace ends 'delivered at $to ($user)'" test "$(tail -1 <<<"$ROUTE")" = \
                "delivered at $to ($user)"
            id="$METHOD-$from-${rcpt%@*}.$RANDOM@e2e.invalid"
            if check "$name: submitted at $from" send "$from" "${USER_OF[$from]}@$from.example.local" \
                "$rcpt" "$id"; then
                names+=("$name") ids+=("$id") qids+=("$QID") froms+=("$from") routes+=("$ROUTE")
            fi
        done
    done
    for i in "${!names[@]}"; do
        read -r home user < <(sed -nE '$s/^delivered at ([a-z]+) \((.*)\)$/\1 \2/p' <<<"${routes[$i]}")
        check "${names[$i]}: only in the mailbox trace names (${user:-none} at ${home:-none})" \
            only_at "${home:-none}" "${user:-none}" "${ids[$i]}"
        hops=$(grep ' (site ' <<<"${routes[$i]}" | cut -d' ' -f1 | paste -sd' ')
        check "${names[$i]}: the relays in the Postfix logs are trace's hops (${hops:-none})" \
            wait_for 10 same_route "${froms[$i]}" "${qids[$i]}" "${routes[$i]}"
    done
}

# ================================================================ run

echo "# network: ${NAMESPACES[*]}"
setup_network || { echo "FAIL - network namespaces"; exit 1; }

check "a CA of the test's own, for the sites' certificates" make_ca
check "the Internet's mail host: a self-signed certificate for mx.example" setup_internet_postfix || exit 1
check "the DNSSEC test bed on $INET_DNS: the signed root and example., _25._tcp.mx.example. TLSA 3 1 1 ${SPKI_SHA256:0:16}..." \
    start_testbed || exit 1

PARIS_ADDR=${EXT[paris]}
write_recipients
sites_config "$CONFIG" "$PARIS_ADDR"
out=$("$SITEDNS" check --config "$CONFIG" 2>&1)
check "sitedns check accepts the shared configuration" test $? -eq 0

for s in "${SITES[@]}"; do
    start_sitedns "sitedns-$s" "sd-$s" "$(site_ip $s 53)"
done
for s in "${SITES[@]}"; do
    other=paris; [ $s = paris ] && other=london
    if ! wait_for 15 answers "sd-$s" "$(site_ip $s 100)" "$(site_ip $s 53)" "$other.example.local" MX; then
        out=$(cat "$WORK/sitedns-$s.log")
        fail "sitedns answers at $s"; exit 1
    fi
done
pass "sitedns answers in the three sites, from one configuration file"

# Each site's own view (SPEC §3.3): every site's MX, its own included, nothing public.
out=$(dig_in sd-madrid "$(site_ip madrid 100)" "$(site_ip madrid 53)" +short paris.example.local MX)
check "madrid's view: paris.example.local MX is $(mail_host paris)" test "$out" = "10 $(mail_host paris)."
out=$(dig_in sd-madrid "$(site_ip madrid 100)" "$(site_ip madrid 53)" +short "$(mail_host paris)" A)
check "madrid's view: $(mail_host paris) A is ${EXT[paris]} (the certificate's name)" test "$out" = "${EXT[paris]}"
out=$(dig_in sd-paris "$(site_ip paris 100)" "$(site_ip paris 53)" +short paris.example.local MX)
check "paris's view: its own paris.example.local MX is $(mail_host paris)" test "$out" = "10 $(mail_host paris)."
# validated DIG_OUTPUT RCODE: the reply has RCODE and the ad flag, which sitedns sets on
# an answer it validated as secure (RFC 4035 §3.2.3).
validated() { grep -q "status: $2," <<<"$1" && grep -qE '^;; flags:[a-z ]* ad[ ;]' <<<"$1"; }
# A name no site serves goes to the test bed's root, which says example.org does not
# exist (the real one would not): the sitedns asked nothing outside the namespaces.
out=$(dig_in sd-london "$(site_ip london 100)" "$(site_ip london 53)" +dnssec example.org A)
check "london's view: example.org is NXDOMAIN from the test's signed root, validated (ad)" \
    validated "$out" NXDOMAIN

for s in "${SITES[@]}"; do
    setup_postfix "$s"
    check "export --format postfix --site $s --method dns" export_postfix "$s" dns || exit 1
    check "$s's Postfix takes virtual, transport and tls_policy from the export" exported_tables "$s"
    if ! start_postfix "$s"; then
        out=$(cat "$WORK/$s/postfix-cmd.log" "$WORK/$s/maillog" 2>/dev/null | tail -20)
        fail "postfix starts at $s"; exit 1
    fi
done
pass "postfix runs in the three sites"
if ! { postfix_cmd inet start && wait_for 20 smtp_up inet "$INET_MX"; }; then
    out=$(cat "$WORK/inet/postfix-cmd.log" "$WORK/inet/maillog" 2>/dev/null | tail -20)
    fail "postfix starts on the Internet (mx.example, $INET_MX)"; exit 1
fi
pass "postfix runs on the Internet for mx.example ($INET_MX)"

echo "# 1. site to site"
mail_scenario "madrid-to-paris" madrid alice@paris.example.local paris alice "${EXT[paris]}"

echo "# 2. every site to every other site's user at example.com, and to postmaster@example.com"
every_route

echo "# 3. paris down: the mail waits at madrid, then is delivered"
if check "paris's postfix stops" stop_postfix paris; then
    id="queued.$RANDOM@e2e.invalid"
    check "queued: trace still predicts paris" traced madrid alice@paris.example.local paris "${EXT[paris]}"
    if check "queued: submitted at madrid" send madrid bob@madrid.example.local alice@paris.example.local "$id"; then
        check "queued: deferred at madrid (connection refused by ${EXT[paris]})" wait_for 20 refused madrid \
            "$QID" alice@paris.example.local "${EXT[paris]}"
        check "queued: in madrid's deferred queue and in no mailbox" only_deferred_at madrid "$id"
        check "paris's postfix comes back" start_postfix paris
        postqueue -c "$WORK/madrid/etc" -f 9<&-
        check "queued: only in alice's mailbox at paris after the flush" only_at paris alice "$id"
        check "queued: madrid's Postfix relayed it to [${EXT[paris]}]" wait_for 5 relayed madrid "$QID" \
            alice@paris.example.local "${EXT[paris]}" sent
    fi
fi

echo "# 4. SIGHUP: paris moves to $PARIS_NEW"
ip -n sd-paris addr add "$PARIS_NEW/24" dev ext0
PARIS_ADDR=$PARIS_NEW
sites_config "$CONFIG" "$PARIS_ADDR"
check "the three sitedns reload the new topology" reload_all "reloaded in"
# The old address is gone: mail can only arrive through the new one.
ip -n sd-paris addr del "${EXT[paris]}/24" dev ext0
out=$(dig_in sd-madrid "$(site_ip madrid 100)" "$(site_ip madrid 53)" +short "$(mail_host paris)" A)
check "madrid's view: $(mail_host paris) is $PARIS_NEW" test "$out" = "$PARIS_NEW"
mail_scenario "after-reload" madrid alice@paris.example.local paris alice "$PARIS_NEW"
mail_scenario "after-reload-from-london" london alice@example.com paris alice "$PARIS_NEW"
# The TLS variant (SPEC §1): london requires TLS to paris and verifies the mail host's name.
check "london's exported tls_policy: paris.example.local secure match=$(mail_host paris)" \
    grep -qx "paris.example.local secure match=$(mail_host paris)" "$WORK/london/sitedns/tls_policy"
check "paris's log shows the TLS connection from london (${EXT[london]})" tls_from paris "${EXT[london]}"

echo "# 5. a loop caught before it happens"
LOOP=$WORK/loop.json
sites_config "$LOOP" "${EXT[london]}"  # paris's mail host at london's address
out=$("$SITEDNS" check --config "$LOOP" 2>&1)
rc=$?
check "sitedns check rejects the looping topology (exit 1)" test $rc -eq 1
# The generated routes are checked once per site: two sites sharing an address is the
# error that names this loop (SPEC §2).
check "  and names the loop: london and paris share ${EXT[london]}" \
    grep -qE "^error: sites london and paris share the address ${EXT[london]}: .* back to itself" <<<"$out"
out=$("$SITEDNS" trace --config "$LOOP" --from london alice@paris.example.local 2>&1)
rc=$?
check "trace on the looping topology ends in 'loop' (exit 1)" \
    test $rc -eq 1 -a "$(tail -1 <<<"$out")" = loop
cp "$CONFIG" "$WORK/good.json"
cp "$LOOP" "$CONFIG"
check "a SIGHUP with the loop is refused by the three sitedns" reload_all "reload failed"
out=$(dig_in sd-london "$(site_ip london 100)" "$(site_ip london 53)" +short "$(mail_host paris)" A)
check "london still serves paris at $PARIS_NEW (the old data)" test "$out" = "$PARIS_NEW"
# The looping file stays on disk; trace reads the topology still served.
TRACE_CONFIG=$WORK/good.json mail_scenario "after-refused-reload" london alice@example.com paris alice "$PARIS_NEW"
cp "$WORK/good.json" "$CONFIG"
check "no mail loops: no Postfix logged a loop or a bounce" \
    bash -c "! grep -qiE 'loops back to myself|too many hops|status=bounced' $WORK/*/maillog"

echo "# 6. dnsdist in front of two sitedns (ECS)"
ip -n sd-london addr add "$(site_ip london 54)/32" dev lo
ip -n sd-london addr add "$(site_ip london 55)/32" dev lo
for s in "${SITES[@]}"; do
    ip -n sd-inet route add "10.${NUM[$s]}.0.0/16" via "$(current_ext $s)"
done
start_sitedns backend-a sd-london "$(site_ip london 54)"
start_sitedns backend-b sd-london "$(site_ip london 55)"
sed -e "s|@LB@|$LB|g" -e "s|@BACKEND_A@|$(site_ip london 54)|g" -e "s|@BACKEND_B@|$(site_ip london 55)|g" \
    "$HERE/dnsdist.conf.in" >"$WORK/dnsdist.conf"
ip netns exec sd-inet dnsdist --supervised --disable-syslog -C "$WORK/dnsdist.conf" >"$WORK/dnsdist.log" 2>&1 9<&- &
DNSDIST_PID=$!
if ! wait_for 15 answers sd-paris "$(site_ip paris 100)" $LB london.example.local MX; then
    out=$(tail -20 "$WORK/dnsdist.log")
    fail "dnsdist answers"
else
    pass "dnsdist answers on $LB"
    for q in "paris london 10 $(mail_host london)." "madrid paris 10 $(mail_host paris)." \
             "london madrid 10 $(mail_host madrid)."; do
        set -- $q
        out=$(dig_in sd-$1 "$(site_ip $1 100)" $LB +short $2.example.local MX)
        check "through dnsdist, $1's client gets $1's view: $2 MX is ${*:3}" test "$out" = "${*:3}"
        # Only a site's own view leaves its public mail host to the public DNS: the test
        # bed's root, where example.com does not exist.
        out=$(dig_in sd-$1 "$(site_ip $1 100)" $LB "$(mail_host $1)" A)
        check "through dnsdist, $1's client gets no answer for its own mail host (NXDOMAIN from the test's root)" \
            grep -q 'status: NXDOMAIN' <<<"$out"
    done
    out=$(dig_in sd-paris "$(site_ip paris 100)" $LB +subnet=10.1.0.0/16 "$(mail_host paris)" A)
    check "a paris client claiming london's subnet (ECS) still gets paris's view (NXDOMAIN)" \
        grep -q 'status: NXDOMAIN' <<<"$out"

    # 200 queries; backend a is killed after the 50th. dig retries (3 tries, 1 s) while
    # dnsdist's health check (every second) takes the dead backend out.
    lost=0 wrong=0 retried=0
    for i in $(seq 1 200); do
        [ "$i" -eq 51 ] && kill -TERM "${SITEDNS_PID[backend-a]}"
        reply=$(ip netns exec sd-madrid dig @$LB -b "$(site_ip madrid 100)" +tries=3 +timeout=1 +short \
                london.example.local MX 2>&1)
        a=$(grep -v '^;;' <<<"$reply")
        grep -q '^;;' <<<"$reply" && retried=$((retried + 1))
        if [ -z "$a" ]; then
            lost=$((lost + 1))
        elif [ "$a" != "10 $(mail_host london)." ]; then
            wrong=$((wrong + 1))
        fi
    done
    echo "#   failover: $retried of 200 queries needed a client retry"
    out="lost $lost, wrong $wrong; dnsdist log: $(tail -5 "$WORK/dnsdist.log")"
    check "backend a stopped after query 50 of 200: no answer lost, none wrong" \
        test $lost -eq 0 -a $wrong -eq 0
    check "backend a is stopped" bash -c "! kill -0 ${SITEDNS_PID[backend-a]} 2>/dev/null"
fi
kill -TERM "$DNSDIST_PID" 2>/dev/null

echo "# 7. verify: do the three running sitedns serve this file's topology?"
# verify runs at london and asks from london's site subnet, which every sitedns has a
# view for (they share one file): london routes to the other sites' subnets, they route
# back.
for s in paris madrid; do
    ip -n sd-london route add "10.${NUM[$s]}.0.0/16" via "$(current_ext $s)" src "$(site_ip london 100)"
    ip -n "sd-$s" route add "10.${NUM[london]}.0.0/16" via "${EXT[london]}"
done
run_verify() { out=$(ip netns exec sd-london "$SITEDNS" verify --config "$CONFIG" --timeout 1000 2>&1); }
run_verify
rc=$?
serial=$(sed -n 's/^london: ok serial \([0-9]*\)$/\1/p' <<<"$out")
check "verify: exit 0" test $rc -eq 0
for s in "${SITES[@]}"; do
    check "verify: $s: ok serial ${serial:-?}" grep -qx "$s: ok serial ${serial:-none}" <<<"$out"
done
cp "$CONFIG" "$WORK/current.json"
sites_config "$CONFIG" "$PARIS_ADDR" 600
check "paris alone reloads another topology (sites ttl 600)" reload_sites "reloaded in" paris
cp "$WORK/current.json" "$CONFIG"
run_verify
rc=$?
check "verify after paris's reload: exit 1" test $rc -eq 1
check "verify: paris: drift: serves serial N, this file has ${serial:-?}" \
    grep -qE "^paris: drift: serves serial [0-9]+, this file has ${serial:-none}$" <<<"$out"
for s in london madrid; do
    check "verify: $s: still ok serial ${serial:-?}" grep -qx "$s: ok serial ${serial:-none}" <<<"$out"
done
check "paris reloads this file again" reload_sites "reloaded in" paris
run_verify
check "verify: ok again at the three sites" test $? -eq 0

echo "# 8. paris shows a certificate with a wrong name: london defers, never sends in clear"
cp "$WORK/paris/etc/smtpd.pem" "$WORK/paris/smtpd.pem.good"
check "paris gets a certificate for mail-wrong.example.com" \
    make_cert mail-wrong.example.com "$WORK/paris/etc/smtpd.pem"
check "paris's Postfix reloads with it" reload_postfix paris
# cert_refused SITE QID RCPT: SITE deferred QID, the peer's certificate not verified.
cert_refused() {
    out=$(grep -F "$2" "$WORK/$1/maillog")
    grep -qE "$2: to=<$3>,.* relay=$(mail_host paris)\[$PARIS_ADDR\]:25, .* status=deferred \(.*[Cc]ertificate" \
        "$WORK/$1/maillog"
}
id="wrong-name.$RANDOM@e2e.invalid"
if check "wrong-name: submitted at london" send london carol@london.example.local alice@example.com "$id"; then
    check "wrong-name: deferred at london, paris's certificate not verified" \
        wait_for 20 cert_refused london "$QID" alice@paris.example.local
    echo "#   london: $(grep -F "$QID: to=" "$WORK/london/maillog" | grep -oE 'status=deferred .*' | tail -1)"
    check "wrong-name: in london's deferred queue and in no mailbox" only_deferred_at london "$id"
    cp "$WORK/paris/smtpd.pem.good" "$WORK/paris/etc/smtpd.pem"
    check "paris's Postfix gets its own certificate back" reload_postfix paris
    postqueue -c "$WORK/london/etc" -f 9<&-
    check "wrong-name: only in alice's mailbox at paris after the flush" only_at paris alice "$id"
    check "wrong-name: london verified $(mail_host paris)'s certificate this time" \
        tls_verified london "$QID" "$(mail_host paris)[$PARIS_ADDR]"
fi

echo "# 9. the connector method: transport maps, the sender's sitedns stopped"
METHOD=connector
for s in "${SITES[@]}"; do
    if check "export --format postfix --site $s --method connector" export_postfix "$s" connector; then
        check "$s's Postfix reloads with the connector method's tables" reload_postfix "$s"
    fi
done
check "madrid's exported transport: paris.example.local smtp:[$PARIS_ADDR]:25" \
    grep -qx "paris.example.local smtp:\[$PARIS_ADDR\]:25" "$WORK/madrid/sitedns/transport"
check "madrid's exported tls_policy: [$PARIS_ADDR]:25 secure match=$(mail_host paris)" \
    grep -qx "\[$PARIS_ADDR\]:25 secure match=$(mail_host paris)" "$WORK/madrid/sitedns/tls_policy"
kill -TERM "${SITEDNS_PID[sitedns-madrid]}"
sitedns_gone() { ! kill -0 "${SITEDNS_PID[sitedns-madrid]}" 2>/dev/null; }
check "madrid's sitedns stops" wait_for 5 sitedns_gone
out=$(dig_in sd-madrid "$(site_ip madrid 100)" "$(site_ip madrid 53)" paris.example.local MX)
check "madrid's DNS gives no MX for paris.example.local" bash -c '! grep -q "status: NOERROR" <<<"$1"' _ "$out"
mail_scenario "connector-madrid-to-paris" madrid alice@paris.example.local paris alice "$PARIS_ADDR" &&
    echo "#   madrid: $(grep -F "$QID: to=" "$WORK/madrid/maillog" | grep -oE 'relay=.*' | tail -1)"
every_route
check "no mail loops: no Postfix logged a loop or a bounce" \
    bash -c "! grep -qiE 'loops back to myself|too many hops|status=bounced' $WORK/*/maillog"

echo "# 10. DANE: london sends to the Internet, its sitedns validating"
# dane_dig NAME TYPE: london's Postfix's question to london's sitedns, with DO.
dane_dig() { dig_in sd-london "$(site_ip london 100)" "$(site_ip london 53)" +dnssec +nosplit "$1" "$2"; }
# tlsa_is DIG_OUTPUT HASH: the answer holds the TLSA 3 1 1 HASH.
tlsa_is() { grep -qiE "[[:space:]]TLSA[[:space:]]+3 1 1 $2\$" <<<"$1"; }
# bogus_ede6 DIG_OUTPUT: SERVFAIL with EDE 6, DNSSEC Bogus (RFC 8914 §4.7).
bogus_ede6() { grep -q "status: SERVFAIL," <<<"$1" && grep -qE '^; EDE: 6 ' <<<"$1"; }
out=$(dane_dig _25._tcp.mx.example. TLSA)
check "london's sitedns: _25._tcp.mx.example. TLSA is 3 1 1 of mx.example's key" tlsa_is "$out" "$SPKI_SHA256"
check "london's sitedns: _25._tcp.mx.example. TLSA validated (ad)" validated "$out" NOERROR
out=$(dane_dig _25._tcp.mx.bogus.example. TLSA)
check "london's sitedns: the forged _25._tcp.mx.bogus.example. TLSA is SERVFAIL with EDE 6" bogus_ede6 "$out"
# deferred_for SITE QID RCPT REASON: SITE's Postfix deferred QID to RCPT, saying REASON.
deferred_for() {
    out=$(grep -F "$2" "$WORK/$1/maillog")
    grep -qE "$2: to=<$3>, .* status=deferred \(.*$4" "$WORK/$1/maillog"
}
declare -A DANE_QID DANE_ID
for rcpt in dana@example dana@badtlsa.example dana@mx.bogus.example; do
    DANE_ID[$rcpt]="dane-${rcpt#*@}.$RANDOM@e2e.invalid"
    if check "dane: submitted at london to $rcpt" send london carol@london.example.local "$rcpt" \
        "${DANE_ID[$rcpt]}"; then
        DANE_QID[$rcpt]=$QID
    fi
done
if [ -n "${DANE_QID[dana@example]:-}" ]; then
    check "dane: dana@example only in dana's mailbox on the Internet" only_at inet dana "${DANE_ID[dana@example]}"
    check "dane: london's Postfix relayed it to mx.example [$INET_MX]" wait_for 5 relayed london \
        "${DANE_QID[dana@example]}" dana@example "$INET_MX" sent
    check "dane: london verified mx.example's certificate by its TLSA" \
        tls_verified london "${DANE_QID[dana@example]}" "mx.example[$INET_MX]"
fi
if [ -n "${DANE_QID[dana@badtlsa.example]:-}" ]; then
    check "dane: to badtlsa.example (a TLSA no certificate matches) deferred: certificate not verified" \
        wait_for 20 deferred_for london "${DANE_QID[dana@badtlsa.example]}" dana@badtlsa.example \
        "Server certificate not verified"
    check "dane: badtlsa.example's message in london's deferred queue, never sent" \
        wait_for 10 only_deferred_at london "${DANE_ID[dana@badtlsa.example]}"
    echo "#   london: $(grep -F "${DANE_QID[dana@badtlsa.example]}: to=" "$WORK/london/maillog" |
        grep -oE 'status=deferred .*' | tail -1)"
fi
if [ -n "${DANE_QID[dana@mx.bogus.example]:-}" ]; then
    check "dane: to mx.bogus.example (a forged TLSA) deferred: TLSA lookup error" \
        wait_for 20 deferred_for london "${DANE_QID[dana@mx.bogus.example]}" dana@mx.bogus.example \
        "TLSA lookup error"
    check "dane: mx.bogus.example's message in london's deferred queue, never sent" \
        wait_for 10 only_deferred_at london "${DANE_ID[dana@mx.bogus.example]}"
    echo "#   london: $(grep -F "${DANE_QID[dana@mx.bogus.example]}: to=" "$WORK/london/maillog" |
        grep -oE 'status=deferred .*' | tail -1)"
fi

echo "# run time: $(( $(date +%s) - START )) s"
if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed; logs:"
    for f in "$WORK"/*.log "$WORK"/*/postfix-cmd.log "$WORK"/*/maillog "$BED"/nsd/*.log; do
        [ -f "$f" ] && { echo "== $f"; tail -15 "$f"; }
    done
    exit 1
fi
echo "all passed"
