# Python parity: shared values, semaphores, events, recv, map.
. "$(dirname "$0")/lib.sh"

# --- value -------------------------------------------------------------
status 1 "value get of a value never set is exit 1" j value get never
same "value add to a never-set value starts from 0" "$(j value add fresh 5)" 5
same "value add of a negative number subtracts" "$(j value add fresh -7)" -2
for bad in 1.5 '' ' 3' 0x10 1e3 9223372036854775808 abc; do
    status 2 "value set '$bad' is a usage error" j value set fresh "$bad"
done
same "... and none of them changed it" "$(j value get fresh)" -2
j value set big 9223372036854775807
status 1 "value add past the 64-bit maximum is refused (exit 1)" j value add big 1
j value set small -9223372036854775808
status 1 "... and below the minimum" j value add small -1
same "... leaving the value as it was" "$(j value get big)" 9223372036854775807
status 0 "value cas swaps when the old value matches" j value cas fresh -2 10
status 1 "... and not when it does not" j value cas fresh -2 11
same "... the value is the swapped one" "$(j value get fresh)" 10
status 0 "value cas of a never-set value compares with 0" j value cas unset-cas 0 1
# Concurrency: 6 shells x 150 adds, at the same time.
i=0; pids=""
while [ $i -lt 6 ]; do
    ( k=0; while [ $k -lt 150 ]; do "$JOBCTL" value add counter 1 >/dev/null || echo FAIL; k=$((k + 1)); done ) > "$T/adder.$i" &
    pids="$pids $!"; i=$((i + 1))
done
# shellcheck disable=SC2086
wait $pids
same "6 shells x 150 value add 1 end at exactly 900" "$(j value get counter)" 900
same "... with no add failing" "$(cat "$T"/adder.*)" ""
name=$(printf 'v\303\251\tx')
j value set "$name" 3
same "values lists a name as bytes (escaped) with its value" "$(j values | grep -c 'v')" 1
same "values --json names and values" "$(j values --json | grep '"name":"counter"')" '{"name":"counter","value":900}'

# --- semaphore (lock --slots) ------------------------------------------
cat > "$T/slot.sh" <<EOS
#!/bin/sh
touch "$T/in.\$\$"
ls "$T" | grep -c '^in\.' >> "$T/counts"
sleep 0.2
rm "$T/in.\$\$"
EOS
chmod +x "$T/slot.sh"
i=0; pids=""
while [ $i -lt 9 ]; do "$JOBCTL" lock --slots 3 sem -- "$T/slot.sh" & pids="$pids $!"; i=$((i + 1)); done
# shellcheck disable=SC2086
wait $pids
same "9 holders of a 3-slot lock all ran" "$(wc -l < "$T/counts" | tr -d ' ')" 9
same "... never more than 3 at once" "$(sort -n "$T/counts" | tail -n 1)" 3
same "locks shows the remembered slots" "$(j locks | awk '$1 == "sem" {print $3}')" 3
# SIGKILL of a holder frees its slot.
r=$(fifo semheld)
"$JOBCTL" lock --slots 1 sk -- sh -c "echo \$\$ > $r; exec sleep 100" &
lp=$!
read -r holder < "$r"
status 124 "a 1-slot lock that is held: lock --timeout 0 gives up (124)" j lock --timeout 0 sk -- true
kill -9 "$holder" "$lp"; wait "$lp" 2>/dev/null
status 0 "... free once its holder is SIGKILLed" j lock --timeout 5 sk -- true
# spawn --lock does not block spawn: the job is queued, in arrival order.
a=$(j spawn --lock order --slots 1 -- sh -c "echo a >> $T/order; sleep 0.3")
b=$(timeout 5 "$JOBCTL" spawn --lock order -- sh -c "echo b >> $T/order")
c=$(timeout 5 "$JOBCTL" spawn --lock order -- sh -c "echo c >> $T/order")
check "spawn --lock returns at once while the lock is held" [ -n "$b" ] && [ -n "$c" ]
same "... the waiting job is queued, waiting for the lock" "$(j ps --json "$c" | grep -o '"waiting_for":{[^}]*}')" '"waiting_for":{"lock":"order"}'
j wait "$a" "$b" "$c"
same "... and holders come in arrival order" "$(cat "$T/order" | tr '\n' ' ')" "a b c "
status 2 "--slots with --shared is a usage error" j lock --shared --slots 2 x -- true
status 2 "--slots 0 is a usage error" j lock --slots 0 x -- true

# --- event -------------------------------------------------------------
status 1 "event is-set of an event never set: 1" j event is-set ev
status 124 "event wait --timeout on a clear event: 124" j event wait --timeout 0.2 ev
w=$(fifo evwait)
( "$JOBCTL" event wait --timeout 20 ev; echo "woke $?" > "$w" ) &
( "$JOBCTL" event wait --timeout 20 ev; echo "woke $?" > "$T/ev2" ) &
sleep 0.1   # let the waiters start waiting (set before they do is also fine)
j event set ev
read -r got < "$w"
same "event set wakes a waiter in another shell" "$got" "woke 0"
wait
same "... and every waiter" "$(cat "$T/ev2")" "woke 0"
status 0 "event is-set once set: 0" j event is-set ev
status 0 "event wait of a set event returns at once" j event wait --timeout 0 ev
j event clear ev
status 1 "event clear: is-set 1 again" j event is-set ev

