# Daemon and non-daemon jobs, and their owners.
. "$(dirname "$0")/lib.sh"

# Owner exits normally.
sh -c "'$JOBCTL' spawn -d -n d1 -- sleep 100 >/dev/null; '$JOBCTL' spawn -n n1 -- sleep 100 >/dev/null"
j wait --timeout 15 d1; st=$?
same "a daemon job dies when its owner exits (143)" "$st" 143
same "it is recorded as killed" "$(field d1 state)" killed
status 0 "a non-daemon job outlives its owner" j kill -s 0 n1
same "the daemon flag shows in ps --json" "$(field d1 daemon) $(field n1 daemon)" "true false"
j kill n1

# Owner SIGKILLed.
r=$(fifo owner)
sh -c "'$JOBCTL' spawn -d -n d2 -- sleep 100 >/dev/null; '$JOBCTL' spawn -n n2 -- sleep 100 > /dev/null; echo ready > $r; exec sleep 100" &
owner=$!
read -r _ < "$r"
same "the job's owner is the spawning shell" "$(field d2 owner)" "$owner"
kill -9 "$owner"
j wait --timeout 15 d2; st=$?
same "a daemon job dies when its owner is SIGKILLed" "$st" 143
status 0 "a non-daemon job survives its owner's SIGKILL" j kill -s 0 n2
j kill n2

# --owner PID.
sleep 100 &
o=$!
id=$("$JOBCTL" spawn -d --owner "$o" -- sleep 100)
kill "$o"
j wait --timeout 15 "$id"; st=$?
same "--owner PID: the daemon dies with that process" "$st" 143

# A daemon job may not have children, whatever its environment. (The binary
# is called directly: under dash a shell function inside $(...) runs in a
# subshell, which would be the owner and end at once.)
id=$("$JOBCTL" spawn -d -- sh -c "'$JOBCTL' spawn -- true; echo \$?")
j wait "$id"
same "spawn inside a daemon job fails with 1" "$(j logs "$id" | tail -n 1)" 1
check "with the message the contract gives" sh -c "j() { '$JOBCTL' \"\$@\"; }; j logs $id | grep -qx 'jobctl: daemon jobs are not allowed to have children'"
id=$("$JOBCTL" spawn -d -- sh -c "env -i '$JOBCTL' --state-dir '$JOBCTL_STATE_DIR' spawn -- true; echo \$?")
j wait "$id"
same "... even with its environment emptied" "$(j logs "$id" | tail -n 1)" 1
id=$("$JOBCTL" spawn -d -- sh -c "setsid -w sh -c \"'$JOBCTL' spawn -- true; echo \\\$?\"")
j wait "$id"
same "... even from a descendant in a new session" "$(j logs "$id" | tail -n 1)" 1
id=$(j spawn -- sh -c "'$JOBCTL' spawn -- true >/dev/null; echo \$?")
j wait "$id"
same "a non-daemon job may spawn jobs" "$(j logs "$id" | tail -n 1)" 0

# Under dash, a function in $(...) runs in a subshell: --owner $$ names the
# script itself as the owner.
f() { "$JOBCTL" spawn -d --owner $$ -- sleep 100; }
id=$(f)
status 0 "--owner \$\$ keeps a daemon alive past a subshell" j kill -s 0 "$id"
j kill "$id"

# A non-daemon job spawned from inside a job outlives that job.
id=$(j spawn -- sh -c "'$JOBCTL' spawn -n inner -- sleep 100")
j wait "$id"
status 0 "a job spawned by a job outlives it" j kill -s 0 inner
j kill inner
finish
