# Usage errors exit 2 with one line and a hint; failures exit 1.
. "$(dirname "$0")/lib.sh"

usage() {
    d=$1; shift
    err=$(j "$@" 2>&1 >/dev/null); st=$?
    lines=$(printf '%s\n' "$err" | wc -l | tr -d ' ')
    if [ "$st" -eq 2 ] && [ "$lines" -eq 2 ] && printf '%s\n' "$err" | head -n 1 | grep -q '^jobctl: ' \
        && printf '%s\n' "$err" | tail -n 1 | grep -q "^Try 'jobctl.*--help'"; then
        ok "$d"
    else
        not_ok "$d" "exit $st, stderr: $err"
    fi
}
usage "no subcommand" 
usage "unknown subcommand" frobnicate
usage "unknown option" ps --frobnicate
usage "unknown short option" ps -Z
usage "spawn without a command" spawn
usage "spawn with an empty command" spawn -- ''
usage "bad duration: negative" wait --timeout -1 1
usage "bad duration: unit" wait --timeout 1x 1
usage "bad duration: NaN" wait --timeout NaN 1
usage "bad duration: huge" wait --timeout 99999999999999999999 1
usage "bad duration: empty" spawn --timeout '' -- true
usage "bad signal number" kill -s 99 1
usage "bad signal name" kill -s FOO 1
usage "bad signal shorthand" kill -FOO 1
usage "kill without a job" kill
usage "a name that is all digits" spawn -n 123 -- true
usage "a bad -e entry" spawn -e NOEQUALS -- true
usage "a value missing" spawn --timeout
usage "a flag given a value" ps --json=yes
usage "prune with an operand" prune 3
usage "conflicting filters" ps --running --failed

out=$(j ps --runing 2>&1)
case $out in *"did you mean '--"*) ok "an unknown long option suggests the nearest" ;; *) not_ok "an unknown long option suggests the nearest" "$out" ;; esac

err=$(j wait 424242 2>&1); st=$?
same "an unknown job exits 1" "$st" 1
same "... saying so in one line" "$err" "jobctl: no such job: 424242"
status 1 "an unknown job name exits 1" j kill nosuchname
status 1 "an id that overflows is no job" j wait 99999999999999999999999
status 1 "logs of an unknown job exits 1" j logs 77
status 1 "-C to a missing directory fails with 1" j spawn -C "$T/missing" -- true
status 1 "--stdout to an unwritable path fails with 1" j spawn --stdout /proc/nope/x -- true
same "... and leaves no running job" "$(j ps -q --running)" ""

# Help and version go to stdout with exit 0.
for sub in spawn ps kill wait logs run rm prune; do
    out=$(j "$sub" --help); st=$?
    case $st:$out in "0:USAGE: jobctl $sub"*) ok "$sub --help" ;; *) not_ok "$sub --help" "exit $st" ;; esac
done
status 0 "jobctl --help" j --help
status 0 "jobctl help wait" j help wait
case $(j --version) in "jobctl "[0-9]*) ok "--version" ;; *) not_ok "--version" ;; esac
status 0 "-h is help" j ps -h

# Stdout carries only data: errors never go there.
out=$(j wait 99999 2>/dev/null)
same "nothing on stdout on failure" "$out" ""
finish
