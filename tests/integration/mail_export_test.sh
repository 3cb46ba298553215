#!/usr/bin/env bash
# `sitedns export --format postfix|exchange` (SPEC §2, issues 15 and 21): the real binary
# writes each site's Postfix files for both methods into a staging folder (--out) for a
# folder they are then copied to (--postfix-dir); postmap builds and queries each table
# (on a copy), `postconf -c DIR -n` reads main.cf after a stock main.cf without a warning,
# and Postfix's own trivial-rewrite(8) says where it sends mail under those settings
# (inter-site mail past relayhost, postmaster@localhost delivered here) and logs no "BOTH"
# warning. Then postmaster@ and abuse@ named by the recipients file, an export repeated
# into the same folder, one after a topology change, and the exit statuses of the
# refusals. Needs postmap and postconf (Debian's postfix); skipped (77) without them.
# No Postfix is started and nothing is sent.
#
# Usage: mail_export_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: mail_export_test.sh SITEDNS SOURCE_DIR}
SOURCE_DIR=${2:?usage: mail_export_test.sh SITEDNS SOURCE_DIR}
# Debian keeps postmap and postconf in /usr/sbin.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

if ! command -v postmap >/dev/null || ! command -v postconf >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        # No system Postfix: the package must not configure or start one (install-deps
        # keeps services from starting with a policy-rc.d of its own).
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        "$SOURCE_DIR/.ci/install-deps" postfix >/dev/null 2>&1
    fi
    if ! command -v postmap >/dev/null || ! command -v postconf >/dev/null; then
        echo "SKIP: postmap and postconf (Debian package postfix) are not installed"
        exit 77
    fi
fi

. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- fixtures

