"""The cases of bench/run. Every timing interleaves jobctl with its peers in
the same loop, so that machine noise hits them alike; results are medians and
ratios, never pass/fail thresholds."""
import json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

JOBCTL = sys.argv[1]
SMOKE = "--smoke" in sys.argv
N = 5 if SMOKE else 300
TMP = tempfile.mkdtemp(prefix="jobctl-bench.")
rows = []

def env(**kw):
    e = dict(os.environ)
    e.update({k: str(v) for k, v in kw.items()})
    return e

def timed(cmd, e=None):
    a = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=e)
    return (time.perf_counter() - a) * 1000

def med(xs): return statistics.median(xs) if xs else float("nan")
def p99(xs): return sorted(xs)[min(len(xs) - 1, int(len(xs) * 0.99))] if xs else float("nan")

def row(case, what, value, unit, ratio=""):
    rows.append((case, what, f"{value:.3f}" if isinstance(value, float) else str(value), unit, ratio))

def have(tool): return shutil.which(tool) is not None

def fresh_state(name):
    d = os.path.join(TMP, name)
    os.makedirs(d, mode=0o700, exist_ok=True)
    return d

def synthetic_history(state, n):
    """n ended jobs, written as `job` lines as compaction writes them."""
    os.makedirs(state, mode=0o700, exist_ok=True)
    with open(os.path.join(state, "jobs.jsonl"), "w") as f:
        for i in range(1, n + 1):
            f.write(json.dumps({"v": 1, "event": "job", "id": i, "name": "true", "pid": 100000 + i, "pgid": 100000 + i,
                                "pidstart": 1, "monitor": 1, "monitorstart": 1, "owner": 1, "ownerstart": 1,
                                "daemon": False, "command": ["true"], "cwd": "/tmp", "log": f"logs/{i}.log",
                                "started": "2026-11-25T00:00:00.000000Z", "exitcode": 0,
                                "ended": "2026-11-25T00:00:01.000000Z"}, separators=(",", ":")) + "\n")
    with open(os.path.join(state, "lock"), "w") as f:
        f.write(f"{n}\n")

