#!/bin/sh
# Runs every Tests/shell/t-*.sh under bash and dash against $JOBCTL, each
# bounded in time, and prints a TAP stream per file and a summary line.
# Usage: JOBCTL=path/to/jobctl sh Tests/shell/run.sh [FILE...]
here=$(cd "$(dirname "$0")" && pwd)
: "${JOBCTL:?set JOBCTL to the jobctl binary}"
export JOBCTL
files=${*:-$(ls "$here"/t-*.sh)}
passed=0 failedfiles=0 total_ok=0 total_fail=0
for f in $files; do
    for sh in ${JOBCTL_TEST_SHELLS:-bash dash}; do
        command -v "$sh" >/dev/null 2>&1 || { echo "# $sh not installed: $(basename "$f") skipped under it"; continue; }
        # Into a file, not $(...): a stray process holding a pipe open would
        # keep $(...) waiting past the timeout.
        tmp=$(mktemp)
        timeout -k 5 "${JOBCTL_TEST_TIMEOUT:-120}" "$sh" "$f" > "$tmp" 2>&1 < /dev/null; rc=$?
        out=$(cat "$tmp"); rm -f "$tmp"
        echo "# $(basename "$f") under $sh (exit $rc)"
        echo "$out"
        okc=$(echo "$out" | grep -c '^ok ')
        nokc=$(echo "$out" | grep -c '^not ok ')
        total_ok=$((total_ok + okc)); total_fail=$((total_fail + nokc))
        if [ $rc -ne 0 ] || [ "$nokc" -ne 0 ]; then
            failedfiles=$((failedfiles + 1))
            [ $rc -eq 124 ] && { echo "not ok - $(basename "$f") under $sh timed out"; total_fail=$((total_fail + 1)); }
        fi
    done
done
echo "shell: $total_ok passed, $total_fail failed"
[ $failedfiles -eq 0 ]
