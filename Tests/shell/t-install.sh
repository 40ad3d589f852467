# make install puts everything in the standard places, and it works from there;
# the ps table fits a terminal and is never cut when piped.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

if command -v make >/dev/null 2>&1; then
    make -s -C "$root" install PREFIX="$T/prefix" BIN="$JOBCTL" >/dev/null; st=$?
    same "make install PREFIX=... succeeds" "$st" 0
    for f in bin/jobctl share/man/man1/jobctl.1 share/bash-completion/completions/jobctl \
             share/zsh/site-functions/_jobctl share/fish/vendor_completions.d/jobctl.fish; do
        check "installed: $f" test -s "$T/prefix/$f"
    done
    case $("$T/prefix/bin/jobctl" --version) in "jobctl "*) ok "the installed binary runs" ;; *) not_ok "the installed binary runs" ;; esac
    if command -v man >/dev/null 2>&1; then
        out=$(MANPAGER=cat MANWIDTH=80 man -l "$T/prefix/share/man/man1/jobctl.1" 2>/dev/null)
        case $out in *"EXIT STATUS"*FILES*jobs.jsonl*) ok "man -l shows the installed page" ;; *) not_ok "man -l shows the installed page" ;; esac
    else
        skip "man -l" "man not installed"
    fi
else
    skip "make install" "make not installed"
fi

# The table on a 50-column terminal: COMMAND cut to fit; piped: whole.
j spawn -n short -- sh -c 'exit 0; this command line is long enough to need cutting on a narrow terminal' >/dev/null
j wait short
if command -v script >/dev/null 2>&1; then
    out=$(script -qec "stty cols 50; '$JOBCTL' ps" /dev/null | tr -d '\r')
    widest=$(printf '%s\n' "$out" | while IFS= read -r l; do printf '%s' "$l" | wc -m; done | sort -n | tail -n 1)
    check "on a terminal, lines fit its 50 columns (widest: $widest)" [ "$widest" -le 50 ]
    case $out in *"…"*) ok "... and a cut line ends in …" ;; *) not_ok "... and a cut line ends in …" "$out" ;; esac
else
    skip "tty width" "script not installed"
fi
case $(j ps | tail -n 1) in *"narrow terminal'") ok "piped, COMMAND is never cut" ;; *) not_ok "piped, COMMAND is never cut" "$(j ps | tail -n 1)" ;; esac
finish
