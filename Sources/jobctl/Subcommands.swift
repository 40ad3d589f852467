import Glibc
import JobControl

func openStore(_ dir: [UInt8]?) throws(JobctlError) -> StateStore {
    try StateStore(path: StateDirectory.resolvePath(option: dir))
}

/// Writes the data a verb exists to print. If it cannot be written (a
/// closed stdout, a full disk, a reader gone), that is the verb's failure:
/// exit 1, never a silent success.
func printOut(_ s: String) throws(JobctlError) { try printOut([Array(s.utf8)]) }

func printOut(_ chunks: [[UInt8]]) throws(JobctlError) {
    do throws(Errno) { try writeAll(fd: 1, chunks.flatMap { $0 }) }
    catch { throw .system("cannot write to standard output", error) }
}

/// A warning: one escaped line on stderr; the verb goes on.
func warn(_ message: String) {
    writeStderr("jobctl: warning: \(escaped(Array(message.utf8)))\n")
}

func duration(_ opts: ParsedOptions, _ name: String) throws(JobctlError) -> JobDuration? {
    guard let v = opts.value(name) else { return nil }
    return try JobDuration(parsing: v)
}

func requireOperands(_ opts: ParsedOptions, _ what: String) throws(JobctlError) {
    if opts.operands.isEmpty { throw .usage("missing operand: \(what)") }
}

func refuseOperands(_ opts: ParsedOptions) throws(JobctlError) {
    if let o = opts.operandStrings.first { throw .usage("unexpected operand '\(o)'") }
}

/// Reads the common start of spawn and run.
func spawnRequest(_ opts: ParsedOptions) throws(JobctlError) -> SpawnRequest {
    guard !opts.operands.isEmpty else { throw .usage("missing operand: the command to run") }
    guard !opts.operands[0].isEmpty else { throw .usage("the command is an empty string") }
    var r = SpawnRequest(command: opts.operands)
    if let n = opts.raw("name") {
        guard !n.isEmpty else { throw .usage("a job name cannot be empty") }
        // An all-digit operand is always an id, so such a name could never be used.
        guard !n.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .usage("a job name cannot be all digits ('\(opts.value("name")!)' would be read as a job id)")
        }
        r.name = n
    }
    r.daemon = opts.has("daemon")
    if let o = opts.value("owner") {
        guard let p = Int32(o), p > 0 else { throw .usage("invalid owner '\(o)' (expected a process id)") }
        r.owner = p
    }
    for kv in opts.all("env") {
        guard let eq = kv.firstIndex(of: UInt8(ascii: "=")), eq != 0 else {
            throw .usage("invalid environment entry '\(String(decoding: kv, as: UTF8.self))' (expected K=V)")
        }
        r.environment.append(kv)
    }
    r.directory = opts.raw("directory")
    if r.directory == [] { throw .usage("-C needs a directory") }
    r.stdoutPath = opts.raw("stdout")
    r.stderrPath = opts.raw("stderr")
    if r.stdoutPath == [] || r.stderrPath == [] { throw .usage("--stdout and --stderr need a file") }
    r.timeout = try duration(opts, "timeout")
    // A job's timeout of zero would end it before it began: refused, where
    // wait, lock, send and queue get read zero as "only look".
    if r.timeout?.nanoseconds == 0 {
        throw .usage("invalid --timeout '\(opts.value("timeout")!)' (a job's timeout must be more than 0)")
    }
    if let l = opts.raw("lock") {
        try NamedLocks.validate(l)
        r.lock = l
    }
    if let p = opts.raw("pool") {
        try NamedLocks.validate(p)
        r.pool = p
    }
    if let v = opts.value("stdin") {
        guard v == "pipe" else { throw .usage("invalid --stdin '\(v)' (the only choice is 'pipe')") }
        r.stdinPipe = true
    }
    if let s = opts.value("slots") {
        guard r.pool != nil else { throw .usage("--slots goes with --pool") }
        guard let n = Int(s), n >= 1, n <= 100_000 else { throw .usage("invalid --slots '\(s)' (a whole number from 1)") }
        r.slots = n
    }
    return r
}

