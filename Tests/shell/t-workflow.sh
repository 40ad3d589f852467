# --retries, --delay, --on-exit and restart. Timing through fifos and
# wait, never sleeps.
. "$(dirname "$0")/lib.sh"

# A flaky command (a counter file): fails twice, then succeeds. One job,
# one id, three attempts.
flaky="n=\$(cat $T/count 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n > $T/count; echo attempt \$n; [ \$n -ge 3 ]"
id=$(j spawn --retries 5 --retry-delay 0.05 -- sh -c "$flaky")
status 0 "a flaky command retried until it succeeds: wait says 0" j wait "$id"
same "... it ran three times, as one job" "$(j logs "$id" | tr '\n' ' ')" "attempt 1 attempt 2 attempt 3 "
same "... attempt is 3" "$(field "$id" attempt)" 3
same "... exitcode is the last attempt's" "$(field "$id" exitcode)" 0
same "... each retry is in the state" "$(grep -c "\"event\":\"retry\",\"id\":$id," "$JOBCTL_STATE_DIR/jobs.jsonl")" 2

# Out of retries: the last attempt's code. --retries 0 is no retry.
for tries in 0 1 4; do
    id=$(j spawn --retries $tries --retry-delay 0.01 -- sh -c 'exit 7')
    status 7 "--retries $tries of a command that always fails: wait says 7" j wait "$id"
    same "... after $((tries + 1)) attempt(s)" "$(field "$id" attempt)" $((tries + 1))
done
# A timeout is a failure, and is retried.
id=$(j spawn --retries 1 --retry-delay 0.01 --timeout 0.2 -- sleep 100)
status 143 "a command that times out is retried, then ends by TERM" j wait --timeout 20 "$id"
same "... after 2 attempts" "$(field "$id" attempt)" 2
# A kill stops the retries: while it runs, and between attempts.
r=$(fifo up)
id=$(j spawn --retries 5 -- sh -c "echo up > $r; exec sleep 100")
read -r _ < "$r"
j kill "$id"
status 143 "a job with retries that jobctl kill ends is not retried" j wait "$id"
same "... one attempt" "$(field "$id" attempt)" 1
id=$(j spawn --retries 5 --retry-delay 100 -- sh -c "echo up > $r; exit 1")
read -r _ < "$r"
# Its first attempt ends (its process reaped); it waits 100 s before the next.
pid=$(field "$id" pid)
k=0; while kill -0 "$pid" 2>/dev/null && [ $k -lt 1000 ]; do k=$((k + 1)); done
status 0 "between attempts the job is alive" j kill -s 0 "$id"
j kill -s INT "$id"
status 130 "killed between attempts: wait says 128+SIG of the signal sent" j wait --timeout 20 "$id"
same "... killed, exitcode -SIG" "$(field "$id" state) $(field "$id" exitcode)" "killed -2"
status 2 "--retry-delay without --retries is a usage error" j spawn --retry-delay 1 -- true
status 2 "--retries -1 is a usage error" j spawn --retries -1 -- true

# --delay: queued until then, waiting_for says until when; kill removes it.
id=$(j spawn --delay 0.3 -- sh -c 'echo delayed')
same "a delayed job is queued" "$(field "$id" state)" queued
check "... waiting_for has until" sh -c "'$JOBCTL' ps --json $id | grep -q '\"waiting_for\":{\"until\":\"20'"
status 124 "... not started before its time" j wait --timeout 0.1 "$id"
status 0 "... then runs" j wait "$id"
same "... and did its work" "$(j logs "$id")" delayed
id=$(j spawn --delay 100 -- touch "$T/never")
j kill "$id"
status 1 "a delayed job killed before its time: wait says 1" j wait "$id"
same "... skipped" "$(field "$id" state):$(field "$id" reason)" "skipped:killed while queued"
status 0 "--delay 0 starts at once" j wait "$(j spawn --delay 0 -- true)"

# --on-exit: after the end is recorded, with the job's variables, in its
# directory, output to its log; its status is never the job's.
mkdir "$T/dir"
h=$(fifo hook)
id=$(j spawn -n hooked -C "$T/dir" --on-exit "env | grep -E '^JOBCTL_(JOB_ID|JOB_NAME|STATE|EXITCODE|STATE_DIR)=' | sort > $T/hook.env; pwd >> $T/hook.env; echo from-hook; echo done > $h; exit 9" -- sh -c 'echo from-job; exit 3')
status 3 "a job with a hook: wait says the job's status" j wait "$id"
read -r _ < "$h"
same "... the hook saw the job's variables and directory" "$(cat "$T/hook.env")" "JOBCTL_EXITCODE=3
JOBCTL_JOB_ID=$id
JOBCTL_JOB_NAME=hooked
JOBCTL_STATE=exited
JOBCTL_STATE_DIR=$JOBCTL_STATE_DIR
$T/dir"
same "... its output went to the job's log, after the job's" "$(j logs "$id" | tr '\n' ' ')" "from-job from-hook "
same "... and its exit 9 changed nothing" "$(field "$id" exitcode)" 3
for case in "kill:killed:-15" "skip:skipped:"; do
    what=${case%%:*}; rest=${case#*:}
    if [ "$what" = kill ]; then
        id=$(j spawn --on-exit "echo \$JOBCTL_STATE:\$JOBCTL_EXITCODE > $h" -- sleep 100); j kill "$id"
    else
        bad=$(j spawn -- false)
        id=$(j spawn --after "$bad" --on-exit "echo \$JOBCTL_STATE:\$JOBCTL_EXITCODE > $h" -- true)
    fi
    read -r got < "$h"
    same "the hook of a $rest job says so" "$got" "$rest"
done
# The hook is bounded: ended as kill ends a job (JOBCTL_HOOK_TIMEOUT here).
id=$(JOBCTL_HOOK_TIMEOUT=0.2 j spawn --on-exit "trap 'echo term > $h; exit' TERM; echo up > $r; while :; do sleep 1; done" -- true)
read -r _ < "$r"
read -r got < "$h"
same "a hook that runs too long is terminated" "$got" term
status 2 "--on-exit '' is a usage error" j spawn --on-exit '' -- true

# restart: a new job with the same command, arguments, -e, directory, name
# and options; a job that has not ended is refused, nothing restarted.
id=$(j spawn -n again -C "$T/dir" -e 'GREETING=a b' --timeout 50 -- sh -c 'echo "$GREETING" "$(pwd)" "$1"; exit 4' sh 'x  y')
j wait "$id"
new=$(j restart "$id")
check "restart prints a new id" test "$new" -gt "$id"
status 4 "... the new job ends as the old did" j wait "$new"
same "... same arguments, environment and directory" "$(j logs "$new")" "a b $T/dir x  y"
same "... same name" "$(field "$new" name)" again
same "... restart by name, several at once, one id per line" "$(j restart again "$id" | wc -l)" 2
run=$(j spawn -- sleep 100)
before=$(j ps -q | wc -l)
status 1 "restart of a running job: exit 1" j restart "$id" "$run"
same "... nothing restarted" "$(j ps -q | wc -l)" "$before"
j kill "$run"
finish
