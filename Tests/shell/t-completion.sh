# Completion in the real shells: bash through its completion function,
# zsh interactively on a pseudo-terminal, fish through `complete -C`.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
a=$(j spawn -n live-one -- sleep 100); b=$(j spawn -n done-one -- true); j wait "$b"

if command -v zsh >/dev/null 2>&1; then
    setup="fpath=($root/completions \$fpath); autoload -Uz compinit; compinit -u -D; PATH=$(dirname "$JOBCTL"):\$PATH; export JOBCTL_STATE_DIR=$JOBCTL_STATE_DIR"
    out=$(python3 "$(dirname "$0")/complete.py" zsh -f -i -- "$setup" "jobctl ki")
    case $out in *"jobctl kill"*) ok "zsh: 'jobctl ki<TAB>' becomes 'jobctl kill'" ;; *) not_ok "zsh: 'jobctl ki<TAB>' becomes 'jobctl kill'" "$(printf '%s' "$out" | tail -c 300)" ;; esac
    out=$(python3 "$(dirname "$0")/complete.py" zsh -f -i -- "$setup" "jobctl ps --js")
    case $out in *"--json"*) ok "zsh: options complete per subcommand" ;; *) not_ok "zsh: options complete per subcommand" "$(printf '%s' "$out" | tail -c 300)" ;; esac
    out=$(python3 "$(dirname "$0")/complete.py" zsh -f -i -- "$setup" "jobctl kill live-o")
    case $out in *"live-one"*) ok "zsh: kill completes a running job's name" ;; *) not_ok "zsh: kill completes a running job's name" "$(printf '%s' "$out" | tail -c 300)" ;; esac
else
    skip "zsh completion" "zsh not installed"
fi

if command -v fish >/dev/null 2>&1; then
    fc() { fish --no-config -c "set -gx PATH $(dirname "$JOBCTL") \$PATH; source $root/completions/jobctl.fish; complete -C'$1'" 2>&1; }
    out=$(fc "jobctl ")
    missing=""
    for s in spawn ps kill wait logs run rm prune help; do
        printf '%s\n' "$out" | grep -q "^$s	" || missing="$missing $s"
    done
    same "fish: 'jobctl <TAB>' lists every subcommand" "$missing" ""
    out=$(fc "jobctl kill ")
    case $out in *"$a"*) ok "fish: kill offers the running job's id" ;; *) not_ok "fish: kill offers the running job's id" "$out" ;; esac
    case $out in *live-one*) ok "fish: ... and its name" ;; *) not_ok "fish: ... and its name" "$out" ;; esac
    case $out in *done-one*) not_ok "fish: ... but no ended job" "$out" ;; *) ok "fish: ... but no ended job" ;; esac
    out=$(fc "jobctl kill -s ")
    case $out in *TERM*KILL*|*KILL*TERM*) ok "fish: -s offers signal names" ;; *) not_ok "fish: -s offers signal names" "$out" ;; esac
    out=$(fc "jobctl wait --")
    case $out in *--timeout*--any*|*--any*--timeout*) ok "fish: wait's options" ;; *) not_ok "fish: wait's options" "$out" ;; esac
else
    skip "fish completion" "fish not installed"
fi
# Names come from data (spawn -n "$f"): completion offers them literally and
# never runs what they hold, in bash, zsh and fish alike. `:` is in every
# serve connection job's name.
P=$T/pwned
ids=""
for name in "\$(touch $P.1)" "\`touch $P.2\`" '${HOME}' 'a:b:c' 'two words' 'semi;colon' 'q'"'"'uote'; do
    ids="$ids $(j spawn -n "$name" -- sleep 100)"
done
j queue put "\$(touch $P.3)" v
j lock "\$(touch $P.4)" -- true
if command -v bash >/dev/null 2>&1; then
    comp() {
        bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _jobctl; printf "%s\n" "${COMPREPLY[@]}"' \
            _ "$root/completions/jobctl.bash" "$@"
    }
    out=$(comp jobctl kill ''; comp jobctl wait ''; comp jobctl queue get ''; comp jobctl lock ''; comp jobctl spawn --lock '')
    same "bash: completing hostile names runs nothing" "$(ls "$T" | grep -c pwned)" 0
    case $out in *'\$\(touch\ '*) ok "bash: a \$(...) name is offered quoted, literally" ;; *) not_ok "bash: a \$(...) name is offered quoted, literally" "$out" ;; esac
    case $out in *'\$\{HOME\}'*) ok "bash: \${HOME} is offered as itself, not expanded" ;; *) not_ok "bash: \${HOME} is offered as itself, not expanded" "$out" ;; esac
    case $out in *"$HOME"*) not_ok "bash: ... nothing expands to \$HOME" "$out" ;; *) ok "bash: ... nothing expands to \$HOME" ;; esac
    same "bash: a name with a space is one candidate" "$(comp jobctl kill two)" 'two\ words'
    same "bash: a name with a colon completes whole" "$(comp jobctl kill a:)" 'a:b:c'
    # The quoted word, pasted back, names the job.
    w=$(comp jobctl kill semi)
    same "bash: the quoted candidate names the job when the shell reads it" "$(eval "\"\$JOBCTL\" ps -q $w")" "$(j ps -q 'semi;colon')"
fi
if command -v zsh >/dev/null 2>&1; then
    out=$(python3 "$(dirname "$0")/complete.py" zsh -f -i -- "$setup" "jobctl kill ")
    same "zsh: listing hostile names runs nothing" "$(ls "$T" | grep -c pwned)" 0
    out=$(python3 "$(dirname "$0")/complete.py" zsh -f -i -- "$setup" "jobctl kill a")
    case $out in *"jobctl kill a:b:c"*) ok "zsh: a name with colons completes whole" ;; *) not_ok "zsh: a name with colons completes whole" "$(printf '%s' "$out" | tail -c 300)" ;; esac
    out=$(python3 "$(dirname "$0")/complete.py" zsh -f -i -- "$setup" "jobctl kill \\\$\\(")
    same "zsh: completing a \$(...) name runs nothing" "$(ls "$T" | grep -c pwned)" 0
    case $out in *'\$\(touch'*|*'$(touch'*) ok "zsh: ... and offers it quoted" ;; *) not_ok "zsh: ... and offers it quoted" "$(printf '%s' "$out" | tail -c 300)" ;; esac
fi
if command -v fish >/dev/null 2>&1; then
    out=$(fc "jobctl kill "; fc "jobctl queue get "; fc "jobctl lock ")
    same "fish: completing hostile names runs nothing" "$(ls "$T" | grep -c pwned)" 0
    case $out in *"\$(touch $P.1)"*) ok "fish: a \$(...) name is offered as itself" ;; *) not_ok "fish: a \$(...) name is offered as itself" "$out" ;; esac
    case $out in *'${HOME}'*) ok "fish: \${HOME} is offered as itself" ;; *) not_ok "fish: \${HOME} is offered as itself" "$out" ;; esac
    case $out in *a:b:c*) ok "fish: a name with colons is offered whole" ;; *) not_ok "fish: a name with colons is offered whole" "$out" ;; esac
fi
# shellcheck disable=SC2086
j kill $ids
j kill "$a"
finish
