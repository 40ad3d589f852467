# Pools: at most N at once, id order, queued jobs outlive their spawner, a
# killed queued job never runs, a slot frees only once its job's processes are gone.
. "$(dirname "$0")/lib.sh"

# 6 jobs in a 2-slot pool: never more than 2 at once, started in id order.
ids=""
k=0
while [ $k -lt 6 ]; do
    ids="$ids $(j spawn --pool two --slots 2 -- sh -c "echo start \$JOBCTL_JOB_ID >> $T/log; sleep 0.1; echo end \$JOBCTL_JOB_ID >> $T/log")"
    k=$((k + 1))
done
# shellcheck disable=SC2086
j wait $ids; st=$?
same "6 jobs in a 2-slot pool all succeed" "$st" 0
same "... never more than 2 at once" "$(awk '/^start/ {n++; if (n > m) m = n} /^end/ {n--} END {print m}' "$T/log")" 2
# Two slots free at nearly the same moment start two jobs at once, whose
# first lines may land either way round: id order allows that swap, no more.
order=$(awk '/^start/ {print $2}' "$T/log" | tr '\n' ' ')
far=$(echo "$ids" | tr ' ' '\n' | grep . | awk -v order="$order" '
    BEGIN { n = split(order, o, " "); for (k = 1; k <= n; k++) pos[o[k]] = k }
    { d = pos[$1] - NR; if (d < 0) d = -d; if (d > 1) bad = bad " " $1 }
    END { print bad }')
same "... started in id order, but for two starting at once ($order)" "$far" ""
# With one slot the order is strict.
ids=""; k=0; : > "$T/log1"
while [ $k -lt 5 ]; do ids="$ids $(j spawn --pool strict --slots 1 -- sh -c "echo \$JOBCTL_JOB_ID >> $T/log1")"; k=$((k + 1)); done
# shellcheck disable=SC2086
j wait $ids
same "a 1-slot pool runs its jobs strictly in id order" "$(tr '\n' ' ' < "$T/log1")" "$(echo $ids) "

# Queued jobs start after the spawning shell has gone.
r=$(fifo started)
gate=$(fifo gate)
# Held open read-write: no EOF between writers, and nothing written is lost.
exec 4<>"$r"
sh -c "'$JOBCTL' spawn --pool solo --slots 1 -- sh -c 'echo a > $r; read x < $gate' >/dev/null
       '$JOBCTL' spawn --pool solo -- sh -c 'echo b > $r' > $T/b.id"
read -r first <&4
same "the second job is queued when its shell exits" "$(field "$(cat "$T/b.id")" state)" queued
echo go > "$gate"
read -r second <&4
same "... and both run after it has gone, in order" "$first $second" "a b"
j wait "$(cat "$T/b.id")"
same "... the queued one is recorded as it ended" "$(field "$(cat "$T/b.id")" exitcode)" 0

# A queued job that is killed never runs.
r=$(fifo hold)
a=$(j spawn --pool one --slots 1 -- sh -c "echo in > $r; sleep 100")
read -r _ < "$r"
b=$(j spawn --pool one -- touch "$T/ran")
status 0 "a queued job is alive for kill -s 0" j kill -s 0 "$b"
j kill -s USR1 "$b"
j wait "$b"; st=$?
same "killing a queued job: wait says 1 (it never ran)" "$st" 1
same "... recorded as skipped" "$(field "$b" state)" skipped
same "... with no exit code" "$(field "$b" exitcode)" null
same "... and the reason" "$(field "$b" reason)" "killed while queued"
# A slot is free only once the job's processes are gone, not when its
# monitor is: SIGKILL the running job's monitor and the next job still waits
# while the job runs; it starts once the job's last process ends.
c=$(j spawn --pool one -- touch "$T/c-ran")
apid=$(field "$a" pid)
kill -9 "$(field "$a" monitor)"
status 124 "a SIGKILLed monitor does not free its slot while its job runs" j wait --timeout 2 "$c"
check "... the next job has not run" test ! -e "$T/c-ran"
same "... it is still queued" "$(field "$c" state)" queued
env kill -9 -- "-$apid"  # the external kill: dash's knows no --
j wait --timeout 20 "$c"; st=$?
same "... once the job's process is gone, the next job runs" "$st" 0
check "... and the killed queued job never ran" test ! -e "$T/ran"
same "... the first job, its monitor gone, is lost" "$(field "$a" state)" lost

# A new --slots takes effect for the next start.
r=$(fifo grow)
exec 5<>"$r"
a=$(j spawn --pool grow --slots 1 -- sh -c "echo \$JOBCTL_JOB_ID > $r; sleep 100")
read -r _ <&5
b=$(j spawn --pool grow -- sh -c "echo \$JOBCTL_JOB_ID > $r; sleep 100")
same "with 1 slot the second job waits" "$(field "$b" state)" queued
c=$(j spawn --pool grow --slots 3 -- sh -c "echo \$JOBCTL_JOB_ID > $r; sleep 100")
read -r x <&5; read -r y <&5
same "raising --slots to 3 starts the queued jobs" "$(echo "$x $y" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "$b $c "
j kill "$a" "$b" "$c"

# A queued command that turns out not to run is recorded 127 or 126.
a=$(j spawn --pool err -- no-such-command-xyz); j wait "$a"; st=$?
same "a queued command not found is recorded 127" "$st:$(field "$a" exitcode)" "127:127"
same "... and its log says why, as spawn would have" "$(j logs "$a")" "jobctl: no-such-command-xyz: command not found"
printf 'echo hi\n' > "$T/noexec"; chmod 644 "$T/noexec"
a=$(j spawn --pool err -- "$T/noexec"); j wait "$a"; st=$?
same "a queued command that cannot be executed is recorded 126" "$st" 126
case $(j logs "$a") in "jobctl: $T/noexec: Permission denied") ok "... and its log says why" ;; *) not_ok "... and its log says why" "$(j logs "$a")" ;; esac
# A pool that cannot be used (its lock is not a file): the job never
# runs, is recorded 126, and its log says why; never "killed".
for what in lock slot; do
    mkdir -p "$JOBCTL_STATE_DIR/pools/broken-$what"
    case $what in lock) mkdir "$JOBCTL_STATE_DIR/pools/broken-$what/.lock" ;; slot) mkdir "$JOBCTL_STATE_DIR/pools/broken-$what/slot.0" ;; esac
    a=$(j spawn --pool "broken-$what" -- sh -c "touch $T/ran-$what"); j wait "$a"; st=$?
    same "an unusable pool ($what): the job is recorded 126, not killed" "$st:$(field "$a" state):$(field "$a" exitcode)" "126:exited:126"
    case $(j logs "$a") in "jobctl: cannot "*"pool broken-$what: Is a directory") ok "... and its log says why ($what)" ;; *) not_ok "... and its log says why ($what)" "$(j logs "$a")" ;; esac
    check "... and the command never ran ($what)" test ! -e "$T/ran-$what"
