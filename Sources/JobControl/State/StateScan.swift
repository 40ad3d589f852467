import JobControlSystem

/// Finding jobs by reading the state file backwards, newest line first, so
/// that a recent job costs the same whatever the length of history.
///
/// Two promises hold for any file: a torn tail (an append in progress, or a
/// crash mid-append) of any length is skipped, never read as a line; and a
/// line is read whole only when its first bytes say it may be the one
/// looked for, so one huge argument vector in the history slows no lookup
/// of another job.
extension StateStore {
    /// How many bytes are read at a time, and how much of a line is looked
    /// at before deciding whether to read all of it.
    static let scanChunk = 65536
    static let peekLength = 4096

    /// Calls `visit` for each complete line, newest first, with what its
    /// first bytes say (nil if they are not in the form jobctl writes) and
    /// a way to decode the whole line, until `visit` returns true.
    func scanBackwards(_ visit: (_ header: Records.Header?, _ decode: () -> Records.Decoded) -> Bool) throws(JobctlError) {
        guard let f = try openJobs() else { return }
        let size: Int
        do throws(Errno) { size = try f.size() } catch { throw .system("cannot read \(shown)/\(StateStore.jobsFile)", error) }
        var chunk: [UInt8] = []  // the file's bytes from chunkStart on
        var chunkStart = size
        var failure: Errno?

        /// The offset of the last newline before `limit`, or -1 if none.
        func newline(before limit: Int) -> Int {
            var lim = limit
            while true {
                if lim > chunkStart {
                    let hit = chunk.withUnsafeBytes { ByteSearch.last(10, in: UnsafeRawBufferPointer(rebasing: $0[..<(lim - chunkStart)])) }
                    if let h = hit { return chunkStart + h }
                    lim = chunkStart
                }
                guard chunkStart > 0 else { return -1 }
                let from = max(0, chunkStart - StateStore.scanChunk)
                do throws(Errno) {
                    chunk = try f.read(at: from, count: chunkStart - from)
                } catch {
                    failure = error
                    return -1
                }
                // Shorter than asked: the file was cut under us (a compaction
                // renames a new file in, so this one is only ever cut back to
                // where a failed append began). What is left is not ours.
                if chunk.count != chunkStart - from { return -1 }
                chunkStart = from
            }
        }

        // The newline that ends the last complete line: anything after it
        // is an unfinished append, however long.
        var end = newline(before: size)
        while end >= 0 {
            let p = newline(before: end)
            if let e = failure { throw .system("cannot read \(shown)/\(StateStore.jobsFile)", e) }
            let start = p + 1
            let length = end - start
            end = p
            guard length > 0 else { continue }
            if start >= chunkStart && start + length <= chunkStart + chunk.count {
                let stop = chunk.withUnsafeBufferPointer { b -> Bool in
                    let line = UnsafeBufferPointer(rebasing: b[(start - chunkStart)..<(start - chunkStart + length)])
                    return visit(Records.peekHeader(line), { Records.decode(line) })
                }
                if stop { return }
                continue
            }
            // A line longer than what is in memory: look at its start first.
            let prefix = (try? f.read(at: start, count: min(length, StateStore.peekLength))) ?? []
            let header = prefix.withUnsafeBufferPointer { Records.peekHeader($0) }
            let stop = visit(header) {
                guard let whole = try? f.read(at: start, count: length), whole.count == length else { return .invalid }
                return whole.withUnsafeBufferPointer { Records.decode($0) }
            }
            if stop { return }
        }
        if let e = failure { throw .system("cannot read \(shown)/\(StateStore.jobsFile)", e) }
    }

    /// The job with this id, folding only the lines after its start.
    public func job(id: JobID) throws(JobctlError) -> Job? {
        var exit: (ExitStatus, Int64)?
        var ran: (Int32, UInt64, Int64)?
        var attempt: Int?
        var removed = false
        var joined = false
        var found: Job?
        try scanBackwards { header, decode in
            if let h = header, h.id != id { return false }  // another job's line
            switch decode() {
            case .event(.exit(let i, let e, let t)) where i == id: if exit == nil { exit = (e, t) }
            case .event(.run(let i, let pid, let st, let t)) where i == id: if ran == nil { ran = (pid, st, t) }
            case .event(.retry(let i, let a, _, _)) where i == id: if attempt == nil { attempt = a }
            case .event(.remove(let i, _)) where i == id: removed = true
            case .event(.join(let i)) where i == id: joined = true
            case .event(.start(let j)) where j.id == id: found = j; return true
            case .whole(let j) where j.id == id: found = j; return true
            default: break
            }
            return false
        }
        guard var j = found, !removed else { return nil }
        if let (pid, st, t) = ran { j.pid = pid; j.pgid = pid; j.pidStart = st; j.started = t }
        if let a = attempt { j.attempt = a }
        if let (e, t) = exit { j.exit = e; j.ended = t }
        if joined { j.joined = true }
        return j
    }

