#!/bin/sh
# pipeline.sh: a small build pipeline as jobs with dependencies and retries.
# fetch (retried: networks are flaky) -> build -> test and docs, then
# package once both have succeeded. If a step fails, everything after it is
# skipped, never run; the script exits with the first failure's status.
#
#   FETCH='git pull' BUILD='make' TEST='make test' DOCS='make docs' \
#       PACKAGE='make dist' examples/pipeline.sh
#
# Each step is a shell command string. The steps run as detached jobs: the
# pipeline goes on if this script is killed, and any shell can watch it
# (`jobctl ps --all-named pipeline-build`, `jobctl events --follow`).
set -u
step() {  # step NAME [SPAWN-OPTION...] -- COMMAND-STRING: prints the job id
    name=$1; shift
    cmd=""; opts=""
    while [ $# -gt 0 ]; do
        if [ "$1" = -- ]; then shift; cmd=$1; break; fi
        opts="$opts $1"; shift
    done
    # shellcheck disable=SC2086
    jobctl spawn -n "pipeline-$name" $opts -- sh -c "$cmd"
}
fetch=$(step fetch --retries 3 --retry-delay 1 -- "${FETCH:-true}") || exit 1
build=$(step build --after "$fetch" -- "${BUILD:-true}") || exit 1
tests=$(step test --after "$build" -- "${TEST:-true}") || exit 1
docs=$(step docs --after "$build" -- "${DOCS:-true}") || exit 1
package=$(step package --after "$tests,$docs" -- "${PACKAGE:-true}") || exit 1
# 0 if every step succeeded, else the status of the first that did not.
status=0
for id in $fetch $build $tests $docs $package; do
    jobctl wait "$id"; st=$?
    [ "$status" -eq 0 ] && status=$st
done
jobctl ps "$fetch" "$build" "$tests" "$docs" "$package" >&2
exit "$status"
