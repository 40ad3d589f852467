# The Slurm backend against a real cluster (.ci/slurm-start makes one):
# jobs placed with --backend slurm, and every verb on them.
. "$(dirname "$0")/lib.sh"

if ! scontrol ping >/dev/null 2>&1 || ! sinfo -h >/dev/null 2>&1; then
    echo "# SKIP: no Slurm cluster answers (start one with .ci/slurm-start): the Slurm backend is NOT tested"
    skip "the Slurm backend" "no Slurm cluster"
    finish; exit
fi
s() { j --backend slurm "$@"; }

# Exit codes and signals, exact: as the job ended, not as sbatch reports.
for code in 0 1 3 126 255; do
    id=$(s spawn -- sh -c "exit $code")
    status "$code" "a cluster job that exits $code: wait says $code" j wait "$id"
    same "... and ps says exited $code" "$(field "$id" state) $(field "$id" exitcode)" "exited $code"
done
for sig in TERM:15 KILL:9 INT:2 USR1:10; do
    num=${sig#*:} sig=${sig%:*}
    id=$(s spawn -- sh -c "kill -$sig \$\$")
    status $((128 + num)) "a cluster job killed by $sig: wait says $((128 + num))" j wait "$id"
    same "... and ps says killed -$num" "$(field "$id" state) $(field "$id" exitcode)" "killed -$num"
done
id=$(s spawn -- no-such-command-here)
status 127 "a command not found on the cluster is the job's 127" j wait "$id"
check "... and its log says why" sh -c "'$JOBCTL' logs $id | grep -q 'command not found'"

# ps --json: where each job runs.
same "ps --json says the backend" "$(field "$id" backend)" slurm
sid=$(field "$id" slurm_id)
check "... and the Slurm job id, which squeue knows" sh -c "squeue -h -t all -j '$sid' -o %i | grep -qx '$sid'"
l=$(j spawn -- true); j wait "$l"
same "a local job says local and no Slurm id" "$(field "$l" backend) $(field "$l" slurm_id)" "local null"
same "one ps lists local and cluster jobs together" "$(j ps -q "$id" "$l" | tr '\n' ' ')" "$id $l "

# Arguments reach the command exactly: quotes, spaces, newlines, an empty
# argument, a dash, bytes that are not UTF-8.
weird=$(printf 'a\nb')
bad=$(printf 'x\377y')
id=$(s spawn -- python3 -c 'import sys,os; sys.stdout.buffer.write(repr([os.fsencode(a) for a in sys.argv[1:]]).encode())' \
    "it's" 'say "hi"' ' two  spaces ' "$weird" '' -n '$HOME' '`id`' "$bad")
j wait "$id"
same "arguments reach a cluster job exactly" "$(j logs "$id")" \
    "[b\"it's\", b'say \"hi\"', b' two  spaces ', b'a\\nb', b'', b'-n', b'\$HOME', b'\`id\`', b'x\\xffy']"

# Environment, directory, name, output files.
mkdir "$T/work dir"
id=$(s spawn -n 'my job' -e GREETING='hello, world' -C "$T/work dir" -- sh -c 'echo "$GREETING|$JOBCTL_JOB_ID|$JOBCTL_JOB_NAME|$JOBCTL_STATE_DIR|$(pwd)"')
j wait "$id"
same "-e, JOBCTL_JOB_ID, JOBCTL_JOB_NAME, JOBCTL_STATE_DIR and -C reach a cluster job" "$(j logs "$id")" \
    "hello, world|$id|my job|$JOBCTL_STATE_DIR|$T/work dir"
check "the Slurm job is named jobctl-ID-NAME" sh -c "squeue -h -t all -j $(field "$id" slurm_id) -o %j | grep -qx 'jobctl-$id-my_job'"
id=$(s spawn --stdout "$T/out 100%.txt" --stderr "$T/err.txt" -- sh -c 'echo out; echo err >&2')
j wait "$id"
same "--stdout and --stderr of a cluster job (a % in the name is no pattern)" "$(cat "$T/out 100%.txt")/$(cat "$T/err.txt")" "out/err"
id=$(s spawn -- sh -c 'for i in 1 2 3; do echo "line $i"; sleep 0.2; done')
same "logs -f follows a cluster job to its end" "$(j logs -f "$id")" "line 1
line 2
line 3"

# kill: TERM by default, any signal with -s, -s 0 asks.
f=$(fifo ready)
id=$(s spawn -- sh -c "trap 'echo got USR1; exit 9' USR1; echo up > '$f'; while :; do sleep 0.1; done")
read -r _ < "$f"
status 0 "kill -s 0: a running cluster job is alive" j kill -s 0 "$id"
same "... and ps says running" "$(field "$id" state)" running
j kill -s USR1 "$id"
status 9 "kill -s USR1 reaches the command, which handles it" j wait "$id"
status 1 "kill -s 0: an ended cluster job is not alive" j kill -s 0 "$id"
f=$(fifo ready2)
id=$(s spawn -- sh -c "echo up > '$f'; exec sleep 100")
read -r _ < "$f"
j kill "$id"
status 143 "kill ends a running cluster job with TERM" j wait "$id"

# run, as srun: the job's output here as it comes, its status, signals passed on.
got=$(s run -- sh -c 'echo out; sleep 0.2; echo err >&2; exit 6'); st=$?
same "run on the cluster prints the job's output and errors as they come" "$got" "out
err"
same "... and exits with the job's status" "$st" 6
f=$(fifo runready)
"$JOBCTL" --backend slurm run -- sh -c "trap 'echo caught TERM; exit 42' TERM; echo up > '$f'; while :; do sleep 0.1; done" > "$T/runout" &
rp=$!
read -r _ < "$f"
kill -TERM "$rp"
wait "$rp"; st=$?
same "TERM to run on the cluster reaches the job, which decides" "$st/$(tail -n 1 "$T/runout")" "42/caught TERM"

# What a cluster job's command leaves running ends with it, as here.
# Also one that left the process group (setsid), which Slurm's proctrack/pgid
# would not find.
id=$(s spawn -- sh -c "sleep 300 & echo \$! > '$T/left'; setsid sleep 300 & echo \$! > '$T/left2'; exit 0")
status 0 "a cluster job that leaves processes behind: wait says the command's status" j wait "$id"
for f in left left2; do
    if alive "$(cat "$T/$f")"; then not_ok "... and what it left ($f) ended with it" "pid $(cat "$T/$f") still runs"
    else ok "... and what it left ($f) ended with it"; fi
done

# --timeout, enforced on the node as here: TERM to the whole tree.
id=$(s spawn --timeout 0.5 -- sh -c 'sleep 100 & sleep 100; wait')
status 143 "--timeout ends a cluster job with TERM" j wait "$id"
id=$(s spawn --timeout 0.3 -- sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done')
status 7 "... which a job may handle, as it exits" j wait "$id"

# Daemon cluster jobs: they die with their local owner, SIGKILL included,
# and may not start jobs of their own on the node.
f=$(fifo dready)
sh -c "'$JOBCTL' --backend slurm spawn -d -- sh -c 'echo up > $f; exec sleep 100' > '$T/did'; exec sleep 100" &
owner=$!
read -r _ < "$f"
id=$(cat "$T/did")
same "a daemon cluster job is recorded as one" "$(field "$id" daemon)" true
kill -KILL "$owner"
status 143 "a daemon cluster job ends (TERM) once its owner is SIGKILLed" j wait --timeout 60 "$id"
id=$(s spawn -d --owner $$ -- sh -c "'$JOBCTL' spawn -- true; echo \"nested: \$?\"")
j wait "$id"
check "a daemon cluster job may not spawn jobs of its own" sh -c "'$JOBCTL' logs $id | grep -q 'nested: 1'"
check "... and says why" sh -c "'$JOBCTL' logs $id | grep -q 'daemon jobs are not allowed to have children'"

# A job the cluster holds (queued): wait --timeout, then kill removes it
# before it ever runs.
id=$(s spawn --slurm-opt=--begin=now+1hour -- touch "$T/ran")
same "a job the cluster holds is queued" "$(field "$id" state)" queued
status 124 "wait --timeout on a queued cluster job gives up with 124" j wait --timeout 0.5 "$id"
j kill -s INT "$id"
status 1 "a queued cluster job killed with INT: wait says 1 (it never ran)" j wait "$id"
same "... it is skipped, killed while queued" "$(field "$id" state):$(field "$id" reason)" "skipped:killed while queued"
same "... and it never ran" "$(test -e "$T/ran" && echo ran || echo never)" never

# wait --any across the two backends; one batched query for many jobs.
a=$(j spawn -- sleep 100)
b=$(s spawn -- sh -c 'exit 5')
out=$(j wait --any "$a" "$b"); st=$?
same "wait --any over a local and a cluster job: the cluster job ended first" "$out/$st" "$b/5"
j kill "$a"
mkdir "$T/bin"
for cmd in squeue scontrol; do
    real=$(command -v "$cmd")
    printf '#!/bin/sh\necho %s >> "%s"\nexec "%s" "$@"\n' "$cmd" "$T/calls" "$real" > "$T/bin/$cmd"
    chmod +x "$T/bin/$cmd"
done
ids=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do ids="$ids $(s spawn -- sh -c "sleep 1; exit $i")"; done
: > "$T/calls"
# shellcheck disable=SC2086
PATH="$T/bin:$PATH" j wait $ids; st=$?
same "wait on 12 cluster jobs exits with the last one's status" "$st" 12
calls=$(wc -l < "$T/calls")
check "... asking the scheduler a few times for all of them, not per job ($calls calls)" test "$calls" -le 6
: > "$T/calls"
# shellcheck disable=SC2086
PATH="$T/bin:$PATH" j ps $ids > /dev/null
same "ps of ended cluster jobs asks the scheduler nothing" "$(wc -l < "$T/calls")" 0
held=""
for i in 1 2 3 4 5; do held="$held $(s spawn --slurm-opt=--begin=now+1hour -- true)"; done
: > "$T/calls"
PATH="$T/bin:$PATH" j prune
same "prune with 5 queued cluster jobs asks the scheduler once" "$(wc -l < "$T/calls")" 1
: > "$T/calls"
# shellcheck disable=SC2086
PATH="$T/bin:$PATH" j kill -s 0 $held
same "... and so does kill -s 0 on all of them" "$(wc -l < "$T/calls")" 1
# shellcheck disable=SC2086
j kill $held

# Errors: one line, exit 1, nothing recorded.
before=$(j ps -q | wc -l)
out=$(s spawn --slurm-opt=--partition=no-such-partition -- true 2>&1); st=$?
same "a submission the cluster rejects: exit 1" "$st" 1
check "... with Slurm's own reason" sh -c "echo '$out' | grep -q 'invalid partition'"
same "... and no job recorded" "$(j ps -q | wc -l)" "$before"
out=$(PATH=/nonexistent "$JOBCTL" --backend slurm spawn -- true 2>&1); st=$?
same "no sbatch on PATH: exit 1, saying so" "$st/$(echo "$out" | grep -c 'sbatch not found')" "1/1"
status 2 "an unknown backend is a usage error" j --backend nope spawn -- true
status 2 "JOBCTL_BACKEND is read too" env JOBCTL_BACKEND=nope "$JOBCTL" spawn -- true
status 2 "--slurm-opt without the Slurm backend is a usage error" j spawn --slurm-opt=--mem=1G -- true
status 2 "options the cluster backend does not have yet are refused (--pool)" s spawn --pool p -- true
status 2 "... (--lock)" s spawn --lock l -- true

# The README's script that runs unchanged on both: the same output.
python3 "$(dirname "$0")/docblocks.py" "$(dirname "$0")/../../README.md" "$T" > /dev/null
script=$(grep -l 'same script on this machine and on a cluster' "$T"/readme-*.sh)
here=$(sh "$script" 2>&1)
there=$(JOBCTL_BACKEND=slurm sh "$script" 2>&1)
same "the README's script gives the same output on the cluster as here" "$there" "$here"
same "... which is the squares, then their sum" "$here" "1
4
9
14"

# The core wait tests a second time, every job on the cluster.
# Dependencies. Both on the cluster: Slurm holds them (afterok, afterany,
# kill-on-invalid-dep), and a failure skips the chain instead of leaving it
# pending for ever.
g=$(fifo slurm-gate)
a=$(s spawn -- sh -c "read x < $g; exit 4")
b=$(s spawn --after "$a" -- touch "$T/sb-ran")
c=$(s spawn --after "$b" -- touch "$T/sc-ran")
e=$(s spawn --after-any "$a" -- sh -c 'echo any-ran')
check "a cluster job after a cluster job is held by Slurm (afterok)" sh -c "squeue -h -j $(field "$b" slurm_id) -o %E | grep -q afterok:$(field "$a" slurm_id)"
check "... and --after-any as afterany" sh -c "squeue -h -j $(field "$e" slurm_id) -o %E | grep -q afterany:$(field "$a" slurm_id)"
same "... queued, waiting_for its dependency" "$(field "$b" state) $(j ps --json "$b" | python3 -c 'import json,sys; print(json.load(sys.stdin)["waiting_for"]["jobs"])')" "queued [$a]"
echo go > "$g"
status 1 "when the first fails, the second is skipped: wait says 1" j wait "$b"
same "... its reason names the dependency" "$(field "$b" state):$(field "$b" reason)" "skipped:dependency $a exited 4"
status 1 "... the third is skipped in turn" j wait "$c"
same "... because of the second" "$(field "$c" reason)" "dependency $b skipped"
check "... neither ran" test ! -e "$T/sb-ran" -a ! -e "$T/sc-ran"
status 0 "--after-any on the cluster runs after a failure" j wait "$e"
same "... and ran" "$(j logs "$e")" any-ran
a=$(s spawn -- true)
b=$(s spawn --after "$a" -- sh -c 'echo chained')
status 0 "a cluster chain that succeeds runs through" j wait "$b"
same "... in order" "$(j logs "$b")" chained

# A cluster job after a local job: held here (no Slurm id yet), submitted
# once the local job has succeeded; skipped, never submitted, if it fails.
g=$(fifo held-gate)
l=$(j spawn -- sh -c "read x < $g")
h=$(s spawn --after "$l" -- sh -c 'echo held-ran')
same "a cluster job after a local one is held: queued, no Slurm id" "$(field "$h" state) $(field "$h" backend) $(field "$h" slurm_id)" "queued slurm null"
echo go > "$g"
status 0 "... submitted once the local job succeeded, and runs" j wait "$h"
same "... it has a Slurm id now" "$(field "$h" slurm_id | grep -c '^[0-9][0-9]*$')" 1
same "... and its output" "$(j logs "$h")" held-ran
l=$(j spawn -- false)
h=$(s spawn --after "$l" -- true)
status 1 "a cluster job after a local job that failed: skipped" j wait "$h"
same "... never submitted" "$(field "$h" state) $(field "$h" slurm_id)" "skipped null"
l=$(j spawn -- sleep 100)
h=$(s spawn --after-any "$l" -- true)
j kill "$h"
status 1 "a held cluster job killed while it waits: wait says 1" j wait "$h"
same "... skipped" "$(field "$h" state):$(field "$h" reason)" "skipped:killed while queued"
j kill "$l"
# A local job after a cluster job: its monitor waits on the cluster job.
a=$(s spawn -- sh -c 'exit 6')
l=$(j spawn --after "$a" -- true)
m=$(j spawn --after-any "$a" -- sh -c 'echo local-any')
status 1 "a local job after a cluster job that failed: skipped" j wait "$l"
same "... saying why" "$(field "$l" reason)" "dependency $a exited 6"
status 0 "... --after-any it runs" j wait "$m"

out=$(JOBCTL_BACKEND=slurm sh "$(dirname "$0")/t-wait.sh" 2>&1)
same "t-wait.sh passes with JOBCTL_BACKEND=slurm ($(echo "$out" | grep -c '^ok') checks)" \
    "$(echo "$out" | grep '^not ok' | head -3)" ""

# rm and prune of ended cluster jobs.
id=$(s spawn -- true); j wait "$id"
j rm "$id"
status 1 "rm forgets an ended cluster job" j ps "$id"
check "... and its files" sh -c "! ls '$JOBCTL_STATE_DIR/slurm/$id.'* 2>/dev/null"
finish
