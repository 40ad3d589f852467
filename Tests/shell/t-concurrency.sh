# Many shells at once on the same state.
. "$(dirname "$0")/lib.sh"

i=0
while [ $i -lt 50 ]; do
    sh -c "k=0; while [ \$k -lt 10 ]; do '$JOBCTL' spawn -- true || echo FAIL; k=\$((k+1)); done" > "$T/ids.$i" &
    i=$((i + 1))
done
wait
cat "$T"/ids.* > "$T/all"
same "500 spawns from 50 shells: 500 ids printed" "$(wc -l < "$T/all" | tr -d ' ')" 500
same "... all distinct" "$(sort -u "$T/all" | wc -l | tr -d ' ')" 500
same "... none failed" "$(grep -c FAIL "$T/all")" 0
# shellcheck disable=SC2046
j wait $(cat "$T/all"); st=$?
same "... all waited for" "$st" 0
same "... all recorded once, each with its exit" "$(j ps --json | python3 -c '
import json,sys
jobs=[json.loads(l) for l in sys.stdin]
print(len(jobs), len({j["id"] for j in jobs}), sum(1 for j in jobs if j["exitcode"]==0))')" "500 500 500"

# ps, wait, kill, rm and prune while spawns go on: every spawn's record survives.
( k=0; while [ $k -lt 40 ]; do "$JOBCTL" spawn -n keep -- sleep 30 >> "$T/kept"; k=$((k+1)); done ) &
s1=$!
( k=0; while [ $k -lt 40 ]; do "$JOBCTL" spawn -- sh -c 'exit 1' >/dev/null; k=$((k+1)); done ) &
s2=$!
( k=0; while [ $k -lt 30 ]; do "$JOBCTL" ps --json >/dev/null; "$JOBCTL" prune; "$JOBCTL" rm $("$JOBCTL" ps -q --finished) 2>/dev/null; k=$((k+1)); done ) &
s3=$!
( k=0; while [ $k -lt 30 ]; do "$JOBCTL" wait --timeout 0 keep >/dev/null 2>&1; "$JOBCTL" kill -s 0 keep 2>/dev/null; k=$((k+1)); done ) &
s4=$!
wait $s1 $s2 $s3 $s4
same "concurrent spawns, ps, prune, rm, wait and kill: every running job is still listed" "$(j ps -q --running | sort -n | tr '\n' ' ')" "$(sort -n "$T/kept" | tr '\n' ' ')"
# shellcheck disable=SC2046
j kill --wait $(cat "$T/kept")
same "... and each one's exit is recorded" "$(j ps --json $(cat "$T/kept") | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["exitcode"] == -15))')" 40
j wait $(j ps -q --running) >/dev/null 2>&1
j prune
same "concurrent prune and spawn leave a consistent state" "$(j ps -q --finished | wc -l | tr -d ' ')" 0
finish
