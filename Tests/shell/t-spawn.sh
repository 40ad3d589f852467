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
finish