# 1. spawn latency --------------------------------------------------------------
def case_spawn():
    nqdir = fresh_state("nq")
    js = fresh_state("spawn")
    sock = os.path.join(TMP, "tsp.sock")
    peers = {"true": ["true"], "jobctl spawn": [JOBCTL, "spawn", "--", "true"],
             "bash -c 'true & wait $!'": ["bash", "-c", "true & wait $!"]}
    if have("nq"): peers["nq -q true"] = ["nq", "-q", "true"]
    if have("tsp"):
        subprocess.run(["tsp", "-S", "1000"], env=env(TS_SOCKET=sock), stdout=subprocess.DEVNULL)
        peers["tsp -n true"] = ["tsp", "-n", "true"]
    e = env(JOBCTL_STATE_DIR=js, NQDIR=nqdir, TS_SOCKET=sock)
    res = {k: [] for k in peers}
    for _ in range(N):
        for k, c in peers.items():
            res[k].append(timed(c, e))
    if have("tsp"): subprocess.run(["tsp", "-K"], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    j = med(res["jobctl spawn"])
    for k, v in res.items():
        row("1 spawn latency", k, med(v), "ms median", f"jobctl/this {j / med(v):.2f}" if k != "jobctl spawn" else "")
    return j

# 2. spawn vs history -----------------------------------------------------------
def case_history():
    sizes = [0, 10_000] if SMOKE else [0, 10_000, 100_000]
    states = {}
    for n in sizes:
        s = os.path.join(TMP, f"hist{n}")
        synthetic_history(s, n)
        states[n] = s
    nqdir = fresh_state("nq-old")
    if have("nq"):
        for i in range(2000):
            open(os.path.join(nqdir, f",{i:x}.{i}"), "w").close()
    res = {n: [] for n in sizes}
    nqres = []
    for _ in range(N):
        for n in sizes:
            res[n].append(timed([JOBCTL, "spawn", "--", "true"], env(JOBCTL_STATE_DIR=states[n])))
        if have("nq"): nqres.append(timed(["nq", "-q", "true"], env(NQDIR=nqdir)))
    base = med(res[0])
    for n in sizes:
        row("2 spawn vs history", f"jobctl spawn, {n} ended jobs", med(res[n]), "ms median", f"vs 0 jobs {med(res[n]) / base:.2f}")
    if nqres: row("2 spawn vs history", "nq -q true, 2000 old job files", med(nqres), "ms median")
    return states

# 3. throughput -----------------------------------------------------------------
def case_throughput():
    n = 40 if SMOKE else 1000
    out = {}
    script_j = f'for i in $(seq {n}); do "{JOBCTL}" spawn -- true >/dev/null; done; "{JOBCTL}" wait $("{JOBCTL}" ps -q --running) 2>/dev/null; true'
    script_p = f'for k in 1 2 3 4; do (for i in $(seq {n // 4}); do "{JOBCTL}" spawn -- true >/dev/null; done) & done; wait; "{JOBCTL}" wait $("{JOBCTL}" ps -q --running) 2>/dev/null; true'
    script_nq = f'for i in $(seq {n}); do nq -q true; done; nq -w'
    script_bash = f'for i in $(seq {n}); do true & done; wait'
    for label, script, e in [("jobctl, sequential", script_j, env(JOBCTL_STATE_DIR=fresh_state("tp1"))),
                             ("jobctl, 4 shells", script_p, env(JOBCTL_STATE_DIR=fresh_state("tp2"))),
                             ("nq, sequential", script_nq, env(NQDIR=fresh_state("tpnq"))),
                             ("bash &, sequential", script_bash, None)]:
        if label.startswith("nq") and not have("nq"): continue
        t = timed(["bash", "-c", script], e) / 1000
        out[label] = t
        row("3 throughput", f"{n} spawns of true, then wait: {label}", n / t, "jobs/s")
    return out

# 4. ps over history -------------------------------------------------------------
def case_ps(states):
    for n, s in sorted(states.items()):
        if n == 0: continue
        reps = 3 if SMOKE else (21 if n <= 10_000 else 7)
        for args in (["ps"], ["ps", "--json"]):
            xs = [timed([JOBCTL] + args, env(JOBCTL_STATE_DIR=s)) for _ in range(reps)]
            row("4 ps", f"jobctl {' '.join(args)}, {n} jobs", med(xs), "ms median")

# 5. wait wake-up ----------------------------------------------------------------
def wake_latencies(state, runs, tag):
    lat = []
    e = env(JOBCTL_STATE_DIR=state)
    for i in range(runs):
        fifo = os.path.join(TMP, f"go{tag}-{i}")
        stamp = os.path.join(TMP, f"end{tag}-{i}")
        os.mkfifo(fifo)
        # The job's last act writes CLOCK_REALTIME in ns; it then exits.
        jid = subprocess.run([JOBCTL, "spawn", "--", "sh", "-c", f"read x < {fifo}; date +%s%N > {stamp}"],
                             env=e, capture_output=True, text=True).stdout.strip()
        w = subprocess.Popen([JOBCTL, "wait", jid], env=e)
        time.sleep(0.02)  # let the waiter block (a benchmark may sleep; tests never do)
        with open(fifo, "w") as f: f.write("go\n")
        w.wait()
        done = time.time_ns()
        with open(stamp) as f: end = int(f.read())
        lat.append((done - end) / 1e6)
    return lat

def case_wait(states):
    runs = 5 if SMOKE else 100
    for n, s in sorted(states.items()):
        if n not in (0, max(states)): continue
        lat = wake_latencies(s, runs, n)
        row("5 wait wake-up", f"job end -> wait returns, {n} jobs in history", med(lat), "ms median", f"p99 {p99(lat):.3f} ms")
    if have("nq"):
        nqdir = fresh_state("nqwait")
        lat = []
        for i in range(runs):
            fifo = os.path.join(TMP, f"nqgo{i}"); stamp = os.path.join(TMP, f"nqend{i}")
            os.mkfifo(fifo)
            subprocess.run(["nq", "-q", "sh", "-c", f"read x < {fifo}; date +%s%N > {stamp}"], env=env(NQDIR=nqdir))
            time.sleep(0.02)  # nq's job takes its lock after nq returns: let it
            w = subprocess.Popen(["nq", "-w"], env=env(NQDIR=nqdir))
            time.sleep(0.02)
            with open(fifo, "w") as f: f.write("go\n")
            w.wait(); done = time.time_ns()
            try:
                with open(stamp) as f: end = int(f.read())
            except (FileNotFoundError, ValueError):
                continue  # the waiter returned before the job ended: no sample
            lat.append((done - end) / 1e6)
        row("5 wait wake-up", "nq -w (same measure)", med(lat), "ms median", f"p99 {p99(lat):.3f} ms")

# 6. monitor memory ---------------------------------------------------------------
def pss_kb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"): return int(line.split()[1])
    return 0

def case_memory():
    s = fresh_state("mem")
    e = env(JOBCTL_STATE_DIR=s)
    ids = [subprocess.run([JOBCTL, "spawn", "--", "sleep", "600"], env=e, capture_output=True, text=True).stdout.strip() for _ in range(10)]
    jobs = [json.loads(l) for l in subprocess.run([JOBCTL, "ps", "--json"], env=e, capture_output=True, text=True).stdout.splitlines()]
    pss = [pss_kb(j["monitor"]) for j in jobs]
    row("6 monitor memory", "Pss per monitor, 10 running", float(med(pss)), "KB median")
    n = 50 if SMOKE else 1000
    more = [subprocess.run([JOBCTL, "spawn", "--", "sleep", "600"], env=e, capture_output=True, text=True).stdout.strip() for _ in range(n - 10)]
    jobs = [json.loads(l) for l in subprocess.run([JOBCTL, "ps", "--json", "--running"], env=e, capture_output=True, text=True).stdout.splitlines()]
    total = sum(pss_kb(j["monitor"]) for j in jobs)
    row("6 monitor memory", f"total Pss of {len(jobs)} concurrent monitors", total / 1024, "MB")
    subprocess.run([JOBCTL, "kill", "-s", "KILL"] + ids + more, env=e)
    subprocess.run([JOBCTL, "wait"] + ids + more, env=e)
    ended = [json.loads(l) for l in subprocess.run([JOBCTL, "ps", "--json"], env=e, capture_output=True, text=True).stdout.splitlines()]
    row("6 monitor memory", f"of {n} concurrent jobs, recorded with an exit", sum(1 for j in ended if j["exitcode"] is not None), "jobs")

# 7. daemon reaction -----------------------------------------------------------------
def case_daemon():
    s = fresh_state("daemon")
    e = env(JOBCTL_STATE_DIR=s)
    lat = []
    for _ in range(5 if SMOKE else 50):
        owner = subprocess.Popen(["sleep", "600"])
        jid = subprocess.run([JOBCTL, "spawn", "-d", "--owner", str(owner.pid), "--", "sleep", "600"], env=e,
                             capture_output=True, text=True).stdout.strip()
        pid = json.loads(subprocess.run([JOBCTL, "ps", "--json", jid], env=e, capture_output=True, text=True).stdout)["pid"]
        fd = os.pidfd_open(pid)
        t0 = time.perf_counter()
        owner.kill()
        import select
        select.select([fd], [], [], 5)
        lat.append((time.perf_counter() - t0) * 1000)
        os.close(fd); owner.wait()
    row("7 daemon reaction", "owner SIGKILL -> daemon job dead", med(lat), "ms median", f"p99 {p99(lat):.3f} ms")

# 8. lock -------------------------------------------------------------------------------
def case_lock():
    s = fresh_state("lock")
    lockfile = os.path.join(TMP, "flock.file")
    e = env(JOBCTL_STATE_DIR=s)
    res = {"jobctl lock L -- true": [], "flock FILE true": []}
    for _ in range(N):
        res["jobctl lock L -- true"].append(timed([JOBCTL, "lock", "L", "--", "true"], e))
        res["flock FILE true"].append(timed(["flock", lockfile, "true"]))
    j = med(res["jobctl lock L -- true"])
    for k, v in res.items():
        row("8 lock", f"acquire, run true, release: {k}", med(v), "ms median", f"jobctl/this {j / med(v):.2f}" if not k.startswith("jobctl") else "")

# 9. queue ------------------------------------------------------------------------------
def case_queue():
    s = fresh_state("queue")
    e = env(JOBCTL_STATE_DIR=s)
    rt = []
    for i in range(N if SMOKE else 100):
        a = time.perf_counter()
        subprocess.run([JOBCTL, "queue", "put", "rt", f"v{i}"], env=e)
        subprocess.run([JOBCTL, "queue", "get", "rt"], env=e, stdout=subprocess.DEVNULL)
        rt.append((time.perf_counter() - a) * 1000)
    row("9 queue", "put + get round trip", med(rt), "ms median")
    per = 10 if SMOKE else 250
    script = (f'for p in 1 2 3 4; do (for i in $(seq {per}); do "{JOBCTL}" queue put tp "$p-$i"; done) & done; '
              f'for c in 1 2 3 4; do (n=0; while [ $n -lt {per} ]; do "{JOBCTL}" queue get tp >/dev/null && n=$((n+1)); done) & done; wait')
    t = timed(["sh", "-c", script], e) / 1000
    row("9 queue", f"4 producers x {per}, 4 consumers", 4 * per / t, "values/s")

# 10. pool ------------------------------------------------------------------------------
def case_pool():
    n = 40 if SMOKE else 300
    s = fresh_state("pool")
    e = env(JOBCTL_STATE_DIR=s)
    script = f'for i in $(seq {n}); do "{JOBCTL}" spawn --pool p --slots 4 -- true >/dev/null; done; "{JOBCTL}" wait'
    j = timed(["sh", "-c", script], e)
    row("10 pool", f"{n} true jobs, 4 slots: jobctl spawn --pool, then wait", j, "ms")
    x = timed(["sh", "-c", f"seq {n} | xargs -P4 -n1 true"])
    row("10 pool", f"{n} true jobs: xargs -P4", x, "ms", f"jobctl/this {j / x:.1f}")
    if have("parallel"):
        p = timed(["sh", "-c", f"seq {n} | parallel -j4 true"])
        row("10 pool", f"{n} true jobs: parallel -j4", p, "ms", f"jobctl/this {j / p:.1f}")

# 15. map: Pool.map against parallel -k and xargs -P, same inputs, same run ----------
def case_map():
    n = 40 if SMOKE else 200
    s = fresh_state("map")
    e = env(JOBCTL_STATE_DIR=s)
    cmd = "sh -c 'echo out $1' sh"
    j = timed(["sh", "-c", f'seq {n} | "{JOBCTL}" map --slots 4 -- {cmd} >/dev/null'], e)
    row("15 map", f"{n} inputs, 4 at once, outputs in input order: jobctl map", j, "ms")
    if have("parallel"):
        p = timed(["sh", "-c", f"seq {n} | parallel -k -j4 {cmd} >/dev/null"])
        row("15 map", f"{n} inputs: parallel -k -j4 (in order)", p, "ms", f"jobctl/this {j / p:.1f}")
    x = timed(["sh", "-c", f"seq {n} | xargs -P4 -n1 {cmd} >/dev/null"])
    row("15 map", f"{n} inputs: xargs -P4 -n1 (any order, no jobs recorded)", x, "ms", f"jobctl/this {j / x:.1f}")

# 12. many operands over a long history ---------------------------------------------
def case_operands():
    """wait, ps and kill -s 0 on 2,000 ended jobs of a 10,000-job history,
    against one full `ps --json` of the same state (goal: within 3x)."""
    hist, k = (2_000, 400) if SMOKE else (10_000, 2_000)
    s = os.path.join(TMP, "operands")
    synthetic_history(s, hist)
    e = env(JOBCTL_STATE_DIR=s)
    ids = [str(i) for i in range(hist - k + 1, hist + 1)]
    reps = 3 if SMOKE else 11
    full = med([timed([JOBCTL, "ps", "--json"], e) for _ in range(reps)])
    row("12 operands", f"ps --json, all {hist} jobs (the yardstick)", full, "ms median")
    for label, args in [(f"wait on {k} ended jobs", ["wait"]), (f"ps on {k} jobs", ["ps"]),
                        (f"kill -s 0 on {k} ended jobs", ["kill", "-s", "0"])]:
        t = med([timed([JOBCTL] + args + ids, e) for _ in range(reps)])
        row("12 operands", f"{label}, {hist} in history", t, "ms median", f"vs full ps --json {t / full:.2f}")

# 13. ps --running against what has ended ---------------------------------------------
def case_running():
    """What runs should not cost what has ended: `ps --running` with 10,000
    ended jobs against none (goal: within 1.5x); completion calls it."""
    n = 2_000 if SMOKE else 10_000
    reps = 5 if SMOKE else 31
    states = {}
    for label, hist in [("no ended jobs", 0), (f"{n} ended jobs", n)]:
        st = os.path.join(TMP, f"running{hist}")
        synthetic_history(st, hist)
        e = env(JOBCTL_STATE_DIR=st)
        ids = [subprocess.run([JOBCTL, "spawn", "--", "sleep", "600"], env=e, capture_output=True, text=True).stdout.strip() for _ in range(3)]
        states[label] = (e, ids)
    res = {k: [] for k in states}
    for _ in range(reps):
        for k, (e, _) in states.items():
            res[k].append(timed([JOBCTL, "ps", "--running"], e))
    base = med(res["no ended jobs"])
    for k, v in res.items():
        row("13 ps --running", f"3 running, {k}", med(v), "ms median", f"vs none {med(v) / base:.2f}")
    for e, ids in states.values():
        subprocess.run([JOBCTL, "kill", "-s", "KILL"] + ids, env=e)
        subprocess.run([JOBCTL, "wait"] + ids, env=e)

# 11. serve -----------------------------------------------------------------------------
def free_port():
    import socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    return p

def echo_round(port):
    import socket
    a = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"hello\n"); s.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := s.recv(100): data += chunk
    s.close()
    return (time.perf_counter() - a) * 1000, data == b"HELLO\n"

