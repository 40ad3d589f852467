"""Drives an interactive shell on a pseudo-terminal: types a line, presses
TAB, and prints what the shell then shows (escape sequences removed).
Usage: complete.py SHELL-ARGV... -- SETUP-LINE TYPED-TEXT"""
import os, pty, re, select, sys, time

sep = sys.argv.index("--")
argv, (setup, typed) = sys.argv[1:sep], sys.argv[sep + 1:sep + 3]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp(argv[0], argv)

def read_for(seconds, until=None):
    out, end = b"", time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            out += chunk
            if until and until in out:
                break
    return out

read_for(2, b"READY")
os.write(fd, setup.encode() + b"; echo READY\r")
read_for(10, b"READY\r\n")
read_for(0.3)
os.write(fd, typed.encode() + b"\t")
shown = read_for(3)
os.write(fd, b"\x03exit\r")
read_for(1)
try:
    os.kill(pid, 9)
except ProcessLookupError:
    pass
text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\x1b[=>]|\r", b"", shown)
sys.stdout.write(text.decode("utf-8", "replace"))
