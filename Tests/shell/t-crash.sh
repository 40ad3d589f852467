# Crashes at any instant leave a state the next call reads, and nothing
# listed as running that does not run.
. "$(dirname "$0")/lib.sh"


# spawn SIGKILLed at random points, many times.
i=0
while [ $i -lt 150 ]; do
    "$JOBCTL" spawn -- sleep 60 >/dev/null 2>&1 &
    p=$!
    # A random delay from 0 to ~3 ms: the point is to land anywhere in spawn.
    [ $((i % 3)) -ne 0 ] && sleep "0.00$((i % 4))"
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    i=$((i + 1))
done
j ps --json > "$T/ps.json" 2>"$T/ps.err"; st=$?
same "after 150 spawns SIGKILLed at random points ps still reads the state" "$st" 0
bad=$(python3 - "$T/ps.json" <<'PY'
import json, os, sys
bad = []
for line in open(sys.argv[1]):
    j = json.loads(line)
    if j["state"] == "running":
        try:
            with open(f"/proc/{j['pid']}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z": bad.append(j["id"])
        except FileNotFoundError:
            bad.append(j["id"])
print(" ".join(map(str, bad)))
PY
)
same "every job listed running really runs" "$bad" ""
check "ps said nothing on stderr" test ! -s "$T/ps.err"
id=$(j spawn -- sh -c 'exit 4'); j wait "$id"; st=$?
same "a spawn afterwards works" "$st" 4
# shellcheck disable=SC2046
j kill -s KILL $(j ps -q --running) 2>/dev/null

# The monitor SIGKILLed while its job runs: the job still runs (orphaned) and
# is shown running; once it ends it is lost, and wait returns 1, not hangs.
r=$(fifo orphan)
id=$(j spawn -- sh -c "read x < $r")
mon=$(field "$id" monitor)
kill -9 "$mon"
same "a job whose monitor was SIGKILLed still shows running while it runs" "$(field "$id" state)" running
sh -c "'$JOBCTL' wait $id; echo \$? > $T/orphan.st" &
w=$!
echo go > "$r"
wait $w
same "... wait on it returns 1 (lost) once it ends" "$(cat "$T/orphan.st")" 1
same "... and ps shows it lost" "$(field "$id" state)" lost
status 0 "killing a lost job does nothing and exits 0" j kill "$id"

# A daemon job's monitor SIGKILLed: the job dies too (parent-death signal).
id=$("$JOBCTL" spawn -d -- sleep 60)
pid=$(field "$id" pid)
kill -9 "$(field "$id" monitor)"
j wait --timeout 10 "$id"; st=$?
same "a daemon job dies with its monitor (wait says lost: 1)" "$st" 1
if alive "$pid"; then not_ok "... its process is gone"; else ok "... its process is gone"; fi

# The monitor gets TERM (say, from a careless pkill): it ends the job, not itself alone.
id=$(j spawn -- sleep 60)
kill -TERM "$(field "$id" monitor)"
j wait --timeout 15 "$id"; st=$?
same "TERM to a monitor terminates its job and records it (143)" "$st" 143

# A crash in the middle of compaction: the temporary file is left; nothing is lost.
a=$(j spawn -- true); j wait "$a"
printf 'half a new file' > "$JOBCTL_STATE_DIR/jobs.jsonl.tmp"
same "a leftover compaction file is ignored" "$(j ps -q "$a")" "$a"
for k in $(seq 40); do j spawn -- true >/dev/null; done
j wait $(j ps -q --running) 2>/dev/null
keep=$(j spawn -- sleep 60)
j prune
same "compaction after a crashed one keeps the running job" "$(j ps -q)" "$keep"
check "... and cleans up the temporary file" test ! -e "$JOBCTL_STATE_DIR/jobs.jsonl.tmp"
check "... and the file is valid JSON Lines" sh -c "python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' '$JOBCTL_STATE_DIR/jobs.jsonl'"
j kill "$keep"; j wait "$keep"
same "... and the running job's exit is recorded after compaction" "$(field "$keep" exitcode)" -15

# An empty or truncated state file.
: > "$JOBCTL_STATE_DIR/jobs.jsonl"
same "an empty state file lists nothing" "$(j ps -q)" ""
id=$(j spawn -- true); j wait "$id"
check "ids keep increasing after the file was emptied" [ "$id" -gt "$keep" ]
size=$(wc -c < "$JOBCTL_STATE_DIR/jobs.jsonl")
head -c $((size / 2)) "$JOBCTL_STATE_DIR/jobs.jsonl" > "$T/half" && cat "$T/half" > "$JOBCTL_STATE_DIR/jobs.jsonl"
status 0 "a file cut in the middle of a line is read without error" j ps
id=$(j spawn -- sh -c 'exit 6'); j wait "$id"; st=$?
same "... and a spawn after it is recorded whole" "$st:$(field "$id" exitcode)" "6:6"
rm "$JOBCTL_STATE_DIR/lock"
id2=$(j spawn -- true)
check "a lost id counter is rebuilt from the state file: ids still increase" [ "$id2" -gt "$id" ]
finish
