#!/usr/bin/env bash
# Runs ctest in a sanitizer build (`make test` and `make test-asan`, `make test-tsan`) with
# every sanitizer report written to BUILD/sanitizer-reports/: those of the test binaries
# and also those of the sitedns servers the integration scripts start and then kill, whose
# exit status no test sees. Any report fails the run and is printed after ctest's output.
# ctest runs through tests/run_ctest.sh, which lists the skipped tests and GTEST_SKIP cases.
#
#   tests/sanitizers/run.sh BUILD CTEST_ARGUMENTS...
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD [CTEST_ARGUMENTS...]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
shift
reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"

# The first report stops the process (halt_on_error); LeakSanitizer runs at exit.
common="log_path=$reports/report:halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="$common:detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="$common"
export TSAN_OPTIONS="$common:second_deadlock_stack=1"

# The stage's name for the list of what it skipped.
stage=asan
if grep -q '^SITEDNS_SANITIZE:STRING=thread$' "$build/CMakeCache.txt"; then stage=tsan; fi
status=0
GTEST_XML=1 "$(dirname "$0")/../run_ctest.sh" "$build" "$stage" --output-on-failure "$@" || status=$?

shopt -s nullglob
found=("$reports"/report.*)
if [ ${#found[@]} -ne 0 ]; then
    for report in "${found[@]}"; do
        echo "---- sanitizer report $report"
        cat "$report"
    done
    echo "sanitizers: ${#found[@]} report(s) in $reports" >&2
    status=1
fi
exit $status
