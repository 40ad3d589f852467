# wait --progress: one line on stderr, redrawn in place on a terminal
# (tested on a real pseudo-terminal), cleared at the end; stdout untouched.
. "$(dirname "$0")/lib.sh"

gates() { for k in 1 2 3; do rm -f "$T/g$k"; mkfifo "$T/g$k"; done; }
spawn3() {
    a=$(j spawn -- sh -c "read x < $T/g1")
    b=$(j spawn -- sh -c "read x < $T/g2; exit 4")
    c=$(j spawn -- sh -c "read x < $T/g3")
}
gates; spawn3
got=$(python3 "$(dirname "$0")/progress.py" "$JOBCTL" "$T/out" "$T/g1" "$T/g2" "$T/g3" -- "$a" "$b" "$c")
same "on a terminal, wait of 3 jobs redraws one line as they end, then clears it" "$got" "'\\r0/3 done, 0 failed, 3 running\\x1b[K\\r1/3 done, 0 failed, 2 running\\x1b[K\\r2/3 done, 1 failed, 1 running\\x1b[K\\r3/3 done, 1 failed, 0 running\\x1b[K\\r\\x1b[K'
exit 0"
gates; spawn3
got=$(python3 "$(dirname "$0")/progress.py" "$JOBCTL" "$T/out" "$T/g1" "$T/g2" "$T/g3" -- --no-progress "$a" "$b" "$c")
same "--no-progress on a terminal: nothing" "$got" "''
exit 0"
# Not a terminal: none by default; --progress asks for it anyway.
x=$(j spawn -- true); y=$(j spawn -- true)
j wait "$x" "$y" 2> "$T/err" > "$T/out"
same "stderr not a terminal: no progress" "$(cat "$T/err")$(cat "$T/out")" ""
j wait --progress "$x" "$y" 2> "$T/err" > "$T/out"
check "--progress draws it anyway" grep -q '2/2 done, 0 failed, 0 running' "$T/err"
same "... and stdout is untouched" "$(cat "$T/out")" ""
status 2 "--progress and --no-progress exclude each other" j wait --progress --no-progress "$x"
finish
