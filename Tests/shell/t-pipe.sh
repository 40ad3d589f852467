# spawn --stdin pipe, send, send --eof: talking to a job from any shell.
. "$(dirname "$0")/lib.sh"

id=$(j spawn --stdin pipe -- cat)
j send "$id" one
sh -c "'$JOBCTL' send $id two"
bash -c "'$JOBCTL' send $id three"
status 0 "the job keeps running while its stdin is open" j kill -s 0 "$id"
j send --eof "$id"
j wait "$id"; st=$?
same "after send --eof the job sees EOF and exits 0" "$st" 0
same "the log holds what three shells sent, in order" "$(j logs "$id")" "one
two
three"
status 1 "send to a job that has ended exits 1" j send "$id" late
err=$(j send "$id" late 2>&1)
same "... saying so" "$err" "jobctl: job $id has ended"
b=$(j spawn -- sleep 100)
status 1 "send to a job without a pipe exits 1" j send "$b" x
j kill "$b"

printf 'a\0b\377\n' > "$T/bin"
id=$(j spawn --stdin pipe -- cat)
j send "$id" - < "$T/bin"
j send --eof "$id"; j wait "$id"
j logs "$id" > "$T/bin.out"
check "send - passes bytes through exactly" cmp -s "$T/bin" "$T/bin.out"

# A job that does not read: the writer blocks, and --timeout gives up with 124.
id=$(j spawn --stdin pipe -- sleep 100)
python3 -c 'import sys; sys.stdout.write("x" * 200000)' > "$T/big"
status 124 "send --timeout gives up with 124 when the job does not read" j send --timeout 0.3 "$id" - < "$T/big"
j kill "$id"

# Data sent to a queued job is delivered when it starts.
r=$(fifo busy)
a=$(j spawn --pool pp --slots 1 -- sh -c "echo in > $r; sleep 100")
read -r _ < "$r"
q=$(j spawn --pool pp --stdin pipe -- cat)
same "the piped job is queued" "$(field "$q" state)" queued
j send "$q" "sent while queued"
j send --eof "$q"
j kill "$a"
j wait "$q"
same "... and gets the data once it runs" "$(j logs "$q")" "sent while queued"
# A live job that closed its stdin is not "ended"; and after send --eof
# the stream is closed: a later send, or a second --eof, fails.
r=$(fifo closed-stdin)
id=$(j spawn --stdin pipe -- sh -c "exec 0<&-; echo closed > $r; sleep 100")
read -r _ < "$r"
err=$(j send "$id" hello 2>&1); st=$?
same "send to a live job that closed its stdin exits 1" "$st" 1
case $err in *"not reading its stdin"*) ok "... saying it is not reading, not that it ended" ;; *) not_ok "... saying it is not reading, not that it ended" "$err" ;; esac
j kill "$id"
id=$(j spawn --stdin pipe -- sh -c 'cat; sleep 100')
j send "$id" one
j send --eof "$id"
for v in "two" "--eof"; do
    if [ "$v" = "--eof" ]; then err=$(j send --eof "$id" 2>&1); st=$?; else err=$(j send "$id" "$v" 2>&1); st=$?; fi
    same "after send --eof, send $v exits 1" "$st" 1
    case $err in *"closed by send --eof"*) ok "... saying the stdin was closed" ;; *) not_ok "... saying the stdin was closed" "$err" ;; esac
done
printf 'x' | j send "$id" -; st=$?
same "... and so does send - from stdin" "$st" 1
same "... the job got only what was sent before" "$(j logs "$id")" one
j kill "$id"; j wait "$id"
err=$(j send "$id" late 2>&1); st=$?
same "send to an ended job exits 1, saying it ended" "$st:$err" "1:jobctl: job $id has ended"

status 2 "--stdin takes only 'pipe'" j spawn --stdin file -- cat
finish
