# Paths and names are bytes end to end: a state directory, -C, --stdout,
# queue, lock and pool names that are not UTF-8 work exactly.
. "$(dirname "$0")/lib.sh"
hi=$(printf '\377\376')          # not UTF-8
mixed=$(printf 'caf\303\251-\377')  # UTF-8 and not

S=$T/state-$hi
id=$(j --state-dir "$S" spawn -- sh -c 'printf "%s" "$JOBCTL_STATE_DIR"'); st=$?
same "a state directory whose name is not UTF-8 works" "$st" 0
check "... under its exact name" test -f "$S/jobs.jsonl"
j --state-dir "$S" wait "$id"
same "... and the job sees it exactly in JOBCTL_STATE_DIR" "$(j --state-dir "$S" logs "$id" | od -An -c | tr -s ' ')" "$(printf '%s' "$S" | od -An -c | tr -s ' ')"
id=$(JOBCTL_STATE_DIR=$S j spawn -- true); st=$?
same "... from JOBCTL_STATE_DIR too" "$st:$(j --state-dir "$S" ps -q "$id")" "0:$id"

for name in "$hi" "$mixed"; do
    mkdir "$T/dir-$name"
    id=$(j spawn -C "$T/dir-$name" -- pwd); st=$?
    same "-C to a directory named with bytes $(printf '%s' "$name" | od -An -tx1 | tr -d ' ')" "$st" 0
    j wait "$id"
    same "... the job runs there" "$(j logs "$id")" "$T/dir-$name"
    same "... and ps --json gives the bytes back" "$(j ps --json "$id" | python3 -c 'import json,sys,os; sys.stdout.buffer.write(os.fsencode(json.loads(sys.stdin.read())["cwd"]))')" "$T/dir-$name"
    id=$(j spawn --stdout "$T/out-$name" --stderr "$T/err-$name" -- sh -c 'echo out; echo err >&2'); j wait "$id"
    same "--stdout and --stderr write to the file of that exact name" "$(cat "$T/out-$name"):$(cat "$T/err-$name")" "out:err"
    same "logs reads the --stdout file back" "$(j logs "$id")" out
done
same "no file with a replacement character was made" "$(ls "$T" | grep -c "$(printf '\357\277\275')")" 0

# A queue so named: get wakes on put (inotify on the very directory).
q="q-$hi"
j queue get --timeout 20 "$q" > "$T/got" &
g=$!
# Wait until the consumer is asleep on the queue (its directory exists).
k=0; while [ ! -d "$JOBCTL_STATE_DIR/queues/$q" ] && [ $k -lt 2000 ]; do k=$((k + 1)); done
j queue put "$q" value-1
wait $g; st=$?
same "queue get on a queue named with invalid UTF-8 wakes on put" "$st:$(cat "$T/got")" "0:value-1"

# A lock so named.
status 0 "a lock named with bytes works" j lock "l-$hi" -- true
case $(j locks) in *'l-\xff\xfe'*) ok "... and locks shows its name escaped" ;; *) not_ok "... and locks shows its name escaped" "$(j locks)" ;; esac

# A pool so named: its queued job sleeps, it does not spin.
r=$(fifo pool-in); gate=$(fifo pool-gate)
a=$(j spawn --pool "p-$hi" --slots 1 -- sh -c "echo in > $r; cat $gate > /dev/null")
read -r _ < "$r"
b=$(j spawn --pool "p-$hi" -- echo second)
status 124 "the second job of a pool named with bytes waits" j wait --timeout 1 "$b"
mon=$(field "$b" monitor)
ticks=$(awk '{print $14 + $15}' "/proc/$mon/stat")
check "... its monitor used almost no CPU while it waited ($ticks ticks)" [ "$ticks" -lt 20 ]
exec 3>"$gate"; exec 3>&-
j wait --timeout 20 "$b"; st=$?
same "... and it runs once the slot frees" "$st:$(j logs "$b")" "0:second"
finish
