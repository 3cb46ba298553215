#!/usr/bin/env bash
# Runs every fuzz target of BUILD_DIR (a -DSITEDNS_FUZZ=ON build) for SECONDS each, on a
# temporary copy of its seed corpus (tests/fuzz/corpus/<target>/: the repository is never
# written), and prints each target's last libFuzzer stats line.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# A crash, a sanitizer report, an uncaught exception, a 10 s input or 2 GiB of memory
# fails the run; the input that did it is kept in BUILD_DIR/fuzz-artifacts/<target>/ and
# the end of the target's log is printed. `make fuzz` and `make test` call this.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(fuzz_query fuzz_upstream_reply fuzz_json_zone fuzz_rfc1035_zone fuzz_config)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sitedns-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

failed=()
for target in "${targets[@]}"; do
    binary=$build/tests/fuzz/$target
    seeds=$here/corpus/$target
    if [ ! -x "$binary" ]; then
        echo "fuzz: $binary is missing (build the fuzz_all target)" >&2
        exit 2
    fi
    corpus=$work/$target
    artifacts=$build/fuzz-artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    cp "$seeds"/* "$corpus"/
    log=$work/$target.log
    # -max_len: the largest input tried (libFuzzer grows towards it from the seeds' size).
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096
             -print_final_stats=1 -artifact_prefix="$artifacts/")
    [ -f "$here/$target.dict" ] && options+=(-dict="$here/$target.dict")
    status=0
    (cd "$work" && "$binary" "${options[@]}" "$corpus") >"$log" 2>&1 || status=$?
    stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ $status -eq 0 ]; then
        printf '%-20s ok    %s execs, %s\n' "$target" "${execs:-?}" "${stats:-no stats}"
    else
        printf '%-20s FAIL  (exit %d) %s\n' "$target" "$status" "${stats:-no stats}"
        echo "---- end of the $target log ($artifacts holds the input) ----"
        tail -n 60 "$log"
        echo "----"
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
