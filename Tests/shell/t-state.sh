# The state directory: permissions, ids, rm/prune, torn lines, JSON.
. "$(dirname "$0")/lib.sh"

j ps >/dev/null
same "the state directory is created with mode 0700" "$(stat -c %a "$JOBCTL_STATE_DIR")" 700
id=$(j spawn -- true); j wait "$id"
same "logs are created 0600" "$(stat -c %a "$JOBCTL_STATE_DIR/logs/$id.log")" 600

chmod 0770 "$JOBCTL_STATE_DIR"
err=$(j ps 2>&1); st=$?
same "a state directory writable by the group is refused (exit 1)" "$st" 1
case $err in "jobctl: state directory"*"writable by group"*) ok "... with a clear message" ;; *) not_ok "... with a clear message" "$err" ;; esac
chmod 0700 "$JOBCTL_STATE_DIR"
if [ "$(id -u)" = 0 ]; then
    mkdir "$T/foreign"; chown nobody "$T/foreign" 2>/dev/null || chown 65534 "$T/foreign"
    status 1 "a state directory owned by another user is refused" j --state-dir "$T/foreign" ps
else
    skip "foreign-owned state directory" "needs root to chown"
fi
touch "$T/afile"
status 1 "a state directory that is a file is refused" j --state-dir "$T/afile" ps
ln -s "$T/nowhere" "$T/dangling"
status 1 "a dangling symlink as state directory is refused" j --state-dir "$T/dangling" ps
same "JOBCTL_STATE_DIR is honoured" "$(JOBCTL_STATE_DIR=$T/other j spawn -- true)" 1
same "--state-dir wins over JOBCTL_STATE_DIR" "$(j --state-dir "$T/third" spawn -- true)" 1
(unset JOBCTL_STATE_DIR; HOME=$T/home XDG_STATE_HOME= "$JOBCTL" spawn -- true >/dev/null)
check "the default is ~/.local/state/jobctl" test -f "$T/home/.local/state/jobctl/jobs.jsonl"
(unset JOBCTL_STATE_DIR; XDG_STATE_HOME=$T/xdg "$JOBCTL" spawn -- true >/dev/null)
check "... or \$XDG_STATE_HOME/jobctl" test -f "$T/xdg/jobctl/jobs.jsonl"

# The path to the state directory is checked as sshd's StrictModes checks
# one: no component another user owns or may write (a root-owned sticky
# directory such as /tmp is fine), no symlink but root's or mine.
mkdir -m 700 "$T/mine"
ln -s "$T/mine" "$T/mylink"
status 0 "a symlink of mine to my directory is followed" j --state-dir "$T/mylink" ps
if [ "$(id -u)" = 0 ]; then
    mkdir -m 700 "$T/victim"
    ln -s "$T/victim" "$T/planted"; chown -h 65534 "$T/planted"
    err=$(j --state-dir "$T/planted" spawn -- true 2>&1); st=$?
    same "a symlink planted by another user at the state-dir path is refused" "$st" 1
    case $err in *"symbolic link owned by uid 65534"*) ok "... saying whose link it is" ;; *) not_ok "... saying whose link it is" "$err" ;; esac
    same "... and nothing was written through it" "$(ls -A "$T/victim")" ""
    mkdir -p "$T/theirs"; chown 65534 "$T/theirs"
    status 1 "a directory on the way owned by another user is refused" j --state-dir "$T/theirs/state" ps
    ln -s "$T/mine" "$T/theirs-link"; chown -h 65534 "$T/theirs-link"
    status 1 "... and so is their symlink on the way" j --state-dir "$T/theirs-link/state" ps
else
    skip "foreign symlinks and directories on the way" "needs root to chown"
