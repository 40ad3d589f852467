# Shared by every shell test: POSIX sh, so each file runs under bash and dash.
# TAP output: "ok N - what" / "not ok N - what", then "1..N".
: "${JOBCTL:?set JOBCTL to the jobctl binary}"
# Completion scripts call `jobctl` by name.
PATH=$(dirname "$JOBCTL"):$PATH; export PATH
T=$(mktemp -d "${TMPDIR:-/tmp}/jobctl-test.XXXXXX")
export JOBCTL_STATE_DIR="$T/state"
n=0
failed=0

j() { "$JOBCTL" "$@"; }

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - $1"
    [ -n "${2:-}" ] && printf '# %s\n' "$2"
    return 0
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# check DESC CMD...: passes when CMD succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d" "failed: $*"; fi; }

# status WANT DESC CMD...: passes when CMD exits with WANT.
status() {
    want=$1; d=$2; shift 2
    "$@"; got=$?
    if [ "$got" -eq "$want" ]; then ok "$d"; else not_ok "$d" "want exit $want, got $got: $*"; fi
}

# same DESC GOT WANT: passes when two strings are equal.
same() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got [$2], want [$3]"; fi
}

# A fifo the test blocks on until a job says it is ready: an event, not a sleep.
fifo() { mkfifo "$T/$1"; echo "$T/$1"; }

# Is process $1 alive: there, and neither a zombie nor dying? Its state is
# read once: a process reaped between two looks (a /proc directory still
# listed, its status gone) is dead, not alive.
alive() {
    st=$(awk '/^State:/ {print $2; exit}' "/proc/$1/status" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# The value of one field of `ps --json` for one job.
field() { j ps --json "$1" | python3 -c "import json,sys; v=json.loads(sys.stdin.read())['$2']; print('null' if v is None else str(v).lower() if isinstance(v,bool) else v)"; }

finish() {
    # End what a failed test left running, then clean up.
    for id in $(j ps -q --running 2>/dev/null); do j kill -s KILL "$id" 2>/dev/null; done
    echo "1..$n"
    rm -rf "$T"
    [ "$failed" -eq 0 ]
}
