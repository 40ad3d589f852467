# wait under a low descriptor limit: slower, never wrong. A job it could not
# watch is never reported lost.
. "$(dirname "$0")/lib.sh"

gate=$(fifo gate)
ids=""
k=0
while [ $k -lt 300 ]; do
    ids="$ids $(j spawn -- sh -c "cat $gate >/dev/null; exit 7")"
    k=$((k + 1))
done
for limit in 64 256; do
    # shellcheck disable=SC2086
    (ulimit -n $limit; exec "$JOBCTL" wait --timeout 1 $ids) 2>"$T/err"; st=$?
    same "300 running jobs under ulimit -n $limit: wait --timeout says 124, not lost" "$st:$(cat "$T/err")" "124:"
done
same "... and ps under the same limit lists all 300 running" \
    "$( (ulimit -n 16; exec "$JOBCTL" ps --running -q) | wc -l | tr -d ' ')" 300
# shellcheck disable=SC2086
(ulimit -n 64; exec "$JOBCTL" wait $ids) 2>"$T/err" &
w=$!
# Open and close the gate: every job reads EOF and exits 7.
exec 3>"$gate"; exec 3>&-
wait $w; st=$?
same "when they end, wait under ulimit -n 64 returns their status" "$st:$(cat "$T/err")" "7:"
# shellcheck disable=SC2086
same "... and every one is recorded exited 7" "$(j ps --json $ids | jq -r '"\(.state) \(.exitcode)"' | sort | uniq -c | tr -s ' ')" " 300 exited 7"

# One job, the limit at the edge: stdin, stdout, stderr and one or two more.
for limit in 5 6 8; do
    g=$(fifo "g$limit")
    id=$(j spawn -- sh -c "cat $g >/dev/null; exit 3")
    # (The status comes through the shell's wait: under such a limit dash
    # cannot even redirect.)
    (ulimit -n $limit; exec "$JOBCTL" wait "$id") 2>"$T/err$limit" &
    w=$!
    (ulimit -n $limit; exec "$JOBCTL" wait --timeout 0.2 "$id") 2>/dev/null; st=$?
    same "ulimit -n $limit: a running job is not lost (wait --timeout: 124)" "$st" 124
    exec 3>"$g"; exec 3>&-
    wait $w; st=$?
    same "ulimit -n $limit: wait returns the job's status once it ends" "$st:$(cat "$T/err$limit")" "3:"
done
# Too few to open the state at all: a clear failure, not "no such job".
id=$(j spawn -- true); j wait "$id"
err=$( (ulimit -n 4; exec "$JOBCTL" wait "$id") 2>&1); st=$?
case $st:$err in "1:jobctl: "*"Too many open files"*) ok "ulimit -n 4: exit 1, saying there are too few descriptors" ;;
    *) not_ok "ulimit -n 4: exit 1, saying there are too few descriptors" "$st: $err" ;; esac
finish
