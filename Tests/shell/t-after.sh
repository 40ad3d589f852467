# Dependencies: spawn --after (exit 0 required; failure propagates as
# skipped down the chain) and --after-any (any end). Timing through fifos
# and wait, never sleeps.
. "$(dirname "$0")/lib.sh"

# A chain of three: each starts only once the one before has exited 0.
g=$(fifo gate-a)
a=$(j spawn -n stage-a -- sh -c "read x < $g; echo a >> $T/order")
b=$(j spawn --after "$a" -- sh -c "echo b >> $T/order")
c=$(j spawn --after "$b" -- sh -c "echo c >> $T/order")
same "a job after a running one is queued" "$(field "$b" state)" queued
same "... and after a queued one too" "$(field "$c" state)" queued
same "... waiting_for names what it awaits" "$(j ps --json "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)["waiting_for"])')" "{'jobs': [$b]}"
same "... started is null while queued" "$(field "$b" started)" null
check "... created is set" sh -c "'$JOBCTL' ps --json $b | grep -q '\"created\":\"20'"
status 124 "wait --timeout on a job waiting for a dependency gives up with 124" j wait --timeout 0.3 "$c"
echo go > "$g"
status 0 "when A succeeds, B and then C run: wait C says 0" j wait "$c"
same "... in order" "$(tr '\n' ' ' < "$T/order")" "a b c "
same "... C's waiting_for is null once it ran" "$(field "$c" waiting_for)" null

# A failure propagates: B is skipped (its reason names A), C is skipped
# because B was, --after-any runs anyway.
g=$(fifo gate-f)
a=$(j spawn -- sh -c "read x < $g; exit 3")
b=$(j spawn --after "$a" -- touch "$T/b-ran")
c=$(j spawn --after "$b" -- touch "$T/c-ran")
anyj=$(j spawn --after-any "$a" -- sh -c "echo ran > $T/d-ran")
echo go > "$g"
status 1 "a job whose dependency failed: wait says 1" j wait "$b"
status 1 "... and the next in the chain too" j wait "$c"
status 0 "--after-any runs after a failure" j wait "$anyj"
same "B is skipped" "$(field "$b" state)" skipped
same "... with no exit code" "$(field "$b" exitcode)" null
same "... its reason names its dependency" "$(field "$b" reason)" "dependency $a exited 3"
same "C's reason names its own direct dependency" "$(field "$c" reason)" "dependency $b skipped"
check "... neither ran" test ! -e "$T/b-ran" -a ! -e "$T/c-ran"
same "--failed lists skipped jobs" "$(j ps --failed -q | grep -c -x -e "$b" -e "$c")" 2
same "ps shows skipped with no exit code" "$(j ps "$b" | awk 'NR == 2 {print $4, $5}')" "skipped -"

# A dependency that is killed, or lost.
a=$(j spawn -- sleep 100)
b=$(j spawn --after "$a" -- true)
j kill "$a"
j wait "$b"
same "a dependency killed by TERM: skipped, saying so" "$(field "$b" reason)" "dependency $a killed by SIGTERM"
r=$(fifo lost)
a=$(j spawn -- sh -c "echo \$\$ > $r; exec sleep 100")
read -r apid < "$r"
b=$(j spawn --after "$a" -- true)
kill -9 "$(field "$a" monitor)" "$apid"
j wait "$b"
same "a dependency lost (monitor and job SIGKILLed): skipped" "$(field "$b" reason)" "dependency $a lost"

# A dependency that has already ended: success starts at once, failure
# skips at once.
ok0=$(j spawn -- true); j wait "$ok0"
bad=$(j spawn -- false); j wait "$bad"
status 0 "after a job that already succeeded: runs" j wait "$(j spawn --after "$ok0" -- true)"
x=$(j spawn --after "$bad" -- true)
j wait "$x"
same "after a job that already failed: skipped" "$(field "$x" reason)" "dependency $bad exited 1"
status 0 "--after-any a job that already failed: runs" j wait "$(j spawn --after-any "$bad" -- true)"

# Many dependencies, by comma list, repetition and name; all must succeed,
# the job waits for the last.
ids=""; k=0
while [ $k -lt 12 ]; do
    mkfifo "$T/m$k"
    ids="$ids,$(j spawn -n "many-$k" -- sh -c "read x < $T/m$k")"
    k=$((k + 1))