fi
mkdir -m 777 "$T/open"
err=$(j --state-dir "$T/open/state" ps 2>&1); st=$?
same "a world-writable directory on the way is refused" "$st" 1
case $err in *"$T/open is writable by group or others"*) ok "... naming it" ;; *) not_ok "... naming it" "$err" ;; esac
check "... and nothing was created in it" test ! -e "$T/open/state"
mkdir -m 1777 "$T/sticky"
[ "$(id -u)" = 0 ] && chown 65534 "$T/sticky"
status 1 "a sticky world-writable directory that is not root's is refused" j --state-dir "$T/sticky/state" ps
mkdir -m 700 "$T/deep"
status 0 "missing parents are created, as mkdir -p would" j --state-dir "$T/deep/a/b/c/state" ps
same "... each private" "$(stat -c %a "$T/deep/a" "$T/deep/a/b/c/state" | tr '\n' ' ')" "700 700 "

# Where the state directory cannot be created, the error names the
# directory and the real reason.
if [ "$(id -u)" = 0 ] && mkdir "$T/ro" && mount -t tmpfs -o ro,mode=755 tmpfs "$T/ro" 2>/dev/null; then
    err=$( (unset JOBCTL_STATE_DIR XDG_STATE_HOME; HOME=$T/ro "$JOBCTL" ps) 2>&1); st=$?
    same "a read-only HOME: exit 1, naming the directory and EROFS" "$st:$err" \
        "1:jobctl: cannot create directory $T/ro/.local: Read-only file system"
    umount "$T/ro"
    mkdir -p "$T/ro2"; mount -t tmpfs -o mode=755 tmpfs "$T/ro2"
    # The job's monitor gone first: a file it still has open for writing
    # would make the remount fail (EBUSY).
    id=$(j --state-dir "$T/ro2/state" spawn -- true); j --state-dir "$T/ro2/state" wait "$id"
    mount -o remount,ro "$T/ro2"
    err=$(j --state-dir "$T/ro2/state" queue len q 2>&1); st=$?
    same "a subdirectory that cannot be made: the real reason, not ENOENT" "$st:$err" \
        "1:jobctl: cannot create directory $T/ro2/state/queues: Read-only file system"
    j --state-dir "$T/ro2/state" ps -q --running >/dev/null 2>&1; st=$?
    same "ps --running on a read-only state answers from the log, with no index to make" "$st" 0
    umount "$T/ro2"
else
    skip "read-only HOME" "cannot mount a read-only tmpfs here"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null \
   && setpriv --reuid=65534 --regid=65534 --clear-groups "$JOBCTL" --version >/dev/null 2>&1; then
    # Outside $T (private to root), so that nobody can reach it.
    nohome=$(mktemp -d "${TMPDIR:-/tmp}/jobctl-nohome.XXXXXX"); chmod 555 "$nohome"; chown 65534 "$nohome"
    err=$(cd / && HOME=$nohome XDG_STATE_HOME= JOBCTL_STATE_DIR= setpriv --reuid=65534 --regid=65534 --clear-groups "$JOBCTL" ps 2>&1); st=$?
    same "a HOME that may not be written: exit 1, naming the directory and EACCES" "$st:$err" \
        "1:jobctl: cannot create directory $nohome/.local: Permission denied"
    rmdir "$nohome"
else
    skip "unwritable HOME" "needs root, setpriv, and a binary that nobody may run"
fi

# rm and prune; ids never reused.
a=$(j spawn -- true); b=$(j spawn -- sleep 100)
j wait "$a"
status 1 "rm refuses a running job" j rm "$b"
status 0 "rm forgets an ended job" j rm "$a"
status 1 "... which is then gone" j ps "$a"
check "... and so is its log" test ! -e "$JOBCTL_STATE_DIR/logs/$a.log"
j kill --wait "$b"
last=$(j ps -q | tail -n 1)
j prune
same "prune forgets every ended job" "$(j ps -q)" ""
id=$(j spawn -- true)
check "ids are not reused after prune" [ "$id" -gt "$last" ]
j wait "$id"
j prune --older-than 1h
same "prune --older-than keeps recent jobs" "$(j ps -q)" "$id"
status 1 "an id from a pruned range is no job" j wait "$last"

