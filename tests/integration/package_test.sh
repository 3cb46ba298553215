#!/usr/bin/env bash
# The Debian package (packaging/package.cmake, `make deb`): builds it with CPack from the
# ctest build tree, then checks its metadata, its contents, its conffiles and maintainer
# scripts, that its configuration passes `sitedns check` with the packaged binary, and
# that lintian reports no error, and that `systemd-analyze security` still rates its unit
# at most 1.5. As root on a host without sitedns, it then installs the package, checks
# the owner and modes postinst gives /etc/sitedns, and purges it again (the user sitedns
# too, when the test created it).
#
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
# Needs dpkg-dev (dpkg-shlibdeps) and lintian: installed here when running as root;
# otherwise the test is skipped (exit 77) when they are missing.
set -u

BUILD_DIR=${1:?usage: package_test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: package_test.sh BUILD_DIR SOURCE_DIR}

# The scratch folder, cleanup, pass/fail/check/finish.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- tools

if [ "$(id -u)" -eq 0 ]; then
    "$SOURCE_DIR/.ci/install-deps" dpkg-dev lintian || { echo "install-deps failed"; exit 1; }
fi
for tool in cpack dpkg-deb dpkg-shlibdeps lintian; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (.ci/install-deps dpkg-dev lintian, as root)"
        exit 77
    fi
done

# ---------------------------------------------------------------- build

# cpack installs the build tree's install() rules (after its "preinstall" build, a no-op
# once `make` has run) into its own staging area under $WORK: the build tree is untouched.
if ! (cd "$BUILD_DIR" && cpack -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1); then
    cat "$WORK/cpack.log"
    echo "FAIL - cpack -G DEB"
    exit 1
fi
DEB=$(ls "$WORK"/out/sitedns_*.deb 2>/dev/null | head -1)
if [ -z "$DEB" ]; then
    cat "$WORK/cpack.log"; echo "FAIL - no sitedns_*.deb"; exit 1
fi
pass "cpack built $(basename "$DEB")"

# ---------------------------------------------------------------- metadata

field() { dpkg-deb --field "$DEB" "$1"; }
VERSION=$("$BUILD_DIR/server/sitedns" --version | awk '{print $2}')
check "Package is sitedns" test "$(field Package)" = sitedns
check "Version $VERSION is the binary's" test "$(field Version)" = "$VERSION"
check "Architecture is $(dpkg --print-architecture)" \
    test "$(field Architecture)" = "$(dpkg --print-architecture)"
check "Maintainer has an address" grep -Eq '^[^<]+ <[^@>]+@[^>]+>$' <<<"$(field Maintainer)"
# One package name a line, versions dropped.
field Depends | tr ',' '\n' | awk '{print $1}' >"$WORK/depends"
for dep in adduser libc6 libstdc++6 libldns3; do
    check "Depends on $dep" grep -qxF "$dep" "$WORK/depends"
done
check "Section net, Priority optional" \
    test "$(field Section)/$(field Priority)" = net/optional
check "Description has a synopsis and an extended text" \
    test "$(field Description | wc -l)" -gt 2

# ---------------------------------------------------------------- contents

dpkg-deb --contents "$DEB" >"$WORK/listing"
awk '{print $NF}' "$WORK/listing" | sed 's|^\./|/|' >"$WORK/contents"
for path in /usr/sbin/sitedns /lib/systemd/system/sitedns.service /etc/sitedns/sitedns.json \
            /usr/share/man/man8/sitedns.8.gz /usr/share/doc/sitedns/copyright \
            /usr/share/doc/sitedns/changelog.gz /usr/share/doc/sitedns/examples/sites.json \
            /usr/share/doc/sitedns/examples/zones/london.example.local.json \
            /usr/share/doc/sitedns/examples/zones/paris.example.local.json \
            /usr/share/doc/sitedns/examples/zones/madrid.example.local.json; do
    check "contains $path" grep -qx "$path" "$WORK/contents"
done
check "nothing under /usr/local, /usr/lib or /usr/include" \
    bash -c '! grep -Eq "^/usr/(local|lib|include)/" "$1"' _ "$WORK/contents"
check "/usr/sbin/sitedns is executable and root-owned" \
    grep -Eq '^-rwxr-xr-x root/root .* \./usr/sbin/sitedns$' "$WORK/listing"
# Shipped root:root, postinst then gives them to the group sitedns (below).
check "/etc/sitedns is shipped 0750 root:root" \
    grep -Eq '^drwxr-x--- root/root .* \./etc/sitedns/$' "$WORK/listing"
check "/etc/sitedns/sitedns.json is shipped 0640 root:root" \
    grep -Eq '^-rw-r----- root/root .* \./etc/sitedns/sitedns\.json$' "$WORK/listing"

dpkg-deb --extract "$DEB" "$WORK/root"
dpkg-deb --control "$DEB" "$WORK/control"
check "the binary is stripped" \
    bash -c '! readelf -S "$1" | grep -q "\.debug_info"' _ "$WORK/root/usr/sbin/sitedns"
check "the packaged binary runs" bash -c '"$1" --version >/dev/null' _ "$WORK/root/usr/sbin/sitedns"
check "the packaged configuration passes sitedns check" \
    bash -c '"$1" check --config "$2" >"$3" 2>&1 || { cat "$3"; false; }' _ \
    "$WORK/root/usr/sbin/sitedns" "$WORK/root/etc/sitedns/sitedns.json" "$WORK/check.log"
check "the configuration is the three-site example" \
    grep -q '"primary": true' "$WORK/root/etc/sitedns/sitedns.json"
check "the configuration turns on rate_limit" \
    python3 -c 'import json, sys; sys.exit("rate_limit" not in json.load(open(sys.argv[1])))' \
    "$WORK/root/etc/sitedns/sitedns.json"
