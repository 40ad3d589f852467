# The log through the monitor: both streams kept apart (logs --stdout,
# --stderr), each line's time (--timestamps), --log-max while a job writes
# 50 MB, everything there once `wait` returns, and nothing lost when the
# monitor is SIGKILLed.
. "$(dirname "$0")/lib.sh"
L=$JOBCTL_STATE_DIR/logs

# Everything a job wrote is in its log once wait returns: around the pipe's
# 64 KiB and far past it, written as fast as the job can.
for size in 0 1 65535 65536 65537 3000000; do
    id=$(j spawn -- head -c "$size" /dev/urandom)
    j wait "$id"
    same "wait, then logs: all $size bytes" "$(j logs "$id" | wc -c | tr -d ' ')" "$size"
done

# The streams apart, in order, and any bytes (NUL, non-UTF-8, no newline).
# (A fifo for each step: a reader that opened one fifo before the last
# writer had closed it would read EOF instead of waiting.)
r1=$(fifo s1); r2=$(fifo s2); r3=$(fifo s3)
id=$(j spawn -- sh -c "printf 'o1\n'; printf 'e1\n' >&2; read x < $r1; printf 'par'; read x < $r2; printf 'e2\n' >&2; read x < $r3; printf 'tial\n\000\377'")
# Each write is copied before the next one is made: the order is the job's.
step() { k=0; until j logs "$id" | grep -q "$1" || [ $k -ge 2000 ]; do k=$((k + 1)); done; echo go > "$2"; }
step o1 "$r1"; step par "$r2"; step e2 "$r3"
j wait "$id"
same "logs: both streams interleaved as written" "$(j logs "$id" | od -An -c | tr -s ' ' | tr -d '\n')" \
    " o 1 \n e 1 \n p a r e 2 \n t i a l \n \0 377"
same "logs --stdout: only stdout, bytes exact" "$(j logs --stdout "$id" | od -An -c | tr -s ' ' | tr -d '\n')" \
    " o 1 \n p a r t i a l \n \0 377"
same "logs --stderr: only stderr" "$(j logs --stderr "$id")" "$(printf 'e1\ne2')"
same "logs --stdout --stderr: both, as logs" "$(j logs --stdout --stderr "$id" | od -An -c)" "$(j logs "$id" | od -An -c)"
ts=$(j logs --timestamps "$id" | head -n 4)
same "--timestamps: RFC 3339 UTC with milliseconds, then a space, on every line (the unfinished last one too)" \
    "$(j logs --timestamps "$id" | grep -acE '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z ')" 5
same "... a line cut by the other stream's write stays whole" "$(printf '%s\n' "$ts" | cut -c26- | head -n 4 | tr '\n' '|')" "o1|e1|e2|partial|"
first=$(printf '%s\n' "$ts" | head -n 1 | cut -c1-23)
started=$(field "$id" started | cut -c1-23)
check "... the first line's time is the job's start or after" [ "$first" \> "$started" -o "$first" = "$started" ]
same "-t --stderr: stderr's lines, stamped" "$(j logs -t --stderr "$id" | cut -c26- | tr '\n' '|')" "e1|e2|"
id=$(j spawn -- true)
j wait "$id"
same "a job that wrote nothing: logs --stderr prints nothing" "$(j logs --stderr "$id" | wc -c | tr -d ' ')" 0
id=$(j spawn --stdout "$T/out.txt" -- echo hi)
j wait "$id"
status 1 "logs --stdout of a job whose output went to a file: exit 1" j logs --stdout "$id"
same "... one line saying why" "$(j logs --timestamps "$id" 2>&1 >/dev/null | wc -l | tr -d ' ')" 1
status 0 "... plain logs still works" j logs "$id"

# One write to each stream, however late the monitor wakes: the log has
# them in the order they were made, either way round.
for k in 1 2 3; do
    a=$(j spawn -- sh -c 'echo first-err >&2; echo then-out')
    b=$(j spawn -- sh -c 'echo first-out; echo then-err >&2')
    j wait "$a" "$b"
    same "stderr then stdout, in that order ($k)" "$(j logs "$a" | tr '\n' ' ')" "first-err then-out "
    same "stdout then stderr, in that order ($k)" "$(j logs "$b" | tr '\n' ' ')" "first-out then-err "
done

# The hook's output is in the log too, each stream known.
id=$(j spawn --on-exit 'echo hook-out; echo hook-err >&2' -- true)
j wait "$id"
k=0; until j logs "$id" | grep -q hook-err || [ $k -ge 2000 ]; do k=$((k + 1)); done
same "--on-exit: its stderr under logs --stderr" "$(j logs --stderr "$id")" hook-err
same "... its stdout under logs --stdout" "$(j logs --stdout "$id")" hook-out

# --log-max: a job writing 50 MB in 100-byte lines, capped at 1M; the log
# is looked at while it writes, and never holds over 2 × SIZE.
line=$(printf '%099d' 0)
id=$(j spawn --log-max 1M -- sh -c "yes $line | head -c 52428800")
max=0
pid=$(field "$id" pid)
while alive "$pid"; do
    s=$(stat -c %s "$L/$id.log" 2>/dev/null || echo 0)
    [ "$s" -gt "$max" ] && max=$s
