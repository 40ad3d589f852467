# events: the state changes from the state file's records; --follow sees
# jobs spawned while it follows, as they happen.
. "$(dirname "$0")/lib.sh"

a=$(j spawn -n first -- sh -c 'exit 3')
j wait "$a"
b=$(j spawn --after "$a" -n second -- true)
j wait "$b"
c=$(j spawn --retries 1 --retry-delay 0.01 -n third -- false)
j wait "$c"
same "events: the history, oldest first (id event name)" "$(j events "$a" "$b" "$c" | cut -d' ' -f2-5)" "$a spawned first
$a started first
$a exited first 3
$b spawned second
$b skipped second (dependency
$c spawned third
$c started third
$c retried third 1
$c started third
$c exited third 1"
check "... each line starts with an RFC 3339 time" sh -c "'$JOBCTL' events $a | grep -Eqv '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ' && exit 1 || exit 0"
same "events --json: the fields that changed" "$(j events --json "$b" | sed 's/"time":"[^"]*",//')" "{\"id\":$b,\"event\":\"spawned\",\"name\":\"second\"}
{\"id\":$b,\"event\":\"skipped\",\"name\":\"second\",\"exitcode\":null,\"reason\":\"dependency $a exited 3\"}"
same "... attempt on a retry" "$(j events --json "$c" | grep retried | sed 's/"time":"[^"]*",//')" "{\"id\":$c,\"event\":\"retried\",\"name\":\"third\",\"exitcode\":1,\"attempt\":2}"
j rm "$a"
same "rm is an event" "$(j events | awk -v id="$a" '$2 == id {print $3}' | tail -n 1)" removed
status 1 "events of a job that does not exist: exit 1" j events 99999

# --follow: only new events, as they happen. Ready once it sleeps on the
# state (its inotify descriptor), looked at through /proc.
mkfifo "$T/follow"
j events --follow --json > "$T/follow" &
f=$!
exec 3< "$T/follow"
k=0
while ! ls -l "/proc/$f/fd" 2>/dev/null | grep -q inotify && [ $k -lt 2000 ]; do k=$((k + 1)); done
g=$(fifo gate)
x=$(j spawn -n followed -- sh -c "read v < $g; exit 5")
read -r l1 <&3; read -r l2 <&3
same "events --follow sees a job spawned while it follows" "$(echo "$l1" | sed 's/"time":"[^"]*",//')" "{\"id\":$x,\"event\":\"spawned\",\"name\":\"followed\"}"
same "... and its start" "$(echo "$l2" | sed 's/"time":"[^"]*",//')" "{\"id\":$x,\"event\":\"started\",\"name\":\"followed\"}"
echo go > "$g"
read -r l3 <&3
same "... and its end, as it happens" "$(echo "$l3" | sed 's/"time":"[^"]*",//')" "{\"id\":$x,\"event\":\"exited\",\"name\":\"followed\",\"exitcode\":5}"
check "... not the history from before it started" sh -c "! echo '$l1 $l2 $l3' | grep -q '\"id\":$b,'"
j pause "$(j spawn -n p -- sleep 100)" 2>/dev/null
for want in spawned started paused; do read -r l <&3; got=$(echo "$l" | sed 's/.*"event":"\([a-z]*\)".*/\1/'); same "... $want" "$got" "$want"; done
kill "$f"; exec 3<&-
j kill --all-named p
# A lost job (its monitor SIGKILLed, then the job ends): no record is left,
# yet events tells it, with --follow as it happens.
r=$(fifo lost-go)
lid=$(j spawn -- sh -c "read x < $r")
j events --follow --json > "$T/lost.ev" &
epid=$!
m=$(j spawn -- true)
k=0; until grep -q "\"id\":$m," "$T/lost.ev" 2>/dev/null || [ $k -ge 5000 ]; do k=$((k + 1)); done
kill -KILL "$(field "$lid" monitor)"
echo go > "$r"
k=0; until grep -q "\"id\":$lid,\"event\":\"lost\"" "$T/lost.ev" 2>/dev/null || [ $k -ge 50000 ]; do k=$((k + 1)); done
kill "$epid"; wait "$epid" 2>/dev/null
same "events --follow: lost, once the job whose monitor was SIGKILLed has ended" \
    "$(grep -c "\"id\":$lid,\"event\":\"lost\"" "$T/lost.ev")" 1
same "... ps agrees" "$(field "$lid" state)" lost
same "events (the history): lost last, with no time" "$(j events "$lid" | tail -n 1 | cut -d' ' -f1,3)" "- lost"
same "... in JSON, time null" "$(j events --json "$lid" | tail -n 1 | python3 -c 'import json,sys; e=json.loads(sys.stdin.read()); print(e["time"], e["event"])')" "None lost"

finish
