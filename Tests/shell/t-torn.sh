# The state file at its edges: torn tails of any length, a file that is not
# a regular file of ours, lost counters, failed spawns that leave nothing.
. "$(dirname "$0")/lib.sh"
S=$JOBCTL_STATE_DIR
F=$S/jobs.jsonl

# Every verb that looks a job up, after a torn tail of LENGTH bytes (what a
# crash mid-append of a big argument vector leaves): none may crash, each
# answers about job $first as it would without the tail.
first=$(j spawn -n anchor -- sh -c 'echo out; exit 5'); j wait "$first"
for length in 1 100 4095 4096 65535 65536 65537 70000 131072 1000000; do
    cp "$F" "$T/saved"
    python3 -c "import sys; sys.stdout.write('{\"v\":1,\"event\":\"start\",\"id\":9,\"command\":[\"' + 'x' * ($length - 40) + '\"')" | head -c "$length" >> "$F"
    got="$(j ps -q "$first"; echo "ps:$?")|$(j wait "$first"; echo "wait:$?")|$(j kill -s 0 "$first"; echo "kill:$?")"
    got="$got|$(j logs "$first"; echo "logs:$?")|$(j ps -q anchor; echo "name:$?")"
    same "a torn tail of $length bytes: ps, wait, kill -s 0, logs and names still answer" "$got" \
        "$first
ps:0|wait:5|kill:1|out
logs:0|$first
name:0"
    id=$(j spawn -- true); st=$?
    same "... spawn after it works and gets a new id" "$st:$([ "${id:-0}" -gt "$first" ] && echo new)" "0:new"
    j wait "$id" >/dev/null
    status 0 "... and rm of an ended job works" j rm "$id"
    cp "$T/saved" "$F"
done
# The same with the counter lost: the id is rebuilt past the torn tail.
printf '{"v":1,"event":"start","id":7,"x":"%s' "$(python3 -c 'print("y" * 80000)')" >> "$F"
rm -f "$S/lock"
id=$(j spawn -- true); st=$?
same "a lost counter and a 80 KB torn tail: spawn works" "$st" 0
check "... with an id past every recorded one" [ "$id" -gt "$first" ]
j wait "$id"; cp "$T/saved" "$F"

# Readers racing appends of huge argument vectors never crash and never
# see a half-written line.
big=$(python3 -c 'print("z" * 120000)')
(k=0; while [ $k -lt 16 ]; do "$JOBCTL" spawn -n big -- true "$big" >/dev/null; k=$((k + 1)); done; echo done > "$T/writers") &
w=$!
worst=0; rounds=0
while [ ! -e "$T/writers" ] && [ $rounds -lt 2000 ]; do
    j ps -q "$first" >/dev/null 2>&1; st=$?
    [ $st -gt $worst ] && worst=$st
    j ps -q big >/dev/null 2>&1; st=$?
    [ $st -gt 1 ] && [ $st -gt $worst ] && worst=$st
    rounds=$((rounds + 1))
done
wait $w
same "readers racing 16 appends of 120 KB lines never crash" "$worst" 0
same "... and every big job is whole" "$(j ps --json big | jq -r '.command[1] | length')" 120000

# Looking a job up by id or name past a 10 MB line works.
huge=$(python3 -c 'print("h" * 2000000)')
id=$(j spawn -n huge -- true "$huge" "$huge" "$huge" "$huge" "$huge"); j wait "$id"
same "a job before a 10 MB line is found by id" "$(j ps -q "$first")" "$first"
same "... and the 10 MB job itself, by name" "$(j ps -q huge)" "$id"

