import JobControlSystem
/// The state file's lines. Each is one JSON object with `"v":1` and an
/// `event`: `start` (a job began: everything but its end), `exit` (how and
/// when it ended), `remove` (forgotten by rm/prune), and `job` (a whole job,
/// written by compaction). Readers fold them in order; keys they do not know
/// are ignored, lines with a newer `v` are skipped and counted.
public enum Event {
    case start(Job)
    case exit(JobID, ExitStatus, Int64)
    case remove(JobID)
    /// A queued job began to run: its pid, pgid, pid start time and start.
    case run(JobID, Int32, UInt64, Int64)
    /// A bare `wait` of the job's owner has reported it (Python's join).
    case join(JobID)

    public var id: JobID {
        switch self {
        case .start(let j): return j.id
        case .exit(let id, _, _), .remove(let id), .run(let id, _, _, _), .join(let id): return id
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
        if j.joined { w.field("joined", true) }
        w.timestamp("started", micros: j.started)
        if let e = j.exit, let t = j.ended {
            w.field("exitcode", e.code)
            w.timestamp("ended", micros: t)
        }
        w.endObject()
        w.bytes.append(10)
        return w.bytes
    }

    public static func encodeExit(_ id: JobID, _ e: ExitStatus, ended: Int64) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("v", version)
        w.field("event", "exit")
        w.field("id", id)
        w.field("exitcode", e.code)
        w.timestamp("ended", micros: ended)
        w.endObject()
        w.bytes.append(10)
        return w.bytes
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
        w.bytes.append(10)
        return w.bytes
    }

    public static func encodeRemove(_ id: JobID) -> [UInt8] { encodeIDEvent("remove", id) }
    public static func encodeJoin(_ id: JobID) -> [UInt8] { encodeIDEvent("join", id) }

    static func encodeIDEvent(_ event: StaticString, _ id: JobID) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("v", version)
        w.key("event")
        JSONWriter.appendString(Array(UnsafeBufferPointer(start: event.utf8Start, count: event.utf8CodeUnitCount)), to: &w.bytes)
        w.field("id", id)
        w.endObject()
        w.bytes.append(10)
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
    enum Kind { case start, exit, remove, job, run, join, unknown }

    static func kind(_ s: UnsafeBufferPointer<UInt8>) -> Kind {
        if s.equals("start") { return .start }
        if s.equals("exit") { return .exit }
        if s.equals("job") { return .job }
        if s.equals("remove") { return .remove }
        if s.equals("run") { return .run }
        if s.equals("join") { return .join }
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
        var ok = true
        let parsed = JSONReader.parseObject(line) { k, value in
            switch value {
            case .int(let n):
                if k.equals("v") { v = n }
                else if k.equals("id") { job.id = n > 0 && n <= Int64(Int.max) ? Int(n) : 0 }
                else if k.equals("pid") { job.pid = Int32(truncatingIfNeeded: n) }
                else if k.equals("pgid") { job.pgid = Int32(truncatingIfNeeded: n) }
                else if k.equals("pidstart") { job.pidStart = UInt64(truncatingIfNeeded: n) }
                else if k.equals("monitor") { job.monitor = Int32(truncatingIfNeeded: n) }
                else if k.equals("monitorstart") { job.monitorStart = UInt64(truncatingIfNeeded: n) }
                else if k.equals("owner") { job.owner = Int32(truncatingIfNeeded: n) }
                else if k.equals("ownerstart") { job.ownerStart = UInt64(truncatingIfNeeded: n) }
                else if k.equals("exitcode") { code = n }
            case .text(let t):
                // Read in place: the event and the times need no copy.
                if k.equals("event") { kind = Records.kind(t) }
                else if k.equals("started") {
                    if let s = Timestamp.parse(t) { job.started = s } else { ok = false }
                } else if k.equals("ended") {
                    if let s = Timestamp.parse(t) { ended = s } else { ok = false }
                } else if k.equals("name") { job.name = Array(t) }
                else if k.equals("cwd") { job.cwd = Array(t) }
                else if k.equals("log") { job.log = Array(t) }
                else if k.equals("pool") { job.pool = Array(t) }
                else if k.equals("stdin") { job.stdinPipe = t.elementsEqual("pipe".utf8) }
            case .string(let s):
                if k.equals("event") {
                    if s.elementsEqual("start".utf8) { kind = .start }
                    else if s.elementsEqual("exit".utf8) { kind = .exit }
                    else if s.elementsEqual("remove".utf8) { kind = .remove }
                    else if s.elementsEqual("job".utf8) { kind = .job }
                    else if s.elementsEqual("run".utf8) { kind = .run }
                    else if s.elementsEqual("join".utf8) { kind = .join }
                } else if k.equals("name") { job.name = s }
                else if k.equals("cwd") { job.cwd = s }
                else if k.equals("log") { job.log = s }
                else if k.equals("pool") { job.pool = s }
                else if k.equals("stdin") { job.stdinPipe = s.elementsEqual("pipe".utf8) }
                else if k.equals("started") {
                    if let t = Timestamp.parse(s) { job.started = t } else { ok = false }
                } else if k.equals("ended") {
                    if let t = Timestamp.parse(s) { ended = t } else { ok = false }
                }
            case .strings(let a):
                if k.equals("command") { job.command = a }
            case .bool(let b):
                if k.equals("daemon") { job.daemon = b }
                else if k.equals("joined") { job.joined = b }
            case .null, .other:
                break
            }
        }
        guard parsed else { return .invalid }
        if v > version { return .newer }
        guard v == version, ok, job.id > 0 else { return .invalid }
        switch kind {
        case .start:
            return .event(.start(job))
        case .exit:
            guard let c = code, let t = ended, c >= -64, c <= 255 else { return .invalid }
            return .event(.exit(job.id, ExitStatus(code: Int32(c)), t))
        case .remove:
            return .event(.remove(job.id))
        case .join:
            return .event(.join(job.id))
        case .run:
            guard let pid = job.pid else { return .invalid }
            return .event(.run(job.id, pid, job.pidStart, job.started))
        case .job:
            guard let c = code, let t = ended, c >= -64, c <= 255 else { return .invalid }
            job.exit = ExitStatus(code: Int32(c))
            job.ended = t
            return .whole(job)
        case .unknown:
            return .invalid
        }
    }
}
