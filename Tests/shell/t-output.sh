# What a verb exists to print must reach its reader, or the verb fails; and
# whatever the caller typed comes back in an error as one escaped line.
. "$(dirname "$0")/lib.sh"

# queue get: a value leaves the queue only once it was really written.
for value in "" "x" "$(python3 -c 'print("v" * 70000)')"; do
    size=${#value}
    printf '%s' "$value" | j queue put out -
    j queue get out >&- 2>/dev/null; st=$?
    same "queue get with stdout closed ($size bytes): exit 1" "$st" 1
    same "... and the value stays" "$(j queue len out)" 1
    if [ -w /dev/full ]; then
        j queue get out >/dev/full 2>/dev/null; st=$?
        same "queue get to a full device ($size bytes): exit 1, value kept" "$st:$(j queue len out)" "1:1"
    fi
    j queue get out > "$T/got"; st=$?
    same "... a good stdout then gets it, byte for byte" "$st:$(wc -c < "$T/got" | tr -d ' ')" "0:$size"
done
if [ -w /dev/full ]; then
    j queue put out v
    # A pipe whose reader is gone before the write, every time (`| true`
    # would race the reader's exit).
    python3 -c 'import os, subprocess, sys
r, w = os.pipe(); os.close(r)
subprocess.run([sys.argv[1], "queue", "get", "out"], stdout=w, stderr=subprocess.DEVNULL)' "$JOBCTL"
    same "queue get into a pipe whose reader is gone keeps the value" "$(j queue len out)" 1
    j queue get out >/dev/null
fi

# spawn: the id is the caller's only handle; a job nobody can learn of is
# not left running.
for how in closed full; do
    before=$(j ps -q | tail -n 1)
    if [ $how = closed ]; then j spawn -- sleep 100 >&- 2>"$T/err"; st=$?
    else j spawn -- sleep 100 >/dev/full 2>"$T/err"; st=$?; fi
    same "spawn with stdout $how exits 1" "$st" 1
    id=$(j ps -q | tail -n 1)
    check "... a job was started" [ "$id" != "$before" ]
    same "... and it was killed, not left running" "$(field "$id" state):$(field "$id" exitcode)" "killed:-9"
    case $(cat "$T/err") in "jobctl: cannot write to standard output"*"job $id was killed"*) ok "... saying so in one line" ;;
        *) not_ok "... saying so in one line" "$(cat "$T/err")" ;; esac
done
j spawn --pool full --slots 1 -- touch "$T/pool-ran" >/dev/full 2>/dev/null; st=$?
id=$(j ps -q | tail -n 1); j wait "$id" >/dev/null
same "a pool spawn with stdout full exits 1 and its job never runs" "$st:$(test -e "$T/pool-ran" && echo ran)" "1:"

if [ -w /dev/full ]; then
    a=$(j spawn -- echo some output); j wait "$a"
    for v in "wait --any $a" "queue len out" "ps" "ps --json" "ps -q" "locks" "logs $a" "--help" "--version" "wait --help" "help ps"; do
        # shellcheck disable=SC2086
        j $v >/dev/full 2>/dev/null; st=$?
        same "jobctl $v to a full device exits 1" "$st" 1
    done
    j serve 127.0.0.1:0 -- cat >/dev/full 2>"$T/err"; st=$?
    same "serve :0 that cannot print its port exits 1 at once" "$st" 1
fi

# Errors quote what the caller typed: always one line, nothing raw.
esc=$(printf '\033')
c1=$(printf '\302\233')
rlo=$(printf '\342\200\256')
for input in "$(printf 'zz\nzz')" "$(printf '\033[31mX')" "a${c1}b" "a${rlo}b" "$(printf 'bad\377byte')" "$(printf 'tab\there\r')"; do
    for v in "ps" "kill" "wait" "logs" "rm"; do
        err=$(j $v "$input" 2>&1); st=$?
        lines=$(printf '%s\n' "$err" | wc -l | tr -d ' ')
        case $err in *"$esc"*|*"$c1"*|*"$rlo"*) raw=yes ;; *) raw=no ;; esac
        [ "$st:$lines:$raw" = "1:1:no" ] || not_ok "$v: an operand with controls is one escaped line" "$st:$lines:$raw: $err"
    done
    for opts in "-e $input" "--timeout $input" "-n $input"; do
        err=$(j spawn $opts -- true 2>&1 | head -n 1); nlines=$(j spawn $opts -- true 2>&1 | wc -l | tr -d ' ')
        case $err in *"$esc"*|*"$c1"*|*"$rlo"*) not_ok "spawn $opts: raw bytes in the message" "$err" ;; esac
    done
done
ok "operands and option values with C0, C1, bidi and invalid bytes come back escaped, one line"
same "a newline is shown as \\n" "$(j ps "$(printf 'zz\nzz')" 2>&1)" 'jobctl: no such job: zz\nzz'
same "C1 and bidi controls as \\u{...}" "$(j ps "a${c1}b${rlo}c" 2>&1)" 'jobctl: no such job: a\u{009b}b\u{202e}c'
same "invalid UTF-8 as \\xNN" "$(j ps "$(printf 'bad\377')" 2>&1)" 'jobctl: no such job: bad\xff'
id=$(j spawn -n "x${c1}y${rlo}z$(printf '\033')" -- true); j wait "$id"
row=$(j ps "$id" | tail -n 1)
case $row in *"$esc"*|*"$c1"*|*"$rlo"*) not_ok "the ps table escapes C1 and bidi controls in names" "$row" ;;
    *'x\u{009b}y\u{202e}z\x1b'*) ok "the ps table escapes C1 and bidi controls in names" ;;
    *) not_ok "the ps table escapes C1 and bidi controls in names" "$row" ;; esac

# A job's --timeout of zero is refused (it would end the job before it
# began); zero still means "only look" for wait and the like.
for z in 0 0s 0ms 0.0 0.0000000001 0d; do
    status 2 "spawn --timeout $z is a usage error" j spawn --timeout "$z" -- true
    status 2 "run --timeout $z is a usage error" j run --timeout "$z" -- true
done
same "nothing was started by them" "$(j ps -q --running)" ""
id=$(j spawn --timeout 1ms -- sleep 100); j wait "$id"; st=$?
same "the smallest real timeout ends the job (143)" "$st" 143
b=$(j spawn -- sleep 100)
status 124 "wait --timeout 0 only looks" j wait --timeout 0 "$b"
j kill "$b"

# A mistyped subcommand gets a suggestion, after 'help' too.
err=$(j help spwan 2>&1); st=$?
case $st:$err in "2:jobctl: unknown subcommand 'spwan'; did you mean 'spawn'?"*) ok "jobctl help spwan suggests spawn" ;;
    *) not_ok "jobctl help spwan suggests spawn" "$st: $err" ;; esac
finish
