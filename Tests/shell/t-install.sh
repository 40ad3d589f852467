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

# On a terminal only COMMAND is cut, never below 8 characters; the other
# columns stay whole however narrow it is. Piped: nothing is cut.
j spawn -n short -- sh -c 'exit 0; this command line is long enough to need cutting on a narrow terminal' >/dev/null
j wait short
full=$(j ps short | tail -n 1)
prefix=${full%%sh -c*}
if command -v script >/dev/null 2>&1; then
    for cols in 20 50 60 200; do
        row=$(script -qec "stty cols $cols; '$JOBCTL' ps short" /dev/null | tr -d '\r' | tail -n 1)
        case $row in "$prefix"*) ok "$cols columns: every column but COMMAND is whole" ;;
            *) not_ok "$cols columns: every column but COMMAND is whole" "[$row] vs [$full]" ;; esac
        cmd=${row#"$prefix"}
        width=$(printf '%s' "$row" | wc -m); pw=$(printf '%s' "$prefix" | wc -m); cw=$(printf '%s' "$cmd" | wc -m)
        if [ "$row" = "$full" ]; then
            check "$cols columns: a row that fits is not cut" [ "$width" -le "$cols" ]
        else
            room=$((cols - pw)); [ "$room" -lt 8 ] && room=8
            case $cmd in "sh -c"*"…"|"sh -c…") ok "$cols columns: COMMAND is cut and ends in …" ;;
                *) not_ok "$cols columns: COMMAND is cut and ends in …" "[$cmd]" ;; esac
            same "$cols columns: COMMAND gets the room that is left, at least 8" "$cw" "$room"
        fi
    done
else
    skip "tty width" "script not installed"
fi
case $(j ps | tail -n 1) in *"narrow terminal'") ok "piped, COMMAND is never cut" ;; *) not_ok "piped, COMMAND is never cut" "$(j ps | tail -n 1)" ;; esac
finish