# A state file that is not a regular file of ours is an error for every
# verb: exit 1, one line, never an empty state.
verbs() {
    for v in "ps" "ps $first" "wait" "wait $first" "kill -s 0 $first" "rm $first" "logs $first" \
             "spawn -- true" "prune" "queue len q" "locks" "lock l -- true"; do
        # shellcheck disable=SC2086
        err=$(j $v 2>&1 >/dev/null); st=$?
        lines=$(printf '%s\n' "$err" | wc -l | tr -d ' ')
        case $st:$lines:$err in "1:1:jobctl: "*"$1"*) ;; *) echo "[$v] exit $st: $err" ;; esac
    done
}
mv "$F" "$T/real"
mkdir "$F"
same "jobs.jsonl as a directory: every verb exits 1 with one line" "$(verbs "is a directory")" ""
rmdir "$F"; ln -s "$T/real" "$F"
same "jobs.jsonl as a symlink, even to a good file: refused by every verb" "$(verbs "is a symbolic link")" ""
rm "$F"; mkfifo "$F"
same "jobs.jsonl as a FIFO: refused by every verb, nothing blocks" "$(verbs "is a FIFO")" ""
rm "$F"
if [ "$(id -u)" = 0 ]; then
    cp "$T/real" "$F"; chown 65534 "$F"
    same "jobs.jsonl owned by another user: refused by every verb" "$(verbs "owned by uid 65534")" ""
    rm "$F"
else
    skip "a state file of another user" "needs root to chown"
fi
mv "$S/lock" "$T/lock"; mkdir "$S/lock"; cp "$T/real" "$F"
same "the lock file as a directory: refused by every verb" "$(verbs "lock is a directory")" ""
rmdir "$S/lock"; mv "$T/lock" "$S/lock"
same "with both back, all is as before" "$(j ps -q "$first")" "$first"

# Ids never repeat, whatever was removed, pruned, compacted or lost.
for how in rm prune compact-then-garbage; do
    D=$T/ids-$how
    k=0; last=0
    while [ $k -lt 40 ]; do last=$(j --state-dir "$D" spawn -- true); k=$((k + 1)); done
    j --state-dir "$D" wait "$last" >/dev/null
    # shellcheck disable=SC2046
    j --state-dir "$D" wait $(j --state-dir "$D" ps -q) >/dev/null
    case $how in
        rm) j --state-dir "$D" rm $(j --state-dir "$D" ps -q); rm "$D/lock" ;;
        prune) j --state-dir "$D" prune; printf 'garbage' > "$D/lock" ;;
        compact-then-garbage) j --state-dir "$D" prune; : > "$D/lock"; rm -f "$D"/logs/* ;;
    esac
    next=$(j --state-dir "$D" spawn -- true)
    check "after $how of every job and a lost counter, the next id ($next) is past $last" [ "$next" -gt "$last" ]
done

# A spawn that fails leaves no file behind (no stray log for an id that
# then fails with "File exists" once the counter is lost).
D=$T/fails
j --state-dir "$D" spawn -- true >/dev/null
printf 'echo hi\n' > "$T/noexec"; chmod 644 "$T/noexec"
ln -s "$T/loop2" "$T/loop1"; ln -s "$T/loop1" "$T/loop2"
for cmd in no-such-command-xyz "$T/noexec" "$T/loop1" "$T"; do
    j --state-dir "$D" spawn -- "$cmd" 2>/dev/null
done
j --state-dir "$D" spawn -C "$T/missing" -- true 2>/dev/null
j --state-dir "$D" spawn --stdout "$T/made-by-spawn" -- no-such-command-xyz 2>/dev/null
j --state-dir "$D" spawn --stdin pipe -- no-such-command-xyz 2>/dev/null
same "failed spawns (127, 126, ELOOP, a directory, -C) leave no log (nor index)" "$(ls "$D/logs" | tr '\n' ' ')" "1.idx 1.log "
check "... no --stdout file they created" test ! -e "$T/made-by-spawn"
same "... and no fifo" "$(ls "$D/pipes" 2>/dev/null)" ""
rm "$D/lock"
id=$(j --state-dir "$D" spawn -- true); st=$?
same "... so after a lost counter the next spawn works" "$st" 0
finish
