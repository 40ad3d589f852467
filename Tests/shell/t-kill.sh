# kill: signals, the whole tree, grace, -s 0, finished jobs, PID reuse.
. "$(dirname "$0")/lib.sh"

id=$(j spawn -- sleep 100)
status 0 "kill -s 0 is 0 while the job runs" j kill -s 0 "$id"
j kill "$id"
j wait "$id"; st=$?
same "TERM: wait exits 143" "$st" 143
same "TERM: exitcode -15" "$(field "$id" exitcode)" -15
same "TERM: state killed" "$(field "$id" state)" killed
status 1 "kill -s 0 is 1 once the job has ended" j kill -s 0 "$id"
status 0 "killing an ended job does nothing and exits 0" j kill "$id"

id=$(j spawn -- sleep 100)
j kill -s KILL "$id"; j wait "$id"; st=$?
same "KILL: wait exits 137" "$st" 137
same "KILL: exitcode -9" "$(field "$id" exitcode)" -9

for form in "-9" "-KILL" "-SIGKILL" "-s kill" "-s 9" "--signal=SIGKILL"; do
    id=$(j spawn -- sleep 100)
    # shellcheck disable=SC2086
    j kill $form "$id"; j wait "$id"; st=$?
    same "kill $form sends KILL" "$st" 137
done

id=$(j spawn -- sleep 100)
j kill -s HUP --wait "$id"; st=$?
same "kill --wait returns once the job has ended" "$st" 0
same "HUP: exitcode -1" "$(field "$id" exitcode)" -1

# The whole tree: children in the group, and a grandchild that left it.
r=$(fifo tree)
id=$(j spawn -- sh -c "sleep 100 & a=\$!; setsid sleep 100 & b=\$!; echo \"\$a \$b\" > $r; wait")
read -r a b < "$r"
j kill --wait "$id"
if alive "$a"; then not_ok "a child in the job's group dies with the job"; else ok "a child in the job's group dies with the job"; fi
if alive "$b"; then not_ok "a grandchild that left the group (setsid) dies with the job"; else ok "a grandchild that left the group (setsid) dies with the job"; fi

# A job that ignores TERM gets KILL after the grace, even after kill returned.
r=$(fifo ign)
id=$(j spawn -- sh -c "trap '' TERM; echo ready > $r; sleep 100")
read -r _ < "$r"
j kill --grace 1 "$id"
status 0 "the job ignoring TERM is still alive right after kill returns" j kill -s 0 "$id"
j wait --timeout 10 "$id"; st=$?
same "it gets KILL after the grace (wait 137)" "$st" 137

# -s SIG alone sends only SIG: a job ignoring TERM survives it.
r=$(fifo ign2)
id=$(j spawn -- sh -c "trap '' TERM; echo ready > $r; sleep 100")
read -r _ < "$r"
j kill -s TERM "$id"
# Past the default 10 s grace: a KILL would have come by then.
status 124 "-s TERM without --grace sends no KILL, even after the default grace" j wait --timeout 11 "$id"
j kill -s KILL "$id"

# --timeout on spawn.
id=$(j spawn --timeout 0.2 -- sleep 100)
j wait "$id"; st=$?
same "spawn --timeout terminates the job (143)" "$st" 143

# A job whose processes vanished without a record (its monitor was KILLed and
# its command too) is lost; an unrelated process later given its PID is
# neither shown as the job nor signalled.
id=$(j spawn -- sleep 100)
mon=$(field "$id" monitor); pid=$(field "$id" pid)
kill -9 "$mon"; kill -9 "$pid"
j wait "$id"; st=$?
same "a job whose monitor and command were killed is lost (wait 1)" "$st" 1
same "ps shows it lost" "$(field "$id" state)" lost
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/kernel/ns_last_pid ]; then
    # Make the next process take the job's PID (root only).
    echo $((pid - 1)) > /proc/sys/kernel/ns_last_pid
    sleep 100 &
    imp=$!
    if [ "$imp" = "$pid" ]; then
        same "the PID reused by an unrelated process: ps still says lost" "$(field "$id" state)" lost
        j kill -s KILL "$id"
        status 1 "kill -s 0 on the lost job is 1" j kill -s 0 "$id"
        check "the unrelated process with the reused PID was not signalled" kill -0 "$imp"
    else
        skip "PID reuse" "could not place a process on PID $pid (got $imp)"
    fi
    kill "$imp" 2>/dev/null
else
    skip "PID reuse" "needs root for /proc/sys/kernel/ns_last_pid"
fi

# A process of the job that calls itself a monitor (any process may write
# /proc/self/comm) is still the job's: kill and daemon teardown reach it.
hold=$(fifo never-written)
for as in jobctl-monitor jobctl-daemon; do
    r=$(fifo "renamed-$as")
    id=$(j spawn -- sh -c "setsid sh -c 'printf $as > /proc/self/comm; echo \$\$ > $r; read x < $hold' & wait")
    read -r pid < "$r"
    same "a descendant renamed itself $as" "$(cat "/proc/$pid/comm")" "$as"
    j kill --wait "$id"
    if alive "$pid"; then not_ok "kill --wait ends a setsid'd descendant named $as"; kill -9 "$pid"
    else ok "kill --wait ends a setsid'd descendant named $as"; fi
    r=$(fifo "renamed-d-$as"); release=$(fifo "release-$as"); idf=$(fifo "id-$as")
    # The owner hands over the id once spawn has printed it, then lives until
    # released: the job is surely running, and its id known, before it ends.
    cat > "$T/owner.sh" <<OWNER
id=\$("$JOBCTL" spawn -d -- sh -c "setsid sh -c 'printf $as > /proc/self/comm; echo \\\$\\\$ > $r; read x < $hold' & wait")
echo "\$id" > $idf
read x < $release
OWNER
    sh "$T/owner.sh" &
    read -r pid < "$r"
    read -r did < "$idf"
    echo go > "$release"
    j wait --timeout 20 "$did" >/dev/null
    if alive "$pid"; then not_ok "a daemon job's owner ending ends its descendant named $as"; kill -9 "$pid"
    else ok "a daemon job's owner ending ends its descendant named $as"; fi
done

# HUP and INT sent to a monitor, or to jobctl run, are passed on as they came:
# a daemon that reloads on HUP keeps running.
for sig in HUP INT; do
    ack=$(fifo "ack-$sig"); r=$(fifo "ready-$sig")
    id=$(j spawn -- sh -c "trap 'echo got-$sig > $ack' $sig; echo ready > $r; while :; do sleep 1 & wait \$!; done")
    read -r _ < "$r"
    kill -s "$sig" "$(field "$id" monitor)"
    read -r got < "$ack"
    same "$sig to a job's monitor reaches the job as $sig" "$got" "got-$sig"
    status 0 "... and the job, which trapped it, still runs" j kill -s 0 "$id"
    j kill "$id"
done
ack=$(fifo ack-run); r=$(fifo ready-run)
"$JOBCTL" run -- sh -c "trap 'echo got-HUP > $ack' HUP; echo ready > $r; while :; do sleep 1 & wait \$!; done" &
runpid=$!
read -r _ < "$r"
kill -HUP "$runpid"
read -r got < "$ack"
same "HUP to jobctl run reaches its command as HUP" "$got" got-HUP
check "... and jobctl run goes on" kill -0 "$runpid"
kill -TERM "$runpid"; wait "$runpid"; st=$?
same "... TERM to it ends the command (143)" "$st" 143
finish