def case_serve():
    import socket
    n = 10 if SMOKE else 300
    st = fresh_state("serve")
    e = env(JOBCTL_STATE_DIR=st)
    servers = {}
    p = free_port()
    jid = subprocess.run([JOBCTL, "spawn", "-n", "echo", "--", JOBCTL, "serve", f"127.0.0.1:{p}", "--", "tr", "a-z", "A-Z"],
                         env=e, capture_output=True, text=True).stdout.strip()
    servers["jobctl serve"] = (p, None)
    if have("socat"):
        p2 = free_port()
        servers["socat TCP-LISTEN,fork"] = (p2, subprocess.Popen(["socat", f"TCP-LISTEN:{p2},bind=127.0.0.1,reuseaddr,fork", "EXEC:tr a-z A-Z"]))
    if have("tcpserver"):
        p3 = free_port()
        servers["tcpserver"] = (p3, subprocess.Popen(["tcpserver", "-q", "127.0.0.1", str(p3), "tr", "a-z", "A-Z"]))
    time.sleep(0.3)  # let the servers listen (a benchmark may sleep)
    res = {k: [] for k in servers}
    bad = {k: 0 for k in servers}
    for _ in range(n):
        for k, (port, _) in servers.items():
            try:
                t, ok = echo_round(port)
                res[k].append(t)
                bad[k] += 0 if ok else 1
            except OSError:
                bad[k] += 1
    j = med(res["jobctl serve"])
    for k, v in res.items():
        note = f"jobctl/this {j / med(v):.2f}" if k != "jobctl serve" else ""
        row("11 serve", f"echo round trip (connect, hello, HELLO, close): {k}", med(v), "ms median", note + (f" {bad[k]} failed" if bad[k] else ""))
        if v: row("11 serve", f"sequential connections per second: {k}", 1000 / statistics.mean(v), "conn/s")
    subprocess.run([JOBCTL, "kill", jid], env=e)
    for k, (_, proc) in servers.items():
        if proc: proc.kill(); proc.wait()

