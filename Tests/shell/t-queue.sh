# Queues: FIFO, exactly once across producers and consumers, nothing lost
# when consumers are SIGKILLed, any bytes.
. "$(dirname "$0")/lib.sh"

j queue put q one; j queue put q two; j queue put q three
same "len counts the values" "$(j queue len q)" 3
same "get takes them first in, first out" "$(j queue get q) $(j queue get q) $(j queue get q)" "one two three"
status 124 "get on an empty queue with --timeout exits 124" j queue get --timeout 0.2 q
same "len of an empty queue is 0" "$(j queue len q)" 0

printf 'a\0b\n\377\n\n' > "$T/bin"
j queue put bin - < "$T/bin"
j queue get bin > "$T/bin.out"
check "binary values (NUL, newlines, invalid UTF-8) round-trip exactly" cmp -s "$T/bin" "$T/bin.out"
: | j queue put empty -
same "an empty value is a value" "$(j queue len empty)" 1

# A consumer blocked on an empty queue wakes when a value arrives.
sh -c "'$JOBCTL' queue get --timeout 20 wake > $T/woke" &
c=$!
j queue put wake hello
wait $c
same "a blocked get wakes for a put" "$(cat "$T/woke")" hello

# 4 producers x 250 values, 4 consumers: every value got exactly once.
i=0; prods=""
while [ $i -lt 4 ]; do
    sh -c "k=0; while [ \$k -lt 250 ]; do '$JOBCTL' queue put work p$i-\$k || echo PUTFAIL; k=\$((k+1)); done" > "$T/prod.$i" &
    prods="$prods $!"
    i=$((i + 1))
done
i=0; cons=""
while [ $i -lt 4 ]; do
    sh -c "while v=\$('$JOBCTL' queue get work); [ \"\$v\" != STOP ]; do echo \"\$v\"; done" > "$T/got.$i" &
    cons="$cons $!"
    i=$((i + 1))
done
# shellcheck disable=SC2086
wait $prods
j queue put work STOP; j queue put work STOP; j queue put work STOP; j queue put work STOP
# shellcheck disable=SC2086
wait $cons
cat "$T"/got.* > "$T/all"
same "4 producers x 250: 1000 values got" "$(wc -l < "$T/all" | tr -d ' ')" 1000
same "... each exactly once" "$(sort -u "$T/all" | wc -l | tr -d ' ')" 1000
same "... and none failed to be put" "$(cat "$T"/prod.* | grep -c PUTFAIL)" 0
same "... each consumer saw each producer's values in order" "$(for f in "$T"/got.*; do for p in 0 1 2 3; do grep "^p$p-" "$f" | cut -d- -f2 | sort -n -c 2>/dev/null || echo unordered; done; done)" ""

# Consumers SIGKILLed in a loop: every value is still got at least once.
k=0
while [ $k -lt 100 ]; do j queue put crash "v$k"; k=$((k + 1)); done
k=0
while [ $k -lt 40 ]; do
    "$JOBCTL" queue get crash >> "$T/crash.got" 2>/dev/null &
    p=$!
    [ $((k % 2)) -eq 0 ] && sleep 0.00$((k % 5))
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
    k=$((k + 1))
done
while v=$(j queue get --timeout 0 crash); do echo "$v" >> "$T/crash.got"; done
missing=$(k=0; while [ $k -lt 100 ]; do grep -qx "v$k" "$T/crash.got" || printf 'v%s ' "$k"; k=$((k + 1)); done)
same "consumers SIGKILLed mid-get: every value still got at least once" "$missing" ""
same "... and the queue ends empty" "$(j queue len crash)" 0

status 2 "an unknown queue operation is a usage error" j queue pop q
status 2 "a bad queue name is a usage error" j queue put a/b x
status 2 "--timeout with put is a usage error" j queue put --timeout 1 q x
finish
