"""TCP clients for t-serve.sh. Usage:
  client.py PORT echo LINE...        one connection per LINE, in parallel; prints the answers
  client.py PORT hold FIFO           connects, gets 'ping' echoed (so its job runs),
                                     says 'connected' into FIFO, waits for EOF
  client.py PORT half TEXT           sends TEXT without a newline, ends its side, prints
                                     the answer and its own port
  client.py PORT env                 prints what the server's command answers
  client.py PORT tutorial WORD...    Python's documented echo client, one connection
                                     per WORD in parallel: sendall(WORD) with no
                                     newline and no shutdown, then one recv(1024)"""
import socket, sys, threading

port, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
host = "::1" if "--v6" in args else "127.0.0.1"
args = [a for a in args if a != "--v6"]

def talk(line, out, k):
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(line.encode() + b"\n")
    s.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    out[k] = data.decode().strip()
    s.close()

if mode == "echo":
    out = [None] * len(args)
    threads = [threading.Thread(target=talk, args=(a, out, k)) for k, a in enumerate(args)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("\n".join(str(o) for o in out))
elif mode == "tutorial":
    def ask(word, out, k):
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(word.encode())
            try:
                out[k] = s.recv(1024).decode() or "-"
            except socket.timeout:
                out[k] = "(no answer)"
    out = [None] * len(args)
    threads = [threading.Thread(target=ask, args=(a, out, k)) for k, a in enumerate(args)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("\n".join(str(o) for o in out))
elif mode == "hold":
    s = socket.create_connection((host, port), timeout=30)
    # The kernel completes the handshake before serve accepts: an answer is
    # what shows that the connection's job exists and runs.
    s.sendall(b"ping\n")
    got = b""
    while not got.endswith(b"\n"):
        chunk = s.recv(100)
        if not chunk: break
        got += chunk
    with open(args[0], "w") as f: f.write("connected\n")
    while s.recv(4096): pass
elif mode == "half":
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(args[0].encode())
    s.shutdown(socket.SHUT_WR)  # gone mid-line: EOF before any newline
    data = b""
    while chunk := s.recv(4096): data += chunk
    print(data.decode() or "-", s.getsockname()[1])
elif mode == "env":
    s = socket.create_connection((host, port), timeout=30)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := s.recv(4096): data += chunk
    print(data.decode().strip(), s.getsockname()[1])
