#!/bin/sh
# daemon-helper.sh: start a helper that lives exactly as long as this script,
# even if the script is killed with SIGKILL, then do the work that needs it.
#
#   examples/daemon-helper.sh ./run-tests.sh
#
# The helper here is a stand-in that logs a heartbeat; put your database,
# mock server or tunnel in its place.
set -u
heartbeat=${HEARTBEAT_FILE:-/tmp/daemon-helper.$$.beats}
# shellcheck disable=SC2016 # $1 is the helper's own argument
helper=$(jobctl spawn --daemon -n helper -- \
    sh -c 'while :; do date +%s >> "$1"; sleep 1; done' sh "$heartbeat") || exit 1
echo "helper is job $helper" >&2

# The work. A daemon job may not start jobs of its own, but this script is
# not a daemon job, so the work may use jobctl freely.
"$@"
status=$?

# Nothing to clean up: when this shell exits, by any means, jobctl's monitor
# terminates the helper and records it as killed.
exit "$status"
