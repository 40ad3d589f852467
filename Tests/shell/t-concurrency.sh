# Many shells at once on the same state.
. "$(dirname "$0")/lib.sh"

i=0
while [ $i -lt 20 ]; do
    sh -c "k=0; while [ \$k -lt 10 ]; do '$JOBCTL' spawn -- true || echo FAIL; k=\$((k+1)); done" > "$T/ids.$i" &
    i=$((i + 1))
done
wait
cat "$T"/ids.* > "$T/all"
same "200 spawns from 20 shells: 200 ids printed" "$(wc -l < "$T/all" | tr -d ' ')" 200
same "... all distinct" "$(sort -u "$T/all" | wc -l | tr -d ' ')" 200
same "... none failed" "$(grep -c FAIL "$T/all")" 0
# shellcheck disable=SC2046
j wait $(cat "$T/all"); st=$?
same "... all waited for" "$st" 0
same "... all recorded once, each with its exit" "$(j ps --json | python3 -c '
import json,sys
jobs=[json.loads(l) for l in sys.stdin]
print(len(jobs), len({j["id"] for j in jobs}), sum(1 for j in jobs if j["exitcode"]==0))')" "200 200 200"

# ps, wait, kill, rm and prune while spawns go on.
( k=0; while [ $k -lt 30 ]; do "$JOBCTL" spawn -- sh -c 'exit 1' >/dev/null; k=$((k+1)); done ) &
s1=$!
( k=0; while [ $k -lt 30 ]; do "$JOBCTL" ps --json >/dev/null; "$JOBCTL" prune; k=$((k+1)); done ) &
s2=$!
wait $s1 $s2
j wait $(j ps -q --running) >/dev/null 2>&1
j prune
same "concurrent prune and spawn leave a consistent state" "$(j ps -q --finished | wc -l | tr -d ' ')" 0
finish
