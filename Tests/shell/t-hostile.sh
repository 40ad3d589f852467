# Hostile input and surroundings: huge arguments, planted links, a full disk,
# reused process-group ids.
. "$(dirname "$0")/lib.sh"

big=$(python3 -c 'print("x" * 100000)')
id=$(j spawn -- sh -c 'printf %s "$1" | wc -c' sh "$big")
j wait "$id"
same "a 100 KB argument reaches the command whole" "$(j logs "$id" | tr -d ' ')" 100000
got=$(j ps --json "$id" | python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())["command"][4]))')
same "... and round-trips in ps --json" "$got" 100000
# shellcheck disable=SC2046
id=$(j spawn -- sh -c 'echo $#' sh $(seq 5000))
j wait "$id"
same "5,000 arguments reach the command" "$(j logs "$id")" 5000
got=$(j ps --json "$id" | python3 -c 'import json,sys; c=json.loads(sys.stdin.read())["command"]; print(len(c), c[-1])')
same "... and round-trip in ps --json" "$got" "5004 5000"
id=$(j spawn -n "$(printf 'line1\nline2')" -- true); j wait "$id"
same "a name with a newline round-trips" "$(j ps --json "$id" | python3 -c 'import json,sys; print(repr(json.loads(sys.stdin.read())["name"]))')" "'line1\\nline2'"
case $(j ps "$id" | tail -n 1) in *'line1\nline2'*) ok "the table shows it escaped, on one line" ;; *) not_ok "the table shows it escaped, on one line" ;; esac

# Options stop at the command: its own options are not jobctl's.
id=$(j spawn echo -n hello); j wait "$id"
same "options after the command belong to the command" "$(j logs "$id")" hello

# Symlinks planted in the state directory are not followed.
echo precious > "$T/target"
mv "$JOBCTL_STATE_DIR/jobs.jsonl" "$T/saved.jsonl"
ln -s "$T/target" "$JOBCTL_STATE_DIR/jobs.jsonl"
status 1 "a state file planted as a symlink is refused" j spawn -- true
same "... its target is untouched" "$(cat "$T/target")" precious
rm "$JOBCTL_STATE_DIR/jobs.jsonl"; mv "$T/saved.jsonl" "$JOBCTL_STATE_DIR/jobs.jsonl"
mv "$JOBCTL_STATE_DIR/logs" "$T/logs.saved"; mkdir "$T/elsewhere"
ln -s "$T/elsewhere" "$JOBCTL_STATE_DIR/logs"
status 1 "a logs directory planted as a symlink is refused" j spawn -- true
same "... nothing was written through it" "$(ls "$T/elsewhere")" ""
rm "$JOBCTL_STATE_DIR/logs"; mv "$T/logs.saved" "$JOBCTL_STATE_DIR/logs"

# A full disk: spawn fails cleanly, earlier records stay readable.
if [ "$(id -u)" = 0 ] && mkdir "$T/small" && mount -t tmpfs -o size=64k tmpfs "$T/small" 2>/dev/null; then
    S=$T/small/state
    a=$(j --state-dir "$S" spawn -- true); j --state-dir "$S" wait "$a"
    dd if=/dev/zero of="$T/small/fill" bs=1k count=1000 2>/dev/null
    # The state file's last page may still have room: spawn until it has not.
    k=0; ok_ids=""
    while [ $k -lt 200 ]; do
        out=$(j --state-dir "$S" spawn -n filler -- sleep 61 2>"$T/err"); st=$?
        [ $st -ne 0 ] && break
        ok_ids="$ok_ids $out"
        k=$((k + 1))
    done
    same "spawn on a full disk exits 1" "$st" 1
    err=$(cat "$T/err")
    case $err in "jobctl: "*"No space left on device"*) ok "... saying so in one line" ;; *) not_ok "... saying so in one line" "$err" ;; esac
    same "... every earlier record is still readable" "$(j --state-dir "$S" ps -q | tr '\n' ' ')" "$a$ok_ids "
    running=$(j --state-dir "$S" ps -q --running | wc -l | tr -d ' ')
    same "... and no half-started job is left: only the recorded ones run" "$(pgrep -xfc 'sleep 61')" "$running"
    # shellcheck disable=SC2086
    [ -n "$ok_ids" ] && j --state-dir "$S" kill -s KILL $ok_ids && j --state-dir "$S" wait $ok_ids
    rm "$T/small/fill"
    b=$(j --state-dir "$S" spawn -- true)
    check "... once space is back, spawn works again" [ -n "$b" ]
    j --state-dir "$S" wait "$b"
    # Jobs that started keep their exit codes when the disk fills up while
    # they run: the room for each exit record was set aside at its start.
    gate=$(fifo full-gate)
    ids=""
    k=0; while [ $k -lt 5 ]; do ids="$ids $(j --state-dir "$S" spawn -- sh -c "cat $gate >/dev/null; exit 3")"; k=$((k + 1)); done
    dd if=/dev/zero of="$T/small/fill" bs=1k count=1000 2>/dev/null
    dd if=/dev/zero of="$T/small/fill2" bs=1 count=100000 2>/dev/null
    # The state file's own last page too, to the byte, with blank lines
    # (readers skip them): now every exit record needs a page of its own.
    python3 - "$S/jobs.jsonl" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
for chunk in (b" " * 99 + b"\n", b" "):
    while True:
        try:
            if os.write(fd, chunk) < len(chunk): break
        except OSError:
            break
PY
    exec 3>"$gate"; exec 3>&-
    # shellcheck disable=SC2086
    j --state-dir "$S" wait --timeout 20 $ids; st=$?
    same "jobs that end on a full disk: wait gets their real status" "$st" 3
    # shellcheck disable=SC2086
    same "... each is recorded exited 3, none lost" \
        "$(j --state-dir "$S" ps --json $ids | jq -r '"\(.state) \(.exitcode)"' | sort | uniq -c | tr -s ' ')" " 5 exited 3"
    rm -f "$T/small/fill" "$T/small/fill2"
    umount "$T/small"
else
    skip "full disk" "cannot mount a small tmpfs here"
fi

# A process group id reused after a job was lost is never signalled.
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/kernel/ns_last_pid ] && command -v setsid >/dev/null; then
    id=$(j spawn -- sleep 100)
    pid=$(field "$id" pid)
    kill -9 "$(field "$id" monitor)" "$pid"
    j wait "$id" >/dev/null
    echo $((pid - 1)) > /proc/sys/kernel/ns_last_pid
    setsid sleep 100 &
    imp=$!
    if [ "$imp" = "$pid" ] && [ "$(ps -o pgid= -p "$imp" | tr -d ' ')" = "$pid" ]; then
        j kill -s KILL "$id"
        check "a new process group with the lost job's pgid is not signalled" kill -0 "$imp"
    else
        skip "pgid reuse" "could not place a group leader on $pid"
    fi
    kill "$imp" 2>/dev/null
else
    skip "pgid reuse" "needs root"
fi
finish
