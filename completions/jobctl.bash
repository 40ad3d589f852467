# bash completion for jobctl                                  -*- shell-script -*-
# Subcommands, each one's options, signal names for -s, and live job ids and
# names from the state (running jobs only for kill), offered literally.

# Offers what `jobctl __complete KIND` prints (jobs, running, finished, locks,
# queues, pools: NUL-separated, exactly as stored) that starts with $cur,
# each quoted with printf %q. Never through compgen -W, which would expand
# $(...), `...` and ${...} in a name: names often come from data.
_jobctl_offer() {
    local sd=() c
    [[ -n $_jobctl_state ]] && sd=(--state-dir "$_jobctl_state")
    COMPREPLY=()
    while IFS= read -r -d '' c; do
        [[ $c == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$c")")
    done < <(jobctl "${sd[@]}" __complete "$1" 2>/dev/null)
}

# How many operands stand before the word being completed: options, and the
# values of the options listed in $1, are not counted. (Uses _jobctl's subidx.)
_jobctl_operands() {
    local i n=0
    for ((i = subidx + 1; i < COMP_CWORD; i++)); do
        case " $1 " in *" ${COMP_WORDS[i]} "*) ((i++)); continue ;; esac
        [[ ${COMP_WORDS[i]} == -* ]] || ((n++))
    done
    echo "$n"
}

_jobctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local subs="spawn ps kill wait logs pause resume restart events run map lock locks pool pools queue value values event send recv serve rm prune help"
    local i sub="" subidx=0
    _jobctl_state=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --state-dir) _jobctl_state=${COMP_WORDS[i+1]}; ((i++)) ;;
            --state-dir=*) _jobctl_state=${COMP_WORDS[i]#*=} ;;
            --backend) ((i++)) ;;
            -*) ;;
            *) sub=${COMP_WORDS[i]}; subidx=$i; break ;;
        esac
    done
    if [[ -z $sub ]]; then
        case $prev in
            --state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
            --backend) COMPREPLY=($(compgen -W "local slurm" -- "$cur")); return ;;
        esac
        COMPREPLY=($(compgen -W "$subs --state-dir --backend --help --version" -- "$cur"))
        return
    fi
    case $prev in
        -s|--signal)
            COMPREPLY=($(compgen -W "HUP INT QUIT KILL USR1 USR2 PIPE ALRM TERM CONT STOP TSTP WINCH 0 9 15" -- "${cur^^}"))
            return ;;
        -C|--directory) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --stdout) COMPREPLY=($(compgen -W "pipe" -- "$cur") $(compgen -f -- "$cur")); return ;;
        --stderr) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --owner) COMPREPLY=($(compgen -W "$$ $PPID" -- "$cur")); return ;;
        -n|--name|-e|--env|-t|--timeout|--grace|--older-than|--max|--keep|--slurm-opt) return ;;
        --lock) _jobctl_offer locks; return ;;
        --pool) _jobctl_offer pools; return ;;
        --after|--after-any) _jobctl_offer jobs; return ;;
        --all-named) _jobctl_offer names; return ;;
        --last|--delay|--retries|--retry-delay|--on-exit|--log-max) return ;;
        --slots) return ;;
        --stdin) COMPREPLY=($(compgen -W "pipe" -- "$cur")); return ;;
    esac
    local opts=""
    case $sub in
        spawn) opts="-n --name -d --daemon --owner -e --env -C --directory --stdout --stderr --timeout --lock --pool --slots --stdin --after --after-any --delay --retries --retry-delay --on-exit --log-max --slurm-opt --help" ;;
        lock) opts="-t --timeout --shared --slots --help" ;;
        map) opts="-n --name --slots --keep-going -0 --null --help" ;;
        value) opts="--help" ;;
        values) opts="--json --help" ;;
        event) opts="-t --timeout --help" ;;
        recv) opts="-t --timeout --help" ;;
        locks) opts="--help" ;;
        pools) opts="--json --help" ;;
        pool) opts="--help" ;;
        queue) opts="-t --timeout --help" ;;
        send) opts="--eof -t --timeout --help" ;;
        serve) opts="--max --keep -n --name --help" ;;
        run) opts="-n --name -e --env -C --directory --timeout --help" ;;
        ps) opts="--json -q --quiet --running --finished --failed --last --summary --pool --all-named --help" ;;
        kill) opts="-s --signal --grace --wait --pool --all-named --help" ;;
        wait) opts="-t --timeout --any --progress --no-progress --pool --all-named --help" ;;
        logs) opts="-f --follow -t --timestamps --stdout --stderr --pool --all-named --help" ;;
        pause|resume|restart) opts="--pool --all-named --help" ;;
        events) opts="-f --follow --json --help" ;;
        rm) opts="--help" ;;
        prune) opts="--older-than --help" ;;
        help) COMPREPLY=($(compgen -W "$subs" -- "$cur")); return ;;
    esac
    if [[ $sub == queue ]]; then
        local n
        n=$(_jobctl_operands "-t --timeout")
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        elif ((n == 0)); then COMPREPLY=($(compgen -W "put get len" -- "$cur"))
        elif ((n == 1)); then _jobctl_offer queues
        fi
        return
    fi
    if [[ $sub == value || $sub == event ]]; then
        local n
        n=$(_jobctl_operands "-t --timeout")
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        elif ((n == 0)); then
            if [[ $sub == value ]]; then COMPREPLY=($(compgen -W "get set add cas" -- "$cur"))
            else COMPREPLY=($(compgen -W "set clear wait is-set" -- "$cur")); fi
        elif ((n == 1)); then _jobctl_offer "${sub}s"
        fi
        return
    fi
    if [[ $sub == pool ]]; then
        local n
        n=$(_jobctl_operands "")
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        elif ((n == 0)); then COMPREPLY=($(compgen -W "pause resume slots" -- "$cur"))
        elif ((n == 1)); then _jobctl_offer pools
        fi
        return
    fi
    if [[ $sub == serve ]]; then
        local n
        n=$(_jobctl_operands "--max --keep -n --name")
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts --" -- "$cur"))
        elif ((n == 0)); then COMPREPLY=($(compgen -W "127.0.0.1: [::1]: :0" -- "$cur")); compopt -o nospace 2>/dev/null
        elif ((n == 1)); then COMPREPLY=($(compgen -c -- "$cur"))
        else COMPREPLY=($(compgen -f -- "$cur")); fi
        return
    fi
    if [[ $sub == lock ]]; then
        # The lock's name first, then the command.
        local n
        n=$(_jobctl_operands "-t --timeout --slots")
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts --" -- "$cur"))
        elif ((n == 0)); then _jobctl_offer locks
        elif ((n == 1)); then COMPREPLY=($(compgen -c -- "$cur"))
        else COMPREPLY=($(compgen -f -- "$cur")); fi
        return
    fi
    case $sub in
        spawn|run|map)
            # After the first operand, complete the command and its files.
            for ((i = subidx + 1; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in
                    --) ;;
                    -n|--name|-e|--env|-C|--directory|--stdout|--stderr|--timeout|--owner|--lock|--pool|--slots|--stdin|--after|--after-any|--delay|--retries|--retry-delay|--on-exit|--log-max) ((i++)); continue ;;
                    -*) continue ;;
                esac
                COMPREPLY=($(compgen -f -- "$cur")); return
            done
            if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts --" -- "$cur"))
            else COMPREPLY=($(compgen -c -- "$cur")); fi
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $sub in
        kill|send|recv|pause|resume) _jobctl_offer running ;;
        rm|restart) _jobctl_offer finished ;;
        ps|wait|logs|events) _jobctl_offer jobs ;;
    esac
}
complete -F _jobctl jobctl