# Before/after: another jobctl binary (a build of an earlier commit) against
# this one, interleaved in the same loops, for spawn, ps and wait.
# 14. the Slurm backend ----------------------------------------------------------
def case_slurm():
    """Only where a cluster answers (.ci/slurm-start). spawn against a plain
    `sbatch --parsable`; a job's end until `wait` returns against `sbatch
    --wait`; scheduler queries while `wait` waits on many jobs."""
    if not have("sbatch") or subprocess.run(["scontrol", "ping"], capture_output=True).returncode != 0:
        row("14 slurm", "no Slurm cluster answers: not measured", 0, "", "")
        return
    st = fresh_state("slurm")
    e = env(JOBCTL_STATE_DIR=st, JOBCTL_BACKEND="slurm")
    held = ["--begin=now+1hour"]  # submitted, never run: only the submission is timed
    spawn, sbatch, ids = [], [], []
    for _ in range(5 if SMOKE else 40):
        a = time.perf_counter()
        ids.append(subprocess.run([JOBCTL, "spawn", f"--slurm-opt={held[0]}", "--", "true"], env=e, capture_output=True, text=True).stdout.strip())
        spawn.append((time.perf_counter() - a) * 1000)
        a = time.perf_counter()
        out = subprocess.run(["sbatch", "--parsable", held[0], "--wrap", "true"], capture_output=True, text=True, cwd=TMP).stdout.strip()
        sbatch.append((time.perf_counter() - a) * 1000)
        subprocess.run(["scancel", out.split(";")[0]])
    subprocess.run([JOBCTL, "kill"] + ids, env=e, capture_output=True)
    row("14 slurm", "submit: jobctl --backend slurm spawn", med(spawn), "ms median", f"jobctl/sbatch {med(spawn) / med(sbatch):.2f}")
    row("14 slurm", "submit: sbatch --parsable", med(sbatch), "ms median", "")
    # From the job's last act to the waiter's return.
    mine, theirs = [], []
    for i in range(3 if SMOKE else 10):
        stamp = os.path.join(TMP, f"slurm-end-{i}")
        jid = subprocess.run([JOBCTL, "spawn", "--", "sh", "-c", f"sleep 1; date +%s%N > {stamp}"], env=e, capture_output=True, text=True).stdout.strip()
        subprocess.run([JOBCTL, "wait", jid], env=e)
        mine.append((time.time_ns() - int(open(stamp).read())) / 1e6)
        subprocess.run(["sbatch", "--wait", "--parsable", "--wrap", f"sleep 1; date +%s%N > {stamp}b"], capture_output=True, cwd=TMP)
        theirs.append((time.time_ns() - int(open(stamp + "b").read())) / 1e6)
    row("14 slurm", "job end -> wait returns: jobctl wait", med(mine), "ms median", f"jobctl/sbatch --wait {med(mine) / med(theirs):.2f}")
    row("14 slurm", "job end -> wait returns: sbatch --wait", med(theirs), "ms median", "")
    # Scheduler queries while waiting on many jobs: squeue and scontrol
    # counted through shims put first on PATH.
    shims = os.path.join(TMP, "slurm-shims")
    os.makedirs(shims, exist_ok=True)
    calls = os.path.join(TMP, "slurm-calls")
    for cmd in ("squeue", "scontrol", "sacct"):
        real = shutil.which(cmd)
        if not real: continue
        with open(os.path.join(shims, cmd), "w") as f:
            f.write(f'#!/bin/sh\necho {cmd} >> "{calls}"\nexec "{real}" "$@"\n')
        os.chmod(os.path.join(shims, cmd), 0o755)
    n = 10 if SMOKE else 100
    jobs = [subprocess.run([JOBCTL, "spawn", "--", "sleep", str(1 + i % 3)], env=e, capture_output=True, text=True).stdout.strip() for i in range(n)]
    open(calls, "w").close()
    a = time.perf_counter()
    subprocess.run([JOBCTL, "wait"] + jobs, env=env(JOBCTL_STATE_DIR=st, PATH=shims + ":" + os.environ["PATH"]))
    minutes = (time.perf_counter() - a) / 60
    count = sum(1 for _ in open(calls))
    row("14 slurm", f"scheduler queries while waiting on {n} jobs", count / minutes, "per minute", f"{count} in {minutes * 60:.1f} s")

