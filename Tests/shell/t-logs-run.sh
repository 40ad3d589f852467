# logs, logs -f, and run.
. "$(dirname "$0")/lib.sh"

r=$(fifo go)
id=$(j spawn -- sh -c "echo first; read x < $r; echo second")
j logs -f "$id" > "$T/follow" &
f=$!
echo go > "$r"
wait $f; st=$?
same "logs -f ends when the job ends" "$st" 0
same "logs -f shows everything the job wrote" "$(cat "$T/follow")" "first
second"
same "logs prints the captured output" "$(j logs "$id")" "first
second"

out=$(j run -- sh -c 'echo "in foreground $JOBCTL_JOB_ID"; exit 3'); st=$?
id=$(j ps -q | tail -n 1)
same "run keeps the caller's stdout" "$out" "in foreground $id"
same "run exits with the command's status" "$st" 3
same "run is recorded as a job" "$(field "$id" exitcode)" 3
same "run reads the caller's stdin" "$(echo piped | j run -- cat)" piped
status 130 "run reports a signal death as 128+SIG" j run -- sh -c 'kill -INT $$'
status 127 "run of a missing command is 127" j run -- no-such-command-xyz
status 143 "run --timeout terminates the command" j run --timeout 0.2 -- sleep 100
finish
