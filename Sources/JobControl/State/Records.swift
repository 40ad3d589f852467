import JobControlSystem
/// The state file's lines. Each is one JSON object with `"v":1` and an
/// `event`: `start` (a job began: everything but its end), `exit` (how and
/// when it ended), `remove` (forgotten by rm/prune), and `job` (a whole job,
/// written by compaction). Readers fold them in order; keys they do not know
/// are ignored, lines with a newer `v` are skipped and counted.
public enum Event {
    case start(Job)
    case exit(JobID, ExitStatus, Int64)
    case remove(JobID, Int64?)
    /// A queued job began to run (or a retry): its pid, pgid, pid start time and start.
    case run(JobID, Int32, UInt64, Int64)
    /// A bare `wait` of the job's owner has reported it (Python's join).
    case join(JobID)
    /// `jobctl pause` / `resume` stopped or continued it, at that time: for
    /// `events` only (`ps` looks at the processes themselves).
    case pause(JobID, Int64)
    case resume(JobID, Int64)
    /// Attempt N of a job with `--retries` starts after a failure (its code).
    case retry(JobID, attempt: Int, previous: ExitStatus, at: Int64)

    public var id: JobID {
        switch self {
        case .start(let j): return j.id
        case .exit(let id, _, _), .remove(let id, _), .run(let id, _, _, _), .join(let id): return id
        case .pause(let id, _), .resume(let id, _), .retry(let id, _, _, _): return id
        }
    }
}

public enum Records {
    public static let version: Int64 = 1