def case_compare(old):
    global JOBCTL
    new = JOBCTL
    bins = {"before": old, "after": new}
    hist = os.path.join(TMP, "cmp-hist")
    synthetic_history(hist, 10_000)
    spawn = {k: [] for k in bins}
    ps = {k: [] for k in bins}
    for _ in range(N):
        for k, b in bins.items():
            spawn[k].append(timed([b, "spawn", "--", "true"], env(JOBCTL_STATE_DIR=hist)))
            ps[k].append(timed([b, "ps", "--json"], env(JOBCTL_STATE_DIR=hist)))
    waits = {k: [] for k in bins}
    for i in range(5 if SMOKE else 40):
        for k, b in bins.items():
            JOBCTL = b
            waits[k] += wake_latencies(fresh_state(f"cmp-wait-{k}"), 1, f"cmp{k}{i}")
    JOBCTL = new
    for label, res in [("spawn, 10000 jobs in history", spawn), ("ps --json, 10000 jobs", ps),
                       ("wait wake-up", waits)]:
        for k in bins:
            row("before/after", f"{label}: {k}", med(res[k]), "ms median",
                f"after/before {med(res['after']) / med(res['before']):.2f}" if k == "after" else "")

def main():
    if "--compare" in sys.argv:
        case_compare(sys.argv[sys.argv.index("--compare") + 1])
        print("| case | what | value | unit | ratio / note |")
        print("|---|---|---:|---|---|")
        for r in rows: print("| " + " | ".join(r) + " |")
        shutil.rmtree(TMP, ignore_errors=True)
        return
    # --cases 1,12: only those cases (4 and 5 need 2's states).
    only = set(sys.argv[sys.argv.index("--cases") + 1].split(",")) if "--cases" in sys.argv else None
    want = lambda k: only is None or str(k) in only
    if want(1): case_spawn()
    states = case_history() if (want(2) or want(4) or want(5)) else {}
    if want(3): case_throughput()
    if want(4): case_ps(states)
    if want(5): case_wait(states)
    if want(6): case_memory()
    if want(7): case_daemon()
    if want(8): case_lock()
    if want(9): case_queue()
    if want(10): case_pool()
    if want(11): case_serve()
    if want(12): case_operands()
    if want(13): case_running()
    if want(14): case_slurm()
    if want(15): case_map()
    print("| case | what | value | unit | ratio / note |")
    print("|---|---|---:|---|---|")
    for r in rows: print("| " + " | ".join(r) + " |")
    shutil.rmtree(TMP, ignore_errors=True)

main()
