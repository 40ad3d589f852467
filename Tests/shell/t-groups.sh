# Groups (--pool, --all-named) for ps, kill, wait and logs; ps --last and
# --summary; --state-dir after the subcommand.
. "$(dirname "$0")/lib.sh"

# A pool of four: two succeed, one fails with 3, one is killed.
h=$(fifo hold)
a=$(j spawn -n enc --pool enc --slots 4 -- sh -c 'echo one')
b=$(j spawn -n enc --pool enc -- sh -c 'echo two; exit 3')
c=$(j spawn -n other --pool enc -- sh -c "read x < $h")
e4=$(j spawn -n enc --pool enc -- sh -c 'echo four')
x=$(j spawn -n enc -- true)   # named enc, not in the pool
j wait "$a" "$b" "$e4" "$x"
same "ps --pool lists every job of the pool, in id order" "$(j ps -q --pool enc | tr '\n' ' ')" "$a $b $c $e4 "
same "ps --all-named lists every job of that name, not only the newest" "$(j ps -q --all-named enc | tr '\n' ' ')" "$a $b $e4 $x "
same "... a plain operand is still only the newest" "$(j ps -q enc)" "$x"
same "operands and groups together, each job once" "$(j ps -q --pool enc "$x" "$a" | tr '\n' ' ')" "$a $b $c $e4 $x "
same "ps --pool of a pool with no jobs prints nothing" "$(j ps -q --pool nothing-here)" ""
status 124 "wait --pool waits for the whole pool" j wait --timeout 0.3 --pool enc
j kill --pool enc
status 3 "kill --pool ended the last one; wait --pool exits with the lowest-id failure" j wait --pool enc
same "... the killed one is killed" "$(field "$c" state)" killed
status 0 "wait --all-named of jobs that all succeeded: 0" j wait --all-named other-name-none
same "logs --pool prints each job's log in id order" "$(j logs --pool enc | tr '\n' ' ')" "one two four "
same "logs takes several jobs" "$(j logs "$e4" "$a" | tr '\n' ' ')" "four one "
status 0 "kill --pool of an empty pool: nothing to do" j kill --pool nothing-here
status 2 "kill with neither jobs nor groups is a usage error" j kill

# ps --summary: the states that have any, in the documented order.
same "ps --summary counts each state" "$(j ps --summary --pool enc --all-named enc)" "exited 4, killed 1"
q=$(j spawn --pool one --slots 1 -- sh -c "read x < $h")
r=$(j spawn --pool one -- true)
same "... queued and running first" "$(j ps --summary --pool one)" "queued 1, running 1"
echo go > "$h"; j wait "$r"
same "ps --summary of nothing prints an empty line" "$(j ps --summary --pool nothing-here)" ""
status 2 "--summary and --json exclude each other" j ps --summary --json

# ps --last N: 0, 1, some, more than there are; after the filters.
all=$(j ps -q | wc -l)
same "ps --last 0 prints nothing" "$(j ps -q --last 0)" ""
same "ps --last 1 is the newest" "$(j ps -q --last 1)" "$r"
same "ps --last 2 is the newest two, oldest first" "$(j ps -q --last 2 | tr '\n' ' ')" "$q $r "
same "ps --last more than there are lists them all" "$(j ps -q --last 100000 | wc -l)" "$all"
same "ps --failed --last 1: the newest failure" "$(j ps -q --failed --last 1)" "$c"
status 2 "ps --last -1 is a usage error" j ps --last -1
status 2 "ps --last x is a usage error" j ps --last x

# Many operands at once: 60 ids and names, in the order given.
ids=""; k=0
while [ $k -lt 60 ]; do ids="$ids $(j spawn -n "many-$k" -- true)"; k=$((k + 1)); done
# shellcheck disable=SC2086
j wait $ids
# shellcheck disable=SC2086
same "ps of 60 operands lists them in the order given" "$(j ps -q $(echo $ids | tr ' ' '\n' | sort -rn) | tr '\n' ' ')" "$(echo $ids | tr ' ' '\n' | sort -rn | tr '\n' ' ')"
same "... names too" "$(j ps -q many-59 many-0)" "$(echo $ids | awk '{print $60; print $1}')"

# --state-dir after the subcommand (before: the default's; after wins).
other=$T/other-state
id=$(j spawn --state-dir "$other" -- true)
j wait --state-dir "$other" "$id"
same "--state-dir after the subcommand: the job is there" "$(j ps --state-dir "$other" -q)" "$id"
same "... not in the default state" "$(JOBCTL_STATE_DIR=$other j ps -q --state-dir "$T/state" "$id" 2>/dev/null; echo $?)" "$(j ps -q "$id" 2>/dev/null; echo $?)"
same "... and after wins over before" "$(j --state-dir /nonexistent/x ps --state-dir "$other" -q)" "$id"
status 2 "--state-dir '' after the subcommand is a usage error" j ps --state-dir ''
finish