    /// The newest job with this name that has not been removed.
    public func job(named name: [UInt8]) throws(JobctlError) -> Job? {
        var removedIDs = Set<JobID>()
        var id: JobID?
        try scanBackwards { header, decode in
            if let h = header {
                switch h.kind {
                case .remove: removedIDs.insert(h.id); return false
                case .start, .job:
                    // A name written without escapes is its own bytes.
                    if let n = h.name, n != name { return false }
                default: return false
                }
            }
            switch decode() {
            case .event(.remove(let i, _)): removedIDs.insert(i)
            case .event(.start(let j)), .whole(let j):
                if j.name == name && !removedIDs.contains(j.id) { id = j.id; return true }
            default: break
            }
            return false
        }
        guard let found = id else { return nil }
        return try job(id: found)
    }

    /// Resolves a JOB operand: all digits is an id, anything else a name.
    public func resolve(_ operand: [UInt8]) throws(JobctlError) -> Job {
        if StateStore.isID(operand) {
            if operand.count <= 18, let id = Int(display(operand)), let j = try job(id: id) { return j }
        } else if let j = try job(named: operand) {
            return j
        }
        throw .noSuchJob(display(operand))
    }

    /// Resolves many operands in one pass over the state (a map from id and
    /// from name to job), so that the cost does not grow with operands ×
    /// history; a few are looked up from the end of the file instead.
    public func resolve(_ operands: [[UInt8]]) throws(JobctlError) -> [Job] {
        var out: [Job] = []
        out.reserveCapacity(operands.count)
        if operands.count <= 4 {
            for o in operands { out.append(try resolve(o)) }
            return out
        }
        return try resolve(operands, in: try loadAll().jobs)
    }

    /// `resolve` against jobs already read (`loadAll`, id order).
    public func resolve(_ operands: [[UInt8]], in jobs: [Job]) throws(JobctlError) -> [Job] {
        var out: [Job] = []
        out.reserveCapacity(operands.count)
        var byID: [JobID: Int] = [:]
        var byName: [[UInt8]: Int] = [:]
        for (k, j) in jobs.enumerated() {
            byID[j.id] = k
            byName[j.name] = k  // in id order: the newest wins
        }
        for o in operands {
            let k = StateStore.isID(o) ? (o.count <= 18 ? Int(display(o)).flatMap { byID[$0] } : nil) : byName[o]
            guard let found = k else { throw .noSuchJob(display(o)) }
            out.append(jobs[found])
        }
        return out
    }

    static func isID(_ operand: [UInt8]) -> Bool {
        !operand.isEmpty && operand.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}

extension Records {
    /// What the first bytes of a line say, read without decoding it. The
    /// writer always begins `{"v":1,"event":"E","id":N` (and `,"name":"…"`
    /// for start and job lines); a line in any other form gets no header
    /// and is decoded whole.
    struct Header {
        var kind: Kind
        var id: JobID
        /// The name, if it was written without escapes and lies in the bytes looked at.
        var name: [UInt8]?
    }

    static func peekHeader(_ b: UnsafeBufferPointer<UInt8>) -> Header? {
        var i = 0
        func literal(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= b.count, ByteSearch.equal(b.baseAddress! + i, s.utf8Start, count: n) else { return false }
            i += n
            return true
        }
        guard literal("{\"v\":1,\"event\":\"") else { return nil }
        let kindStart = i
        while i < b.count && b[i] >= 97 && b[i] <= 122 { i += 1 }
        let word = UnsafeBufferPointer(rebasing: b[kindStart..<i])
        let kind: Kind
        if word.equals("start") { kind = .start }
        else if word.equals("exit") { kind = .exit }
        else if word.equals("remove") { kind = .remove }
        else if word.equals("job") { kind = .job }
        else if word.equals("run") { kind = .run }
        else if word.equals("join") { kind = .join }
        else { return nil }
        guard literal("\",\"id\":") else { return nil }
        var id = 0
        let digitsStart = i
        while i < b.count && b[i] >= 48 && b[i] <= 57 && i - digitsStart < 18 {
            id = id * 10 + Int(b[i] - 48)
            i += 1
        }
        guard i > digitsStart, i < b.count, b[i] == UInt8(ascii: ",") || b[i] == UInt8(ascii: "}"), id > 0 else { return nil }
        var name: [UInt8]?
        if kind == .start || kind == .job, literal(",\"name\":\"") {
            let nameStart = i
            while i < b.count && b[i] != 34 && b[i] != 92 { i += 1 }
            if i < b.count && b[i] == 34 { name = Array(b[nameStart..<i]) }
        }
        return Header(kind: kind, id: id, name: name)
    }
}

extension StateStore {
    /// The monitors of the jobs whose start lines come after job `id`'s (its
    /// own included): every job started from inside job `id` is among them.
    /// What a job's monitor checks a process that calls itself a monitor
    /// against before leaving it alone.
    func monitors(since id: JobID) -> Set<ProcessIdentity> {
        var out = Set<ProcessIdentity>()
        try? scanBackwards { header, decode in
            if let h = header, h.kind != .start && h.kind != .job { return false }
            switch decode() {
            case .event(.start(let j)), .whole(let j):
                out.insert(ProcessIdentity(pid: j.monitor, start: j.monitorStart))
                return j.id == id
            default:
                return false
            }
        }
        return out
    }
}