check "the unit runs /usr/sbin/sitedns on /etc/sitedns/sitedns.json" \
    grep -qx 'ExecStart=/usr/sbin/sitedns --config /etc/sitedns/sitedns.json' \
    "$WORK/root/lib/systemd/system/sitedns.service"
check "the man page is gzip -9n (no name, no time)" \
    bash -c 'gzip -lv "$1" >/dev/null && test "$(od -An -tx1 -j4 -N4 "$1" | tr -d " ")" = 00000000' \
    _ "$WORK/root/usr/share/man/man8/sitedns.8.gz"

# ---------------------------------------------------------------- control files

check "conffiles lists /etc/sitedns/sitedns.json" \
    grep -qx /etc/sitedns/sitedns.json "$WORK/control/conffiles"
check "md5sums covers the binary" grep -q ' usr/sbin/sitedns$' "$WORK/control/md5sums"
for script in postinst prerm postrm; do
    check "$script is an executable sh script with set -e" \
        bash -c 'test -x "$1" && head -1 "$1" | grep -qx "#!/bin/sh" && grep -qx "set -e" "$1"' \
        _ "$WORK/control/$script"
    check "$script parses (sh -n)" sh -n "$WORK/control/$script"
done
check "postinst creates the system user sitedns" \
    grep -Eq 'adduser --system --group .*sitedns' "$WORK/control/postinst"
check "the user is the unit's" grep -qx 'User=sitedns' "$WORK/root/lib/systemd/system/sitedns.service"

# ---------------------------------------------------------------- the unit's exposure

# systemd 252 (Debian 12) rates a unit file without a running manager with --offline=yes.
# A copy whose ExecStart is the extracted binary: the rating looks for it.
sed "s|/usr/sbin/sitedns|$WORK/root/usr/sbin/sitedns|g" \
    "$WORK/root/lib/systemd/system/sitedns.service" >"$WORK/sitedns.service"
if ! command -v systemd-analyze >/dev/null; then
    skip_part "systemd-analyze security (systemd-analyze is not installed)"
elif systemd-analyze security --offline=yes "$WORK/sitedns.service" >"$WORK/security.log" 2>&1; then
    level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$WORK/security.log")
    echo "    systemd-analyze security --offline=yes: exposure ${level:-?}"
    check "the unit's exposure level ${level:-?} is at most 1.5" \
        awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 1.5) }'
elif grep -Eq 'unrecognized option|unknown option' "$WORK/security.log"; then
    skip_part "systemd-analyze security --offline=yes (this systemd has no --offline)"
else
    sed 's/^/    /' "$WORK/security.log" | tail -5; fail "systemd-analyze security --offline=yes"
fi

# ---------------------------------------------------------------- lintian

lintian --info --display-info "$DEB" >"$WORK/lintian.log" 2>&1
echo "lintian output:"
grep -v '^N:' "$WORK/lintian.log" | grep -v 'running with root privileges' | sed 's/^/    /'
check "lintian reports no error" bash -c '! grep -q "^E:" "$1"' _ "$WORK/lintian.log"

# ---------------------------------------------------------------- installed

# stat_is PATH "MODE USER:GROUP"
stat_is() { out=$(stat -c '%a %U:%G' "$1"); test "$out" = "$2"; }

# Installs the package, checks what postinst did, purges it. Only as root, and only on a
# host where sitedns is not installed: an installed one is not the test's to replace.
HAD_USER=1  # global: cleanup_extra runs at exit, after install_and_check has returned
install_and_check() {
    getent passwd sitedns >/dev/null || HAD_USER=0
    cleanup_extra() {
        dpkg --purge sitedns >/dev/null 2>&1
        if [ "$HAD_USER" = 0 ] && getent passwd sitedns >/dev/null; then
            deluser --quiet --system sitedns >/dev/null 2>&1
            if getent group sitedns >/dev/null; then delgroup --quiet --system sitedns >/dev/null 2>&1; fi
        fi
    }
    if ! dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1; then
        sed 's/^/    /' "$WORK/dpkg.log"; fail "dpkg -i $(basename "$DEB")"; return
    fi
    pass "dpkg -i $(basename "$DEB")"
    check "postinst created the user sitedns" getent passwd sitedns
    check "/etc/sitedns is 0750 root:sitedns" stat_is /etc/sitedns "750 root:sitedns"
    check "/etc/sitedns/sitedns.json is 0640 root:sitedns" \
        stat_is /etc/sitedns/sitedns.json "640 root:sitedns"
    check "the user sitedns can check the configuration" \
        bash -c 'runuser -u sitedns -- /usr/sbin/sitedns check --config /etc/sitedns/sitedns.json \
                 >"$1" 2>&1 || { cat "$1"; false; }' _ "$WORK/installed-check.log"
    check "another user cannot read it" \
        bash -c '! runuser -u nobody -- cat /etc/sitedns/sitedns.json >/dev/null 2>&1'
    # A second configure (dpkg-reconfigure, an upgrade) keeps them.
    chmod 0644 /etc/sitedns/sitedns.json
    check "postinst configure sets them again" \
        bash -c '/var/lib/dpkg/info/sitedns.postinst configure >/dev/null &&
                 test "$(stat -c "%a %U:%G" /etc/sitedns/sitedns.json)" = "640 root:sitedns"'
}

if [ "$(id -u)" -ne 0 ]; then
    skip_part "installing the package (needs root)"
elif dpkg-query -W -f='${Status}' sitedns 2>/dev/null | grep -q installed; then
    skip_part "installing the package (sitedns is installed on this host)"
else
    install_and_check
fi

finish package
