# Shared by the integration scripts (source it): a scratch folder, processes killed on
# exit, and the ok/FAIL check lines every script prints.
#   WORK       scratch folder, removed on exit
#   PIDS       processes to kill on exit (append with PIDS+=("$!"))
#   FAILURES   count of failed checks
#   cleanup_extra   optional function a script defines; run first on exit

WORK=$(mktemp -d)
PIDS=()
FAILURES=0

cleanup() {
    if declare -F cleanup_extra >/dev/null; then cleanup_extra; fi
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILURES=$((FAILURES + 1)); }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds; on failure shows $out, the
# last command's output, when the script set it.
check() {
    local what=$1; shift
    if "$@"; then
        pass "$what"
    else
        fail "$what"
        [ -n "${out:-}" ] && sed 's/^/     | /' <<<"$out"
    fi
    return 0
}