func run(_ name: String, _ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    switch name {
    case "spawn":
        let req = try spawnRequest(opts)
        let store = try openStore(stateDir)
        let id = try Spawner(store: store).spawn(req)
        do throws(JobctlError) {
            try printOut("\(id)\n")
        } catch {
            // The id is the caller's only handle on the job: a job nobody
            // can learn of is not left running. It is killed (its whole
            // tree), waited for, and stays recorded as killed.
            let control = JobControl(store: store)
            if let j = try? store.job(id: id) {
                _ = try? control.signal(j, KillRequest(signal: SIGKILL, grace: nil))
                _ = try? control.wait(for: [j], any: false, timeout: 10_000_000_000)
            }
            throw .failure("\(error.message): job \(id) was killed, since its id could not be given")
        }
        return 0

    case "run":
        let req = try spawnRequest(opts)
        let store = try openStore(stateDir)
        return try Spawner(store: store).run(req)

    case "lock":
        // NAME, then the command: `lock NAME -- cmd` or `lock NAME cmd`.
        guard var operands = Optional(opts.operands), !operands.isEmpty else { throw .usage("missing operand: a lock name") }
        let name = operands.removeFirst()
        if operands.first == Array("--".utf8) { operands.removeFirst() }
        guard let first = operands.first, !first.isEmpty else { throw .usage("missing operand: the command to run") }
        try NamedLocks.validate(name)
        var req = SpawnRequest(command: operands)
        req.lock = name
        req.sharedLock = opts.has("shared")
        req.lockTimeout = try duration(opts, "timeout")?.nanoseconds
        let store = try openStore(stateDir)
        return try Spawner(store: store).run(req)

    case "queue":
        var ops = opts.operands
        guard !ops.isEmpty else { throw .usage("missing operand: put, get or len") }
        let verb = String(decoding: ops.removeFirst(), as: UTF8.self)
        guard let name = ops.first else { throw .usage("missing operand: a queue name") }
        ops.removeFirst()
        try NamedLocks.validate(name)
        if verb != "get" && opts.has("timeout") { throw .usage("--timeout goes with queue get") }
        let store = try openStore(stateDir)
        let queues = Queues(store: store)
        switch verb {
        case "put":
            guard ops.count <= 1 else { throw .usage("queue put takes one value (quote it, or use - for stdin)") }
            let value: [UInt8]
            if ops.isEmpty || ops[0] == [UInt8(ascii: "-")] {
                do throws(Errno) { value = try FileDescriptor(rawValue: dup(0)).readAll() }
                catch { throw .system("cannot read standard input", error) }
            } else {
                value = ops[0] + [10]  // like echo
            }
            try queues.put(name, value)
        case "get":
            guard ops.isEmpty else { throw .usage("queue get takes a queue name only") }
            // SIGPIPE would kill us mid-write; EPIPE lets the value go back instead.
            signal(SIGPIPE, SIG_IGN)
            try queues.get(name, timeout: try duration(opts, "timeout")?.nanoseconds) { (v) throws(JobctlError) in
                // An empty value writes nothing: a zero-length write still
                // tells a closed stdout (EBADF) from an open one.
                if v.isEmpty && write(1, "", 0) < 0 { throw .system("cannot write the value", .current) }
                do throws(Errno) { try writeAll(fd: 1, v) } catch { throw .system("cannot write the value", error) }
            }
        case "len":
            guard ops.isEmpty else { throw .usage("queue len takes a queue name only") }
            try printOut("\(try queues.count(name))\n")
        default:
            throw .usage("unknown queue operation '\(verb)' (put, get or len)")
        }
        return 0

    case "send":
        guard let first = opts.operands.first else { throw .usage("missing operand: a job") }
        guard opts.operands.count <= 2 else { throw .usage("send takes one job and one DATA (quote it, or use - for stdin)") }
        if opts.has("eof") && opts.operands.count > 1 { throw .usage("--eof takes a job only") }
        let store = try openStore(stateDir)
        let j = try store.resolve(first)
        let control = JobControl(store: store)
        if opts.has("eof") {
            try Pipes(store: store).checkOpen(j, alive: control.isAlive(j))
            guard try control.signal(j, KillRequest.eof) else { throw .failure("job \(j.id) has ended") }
            return 0
        }
        signal(SIGPIPE, SIG_IGN)
        let timeout = try duration(opts, "timeout")?.nanoseconds
        let pipes = Pipes(store: store)
        try pipes.checkOpen(j, alive: control.isAlive(j))
        if opts.operands.count == 2 && opts.operands[1] != [UInt8(ascii: "-")] {
            try pipes.send(j, opts.operands[1] + [10], timeout: timeout)
        } else {
            // Standard input, byte for byte, in chunks as they come.
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buf.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw .system("cannot read standard input", .current) }
                if n == 0 { break }
                try pipes.send(j, Array(buf[0..<n]), timeout: timeout)
            }
        }
        return 0

    case "serve":
        var ops = opts.operands
        guard !ops.isEmpty else { throw .usage("missing operand: ADDR:PORT") }
        let address = try Server.parse(String(decoding: ops.removeFirst(), as: UTF8.self))
        if ops.first == Array("--".utf8) { ops.removeFirst() }
        guard let first = ops.first, !first.isEmpty else { throw .usage("missing operand: the command to run") }
        var max: Int?
        if let m = opts.value("max") {
            guard let n = Int(m), n >= 1 else { throw .usage("invalid --max '\(m)' (a whole number from 1)") }
            max = n
        }
        if insideDaemonJob() { throw .failure("daemon jobs are not allowed to have children") }
        let store = try openStore(stateDir)
        // Connection jobs are named after the server: --name, else the job
        // serve itself runs as, else "serve".
        var name = opts.raw("name") ?? Array("serve".utf8)
        if opts.raw("name") == nil, let e = getenv("JOBCTL_JOB_NAME"), e.pointee != 0 {
            name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(e).assumingMemoryBound(to: UInt8.self), count: strlen(e)))
        }
        let server = Server(store: store)
        let (fd, port) = try server.listen(address)
        // The port, when the system chose it: the one line serve prints.
        if address.port == 0 { try printOut("\(port)\n") }
        try server.run(listening: fd, port: port, name: name, max: max, command: ops, log: writeStderr)

    case "locks":
        try refuseOperands(opts)
        let store = try openStore(stateDir)
        var out = Stdout()
        let rows = NamedLocks(store: store).list()
        var cells = [["NAME", "MODE", "HOLDERS", "WAITERS"]]
        for l in rows {
            cells.append([printable(l.name), l.holders.isEmpty ? "free" : l.mode,
                          l.holders.isEmpty ? "-" : l.holders.map(String.init).joined(separator: ","),
                          l.waiters.isEmpty ? "-" : l.waiters.map(String.init).joined(separator: ",")])
        }
        var w = [0, 0, 0, 0]
        for r in cells { for k in 0..<4 { w[k] = max(w[k], r[k].count) } }
        for r in cells {
            try out.write((0..<3).map { r[$0] + String(repeating: " ", count: w[$0] - r[$0].count) + "  " }.joined() + r[3] + "\n")
        }
        try out.flush()
        return 0

    case "ps":
        let filters = ["running", "finished", "failed"].filter { opts.has($0) }
        if filters.count > 1 { throw .usage("--\(filters[0]) and --\(filters[1]) exclude each other") }
        if opts.has("json") && opts.has("quiet") { throw .usage("--json and --quiet exclude each other") }
        let store = try openStore(stateDir)
        var jobs: [Job]
        if opts.operands.isEmpty {
            let (all, skipped) = try store.loadAll()
            jobs = all
            if skipped.invalid > 0 {
                warn("skipped \(skipped.invalid) unreadable line(s) in \(store.shown)/\(StateStore.jobsFile)")
            }
            if skipped.newer > 0 {
                warn("skipped \(skipped.newer) line(s) written by a newer jobctl in \(store.shown)/\(StateStore.jobsFile)")
            }
        } else {
            jobs = try store.resolve(opts.operands)
        }
        var rows: [(Job, JobState)] = []
        rows.reserveCapacity(jobs.count)
        for j in jobs {
            let st = StateStore.liveState(j)
            let keep: Bool
            switch filters.first {
            case "running": keep = !st.hasEnded
            case "finished": keep = st.hasEnded
            case "failed": keep = st.hasEnded && (j.exit?.code ?? 1) != 0
            default: keep = true
            }
            if keep { rows.append((j, st)) }
        }
        var out = Stdout()
        if opts.has("quiet") {
            for (j, _) in rows { try out.write("\(j.id)\n") }
        } else if opts.has("json") {
            var w = JSONWriter(capacity: 1 << 16)
            for (j, st) in rows {
                jsonLine(j, st, into: &w)
                if w.bytes.count >= 1 << 16 {
                    try out.write(w.bytes)
                    w.bytes.removeAll(keepingCapacity: true)
                }
            }
            try out.write(w.bytes)
        } else {
            try out.write(renderTable(rows, now: wallClockMicros()))
        }
        try out.flush()
        return 0

    case "kill":
        try requireOperands(opts, "a job to signal")
        if opts.signalShorthand != nil && opts.has("signal") { throw .usage("give the signal once: -s SIG or -SIG") }
        let sig = try Signal(parsing: opts.signalShorthand ?? opts.value("signal") ?? "TERM")
        let grace = try duration(opts, "grace")
        let explicit = opts.signalShorthand != nil || opts.has("signal")
        // TERM by default is followed by KILL after the grace; an explicit
        // signal only when --grace is also given.
        let followUp: Int64? = grace?.nanoseconds ?? (explicit ? nil : defaultGrace)
        let store = try openStore(stateDir)
        let jobs = try store.resolve(opts.operands)
        let control = JobControl(store: store)
        if sig.rawValue == 0 {
            return jobs.allSatisfy { control.isAlive($0) } ? 0 : 1
        }
        for j in jobs {
            try control.signal(j, KillRequest(signal: sig.rawValue, grace: sig.rawValue == SIGKILL ? nil : followUp))
        }
        if opts.has("wait") { _ = try control.wait(for: jobs, any: false, timeout: nil) }
        return 0

    case "wait":
        let timeout = try duration(opts, "timeout")
        let store = try openStore(stateDir)
        let control = JobControl(store: store)
        var jobs: [Job] = []
        let ownJobs = opts.operands.isEmpty
        if ownJobs {
            if opts.has("any") { throw .usage("--any needs jobs to wait for") }
            // The caller's own non-daemon jobs, as Python joins its children:
            // each reported once, by the first bare wait that sees it end.
            let me = getppid()
            let myStart = ProcStat.read(me)?.startTime ?? 0
            jobs = try store.loadAll().jobs.filter {
                $0.owner == me && $0.ownerStart == myStart && !$0.daemon && !$0.joined
            }
        } else {
            jobs = try store.resolve(opts.operands)
        }
        if jobs.isEmpty { return 0 }
        let ended = try control.wait(for: jobs, any: opts.has("any"), timeout: timeout?.nanoseconds)
        if opts.has("any") {
            let first = ended[0]
            try printOut("\(first.job.id)\n")
            return first.shellStatus
        }
        if ownJobs {
            try store.markJoined(ended.map(\.job.id))
            let byID = Dictionary(ended.map { ($0.job.id, $0) }, uniquingKeysWith: { a, _ in a })
            for j in jobs.sorted(by: { $0.id < $1.id }) {
                if let e = byID[j.id], e.shellStatus != 0 { return e.shellStatus }
            }
            return 0
        }
        let last = jobs.last!.id
        return ended.first { $0.job.id == last }?.shellStatus ?? 1

    case "logs":
        guard opts.operands.count == 1 else {
            throw .usage(opts.operands.isEmpty ? "missing operand: a job" : "logs takes one job")
        }
        let store = try openStore(stateDir)
        let j = try store.resolve(opts.operands[0])
        if j.log.isEmpty { throw .failure("job \(j.id) ran in the foreground (jobctl run): it has no log") }
        try copyLog(store: store, job: j, follow: opts.has("follow"), to: 1)
        return 0

    case "rm":
        try requireOperands(opts, "a job to remove")
        let store = try openStore(stateDir)
        let jobs = try store.resolve(opts.operands)
        for j in jobs where !StateStore.liveState(j).hasEnded {
            throw .failure("job \(j.id) is still running; kill it first")
        }
        try store.remove(jobs)
        return 0

    case "prune":
        try refuseOperands(opts)
        let age = try duration(opts, "older-than")?.nanoseconds ?? 0
        let store = try openStore(stateDir)
        let cutoff = wallClockMicros() - age / 1000
        let old = try store.loadAll().jobs.filter { j in
            StateStore.liveState(j).hasEnded && (j.ended ?? j.started) <= cutoff
        }
        try store.remove(old)
        return 0

    default:
        throw .usage("unknown subcommand '\(name)'")
    }
}
