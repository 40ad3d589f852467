# The scripts in examples/ work as their comments say, under bash and dash.
. "$(dirname "$0")/lib.sh"
ex=$(cd "$(dirname "$0")/../../examples" && pwd)
sh_=${SHELL_UNDER_TEST:-sh}

# batch: never more than JOBS at once, every argument done, failures reported.
cat > "$T/work.sh" <<'EOS'
#!/bin/sh
# Records how many of us run at once, then leaves a mark.
d=$(dirname "$0")
mkdir "$d/lock" 2>/dev/null || true
echo x >> "$d/running.$$"
n=$(ls "$d"/running.* | wc -l)
echo "$n" >> "$d/peaks"
sleep 0.2
rm -f "$d/running.$$"
touch "$d/done.$1"
[ "$1" != bad ]
EOS
chmod +x "$T/work.sh"
printf '%s\n' a b c d e | JOBS=2 sh "$ex/batch.sh" "$T/work.sh"; st=$?
same "batch.sh: all arguments succeeded, exit 0" "$st" 0
same "batch.sh: each argument was done" "$(ls "$T" | grep -c '^done\.')" 5
same "batch.sh: never more than JOBS=2 at once" "$(sort -n "$T/peaks" | tail -n 1)" 2
rm -f "$T"/done.* "$T/peaks"
printf '%s\n' a bad c | JOBS=3 sh "$ex/batch.sh" "$T/work.sh"; st=$?
same "batch.sh: a failing run makes it exit 1" "$st" 1

# daemon-helper: the helper dies with the script, also on SIGKILL.
beats=$T/beats
HEARTBEAT_FILE=$beats sh "$ex/daemon-helper.sh" true 2>/dev/null; st=$?
same "daemon-helper.sh exits with the work's status" "$st" 0
helper=$(j ps -q helper)
j wait --timeout 15 "$helper"; st=$?
same "daemon-helper.sh: the helper ended with the script (143)" "$st" 143
r=$(fifo started)
HEARTBEAT_FILE=$beats sh "$ex/daemon-helper.sh" sh -c "echo \$\$ > $r; exec sleep 100" 2>/dev/null &
script=$!
read -r work < "$r"
helper=$(j ps -q helper)
kill -9 "$script"
j wait --timeout 15 "$helper"; st=$?
same "daemon-helper.sh: the helper dies when the script is SIGKILLed" "$st" 143
kill "$work" 2>/dev/null  # the script's own work, orphaned by its SIGKILL

# supervise: restarts a failing command until it succeeds.
cat > "$T/flaky.sh" <<EOS
#!/bin/sh
n=\$(cat "$T/count" 2>/dev/null || echo 0)
echo \$((n + 1)) > "$T/count"
[ "\$n" -ge 2 ]
EOS
chmod +x "$T/flaky.sh"
BACKOFF=0 sh "$ex/supervise.sh" flaky "$T/flaky.sh" 2>/dev/null; st=$?
same "supervise.sh: succeeds once the command does" "$st" 0
same "supervise.sh: it took three runs" "$(cat "$T/count")" 3
same "supervise.sh: each run is a job named after it" "$(j ps -q flaky >/dev/null && j ps --json | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["name"]=="flaky"))')" 3
BACKOFF=0 MAX_RESTARTS=1 sh "$ex/supervise.sh" never sh -c 'exit 3' 2>/dev/null; st=$?
same "supervise.sh: gives up after MAX_RESTARTS with the last status" "$st" 3

# pipeline: dependencies in order, a flaky fetch retried, a failure skips
# what comes after it.
rm -f "$T/count"
FETCH="n=\$(cat $T/count 2>/dev/null || echo 0); echo \$((n + 1)) > $T/count; [ \$n -ge 1 ]" \
    BUILD="echo build >> $T/steps" TEST="echo test >> $T/steps" DOCS="echo docs >> $T/steps" \
    PACKAGE="echo package >> $T/steps" sh "$ex/pipeline.sh" 2>/dev/null; st=$?
same "pipeline.sh: every step succeeded, exit 0" "$st" 0
same "pipeline.sh: the flaky fetch was retried once" "$(cat "$T/count")" 2
same "pipeline.sh: build first, package last" "$(head -n 1 "$T/steps") $(tail -n 1 "$T/steps")" "build package"
same "pipeline.sh: every step ran once" "$(sort "$T/steps" | tr '\n' ' ')" "build docs package test "
: > "$T/steps"
BUILD="exit 3" TEST="echo test >> $T/steps" PACKAGE="echo package >> $T/steps" sh "$ex/pipeline.sh" 2>/dev/null; st=$?
same "pipeline.sh: a failed build is the pipeline's status" "$st" 3
same "pipeline.sh: ... and nothing after it ran" "$(cat "$T/steps")" ""
same "pipeline.sh: ... package was skipped" "$(field "$(j ps -q pipeline-package)" state)" skipped

if command -v shellcheck >/dev/null 2>&1; then
    check "the examples pass shellcheck" shellcheck -s sh "$ex/batch.sh" "$ex/daemon-helper.sh" "$ex/supervise.sh" "$ex/pipeline.sh"
else
    skip "shellcheck" "not installed"
fi
finish