# A torn last line (a crash mid-write) and garbage are skipped, not fatal.
id=$(j spawn -- true); j wait "$id"
printf 'garbage line\n{"v":1,"event":"start","id":' >> "$JOBCTL_STATE_DIR/jobs.jsonl"
out=$(j ps -q 2>"$T/err"); st=$?
same "ps reads past garbage and a torn last line" "$st:$(echo "$out" | tail -n 1)" "0:$id"
check "... saying on stderr what it skipped" grep -q "skipped 1 unreadable line" "$T/err"
id2=$(j spawn -- sh -c 'exit 3'); j wait "$id2"
same "a spawn after a torn line is recorded whole" "$(field "$id2" exitcode)" 3
printf '{"v":99,"event":"start","id":5000}\n' >> "$JOBCTL_STATE_DIR/jobs.jsonl"
j ps >/dev/null 2>"$T/err"
check "lines from a newer format are skipped and reported" grep -q "newer jobctl" "$T/err"

# Any bytes in names and arguments come out as valid JSON, and back.
id=$(j spawn -n "$(printf 'n\001\tame')" -- printf '%s' "$(printf 'bad\377\376byte "q" \\ end')")
j wait "$id"
py=$(j ps --json "$id" | python3 -c '
import json,sys,os
o=json.loads(sys.stdin.read())
print(repr(os.fsencode(o["command"][2])), repr(o["name"]))')
same "invalid UTF-8 and control bytes round-trip in ps --json" "$py" "b'bad\\xff\\xfebyte \"q\" \\\\ end' 'n\\x01\\tame'"
check "every ps --json line is valid JSON" sh -c "'$JOBCTL' ps --json | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'"
check "the state file is valid JSON Lines but for the planted garbage" sh -c "grep -v -e garbage -e '\"id\":\$' '$JOBCTL_STATE_DIR/jobs.jsonl' | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]'"

# A symlink planted in the state directory is not followed.
rm -f "$JOBCTL_STATE_DIR/logs/999.log"
echo secret > "$T/target"
next=$(( $(cat "$JOBCTL_STATE_DIR/lock") + 1 ))
ln -s "$T/target" "$JOBCTL_STATE_DIR/logs/$next.log"
status 1 "a log path planted as a symlink is refused" j spawn -- echo overwritten
same "... and its target is untouched" "$(cat "$T/target")" secret
# ps --running answers from the live index: exactly the jobs that have
# not ended, however many have, from a fresh index, a kept one, one that
# was deleted, and with a job whose monitor was killed (lost, not running).
export JOBCTL_STATE_DIR="$T/live-state"
for k in 1 2 3 4 5 6 7 8 9 10 11 12; do j spawn -- true >/dev/null; done
j wait $(j ps -q) 2>/dev/null
r1=$(j spawn -- sleep 100); r2=$(j spawn -n two -- sleep 100)
for k in 1 2 3; do j spawn -- true >/dev/null; done
j wait $(j ps -q --finished) 2>/dev/null
same "ps --running lists the running jobs among many ended ones" "$(j ps -q --running | tr '\n' ' ')" "$r1 $r2 "
rm -rf "$JOBCTL_STATE_DIR/live"
same "... and the same once its index was deleted (rebuilt from the log)" "$(j ps -q --running | tr '\n' ' ')" "$r1 $r2 "
check "... which is kept again" test -e "$JOBCTL_STATE_DIR/live/.complete"
j kill "$r1"; j wait "$r1"
same "... and a job that ended leaves it" "$(j ps -q --running | tr '\n' ' ')" "$r2 "
# Monitor and command both SIGKILLed: no exit record, nobody left.
kill -KILL $(j ps --json "$r2" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["monitor"], o["pid"])')
j wait "$r2"
same "a job killed with its monitor is lost, not running" "$(j ps -q --running):$(field "$r2" state)" ":lost"
finish
