"""Runs `jobctl wait` on a real pseudo-terminal (stderr and stdin the pty,
stdout a file) and opens the jobs' gates one by one as its progress line
says what it should. Prints what the terminal showed, repr'd, then what
stdout got. Usage: progress.py JOBCTL STDOUT-FILE GATE... -- WAIT-ARGS..."""
import os, pty, select, sys

jobctl, outfile = sys.argv[1], sys.argv[2]
rest = sys.argv[3:]
sep = rest.index("--")
gates, args = rest[:sep], rest[sep + 1:]

pid, fd = pty.fork()
if pid == 0:
    out = os.open(outfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.execv(jobctl, [jobctl, "wait"] + args)

seen = b""
def read_until(want, limit=30.0):
    global seen
    while want not in seen:
        r, _, _ = select.select([fd], [], [], limit)
        if not r:
            sys.exit("timed out waiting for %r; saw %r" % (want, seen))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            return
        seen += chunk

n = len(gates)
if "--no-progress" not in args:
    read_until(b"0/%d done" % n)
for k, g in enumerate(gates):
    with open(g, "w") as f:
        f.write("go\n")
    if "--no-progress" not in args:
        read_until(b"%d/%d done" % (k + 1, n))
read_until(b"\0-eof-\0")  # to the end
_, status = os.waitpid(pid, 0)
print(repr(seen.decode()))
print(open(outfile).read(), end="")
print("exit", os.waitstatus_to_exitcode(status))
