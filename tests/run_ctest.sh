#!/usr/bin/env bash
# Runs ctest in BUILD for one stage of `make test` (gcc, asan, tsan) and then lists what it
# skipped (tests/skips.py record): a test that exits 77 is Skipped, never a silent Passed.
# With GTEST_XML=1 each gtest binary also writes its XML report, from which the skipped
# GTEST_SKIP cases are counted (the sanitizer builds run a whole binary as one test).
#
#   tests/run_ctest.sh BUILD STAGE CTEST_ARGUMENTS...
set -uo pipefail

build=$(cd "${1:?usage: run_ctest.sh BUILD STAGE [CTEST_ARGUMENTS...]}" && pwd)
stage=${2:?usage: run_ctest.sh BUILD STAGE [CTEST_ARGUMENTS...]}
shift 2

rm -rf "$build/gtest-xml" "$build/ctest-junit.xml" "$build/skipped.json"
if [ "${GTEST_XML:-0}" = 1 ]; then
    mkdir -p "$build/gtest-xml"
    export GTEST_OUTPUT="xml:$build/gtest-xml/"
fi
status=0
(cd "$build" && ctest --output-junit ctest-junit.xml "$@") || status=$?
python3 "$(dirname "$0")/skips.py" record "$build" "$stage" || status=1
exit $status
