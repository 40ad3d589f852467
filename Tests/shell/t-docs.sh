# The man page and the completions name every subcommand and option that
# --help shows; the man page is lint-clean; bash completion completes.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
man=$root/man/jobctl.1

if command -v groff >/dev/null 2>&1; then
    out=$(groff -man -ww -z "$man" 2>&1)
    same "groff -man -ww -z finds nothing to warn about" "$out" ""
else
    skip "groff lint" "groff not installed"
fi

subs=$(j --help | awk '/^SUBCOMMANDS:/ {on=1; next} /^$/ {on=0} on && $1 != "help" {print $1}')
check "jobctl --help lists the subcommands" [ -n "$subs" ]
for sub in $subs; do
    # Every long option in the subcommand's help.
    for opt in $(j "$sub" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        flat=$(sed 's/\\-/-/g' "$man")
        case $flat in *"$opt"*) ;; *) not_ok "man page names $sub $opt"; continue ;; esac
        for f in jobctl.bash _jobctl jobctl.fish; do
            c=$root/completions/$f
            case $f in jobctl.fish) o=$(echo "$opt" | sed 's/^--/-l /') ;; *) o=$opt ;; esac
            grep -q -- "$o" "$c" || not_ok "$f names $sub $opt"
        done
    done
    grep -q "^\.SS $sub\$" "$man" && ok "man page has a section for $sub" || not_ok "man page has a section for $sub"
    for f in jobctl.bash _jobctl jobctl.fish; do
        grep -qw -- "$sub" "$root/completions/$f" || not_ok "$f names $sub"
    done
done
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
    grep -q "^\.SH \"*$s\"*\$" "$man" || not_ok "man page has $s"
done
ok "man page has every standard section"

if command -v bash >/dev/null 2>&1; then
    a=$(j spawn -n compl-running -- sleep 100); b=$(j spawn -n compl-done -- true); j wait "$b"
    comp() {
        bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _jobctl; printf "%s\n" "${COMPREPLY[@]}"' \
            _ "$root/completions/jobctl.bash" "$@"
    }
    same "bash: 'jobctl ki<TAB>' completes to kill" "$(comp jobctl ki)" kill
    out=$(comp jobctl kill '')
    case $out in *"$a"*compl-running*) ok "bash: kill offers running ids and names" ;; *) not_ok "bash: kill offers running ids and names" "$out" ;; esac
    case $out in *"$b"*|*compl-done*) not_ok "bash: kill leaves out ended jobs" "$out" ;; *) ok "bash: kill leaves out ended jobs" ;; esac
    case $(comp jobctl wait '') in *compl-done*) ok "bash: wait offers every job" ;; *) not_ok "bash: wait offers every job" ;; esac
    same "bash: -s offers signal names" "$(comp jobctl kill -s TE)" TERM
    same "bash: options per subcommand" "$(comp jobctl ps --fa)" --failed
    j kill "$a"
fi
finish