done
j wait "$id"
check "--log-max 1M while 50 MB are written: the log never over 2M (largest seen $max)" [ "$max" -le 2097152 ]
size=$(stat -c %s "$L/$id.log")
check "... and ends between 1 and 2 MB" [ "$size" -ge 1000000 ] && [ "$size" -le 2097152 ]
head=$(j logs "$id" | head -n 1)
dropped=$(printf '%s\n' "$head" | sed -n 's/^\[jobctl: \([0-9]*\) bytes dropped\]$/\1/p')
check "... its first line says how much was dropped ($head)" [ -n "$dropped" ]
kept=$(j logs "$id" | tail -n +2 | wc -c | tr -d ' ')
same "... dropped + kept = all 50 MB written" "$((dropped + kept))" 52428800
same "... what is kept is whole lines" "$(j logs "$id" | tail -n +2 | grep -cv "^$line\$")" 0
same "... --stdout reads it too" "$(j logs --stdout "$id" | wc -c | tr -d ' ')" "$kept"

# The edges: the smallest cap (1K), a line longer than the cap (cut inside
# it), the default from $JOBCTL_LOG_MAX.
id=$(j spawn --log-max 1024 -- sh -c 'i=0; while [ $i -lt 500 ]; do echo "line $i"; i=$((i + 1)); done')
j wait "$id"
check "--log-max 1024: at most 2K kept" [ "$(stat -c %s "$L/$id.log")" -le 2048 ]
same "... the newest line last" "$(j logs "$id" | tail -n 1)" "line 499"
id=$(j spawn --log-max 4K -- head -c 100000 /dev/zero)
j wait "$id"
check "one line of 100000 bytes, --log-max 4K: at most 8K kept" [ "$(stat -c %s "$L/$id.log")" -le 8192 ]
id=$(JOBCTL_LOG_MAX=2K j spawn -- sh -c 'yes abcdefgh | head -c 100000')
j wait "$id"
check "JOBCTL_LOG_MAX=2K: the default cap" [ "$(stat -c %s "$L/$id.log")" -le 4096 ]
same "... ps --json says log_max" "$(field "$id" log_max)" 2048

# Bad sizes: exit 2, one line, no job.
before=$(j ps -q | wc -l)
for bad in 0 1023 1000 abc 10X -5 1.5M '' 99999999999999999999G; do
    status 2 "--log-max '$bad': exit 2" j spawn --log-max "$bad" -- true
done
status 2 "--log-max with --stdout FILE: exit 2" j spawn --log-max 1M --stdout "$T/x" -- true
status 2 "JOBCTL_LOG_MAX=junk: exit 2" env JOBCTL_LOG_MAX=junk "$JOBCTL" spawn -- true
same "... no job was made" "$(j ps -q | wc -l)" "$before"

# A followed capped log: cut many times while followed, the follower sees
# each line at most once, in order, and the last one.
id=$(j spawn --log-max 8K -- sh -c 'i=0; while [ $i -lt 20000 ]; do echo "l $i"; i=$((i + 1)); done')
j logs -f "$id" > "$T/followed"
same "logs -f across cuts: ends with the last line" "$(tail -n 1 "$T/followed")" "l 19999"
# Each line follows the one before it, except across a line saying what a
# slow follower missed (the line before such a note may be cut short).
same "... lines in order, none twice, gaps said" "$(awk '
    { line[NR] = $0 }
    END {
        for (i = 1; i <= NR; i++) {
            if (line[i] ~ /^\[jobctl: [0-9]+ bytes dropped\]$/) { gap = 1; continue }
            if (line[i + 1] ~ /^\[jobctl: [0-9]+ bytes dropped\]$/) continue
            if (line[i] !~ /^l [0-9]+$/) { bad++; continue }
            split(line[i], f, " ")
            if (seen && !gap && f[2] != last + 1) bad++
            seen = 1; gap = 0; last = f[2]
        }
        print bad + 0
    }' "$T/followed")" 0
same "... --stderr -f of the same job: nothing" "$(j logs -f --stderr "$id" | wc -c | tr -d ' ')" 0

# logs -f --stderr -t on a running job, up to its end.
r=$(fifo f1)
id=$(j spawn -- sh -c "echo e-one >&2; echo o-one; read x < $r; echo e-two >&2")
j logs -f --stderr -t "$id" > "$T/f-err" &
fpid=$!
k=0; until grep -q e-one "$T/f-err" 2>/dev/null || [ $k -ge 5000 ]; do k=$((k + 1)); done
echo go > "$r"
wait "$fpid"
same "logs -f --stderr -t: stderr's lines, stamped, to the job's end" "$(cut -c26- "$T/f-err" | tr '\n' '|')" "e-one|e-two|"

# The monitor SIGKILLed: the job goes on writing, well past what a pipe
# holds, and all of it reaches the log (the standby copies it).
r=$(fifo k1)
done_=$(fifo k2)
id=$(j spawn -- sh -c "echo before; read x < $r; head -c 500000 /dev/zero | tr '\\0' y; echo; echo after; echo end > $done_")
k=0; until j logs "$id" | grep -q before || [ $k -ge 2000 ]; do k=$((k + 1)); done
kill -KILL "$(field "$id" monitor)"
echo go > "$r"
read -r _ < "$done_"
k=0; until [ "$(j logs "$id" | tail -n 1)" = after ] || [ $k -ge 5000 ]; do k=$((k + 1)); done
same "monitor SIGKILLed: the job's later output all in the log" "$(j logs "$id" | wc -c | tr -d ' ')" "$((7 + 500000 + 1 + 6))"
same "... with its stream known" "$(j logs --stdout "$id" | tail -n 1)" after

finish
