# pause / resume: the whole tree stopped (state T in /proc) and continued;
# `paused` however the job was stopped; kill and --timeout still work.
. "$(dirname "$0")/lib.sh"

# Every process of the job, setsid'd ones included: pids, one per line.
r=$(fifo up)
id=$(j spawn -- sh -c "sleep 100 & setsid sleep 100 & echo \$! > $T/setsid.pid; echo up > $r; wait")
read -r _ < "$r"
leader=$(field "$id" pid)
tree="$leader $(pgrep -g "$leader" | tr '\n' ' ') $(cat "$T/setsid.pid")"
states() { for p in $tree; do awk '{print $3}' "/proc/$p/stat" 2>/dev/null; done | sort -u | tr '\n' ' '; }

j pause "$id"
same "pause stops every process of the tree, setsid'd ones too (state T)" "$(states)" "T "
same "... ps says paused" "$(field "$id" state)" paused
same "... and the table too" "$(j ps "$id" | awk 'NR == 2 {print $4}')" paused
status 0 "... kill -s 0 still counts it alive" j kill -s 0 "$id"
same "... ps --running lists it" "$(j ps -q --running "$id")" "$id"
same "... ps --summary counts it" "$(j ps --summary "$id")" "paused 1"
j resume "$id"
same "resume continues every process (none in state T)" "$(states | grep -c T)" 0
same "... ps says running" "$(field "$id" state)" running

# However it was stopped: kill -s STOP through jobctl, SIGSTOP from outside.
# The stop is the kernel's, a moment after the signal: looked at a bounded
# number of times.
until_paused() { k=0; while [ "$(field "$id" state)" != paused ] && [ $k -lt 200 ]; do k=$((k + 1)); done; }
j kill -s STOP "$id"
until_paused
same "kill -s STOP: paused" "$(field "$id" state)" paused
j resume "$id"
kill -STOP "$leader"
until_paused
same "a SIGSTOP from outside: paused" "$(field "$id" state)" paused
kill -CONT "$leader"
# (Ctrl-Z's SIGTSTP cannot reach a spawned job: it has no terminal, and the
# kernel discards TSTP sent to its orphaned process group.)

# Killing a paused job works at once (TERM, then CONT, as shells do).
j pause "$id"
j kill "$id"
status 143 "kill of a paused job: it ends by TERM" j wait --timeout 5 "$id"
check "... nothing of it is left" sh -c "! kill -0 $(cat "$T/setsid.pid") 2>/dev/null"

# --timeout keeps counting while paused.
id=$(j spawn --timeout 0.5 -- sleep 100)
j pause "$id"
status 143 "--timeout ends a paused job" j wait --timeout 20 "$id"

# A queued job has nothing to pause: exit 1, nothing done, it stays queued
# and runs later; an ended job is left alone, exit 0.
h=$(fifo hold)
a=$(j spawn --pool p --slots 1 -- sh -c "read x < $h")
b=$(j spawn --pool p -- sh -c "echo ran")
status 1 "pause of a queued job: exit 1" j pause "$b"
status 1 "... also among others: exit 1" j pause "$a" "$b"
same "... the running one was not paused" "$(field "$a" state)" running
same "... the queued one is still queued" "$(field "$b" state)" queued
echo go > "$h"
status 0 "... and runs once its turn comes" j wait "$b"
status 0 "pause of an ended job does nothing: exit 0" j pause "$b"
status 2 "pause with no job is a usage error" j pause
status 1 "pause of a job that does not exist: exit 1" j pause 99999

# Groups: pause --pool stops every running job of the pool.
x=$(j spawn --pool g --slots 2 -- sleep 100)
y=$(j spawn --pool g -- sleep 100)
j wait --timeout 0 "$x" "$y" 2>/dev/null
k=0; while [ "$(field "$y" state)" = queued ] && [ $k -lt 200 ]; do k=$((k + 1)); done
j pause --pool g
same "pause --pool: every running job of the pool paused" "$(j ps --summary --pool g)" "paused 2"
j resume --pool g
same "resume --pool: running again" "$(j ps --summary --pool g)" "running 2"
j kill --pool g
finish
