# wait: statuses, timeouts, other shells, --any, the caller's own jobs.
# t-slurm.sh runs this file again with JOBCTL_BACKEND=slurm.
. "$(dirname "$0")/lib.sh"

# Running before it is signalled (a cluster job killed while still queued
# would never run: skipped, not killed).
r=$(fifo up)
id=$(j spawn -- sh -c "echo up > $r; exec sleep 100")
read -r _ < "$r"
status 124 "wait --timeout gives up with 124" j wait --timeout 0.2 "$id"
status 0 "the job keeps running after a wait timeout" j kill -s 0 "$id"
status 124 "wait --timeout 0 only looks" j wait --timeout 0 "$id"

# Unrelated shells wait on the same job; both wake when it ends.
sh -c "'$JOBCTL' wait $id; echo \$? > $T/w1" &
w1=$!
bash -c "'$JOBCTL' wait $id; echo \$? > $T/w2" &
w2=$!
j kill -s INT "$id"
wait $w1 $w2
same "a shell that did not spawn the job waits on it (SIGINT: 130)" "$(cat "$T/w1")" 130
same "a second waiter sees the same status" "$(cat "$T/w2")" 130
status 130 "an ended job answers at once, as often as asked" j wait "$id"

a=$(j spawn -- sleep 100); b=$(j spawn -- sh -c 'exit 4')
out=$(j wait --any "$a" "$b"); st=$?
same "wait --any prints the first job to end" "$out" "$b"
same "wait --any exits with its status" "$st" 4
j kill "$a"

a=$(j spawn -- sh -c 'exit 2'); b=$(j spawn -- true)
j wait "$a" "$b"; st=$?
same "wait on several exits with the last one's status" "$st" 0

# The caller's own non-daemon jobs: those spawned by this very shell.
cat > "$T/own.sh" <<EOS
'$JOBCTL' spawn -- sh -c 'exit 0' >/dev/null
'$JOBCTL' spawn -- sh -c 'exit 5' >/dev/null
'$JOBCTL' spawn -- sh -c 'exit 6' >/dev/null
'$JOBCTL' spawn -d -- sh -c 'exit 9' >/dev/null
'$JOBCTL' wait
EOS
sh "$T/own.sh"; st=$?
same "wait with no operand: the status of the lowest-id failing own job" "$st" 5
cat > "$T/own2.sh" <<EOS
'$JOBCTL' spawn -- true >/dev/null
'$JOBCTL' spawn -- sleep 0.2 >/dev/null
'$JOBCTL' wait && '$JOBCTL' ps --running -q | wc -l
EOS
same "wait with no operand joins every own job and exits 0" "$(sh "$T/own2.sh" | tr -d ' ')" 0

# A bare wait reports each own job once, as Python's join does: a script
# that waited (and saw a failure) then spawns a good job and waits again
# gets 0, not the old failure again; with nothing new, 0 at once.
cat > "$T/again.sh" <<EOS
'$JOBCTL' spawn -- sh -c 'exit 3' >/dev/null
'$JOBCTL' wait; echo "first \$?"
'$JOBCTL' spawn -- true >/dev/null
'$JOBCTL' wait; echo "second \$?"
'$JOBCTL' wait; echo "third \$?"
'$JOBCTL' spawn -- sh -c 'exit 4' >/dev/null
'$JOBCTL' spawn -- sh -c 'exit 5' >/dev/null
'$JOBCTL' wait; echo "fourth \$?"
'$JOBCTL' wait --timeout 0; echo "fifth \$?"
EOS
same "bare waits report each own job once" "$(sh "$T/again.sh" | tr '\n' ' ')" "first 3 second 0 third 0 fourth 4 fifth 0 "
# One that timed out reported nothing, so its jobs are still to be joined.
cat > "$T/late.sh" <<EOS
'$JOBCTL' spawn -- sh -c 'read x < $T/late; exit 6' >/dev/null
'$JOBCTL' wait --timeout 0.1; echo "timed \$?"
echo go > $T/late
'$JOBCTL' wait; echo "joined \$?"
EOS
mkfifo "$T/late"
same "a bare wait that timed out joined nothing" "$(sh "$T/late.sh" | tr '\n' ' ')" "timed 124 joined 6 "
same "... and a job joined by one shell is still there for others to wait on" "$(j wait "$(j ps -q | tail -n 1)"; echo $?)" 6

# A job has ended for wait once what it left running has too, even for a
# wait that starts after its exit was recorded. (Local jobs only: on a
# cluster, Slurm ends what a batch step leaves when the step ends.)
if [ "${JOBCTL_BACKEND:-local}" = local ]; then
ack=$(fifo left-ack); rel=$(fifo left-release)
id=$(j spawn -- sh -c "sh -c 'trap \"echo term > $ack; read y < $rel; exit 0\" TERM; while :; do sleep 1 & wait \$!; done' & exit 0")
read -r _ < "$ack"   # the command has exited, its exit is recorded, its leftover got TERM
same "the command's exit is recorded while its leftover still runs" "$(field "$id" exitcode)" 0
status 124 "... a wait that starts now does not return while the leftover runs" j wait --timeout 0.5 "$id"
echo go > "$rel"
status 0 "... and returns once it has ended" j wait --timeout 20 "$id"
fi

status 1 "waiting for an unknown job exits 1" j wait 99999
finish
