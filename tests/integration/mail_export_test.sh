#!/usr/bin/env bash
# `sitedns export --format postfix|exchange` (SPEC §2, issue 15): the real binary writes
# each site's Postfix files for both methods; postmap builds and queries each table (on a
# copy), `postconf -c DIR -n` reads main.cf without a warning, and the exit statuses of
# the refusals. Needs postmap and postconf (Debian's postfix); skipped (77) without them.
# No Postfix is started.
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

# export_postfix SITE METHOD: writes $WORK/SITE-METHOD; $out holds the output.
export_postfix() {
    out=$("$SITEDNS" export --config "$WORK/sites.json" --format postfix --site "$1" \
          --out "$WORK/$1-$2" --method "$2" 2>&1)
}
# The copies postmap and postconf work on: $WORK/copies/NAME, with an empty main.cf
# above them for postmap's -c.
COPIES=$WORK/copies
mkdir -p "$COPIES"
: >"$COPIES/main.cf"
postmap_q() { postmap -c "$COPIES" -q "$@" 2>&1; }

# builds DIR TABLE: postmap makes a hash: map of a copy of the table, without a word.
builds() {
    local copy=$COPIES/$(basename "$1")
    mkdir -p "$copy"
    cp "$1/$2" "$copy/$2"
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
# postconf_reads DIR: postconf reads a copy of DIR/main.cf beside the end-to-end test's
# master.cf without a word on stderr (an unknown or unused name is a warning), and
# prints the three maps wired in from DIR.
postconf_reads() {
    local copy=$COPIES/$(basename "$1")-conf err
    mkdir -p "$copy"
    cp "$1/main.cf" "$copy/main.cf"
    cp "$SOURCE_DIR/tests/e2e/postfix/master.cf" "$copy/master.cf"
    out=$(postconf -c "$copy" -n 2>"$WORK/postconf.err")
    err=$(cat "$WORK/postconf.err")
    [ -z "$err" ] || { out="$out
stderr: $err"; return 1; }
    grep -qx "virtual_alias_maps = texthash:$1/virtual" <<<"$out" &&
        grep -qx "transport_maps = texthash:$1/transport" <<<"$out" &&
        grep -qx "smtp_tls_policy_maps = texthash:$1/tls_policy" <<<"$out"
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
        check "  postconf -c DIR -n reads $site's main.cf ($method)" postconf_reads "$dir"
    done
done

d=$WORK/london-dns
check "london's virtual: bob's contact (postmap -q)" \
    lookup_is "$d" virtual bob@example.com bob@madrid.example.local
check "london's virtual: carol's own mailbox at london (postmap -q)" \
    lookup_is "$d" virtual carol@example.com carol@london.example.local
check "london's tls_policy (dns): paris.example.local is verified by its mail host" \
    lookup_is "$d" tls_policy paris.example.local "secure match=mail-paris.example.com"
out=$(grep -v '^#' "$d/transport")
check "london's transport (dns) is empty" test -z "$out"

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
check "  no berlin folder was written" test ! -e "$WORK/berlin"

[ "$FAILURES" -eq 0 ] || { echo "$FAILURES check(s) failed"; exit 1; }
echo "all passed"
