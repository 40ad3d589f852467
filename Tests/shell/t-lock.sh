# Named locks: mutual exclusion, release on SIGKILL, timeouts, shared mode.
. "$(dirname "$0")/lib.sh"

# 10 concurrent holders never overlap.
cat > "$T/critical.sh" <<EOS
#!/bin/sh
if ! mkdir "$T/inside" 2>/dev/null; then echo OVERLAP >> "$T/log"; fi
echo ran >> "$T/log"
sleep 0.05   # widen the window an overlap would need
rmdir "$T/inside"
EOS
chmod +x "$T/critical.sh"
i=0; pids=""
while [ $i -lt 10 ]; do "$JOBCTL" lock crit -- "$T/critical.sh" & pids="$pids $!"; i=$((i + 1)); done
# shellcheck disable=SC2086
wait $pids
same "10 concurrent holders all ran" "$(grep -c ran "$T/log")" 10
same "... and never overlapped" "$(grep -c OVERLAP "$T/log")" 0

# The lock is free once its holder is SIGKILLed: no deadlock after kill.
r=$(fifo held)
"$JOBCTL" lock k -- sh -c "echo \$\$ > $r; exec sleep 100" &
lockproc=$!
read -r holder < "$r"
status 124 "while held, lock --timeout 0 gives up at once with 124" j lock --timeout 0 k -- true
same "locks shows the holder" "$(j locks | awk '$1 == "k" {print $2}')" exclusive
kill -9 "$holder"
wait "$lockproc"
status 0 "right after its holder is SIGKILLed the lock is free" j lock --timeout 0 k -- true

# Killing only `jobctl lock` leaves the command holding it, as flock(1) does.
r=$(fifo held2)
"$JOBCTL" lock k2 -- sh -c "echo \$\$ > $r; exec sleep 100" &
lockproc=$!
read -r holder < "$r"
kill -9 "$lockproc"; wait "$lockproc" 2>/dev/null
status 124 "the command keeps the lock when jobctl lock alone is killed" j lock --timeout 0.1 k2 -- true
kill -9 "$holder"
status 0 "... and it is free once the command is gone" j lock --timeout 5 k2 -- true

r=$(fifo tgo)
"$JOBCTL" lock t -- sh -c "echo \$\$ > $r; exec sleep 100" &
tp=$!
read -r holder < "$r"
status 124 "a lock timeout exits 124 without running the command" j lock --timeout 0.2 t -- touch "$T/never"
kill "$holder"; wait "$tp"
check "... and the command did not run" test ! -e "$T/never"
status 7 "lock exits with the command's status" j lock s -- sh -c 'exit 7'

# Shared holders coexist; an exclusive one waits for them.
r=$(fifo sh1)
"$JOBCTL" lock --shared rw -- sh -c "echo \$\$ > $r; exec sleep 100" &
s1=$!
read -r holder < "$r"
status 0 "a second --shared holder gets in" j lock --shared --timeout 0 rw -- true
status 124 "an exclusive one does not" j lock --timeout 0 rw -- true
kill "$holder"; wait "$s1"

# spawn --lock: the job holds the lock for its whole life.
a=$(j spawn --lock job-lock -- sleep 100)
status 124 "spawn --lock: the lock is held while the job runs" j lock --timeout 0 job-lock -- true
j kill --wait "$a"
status 0 "... and free once it has been killed" j lock --timeout 0 job-lock -- true

for bad in "a/b" ".." "." ""; do
    status 2 "lock name '$bad' is a usage error" j lock "$bad" -- true
done
finish
