# jobctl serve: a job per TCP connection, over loopback only.
. "$(dirname "$0")/lib.sh"
client() { python3 "$(dirname "$0")/client.py" "$@"; }
# The port a server spawned with :0 prints first, awaited through logs -f.
port_of() { j logs -f "$1" | head -n 1; }

srv=$(j spawn -n echo -- "$JOBCTL" serve 127.0.0.1:0 -- stdbuf -o0 tr a-z A-Z)
port=$(port_of "$srv")
case $port in ''|*[!0-9]*) not_ok "serve :0 prints the port it chose" "[$port]" ;; *) ok "serve :0 prints the port it chose" ;; esac
same "the echo server answers hello with HELLO" "$(client "$port" echo hello)" HELLO
# Python's own tutorial client sends with no newline and waits for one
# recv(1024): the documented server must answer it, every time.
words="hello x $(python3 -c 'print("y" * 1000)') Mixed.Case-42"
i=0; while [ $i -lt 16 ]; do words="$words w$i"; i=$((i + 1)); done
# shellcheck disable=SC2086
want=$(printf '%s\n' $words | tr a-z A-Z)
# shellcheck disable=SC2086
same "the README's echo server answers Python's tutorial client, 20 of 20" "$(client "$port" tutorial $words)" "$want"
lines=""; want=""
k=0
while [ $k -lt 20 ]; do lines="$lines client$k"; want="$want CLIENT$k"; k=$((k + 1)); done
# shellcheck disable=SC2086
got=$(client "$port" echo $lines | tr '\n' ' ')
same "20 concurrent clients each get their own answer" "$got" "$(echo $want) "
n=$(j ps --json | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["name"].startswith("echo:127.0.0.1:")))')
same "each connection was a job in ps, named after the server and the peer" "$n" 41

# A client that disconnects mid-line ends its job cleanly.
set -- $(client "$port" half partial)
same "a client gone mid-line gets its partial line back" "$1" PARTIAL
j wait "echo:127.0.0.1:$2"; st=$?
same "... and its job (named after its port) ends cleanly (0)" "$st" 0

# Killing the server ends its connection jobs.
r=$(fifo conn)
client "$port" hold "$r" &
cl=$!
read -r _ < "$r"
conn=$(j ps -q --running | tail -n 1)
same "a held connection is a running daemon job" "$(field "$conn" state) $(field "$conn" daemon)" "running true"
j kill "$srv"
j wait --timeout 15 "$conn"; st=$?
same "killing the server ends its connection jobs" "$st" 143
wait $cl

# --max 2: never more than 2 connection jobs at once.
srv=$(j spawn -n capped -- "$JOBCTL" serve --max 2 127.0.0.1:0 -- sh -c "read x; echo start >> $T/cap; sleep 0.2; echo end >> $T/cap; echo done")
port=$(port_of "$srv")
got=$(client "$port" echo a b c d e f | tr '\n' ' ')
same "--max 2: all six clients are served" "$got" "done done done done done done "
same "--max 2: never more than 2 at once" "$(awk '/start/ {n++; if (n > m) m = n} /end/ {n--} END {print m}' "$T/cap")" 2
j kill "$srv"

# --keep 2: of the ended connection jobs only the newest 2 stay; older ones
# are removed as new ones end (their logs too).
srv=$(j spawn -n kept -- "$JOBCTL" serve --max 1 --keep 2 127.0.0.1:0 -- sh -c 'read x; echo "got $x"')
port=$(port_of "$srv")
got=$(client "$port" echo a b c d e | tr '\n' ' ')
same "--keep 2: all five clients are served" "$got" "got a got b got c got d got e "
conns() { j ps --json | grep -c '"name":"kept:127.0.0.1:'; }
# The server removes the older ones once it sees the last end: looked at
# a bounded number of times.
k=0; while [ "$(conns)" -gt 2 ] && [ $k -lt 300 ]; do k=$((k + 1)); done
same "... only the newest 2 ended connection jobs are kept" "$(conns)" 2
ids=$(j ps --json | grep '"name":"kept:127.0.0.1:' | sed 's/^{"id":\([0-9]*\).*/\1/')
same "... and of the logs only theirs are left" "$(for i in $ids; do test -e "$JOBCTL_STATE_DIR/logs/$i.log" && echo y; done | wc -l)" 2
j kill "$srv"
status 2 "serve --keep -1 is a usage error" j serve --keep -1 127.0.0.1:0 -- true

# The ucspi-tcp environment.
srv=$(j spawn -n env -- "$JOBCTL" serve :0 -- sh -c 'echo "$TCPREMOTEIP $TCPREMOTEPORT $TCPLOCALPORT"')
port=$(port_of "$srv")
set -- $(client "$port" env)
same "TCPREMOTEIP, TCPREMOTEPORT and TCPLOCALPORT are set" "$1 $2 $3" "127.0.0.1 $4 $port"

# A port in use: exit 1, one clear line.
err=$(j serve "127.0.0.1:$port" -- true 2>&1); st=$?
same "serve on a port in use exits 1" "$st" 1
case $err in "jobctl: cannot listen on 127.0.0.1:$port: Address already in use") ok "... saying so" ;; *) not_ok "... saying so" "$err" ;; esac
j kill "$srv"

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    srv=$(j spawn -n six -- "$JOBCTL" serve '[::1]:0' -- stdbuf -oL tr a-z A-Z)
    port=$(port_of "$srv")
    same "IPv6: [::1]:0 serves too" "$(client "$port" echo six --v6)" SIX
    j kill "$srv"
else
    skip "IPv6" "no ::1 here"
fi
status 2 "a bad address is a usage error" j serve nowhere -- true
status 2 "a bad port is a usage error" j serve 127.0.0.1:99999 -- true
for bad in 127.0.0.1:+0 127.0.0.1:-1 127.0.0.1: '127.0.0.1: 80' 127.0.0.1:0x50 127.0.0.1:080000; do
    status 2 "port '$bad' is a usage error" j serve "$bad" -- true
done
finish