done
ids=${ids#,}
x=$(j spawn --after "$ids" --after many-3 --after-any many-5 -- touch "$T/x-ran")
same "12 dependencies in one comma list: queued" "$(field "$x" state)" queued
k=0; while [ $k -lt 11 ]; do echo go > "$T/m$k"; k=$((k + 1)); done
status 124 "... still waiting while one has not ended" j wait --timeout 0.3 "$x"
same "... waiting_for names only that one" "$(j ps --json "$x" | python3 -c 'import json,sys; print(json.load(sys.stdin)["waiting_for"]["jobs"])')" "[$(echo "$ids" | tr ',' '\n' | tail -n 1)]"
echo go > "$T/m11"
status 0 "... runs once the last succeeds" j wait "$x"
check "... and ran" test -e "$T/x-ran"

# Killed while waiting for a dependency: skipped, never runs; its own
# dependant is skipped because of it.
a=$(j spawn -- sleep 100)
b=$(j spawn --after "$a" -- touch "$T/k-ran")
c=$(j spawn --after-any "$b" -- sh -c "echo ran > $T/k2-ran")
e=$(j spawn --after "$b" -- true)
status 0 "a job waiting for a dependency is alive for kill -s 0" j kill -s 0 "$b"
j kill "$b"
status 1 "killed while waiting: wait says 1" j wait "$b"
same "... skipped, killed while queued" "$(field "$b" state):$(field "$b" reason)" "skipped:killed while queued"
j wait "$c" "$e"
same "... --after-any it runs" "$(cat "$T/k2-ran")" ran
same "... --after it is skipped" "$(field "$e" reason)" "dependency $b skipped"
j kill "$a"

# Waiting survives the spawning shell: spawned from a shell that exits.
g=$(fifo gate-s)
a=$(j spawn -- sh -c "read x < $g")
sh -c "'$JOBCTL' spawn --after $a -- sh -c 'echo survived > $T/s-ran' > $T/s.id"
echo go > "$g"
status 0 "the dependant of a shell that has exited still runs" j wait "$(cat "$T/s.id")"
same "... and did its work" "$(cat "$T/s-ran")" survived

# With a pool: the job waits for its dependencies, then for a slot.
g=$(fifo gate-p); h=$(fifo hold-p)
a=$(j spawn -- sh -c "read x < $g")
p1=$(j spawn --pool deps --slots 1 -- sh -c "read x < $h")
p2=$(j spawn --pool deps --after "$a" -- true)
same "a pool job with a dependency: waiting_for names both" "$(j ps --json "$p2" | python3 -c 'import json,sys; w=json.load(sys.stdin)["waiting_for"]; print(w["jobs"], w["pool"])')" "[$a] deps"
echo go > "$g"; j wait "$a"
status 124 "... its dependency done, it still waits for the slot" j wait --timeout 0.3 "$p2"
echo go > "$h"
status 0 "... and runs once the slot frees" j wait "$p2"

# A daemon job waiting for a dependency is skipped when its owner ends.
a=$(j spawn -- sleep 100)
sh -c "'$JOBCTL' spawn -d --after $a -- touch $T/d-ran > $T/dd.id"
status 1 "a daemon job whose owner ended while it waited: wait says 1" j wait "$(cat "$T/dd.id")"
same "... skipped" "$(field "$(cat "$T/dd.id")" state)" skipped
j kill "$a"

# Bad dependencies: exit 1 (no such job) or 2 (usage), nothing created.
before=$(j ps -q | wc -l)
status 1 "--after a job that does not exist: exit 1" j spawn --after 99999 -- true
status 1 "... a name that does not exist: exit 1" j spawn --after no-such-name -- true
status 1 "... one missing in a list: exit 1" j spawn --after "$ok0,99999" -- true
status 2 "--after '' is a usage error" j spawn --after '' -- true
status 2 "... and an empty item in a list" j spawn --after "$ok0," -- true
err=$(j spawn --after 99999 -- true 2>&1 >/dev/null)
same "... one line naming the job" "$err" "jobctl: no such job: 99999"
same "... and no job was created" "$(j ps -q | wc -l)" "$before"
finish