done
status 2 "--slots without --pool is a usage error" j spawn --slots 2 -- true
status 2 "--slots 0 is a usage error" j spawn --pool p --slots 0 -- true
# pool pause / resume / slots, and pools.
h=$(fifo pool-hold)
a=$(j spawn --pool ctl --slots 1 -- sh -c "read x < $h")
j pool pause ctl
b=$(j spawn --pool ctl -- sh -c 'echo b')
c=$(j spawn --pool ctl -- sh -c 'echo c')
same "pools lists a paused pool with its counts" "$(j pools | awk '$1 == "ctl" {print $2, $3, $4, $5}')" "1 1 2 yes"
same "pools --json" "$(j pools --json | grep '"name":"ctl"')" '{"name":"ctl","slots":1,"running":1,"queued":2,"paused":true}'
echo go > "$h"; j wait "$a"
status 124 "a paused pool starts nothing when a slot frees" j wait --timeout 0.3 "$b"
same "... its jobs stay queued" "$(field "$b" state) $(field "$c" state)" "queued queued"
j pool resume ctl
status 0 "pool resume starts them" j wait "$b" "$c"
same "... in order" "$(j logs "$b" "$c" | tr '\n' ' ')" "b c "
# slots takes effect at once: raising it starts queued jobs now.
a=$(j spawn --pool wide --slots 1 -- sh -c "read x < $h")
b=$(j spawn --pool wide -- true)
c=$(j spawn --pool wide -- true)
j pool slots wide 3
status 0 "pool slots 3 starts the queued jobs at once, while the first still runs" j wait "$b" "$c"
same "... pools shows 3 slots" "$(j pools --json | grep '"name":"wide"' | sed 's/.*"slots":\([0-9]*\).*/\1/')" 3
echo go > "$h"; j wait "$a"
status 2 "pool slots 0 is a usage error" j pool slots wide 0
status 2 "an unknown pool operation is a usage error" j pool stop wide
status 2 "pool pause needs a name" j pool pause
finish
