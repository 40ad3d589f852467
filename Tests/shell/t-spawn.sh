# spawn: id-only output, exec before return, arguments, environment, names.
. "$(dirname "$0")/lib.sh"

id=$(j spawn -- sleep 30)
case $id in ''|*[!0-9]*) not_ok "spawn prints only the id" "got [$id]" ;; *) ok "spawn prints only the id" ;; esac
# $(...) returned while the job still runs: the job does not hold our pipe.
status 0 "spawn inside \$(...) returns while the job runs" j kill -s 0 "$id"
same "the job is running in ps" "$(field "$id" state)" running
same "the default name is the command's basename" "$(field "$id" name)" sleep
j kill -s KILL "$id"

id=$(j spawn -- printf '[%s]\n' 'a b' '' '*' '$HOME' "new
line" "it's" '\x' 'é')
j wait "$id" >/dev/null
want='[a b]
[]
[*]
[$HOME]
[new
line]
[it'"'"'s]
[\x]
[é]'
same "arguments reach the command exactly as given" "$(j logs "$id")" "$want"
cmd=$(j ps --json "$id" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["command"][6])')
same "arguments round-trip through ps --json" "$cmd" "new
line"

id=$(j spawn -e FOO=bar -e 'EMPTY=' -- sh -c 'echo "$FOO|$EMPTY|$JOBCTL_JOB_ID|$JOBCTL_STATE_DIR"')
j wait "$id"
same "the job sees -e variables, JOBCTL_JOB_ID and JOBCTL_STATE_DIR" "$(j logs "$id")" "bar||$id|$JOBCTL_STATE_DIR"

mkdir "$T/work dir"
id=$(j spawn -C "$T/work dir" -- pwd)
j wait "$id"
same "-C runs the command in that directory" "$(j logs "$id")" "$T/work dir"

id=$(j spawn -- sh -c 'cat; echo "stdin done"')
j wait "$id"
same "stdin is /dev/null" "$(j logs "$id")" "stdin done"

id=$(j spawn --stdout "$T/out.txt" -- sh -c 'echo out; echo err >&2')
j wait "$id"
same "--stdout appends output and errors to FILE" "$(cat "$T/out.txt")" "out
err"
j wait "$(j spawn --stdout "$T/out.txt" --stderr "$T/err.txt" -- sh -c 'echo out2; echo err2 >&2')"
same "--stderr separates errors" "$(cat "$T/out.txt") / $(cat "$T/err.txt")" "out
err
out2 / err2"

a=$(j spawn -n same -- true); b=$(j spawn -n same -- sh -c 'exit 3')
j wait same; st=$?
same "a name means the newest job with that name" "$st" 3
same "ps by name shows the newest" "$(j ps -q same)" "$b"

status 127 "a missing command fails spawn with 127" j spawn -- /nonexistent/command
status 127 "a command not in PATH fails spawn with 127" j spawn -- no-such-command-xyz
printf 'plain text\n' > "$T/notexec"
status 126 "a non-executable file fails spawn with 126" j spawn -- "$T/notexec"
status 126 "a directory fails spawn with 126" j spawn -- "$T"
same "a failed spawn leaves no running job" "$(j ps -q --running)" ""

id=$(j spawn -- sh -c 'exit 7')
j wait "$id"; st=$?
same "exit 7: wait exits 7" "$st" 7
same "exit 7: ps exitcode 7" "$(field "$id" exitcode)" 7
same "exit 7: state exited" "$(field "$id" state)" exited

before=$(j ps -q | tail -n 1)
id=$(j spawn -- true)
check "ids increase" [ "$id" -gt "$before" ]

# A default name that is all digits would read as an id: the command as
# given is the name then, or cmd-N for a bare number found on PATH.
mkdir -p "$T/bin"
for n in 42 7 0123; do printf '#!/bin/sh\nexit 0\n' > "$T/bin/$n"; chmod +x "$T/bin/$n"; done
id=$(j spawn -- "$T/bin/42"); j wait "$id"
same "the default name of /path/42 is the path" "$(j ps -q "$T/bin/42")" "$id"
id=$(cd "$T/bin" && "$JOBCTL" spawn -- ./7); j wait "$id"
same "... of ./7 it is ./7" "$(j ps -q ./7)" "$id"
id=$(PATH=$T/bin:$PATH j spawn -- 0123); j wait "$id"
same "... of a bare 0123 from PATH it is cmd-0123" "$(j ps -q cmd-0123)" "$id"
id=$(j spawn -- "$T/bin/"); j wait "$id" 2>/dev/null
same "a name is never all digits, whatever the command" "$(j ps --json | jq -r '.name' | grep -c '^[0-9][0-9]*$')" 0

# From a working directory that was deleted: -C to a real one works, and so
# does staying there, as a shell would run it.
mkdir "$T/gone"
out=$(cd "$T/gone" && rmdir "$T/gone" && "$JOBCTL" spawn -C /tmp -- pwd); st=$?
same "from a deleted directory, spawn -C /tmp works" "$st" 0
j wait "$out"
same "... and the job runs in /tmp" "$(j logs "$out")" /tmp
mkdir "$T/gone2"
out=$(cd "$T/gone2" && rmdir "$T/gone2" && "$JOBCTL" spawn -- true); st=$?
same "... and without -C spawn works too" "$st" 0
j wait "$out"
case $(field "$out" cwd) in "$T/gone2"*deleted*) ok "... recording where it ran, as the kernel names it" ;;
    *) not_ok "... recording where it ran, as the kernel names it" "$(field "$out" cwd)" ;; esac

# --stdout to a FIFO never blocks spawn: with its reader there, the output
# goes to it; with none yet, spawn fails at once and starts nothing.
mkfifo "$T/out.fifo"
err=$(timeout 10 "$JOBCTL" spawn --stdout "$T/out.fifo" -- touch "$T/fifo-ran" 2>&1); st=$?
same "spawn --stdout FIFO with no reader fails at once (exit 1)" "$st" 1
case $err in *"FIFO that nothing reads yet"*) ok "... saying why" ;; *) not_ok "... saying why" "$err" ;; esac
check "... and started nothing" test ! -e "$T/fifo-ran"
timeout 10 cat "$T/out.fifo" > "$T/fifo-got" &
reader=$!
exec 3>"$T/out.fifo"   # holds the FIFO until the reader has opened it too
id=$(timeout 10 "$JOBCTL" spawn --stdout "$T/out.fifo" -- echo through the fifo); st=$?
exec 3>&-
j wait "$id"; wait $reader
same "with its reader there, the job's output reaches it" "$st:$(cat "$T/fifo-got")" "0:through the fifo"
finish
