#!/bin/sh
# supervise.sh: keep a command running: when it fails, start it again, after
# $BACKOFF seconds (default 1), at most $MAX_RESTARTS times (default 5). A
# clean exit (status 0) ends the supervision.
#
#   examples/supervise.sh worker ./worker --queue jobs
#
# Usage: supervise.sh NAME COMMAND [ARG...]
set -u
[ $# -ge 2 ] || { echo "usage: supervise.sh NAME COMMAND [ARG...]" >&2; exit 2; }
name=$1
shift
restarts=0
while :; do
    id=$(jobctl spawn -n "$name" -- "$@") || exit     # 126/127: it will never run
    jobctl wait "$id"
    status=$?
    [ "$status" -eq 0 ] && exit 0
    restarts=$((restarts + 1))
    if [ "$restarts" -gt "${MAX_RESTARTS:-5}" ]; then
        echo "supervise: $name failed $restarts times, last status $status" >&2
        exit "$status"
    fi
    echo "supervise: $name (job $id) ended with status $status; restarting" >&2
    sleep "${BACKOFF:-1}"
done
