# Every shell example in README.md and in the man page's EXAMPLES runs as
# written, in a directory with stand-ins for the programs they name (make,
# postgres, flac, ./deploy.sh ...): no error on stderr, and what they say
# they print is printed.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v jq >/dev/null 2>&1; then
    skip "documented examples" "jq not installed"
    finish; exit
fi
D=$T/doc
mkdir -p "$D/bin" "$D/inbox" "$D/data" "$D/scripts"
for p in make flac convert run-tests run-tests.sh deploy.sh nightly.sh process long-task migrate.sh make-report flaky-upload; do
    printf '#!/bin/sh\nexit 0\n' > "$D/bin/$p"
    chmod +x "$D/bin/$p"
    cp "$D/bin/$p" "$D/$p"
done
# A database server stand-in runs until it is stopped.
printf '#!/bin/sh\nexec sleep 1000\n' > "$D/bin/postgres"; chmod +x "$D/bin/postgres"
touch "$D/a.csv" "$D/b.csv" "$D/a.wav" "$D/b.wav" "$D/inbox/one" "$D/inbox/two"

n_readme=$(python3 "$(dirname "$0")/docblocks.py" "$root/README.md" "$D/scripts")
check "README.md has shell examples to run" [ "$n_readme" -ge 2 ]
for s in "$D"/scripts/readme-*.sh; do
    name=$(basename "$s")
    (cd "$D" && PATH=$D/bin:$PATH sh "$s" >"$T/out" 2>"$T/err"); st=$?
    if [ "$st" -eq 0 ] && [ ! -s "$T/err" ]; then ok "README example $name runs as written"
    else not_ok "README example $name runs as written" "exit $st: $(head -c 600 "$T/err")"; fi
done
same "... the README's daemon job died with the script that started it" "$(j wait --timeout 20 testdb; echo $?)" 143

n_man=$(python3 "$(dirname "$0")/docblocks.py" "$root/man/jobctl.1" "$D/scripts")
check "the man page has examples to run" [ "$n_man" -ge 5 ]
(cd "$D" && PATH=$D/bin:$PATH timeout 90 sh "$D/scripts/man.sh" >"$T/out" 2>"$T/err"); st=$?
errors=$(grep -v '^### example' "$T/err")
if [ "$st" -eq 0 ] && [ -z "$errors" ]; then ok "the man page's examples run as written, in order"
else not_ok "the man page's examples run as written, in order" "exit $st: $(head -c 600 "$T/err")"; fi
check "... the echo server example prints HELLO" grep -qx HELLO "$T/out"
same "... its daemon example's job died with the session" "$(j wait --timeout 20 db; echo $?)" 143

# What the examples claim, checked where they could mislead.
run=$(j spawn -- sleep 100); bad=$(j spawn -- sh -c 'exit 3'); good=$(j spawn -- true); j wait "$bad" "$good"
same "the documented jq filter lists the failed job, not the running one" \
    "$(j ps --finished --json | jq -r 'select(.exitcode != 0) | .id' | grep -x -e "$run" -e "$bad" -e "$good")" "$bad"
j kill "$run"
r=$(fifo held)
j spawn -- jobctl lock nightly -- sh -c "echo held > $r; sleep 100" >/dev/null
read -r _ < "$r"
out=$(cd "$D" && sed -n '/lock --timeout 0 nightly/,/already running/p' "$D/scripts/man.sh" | PATH=$D/bin:$PATH sh)
same "the man page's nightly example says 'already running' only when the lock is held" "$out" "already running"
j kill --wait "$(j ps -q --running | tail -n 1)"
mkdir "$D/failing"; printf '#!/bin/sh\nexit 1\n' > "$D/failing/nightly.sh"; chmod +x "$D/failing/nightly.sh"
out=$(cd "$D/failing" && sed -n '/lock --timeout 0 nightly/,/already running/p' "$D/scripts/man.sh" | sh)
same "... and not when the command merely failed" "$out" ""
finish