# The example topology; paris on TLS with a public mail host, and a recipients file.
cat >"$WORK/sites.json" <<'JSON'
{
  "sites": {
    "domain": "example.com",
    "internal_suffix": "example.local",
    "recipients": "recipients.csv",
    "list": [
      { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10", "primary": true },
      { "name": "paris",  "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
        "mail_host": "mail-paris.example.com.", "tls": true },
      { "name": "madrid", "subnets": ["10.3.0.0/16"], "address": "203.0.113.30" }
    ]
  }
}
JSON
cat >"$WORK/recipients.csv" <<'CSV'
address,site
carol@example.com,london
alice,paris
bob@example.com,madrid
CSV
cat >"$WORK/views.json" <<'JSON'
{ "views": [ { "name": "office", "match_clients": ["any"] } ] }
JSON

# settle FILE...: dates each FILE 10 s back. Postfix reads a main.cf or texthash: table
# modified within the last second again and again, 300 ms apart, until it is older
# (its dict_load_file), so a file the test has just written would cost it 2 s per read.
settle() { touch -d "@$(($(date +%s) - 10))" "$@"; }

# export_postfix SITE METHOD [ARGS...]: writes $WORK/SITE-METHOD, for tables installed in
# $WORK/installed/SITE-METHOD (--postfix-dir); $out holds the output.
export_postfix() {
    local site=$1 method=$2
    shift 2
    out=$("$SITEDNS" export --config "$WORK/sites.json" --format postfix --site "$site" \
          --out "$WORK/$site-$method" --postfix-dir "$WORK/installed/$site-$method" \
          --method "$method" "$@" 2>&1) || return 1
    settle "$WORK/$site-$method"/*
}
# install_tables SITE-METHOD: copies the export into the --postfix-dir folder, as an
# admin copies a staged export into /etc/postfix/sitedns.
install_tables() {
    mkdir -p "$WORK/installed/$1"
    cp -p "$WORK/$1/virtual" "$WORK/$1/transport" "$WORK/$1/tls_policy" "$WORK/installed/$1/"
}
# The copies postmap and postconf work on: $WORK/copies/NAME, with an empty main.cf
# above them for postmap's -c.
COPIES=$WORK/copies
mkdir -p "$COPIES"
: >"$COPIES/main.cf"
settle "$COPIES/main.cf"
postmap_q() { postmap -c "$COPIES" -q "$@" 2>&1; }

# builds DIR TABLE: postmap makes a hash: map of a copy of the table, without a word.
builds() {
    local copy=$COPIES/$(basename "$1")
    mkdir -p "$copy"
    cp -p "$1/$2" "$copy/$2"
    out=$(postmap -c "$COPIES" "hash:$copy/$2" 2>&1)
    [ -z "$out" ] && [ -f "$copy/$2.db" ]
}
# lookup_is DIR TABLE KEY VALUE: VALUE under KEY, in postmap's hash: copy of the table
# and in the table itself read as the texthash: map main.cf names.
lookup_is() {
    local got
    builds "$1" "$2" || return 1
    got=$(postmap_q "$3" "hash:$COPIES/$(basename "$1")/$2")
    out="hash: $3 -> '$got'"
    [ "$got" = "$4" ] || return 1
    got=$(postmap_q "$3" "texthash:$1/$2")
    out="texthash: $3 -> '$got'"
    [ "$got" = "$4" ]
}
# no_key DIR TABLE KEY: the table has no entry for KEY (postmap -q exits 1).
no_key() {
    builds "$1" "$2" || return 1
    out=$(postmap -c "$COPIES" -q "$3" "texthash:$1/$2" 2>&1)
    [ $? -eq 1 ] && [ -z "$out" ]
}
# The main.cf a site's Postfix had before the export (Debian's defaults, a smart host for
# the Internet), and the export's main.cf appended to it as docs/commands.md says. The
# queue folder and maillog_file are the test's, for postfix_resolve.py.
base_main_cf() {
    cat <<EOF
compatibility_level = 3.6
myhostname = mail.$1.example.local
myorigin = \$myhostname
mydestination = \$myhostname, localhost.localdomain, localhost
relayhost = [192.0.2.1]
queue_directory = $2/queue
maillog_file = $2/maillog
maillog_file_prefixes = $WORK
EOF
}
# make_conf DIR SITE CONF: CONF/main.cf is the base main.cf and DIR/main.cf after it,
# beside the end-to-end test's master.cf.
make_conf() {
    mkdir -p "$3"
    { base_main_cf "$2" "$3"; cat "$1/main.cf"; } >"$3/main.cf"
    cp "$SOURCE_DIR/tests/e2e/postfix/master.cf" "$3/master.cf"
    settle "$3/main.cf" "$3/master.cf"
}
# postconf_reads DIR SITE PFDIR: postconf reads DIR/main.cf after the base main.cf without
# a word on stderr (an unknown or unused name is a warning), and prints the three maps
# wired in from PFDIR, the --postfix-dir folder (not DIR, where they were written).
postconf_reads() {
    local copy=$COPIES/$(basename "$1")-conf err
    make_conf "$1" "$2" "$copy"
    out=$(postconf -c "$copy" -n 2>"$WORK/postconf.err")
    err=$(cat "$WORK/postconf.err")
    [ -z "$err" ] || { out="$out
stderr: $err"; return 1; }
    grep -qx "virtual_alias_maps = texthash:$3/virtual" <<<"$out" &&
        grep -qx "transport_maps = texthash:$3/transport" <<<"$out" &&
        grep -qx "smtp_tls_policy_maps = texthash:$3/tls_policy" <<<"$out"
}
# one_list_each DIR SITE: no domain is in two of mydestination, virtual_alias_domains and
# virtual_mailbox_domains once DIR/main.cf is appended (postconf expands them).
one_list_each() {
    local copy=$COPIES/$(basename "$1")-lists
    make_conf "$1" "$2" "$copy"
    out=$(postconf -c "$copy" -x -h mydestination virtual_alias_domains virtual_mailbox_domains |
          tr ', ' '\n\n' | grep -v '^$' | sort | uniq -d)
    [ -z "$out" ]
}
# applies_twice DIR: main.cf's own recipe (postconf -e for each setting), run twice on a
# stock main.cf, leaves it as the first run did, without a word on stderr.
applies_twice() {
    local conf=$COPIES/$(basename "$1")-twice pass
    mkdir -p "$conf"
    printf 'compatibility_level = 3.6\nmydestination = localhost\n' >"$conf/main.cf"
    cp /etc/postfix/master.cf "$conf/master.cf" 2>/dev/null || : >"$conf/master.cf"
    for pass in 1 2; do
        grep -v '^#' "$1/main.cf" | grep . | xargs -d '\n' postconf -c "$conf" -e \
            2>"$WORK/twice.err" || return 1
        cp "$conf/main.cf" "$conf/after-$pass"
    done
    out=$(cat "$WORK/twice.err")
    [ -z "$out" ] && cmp -s "$conf/after-1" "$conf/after-2" &&
        [ "$(grep -c . "$conf/after-2")" -gt 2 ]
}
# Postfix's own trivial-rewrite(8), stand-alone, answers where it sends an address under a
# configuration, and logs the "do not list domain X in BOTH ..." warning (Debian keeps
# it in /usr/lib/postfix/sbin).
DAEMON_DIR=$(postconf -c "$COPIES" -h daemon_directory 2>/dev/null)
[ -x "$DAEMON_DIR/trivial-rewrite" ] || DAEMON_DIR=
# resolves CONF ADDRESS TRANSPORT:NEXTHOP: trivial-rewrite sends ADDRESS there under CONF.
resolves() {
    out=$(python3 "$SOURCE_DIR/tests/integration/postfix_resolve.py" "$DAEMON_DIR" "$1" "$2" 2>&1)
    grep -qF -- "$2 $3 " <<<"$out"
}
# logs_no_both CONF ADDRESS...: trivial-rewrite resolves each ADDRESS under CONF without a
# "BOTH" warning, and without any warning at all.
logs_no_both() {
    local conf=$1
    shift
    out=$(python3 "$SOURCE_DIR/tests/integration/postfix_resolve.py" "$DAEMON_DIR" "$conf" "$@" 2>&1) &&
        ! grep -q '^log: ' <<<"$out"
}

# ---------------------------------------------------------------- postfix

for method in dns connector; do
    for site in london paris madrid; do
        export_postfix "$site" "$method"
        check "export --format postfix --site $site --method $method (exit 0)" test $? -eq 0
        dir=$WORK/$site-$method
        check "  writes virtual, transport, tls_policy and main.cf" \
            test -f "$dir/virtual" -a -f "$dir/transport" -a -f "$dir/tls_policy" -a -f "$dir/main.cf"
        for table in virtual transport tls_policy; do
            check "  postmap accepts $site's $table ($method)" builds "$dir" "$table"
        done
        check "  postconf -n reads $site's main.cf, its tables under --postfix-dir ($method)" \
            postconf_reads "$dir" "$site" "$WORK/installed/$site-$method"
        check "  no domain in two of mydestination and the virtual domain lists ($method)" \
            one_list_each "$dir" "$site"
        check "  main.cf's postconf -e recipe applies twice to the same main.cf ($method)" \
            applies_twice "$dir"
        install_tables "$site-$method"
    done
done

d=$WORK/installed/london-dns
check "london's virtual: bob's contact (postmap -q)" \
    lookup_is "$d" virtual bob@example.com bob@madrid.example.local
check "london's virtual: carol's own mailbox at london (postmap -q)" \
    lookup_is "$d" virtual carol@example.com carol@london.example.local
check "london's virtual: postmaster@example.com to the local postmaster (RFC 5321 4.5.1)" \
    lookup_is "$d" virtual postmaster@example.com postmaster@localhost
check "london's virtual: abuse@example.com to the local postmaster (RFC 2142)" \
    lookup_is "$d" virtual abuse@example.com postmaster@localhost
check "london's tls_policy (dns): paris.example.local is verified by its mail host" \
    lookup_is "$d" tls_policy paris.example.local "secure match=mail-paris.example.com"
check "london's transport (dns): paris.example.local with an empty next hop (its MX)" \
    lookup_is "$d" transport paris.example.local "smtp:"
check "london's transport (dns): madrid.example.local with an empty next hop (its MX)" \
    lookup_is "$d" transport madrid.example.local "smtp:"
check "london's transport (dns): no entry for london's own domain" \
    no_key "$d" transport london.example.local

d=$WORK/madrid-connector
check "madrid's transport (connector): london to its smart host (postmap -q)" \
    lookup_is "$d" transport london.example.local "smtp:[203.0.113.10]:25"
check "madrid's tls_policy (connector): paris's smart host next hop is verified too" \
    lookup_is "$d" tls_policy "[203.0.113.20]:25" "secure match=mail-paris.example.com"
out=$(grep -v '^#' "$d/tls_policy")
check "madrid's tls_policy names no site without tls" \
    bash -c "! grep -qE 'london|madrid|203\.0\.113\.(10|30)' <<<\"\$0\"" "$out"

d=$WORK/paris-connector
out=$(grep -v '^#' "$d/tls_policy")
check "paris's own tls_policy has no entry (only the others have tls)" test -z "$out"

# ------------------------------------------------- what Postfix itself does with them

if [ -n "$DAEMON_DIR" ]; then
    conf=$COPIES/london-dns-resolve
    make_conf "$WORK/london-dns" london "$conf"
    check "trivial-rewrite: madrid's users by madrid.example.local's MX, not relayhost" \
        resolves "$conf" bob@madrid.example.local smtp:madrid.example.local
    check "trivial-rewrite: other mail still through relayhost (the control)" \
        resolves "$conf" someone@example.org "smtp:[192.0.2.1]"
    check "trivial-rewrite: postmaster@localhost is delivered here by local(8)" \
        resolves "$conf" postmaster@localhost local:mail.london.example.local
    check "trivial-rewrite: london.example.local is a virtual mailbox domain" \
        resolves "$conf" carol@london.example.local virtual:london.example.local
    check "trivial-rewrite logs no warning (no domain in BOTH mydestination and virtual_...)" \
        logs_no_both "$conf" carol@london.example.local postmaster@example.com \
        bob@madrid.example.local
    # The trap the comments warn of, to show the warning would be seen: the location
    # domain listed in mydestination as well.
    echo "mydestination = \$myhostname, localhost, london.example.local" >>"$conf/main.cf"
    settle "$conf/main.cf"
    logs_no_both "$conf" carol@london.example.local
    check "  (control: with london.example.local in mydestination too, Postfix warns BOTH)" \
        grep -q "do not list domain london.example.local in BOTH mydestination" <<<"$out"
else
    skip_part "trivial-rewrite(8) not found under postconf's daemon_directory"
fi

# ---------------------------------------------- role accounts named by the recipients

cp "$WORK/recipients.csv" "$WORK/recipients.first"
printf 'postmaster@example.com,madrid\nabuse,paris\n' >>"$WORK/recipients.csv"
export_postfix london dns
check "with postmaster and abuse in the recipients file (exit 0)" test $? -eq 0
install_tables london-dns
d=$WORK/installed/london-dns
check "  postmaster@example.com is madrid's recipient: a contact" \
    lookup_is "$d" virtual postmaster@example.com postmaster@madrid.example.local
check "  abuse@example.com is paris's recipient: a contact" \
    lookup_is "$d" virtual abuse@example.com abuse@paris.example.local
check "  no local postmaster entry is left" \
    bash -c "! grep -q 'postmaster@localhost' \"\$0\"" "$d/virtual"
export_postfix madrid dns
install_tables madrid-dns
check "  at madrid, postmaster@example.com is a mailbox of its own" \
    lookup_is "$WORK/installed/madrid-dns" virtual postmaster@example.com \
    postmaster@madrid.example.local
mv "$WORK/recipients.first" "$WORK/recipients.csv"

# ---------------------------------------------- applied twice, and after a change

# same_export SITE METHOD: exporting again into the same folder writes the same files.
same_export() {
    local before=$WORK/before-$1-$2
    export_postfix "$1" "$2" || return 1
    rm -rf "$before"
    cp -r "$WORK/$1-$2" "$before"
    export_postfix "$1" "$2" || return 1
    out=$(diff -r "$before" "$WORK/$1-$2")
}
for method in dns connector; do
    check "exported twice into the same folder ($method): the same files" \
        same_export london "$method"
done

# The topology changes: paris gets a new address, bob moves to london, berlin is added.
cp "$WORK/sites.json" "$WORK/sites.first"
cp "$WORK/recipients.csv" "$WORK/recipients.first"
sed -i -e 's/203\.0\.113\.20/203.0.113.21/' \
    -e 's|{ "name": "madrid",|{ "name": "berlin", "subnets": ["10.4.0.0/16"], "address": "203.0.113.40" },\n      { "name": "madrid",|' \
    "$WORK/sites.json"
sed -i 's/^bob@example.com,madrid$/bob@example.com,london/' "$WORK/recipients.csv"
for method in dns connector; do
    export_postfix madrid "$method"
    check "re-export after a topology change ($method, exit 0)" test $? -eq 0
    dir=$WORK/madrid-$method
    for table in virtual transport tls_policy; do
        check "  postmap accepts madrid's new $table ($method)" builds "$dir" "$table"
    done
    check "  postconf -n reads madrid's new main.cf ($method)" \
        postconf_reads "$dir" madrid "$WORK/installed/madrid-$method"
    check "  no domain in two domain lists ($method)" one_list_each "$dir" madrid
    install_tables "madrid-$method"
done
d=$WORK/installed/madrid-dns
check "  (dns) berlin.example.local with an empty next hop" \
    lookup_is "$d" transport berlin.example.local "smtp:"
check "  bob's contact now points at london" \
    lookup_is "$d" virtual bob@example.com bob@london.example.local
d=$WORK/installed/madrid-connector
check "  (connector) paris's new smart host" \
    lookup_is "$d" transport paris.example.local "smtp:[203.0.113.21]:25"
check "  (connector) paris's new smart host is verified" \
    lookup_is "$d" tls_policy "[203.0.113.21]:25" "secure match=mail-paris.example.com"
check "  (connector) paris's old smart host is gone" \
    no_key "$d" tls_policy "[203.0.113.20]:25"
mv "$WORK/sites.first" "$WORK/sites.json"
mv "$WORK/recipients.first" "$WORK/recipients.csv"

# ---------------------------------------------------------------- exchange

out=$("$SITEDNS" export --config "$WORK/sites.json" --format exchange --site madrid \
      --method connector 2>&1)
check "export --format exchange --site madrid --method connector (exit 0)" test $? -eq 0
check "  a contact for carol, none for madrid's own bob, whose mailbox gets its address" \
    bash -c "grep -qF \"@{ Public = 'carol@example.com'; Target = 'carol@london.example.local';\" <<<\"\$0\" &&
             ! grep -qF \"Target = 'bob@\" <<<\"\$0\" &&
             grep -qF \"@{ Public = 'bob@example.com'; Location = 'bob@madrid.example.local' }\" <<<\"\$0\"" "$out"
check "  a send connector to paris's smart host, with TLS" \
    bash -c "grep -qF \"SmartHosts = @('[203.0.113.20]')\" <<<\"\$0\" &&
             grep -qF \"RequireTLS = \\\$true; TlsAuthLevel = 'DomainValidation'; TlsDomain = 'mail-paris.example.com'\" <<<\"\$0\"" "$out"
check "  no address policy: the location addresses come from the recipients file" \
    bash -c "! grep -qE 'New-EmailAddressPolicy|%m@' <<<\"\$0\"" "$out"
check "  updates and removes what it made" \
    bash -c "grep -qF 'Set-MailContact -Identity \$c.Public -ExternalEmailAddress' <<<\"\$0\" &&
             grep -qF 'Remove-SendConnector -Identity \$name' <<<\"\$0\"" "$out"

# ---------------------------------------------------------------- refusals

# refused STATUS DESCRIPTION ARGS...: sitedns ARGS exits STATUS and says why on stderr.
refused() {
    local status=$1 what=$2 rc
    shift 2
    out=$("$SITEDNS" "$@" 2>&1 >/dev/null)
    rc=$?
    check "$what: exit $status, with a message" test "$rc" -eq "$status" -a -n "$out"
}
refused 2 "an unknown site" export --config "$WORK/sites.json" --format postfix --site berlin \
    --out "$WORK/berlin"
check "  names the known sites" grep -q "london, paris, madrid" <<<"$out"
refused 1 "a configuration without sites" export --config "$WORK/views.json" --format exchange \
    --site london
refused 2 "--format postfix without --out" export --config "$WORK/sites.json" --format postfix \
    --site london
refused 2 "--format without --site" export --config "$WORK/sites.json" --format exchange
refused 2 "an unknown format" export --config "$WORK/sites.json" --format sendmail --site london
refused 2 "an unknown method" export --config "$WORK/sites.json" --format exchange --site london \
    --method uucp
refused 2 "--view and --format together" export --config "$WORK/sites.json" --view london \
    --format exchange --site london
refused 2 "a relative --postfix-dir" export --config "$WORK/sites.json" --format postfix \
    --site london --out "$WORK/berlin" --postfix-dir etc/postfix/sitedns
check "  says it must be absolute" grep -q "not an absolute path" <<<"$out"
refused 2 "--postfix-dir with --format exchange" export --config "$WORK/sites.json" \
    --format exchange --site london --postfix-dir /etc/postfix/sitedns
check "  no berlin folder was written" test ! -e "$WORK/berlin"
# A location domain equal to the public domain: main.cf would list it in two domain lists
# (without the recipients file, whose addresses are of example.com).
sed -e 's/"domain": "example.com"/"domain": "paris.example.local"/' -e '/"recipients":/d' \
    "$WORK/sites.json" \
    >"$WORK/same-domain.json"
refused 1 "a site whose location domain is the public domain" export \
    --config "$WORK/same-domain.json" --format postfix --site paris --out "$WORK/same"
check "  names the domain" grep -q "paris.example.local is the public domain" <<<"$out"

# Without --postfix-dir, main.cf names /etc/postfix/sitedns, wherever --out wrote it.
out=$("$SITEDNS" export --config "$WORK/sites.json" --format postfix --site london \
      --out "$WORK/default-dir" 2>&1)
check "without --postfix-dir, main.cf names /etc/postfix/sitedns" \
    grep -qx "virtual_alias_maps = texthash:/etc/postfix/sitedns/virtual" "$WORK/default-dir/main.cf"

[ "$FAILURES" -eq 0 ] || { echo "$FAILURES check(s) failed"; exit 1; }
echo "all passed"