    /// A `start` line, or a `job` line (compaction) when the job has ended.
    public static func encode(_ j: Job) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + j.command.reduce(0) { $0 + $1.count + 4 })
        w.beginObject()
        w.field("v", version)
        w.field("event", j.exit == nil ? "start" : "job")
        w.field("id", j.id)
        w.field("name", j.name)
        if let pid = j.pid { w.field("pid", pid) } else { w.null("pid") }
        if let g = j.pgid { w.field("pgid", g) } else { w.null("pgid") }
        w.field("pidstart", j.pidStart)
        w.field("monitor", j.monitor)
        w.field("monitorstart", j.monitorStart)
        w.field("owner", j.owner)
        w.field("ownerstart", j.ownerStart)
        w.field("daemon", j.daemon)
        w.field("command", j.command)
        w.field("cwd", j.cwd)
        w.field("log", j.log)
        if let pool = j.pool { w.field("pool", pool) }
        if j.stdinPipe { w.field("stdin", "pipe") }
        if let s = j.slurmID { w.field("slurm", s) } else if j.onSlurm { w.field("backend", "slurm") }
        if j.joined { w.field("joined", true) }
        if !j.after.isEmpty { w.field("after", j.after) }
        if !j.afterAny.isEmpty { w.field("after_any", j.afterAny) }
        w.timestamp("started", micros: j.started)
        // Only when it differs: a job that waited to start.
        if j.created != 0 && j.created != j.started { w.timestamp("created", micros: j.created) }
        if let t = j.notBefore { w.timestamp("until", micros: t) }
        if !j.extraEnv.isEmpty { w.field("env", j.extraEnv) }
        if let d = j.delayNs { w.field("delay_ns", d) }
        if let t = j.timeoutNs { w.field("timeout_ns", t) }
        if let e = j.stderrPath { w.field("stderr", e) }
        if let l = j.lock { w.field("lock", l); if j.lockShared { w.field("lock_shared", true) } }
        if let h = j.onExit { w.field("on_exit", h) }
        if j.stdoutPipe { w.field("stdout_pipe", true) }
        if j.retries > 0 { w.field("retries", j.retries); w.field("retry_delay_ns", j.retryDelayNs) }
        if j.attempt > 1 { w.field("attempt", j.attempt) }
        if let m = j.logMax { w.field("log_max", m) }
        if !j.slurmOptions.isEmpty { w.field("slurm_opts", j.slurmOptions) }
        if let e = j.exit, let t = j.ended {
            Records.exitFields(e, &w)
            w.timestamp("ended", micros: t)
        }
        w.endObject()
        w.append(10)
        return w.bytes
    }

    public static func encodeExit(_ id: JobID, _ e: ExitStatus, ended: Int64) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("v", version)
        w.field("event", "exit")
        w.field("id", id)
        Records.exitFields(e, &w)
        w.timestamp("ended", micros: ended)
        w.endObject()
        w.append(10)
        return w.bytes
    }

    /// `exitcode`: N or -SIG; a skipped job has none, and a `reason`.
    static func exitFields(_ e: ExitStatus, _ w: inout JSONWriter) {
        if let r = e.reason, e.isSkipped {
            w.null("exitcode")
            w.field("reason", r)
        } else {
            w.field("exitcode", e.code)
        }
    }

    public static func encodeRun(_ id: JobID, pid: Int32, pidStart: UInt64, started: Int64) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("v", version)
        w.field("event", "run")
        w.field("id", id)
        w.field("pid", pid)
        w.field("pgid", pid)
        w.field("pidstart", pidStart)
        w.timestamp("started", micros: started)
        w.endObject()
        w.append(10)
        return w.bytes
    }

    /// `pause`, `resume` or `remove`, with when.
    public static func encodeNote(_ event: StaticString, _ id: JobID, at micros: Int64) -> [UInt8] {
        encodeIDEvent(event, id, at: micros)
    }

    public static func encodeRemove(_ id: JobID) -> [UInt8] { encodeNote("remove", id, at: wallClockMicros()) }
    public static func encodeJoin(_ id: JobID) -> [UInt8] { encodeIDEvent("join", id) }

    /// An event that names only its job (and, if given, when).
    static func encodeIDEvent(_ event: StaticString, _ id: JobID, at micros: Int64? = nil) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("v", version)
        w.key("event")
        w.string(Array(UnsafeBufferPointer(start: event.utf8Start, count: event.utf8CodeUnitCount)))
        w.field("id", id)
        if let t = micros { w.timestamp("time", micros: t) }
        w.endObject()
        w.append(10)
        return w.bytes
    }

    public enum Decoded {
        case event(Event)
        /// A `job` line: a start and an exit at once.
        case whole(Job)
        case newer
        case invalid
        /// A line of blanks only: room left on purpose, not damage.
        case padding
    }

    /// The kinds of line, by their `event`.
    enum Kind { case start, exit, remove, job, run, join, pause, resume, retry, unknown }

    static func kind(_ s: UnsafeBufferPointer<UInt8>) -> Kind {
        if s.equals("start") { return .start }
        if s.equals("exit") { return .exit }
        if s.equals("job") { return .job }
        if s.equals("remove") { return .remove }
        if s.equals("run") { return .run }
        if s.equals("join") { return .join }
        if s.equals("pause") { return .pause }
        if s.equals("resume") { return .resume }
        if s.equals("retry") { return .retry }
        return .unknown
    }

    /// The keys jobctl reads.
    enum Field {
        case v, id, pid, pgid, pidstart, monitor, monitorstart, owner, ownerstart, exitcode
        case event, started, ended, name, cwd, log, pool, stdin, slurm, command, daemon, joined
        case after, afterAny, created, reason, backend, time, until
        case env, delayNs, timeoutNs, stderr, lock, lockShared, onExit, retries, retryDelayNs, attempt, logMax, slurmOpts, stdoutPipe, unknown
    }

    /// Which key `k` is: by its length and first byte, then one comparison,
    /// rather than a comparison with every key the format has.
    static func field(_ k: UnsafeBufferPointer<UInt8>) -> Field {
        guard let first = k.first else { return .unknown }
        let guess: (Field, StaticString)
        switch (k.count, first) {
        case (1, UInt8(ascii: "v")): return .v
        case (2, UInt8(ascii: "i")): guess = (.id, "id")
        case (3, UInt8(ascii: "p")): guess = (.pid, "pid")
        case (3, UInt8(ascii: "c")): guess = (.cwd, "cwd")
        case (3, UInt8(ascii: "l")): guess = (.log, "log")
        case (4, UInt8(ascii: "p")): guess = k[1] == UInt8(ascii: "g") ? (.pgid, "pgid") : (.pool, "pool")
        case (4, UInt8(ascii: "n")): guess = (.name, "name")
        case (4, UInt8(ascii: "t")): guess = (.time, "time")
        case (5, UInt8(ascii: "e")): guess = k[1] == UInt8(ascii: "v") ? (.event, "event") : (.ended, "ended")
        case (5, UInt8(ascii: "o")): guess = (.owner, "owner")
        case (5, UInt8(ascii: "a")): guess = (.after, "after")
        case (5, UInt8(ascii: "u")): guess = (.until, "until")
        case (9, UInt8(ascii: "a")): guess = (.afterAny, "after_any")
        case (6, UInt8(ascii: "r")): guess = (.reason, "reason")
        case (5, UInt8(ascii: "s")): guess = k[1] == UInt8(ascii: "l") ? (.slurm, "slurm") : (.stdin, "stdin")
        case (6, UInt8(ascii: "d")): guess = (.daemon, "daemon")
        case (6, UInt8(ascii: "j")): guess = (.joined, "joined")
        case (7, UInt8(ascii: "m")): guess = (.monitor, "monitor")
        case (7, UInt8(ascii: "b")): guess = (.backend, "backend")
        case (7, UInt8(ascii: "s")): guess = (.started, "started")
        case (7, UInt8(ascii: "c")): guess = k[1] == UInt8(ascii: "o") ? (.command, "command") : (.created, "created")
        case (8, UInt8(ascii: "p")): guess = (.pidstart, "pidstart")
        case (8, UInt8(ascii: "e")): guess = (.exitcode, "exitcode")
        case (10, UInt8(ascii: "o")): guess = (.ownerstart, "ownerstart")
        case (12, UInt8(ascii: "m")): guess = (.monitorstart, "monitorstart")
        default: return Records.optionField(k)
        }
        return k.equals(guess.1) ? guess.0 : .unknown
    }

    /// The keys of what spawn was given (`restart`): rarer, compared in turn.
    static func optionField(_ k: UnsafeBufferPointer<UInt8>) -> Field {
        let keys: [(StaticString, Field)] = [
            ("env", .env), ("delay_ns", .delayNs), ("timeout_ns", .timeoutNs), ("stderr", .stderr), ("lock", .lock),
            ("lock_shared", .lockShared), ("on_exit", .onExit), ("retries", .retries),
            ("retry_delay_ns", .retryDelayNs), ("attempt", .attempt), ("slurm_opts", .slurmOpts),
            ("log_max", .logMax), ("stdout_pipe", .stdoutPipe),
        ]
        for (name, f) in keys where k.equals(name) { return f }
        return .unknown
    }

    /// Decodes one line (without its newline).
    public static func decode(_ line: UnsafeBufferPointer<UInt8>) -> Decoded {
        var v: Int64 = -1
        if line.allSatisfy({ $0 == 32 }) { return .padding }
        var kind = Kind.unknown
        var job = Job(id: 0, name: [])
        var code: Int64?
        var ended: Int64?
        var created: Int64?
        var reason: [UInt8]?
        var time: Int64?
        var ok = true
        let parsed = JSONReader.parseObject(line) { k, value in
            let f = Records.field(k)
            switch value {
            case .int(let n):
                switch f {
                case .v: v = n
                case .id: job.id = n > 0 && n <= Int64(Int.max) ? Int(n) : 0
                case .pid: job.pid = Int32(truncatingIfNeeded: n)
                case .pgid: job.pgid = Int32(truncatingIfNeeded: n)
                case .pidstart: job.pidStart = UInt64(truncatingIfNeeded: n)
                case .monitor: job.monitor = Int32(truncatingIfNeeded: n)
                case .monitorstart: job.monitorStart = UInt64(truncatingIfNeeded: n)
                case .owner: job.owner = Int32(truncatingIfNeeded: n)
                case .ownerstart: job.ownerStart = UInt64(truncatingIfNeeded: n)
                case .exitcode: code = n
                case .delayNs: job.delayNs = n
                case .timeoutNs: job.timeoutNs = n
                case .retries: job.retries = Int(clamping: n)
                case .retryDelayNs: job.retryDelayNs = n
                case .attempt: job.attempt = Int(clamping: n)
                case .logMax: job.logMax = Int(clamping: n)
                default: break
                }
            case .text(let t):
                // Read in place: the event and the times need no copy.
                switch f {
                case .event: kind = Records.kind(t)
                case .started: if let s = Timestamp.parse(t) { job.started = s } else { ok = false }
                case .ended: if let s = Timestamp.parse(t) { ended = s } else { ok = false }
                case .created: if let s = Timestamp.parse(t) { created = s } else { ok = false }
                case .time: if let s = Timestamp.parse(t) { time = s } else { ok = false }
                case .until: if let s = Timestamp.parse(t) { job.notBefore = s } else { ok = false }
                case .reason: reason = Array(t)
                case .name: job.name = Array(t)
                case .cwd: job.cwd = Array(t)
                case .log: job.log = Array(t)
                case .pool: job.pool = Array(t)
                case .stdin: job.stdinPipe = t.elementsEqual("pipe".utf8)
                case .stderr: job.stderrPath = Array(t)
                case .lock: job.lock = Array(t)
                case .onExit: job.onExit = Array(t)
                case .slurm: job.slurmID = Array(t); job.onSlurm = true
                case .backend: job.onSlurm = t.elementsEqual("slurm".utf8)
                default: break
                }
            case .string(let s):
                switch f {
                case .event: kind = s.withUnsafeBufferPointer(Records.kind)
                case .started: if let t = Timestamp.parse(s) { job.started = t } else { ok = false }
                case .ended: if let t = Timestamp.parse(s) { ended = t } else { ok = false }
                case .created: if let t = Timestamp.parse(s) { created = t } else { ok = false }
                case .time: if let t = Timestamp.parse(s) { time = t } else { ok = false }
                case .until: if let t = Timestamp.parse(s) { job.notBefore = t } else { ok = false }
                case .reason: reason = s
                case .name: job.name = s
                case .cwd: job.cwd = s
                case .log: job.log = s
                case .pool: job.pool = s
                case .stdin: job.stdinPipe = s.elementsEqual("pipe".utf8)
                case .stderr: job.stderrPath = s
                case .lock: job.lock = s
                case .onExit: job.onExit = s
                case .slurm: job.slurmID = s; job.onSlurm = true
                case .backend: job.onSlurm = s.elementsEqual("slurm".utf8)
                default: break
                }
            case .strings(let a):
                if f == .command { job.command = a } else if f == .env { job.extraEnv = a } else if f == .slurmOpts { job.slurmOptions = a }
            case .ints(let a):
                let ids = a.compactMap { $0 > 0 && $0 <= Int64(Int.max) ? Int($0) : nil }
                if f == .after { job.after = ids } else if f == .afterAny { job.afterAny = ids }
            case .bool(let b):
                if f == .daemon { job.daemon = b } else if f == .joined { job.joined = b } else if f == .lockShared { job.lockShared = b } else if f == .stdoutPipe { job.stdoutPipe = b }
            case .null, .other:
                break
            }
        }
        guard parsed else { return .invalid }
        if v > version { return .newer }
        guard v == version, ok, job.id > 0 else { return .invalid }
        job.created = created ?? job.started
        // A skipped job's end: no exit code, a reason.
        func end() -> ExitStatus? {
            if let c = code { return c >= -64 && c <= 255 ? ExitStatus(code: Int32(c)) : nil }
            return reason.map { ExitStatus.skipped(bytes: $0) }
        }
        switch kind {
        case .start:
            return .event(.start(job))
        case .exit:
            guard let e = end(), let t = ended else { return .invalid }
            return .event(.exit(job.id, e, t))
        case .remove:
            return .event(.remove(job.id, time))
        case .join:
            return .event(.join(job.id))
        case .pause:
            return .event(.pause(job.id, time ?? 0))
        case .resume:
            return .event(.resume(job.id, time ?? 0))
        case .retry:
            guard let c = code, c >= -64, c <= 255 else { return .invalid }
            return .event(.retry(job.id, attempt: job.attempt, previous: ExitStatus(code: Int32(c)), at: time ?? 0))
        case .run:
            guard let pid = job.pid else { return .invalid }
            return .event(.run(job.id, pid, job.pidStart, job.started))
        case .job:
            guard let e = end(), let t = ended else { return .invalid }
            job.exit = e
            job.ended = t
            return .whole(job)
        case .unknown:
            return .invalid
        }
    }
}
