#!/bin/sh
# batch.sh: run COMMAND once per line of standard input, the line appended as
# its last argument, at most $JOBS at a time (default 4); exit 1 if any run
# failed. Like `xargs -P`, but every run is a job that `jobctl ps` lists and
# any shell can wait on or kill.
#
#   ls *.log | JOBS=8 examples/batch.sh gzip -k --
#
# Usage: batch.sh COMMAND [ARG...] < lines
set -u
[ $# -gt 0 ] || { echo "usage: batch.sh COMMAND [ARG...] < lines" >&2; exit 2; }
max=${JOBS:-4}
running=""   # ids of our jobs that may still run, space separated
count=0
failed=0
while IFS= read -r line; do
    while [ "$count" -ge "$max" ]; do
        # Block until one of ours ends; it prints that job's id and exits
        # with its status.
        # shellcheck disable=SC2086
        done_id=$(jobctl wait --any $running) || failed=1
        running=$(printf ' %s ' "$running" | sed "s/ $done_id / /; s/^ *//; s/ *\$//")
        count=$((count - 1))
    done
    id=$(jobctl spawn -n batch -- "$@" "$line") || { failed=1; continue; }
    running="$running $id"
    count=$((count + 1))
done
for id in $running; do
    jobctl wait "$id" || failed=1
done
exit "$failed"