# --- recv --------------------------------------------------------------
id=$(j spawn --stdin pipe --stdout pipe -- sh -c 'while read l; do echo "got $l"; echo "noise" >&2; done')
k=0; all=ok
while [ $k -lt 20 ]; do
    j send "$id" "m$k"
    got=$(j recv --timeout 10 "$id")
    [ "$got" = "got m$k" ] || all="round trip $k: $got"
    k=$((k + 1))
done
same "send + recv: 20 request/response round trips" "$all" ok
status 124 "recv --timeout with nothing written: 124" j recv --timeout 0.2 "$id"
# Several readers: each line to exactly one.
k=0; while [ $k -lt 30 ]; do j send "$id" "r$k"; k=$((k + 1)); done
( k=0; while [ $k -lt 15 ]; do "$JOBCTL" recv --timeout 10 "$id"; k=$((k + 1)); done ) > "$T/r1" &
( k=0; while [ $k -lt 15 ]; do "$JOBCTL" recv --timeout 10 "$id"; k=$((k + 1)); done ) > "$T/r2" &
wait
same "two shells recv 30 lines: each line exactly once" "$(cat "$T/r1" "$T/r2" | sort -u | wc -l | tr -d ' ')" 30
same "... 30 in all" "$(cat "$T/r1" "$T/r2" | wc -l | tr -d ' ')" 30
j send --eof "$id"
j wait "$id"
status 1 "recv of an ended job with nothing left: 1" j recv "$id"
check "what recv read stays in the log" grep -q "got r29" "$T/state/logs/$id.log"
for size in 0 1 65536 200000; do
    l=$(j spawn --stdout pipe -- sh -c "head -c $size /dev/zero | tr '\\0' x; echo; printf 'last'")
    same "a $size-byte line arrives whole" "$(j recv --timeout 10 "$l" | wc -c | tr -d ' ')" $((size + 1))
    same "... and a last line without newline comes as is" "$(j recv --timeout 10 "$l")" last
done
l=$(j spawn --stdout pipe -- printf 'a\nb\nc')
same "recv JOB - gives everything to the end" "$(j recv "$l" - | od -c | head -n 1)" "$(printf 'a\nb\nc' | od -c | head -n 1)"
s=$(j spawn -- true)
status 1 "recv of a job without --stdout pipe: 1" j recv "$s"

# --- map ---------------------------------------------------------------
out=$(printf '0.6\n0.1\n0.3\n0\n' | j map --slots 4 -- sh -c 'sleep $1; echo "o$1"' x)
same "map prints outputs in input order when later inputs finish first" "$(echo $out)" "o0.6 o0.1 o0.3 o0"
same "map puts {} in place, also inside an argument" "$(printf 'a\nb\n' | j map -- echo 'x{}y' '{}')" "$(printf 'xay a\nxby b\n')"
same "map -0 takes NUL-separated inputs, newlines and all" "$(printf 'p q\0r\ns\0' | j map -0 -- printf '[%s]')" "$(printf '[p q][r\ns]')"
same "map of no input runs nothing, exit 0" "$(printf '' | j map -- echo x; echo "rc $?")" "rc 0"
printf 'a\nb\nc\nd\ne\nf\n' | j map -n stops --slots 1 -- sh -c 'case $1 in c) exit 5;; esac; echo $1' x > "$T/mapout"
same "map exits with the status of the first failing input" "$?" 5
same "... printing what came before it" "$(cat "$T/mapout" | tr '\n' ' ')" "a b "
same "... and the inputs after the failure are skipped" "$(j ps --all-named stops --json | grep -c '"state":"skipped"')" 3
printf 'a\nb\nc\n' | j map -n kg --keep-going -- sh -c 'case $1 in a) exit 0;; b) exit 4;; esac; exit 6' x
same "map --keep-going runs all; status of the first failure in input order" "$?" 4
same "... every input a job of pool kg" "$(j ps --pool kg --json | grep -c '"state":"exited"')" 3
# Killing map ends its jobs (daemon jobs of map), SIGKILL included.
r=$(fifo mapgo)
printf '1\n2\n3\n' > "$T/three"
"$JOBCTL" map -n killed --slots 2 -- sh -c "echo x > $r; exec sleep 100" < "$T/three" &
mp=$!
read -r _ < "$r"
kill -9 "$mp"
wait "$mp" 2>/dev/null
j wait --all-named killed --timeout 20 >/dev/null 2>&1
same "SIGKILL of map ends its jobs: none left running or queued" \
    "$(j ps --all-named killed --json | grep -c -e '"state":"running"' -e '"state":"queued"')" 0
finish
