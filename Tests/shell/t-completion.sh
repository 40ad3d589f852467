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
j kill "$a"
finish
