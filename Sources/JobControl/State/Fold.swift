import JobControlSystem

/// Reading the event log: its lines, and the jobs they fold into.
extension StateStore {
    /// Splits `bytes` into complete lines (an unfinished last line is left
    /// out: it may be an append in progress) and decodes each.
    static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Records.Decoded) -> Void) {
        var start = 0
        let n = bytes.count
        while start < n {
            guard let nl = ByteSearch.first(10, in: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...]))) else { break }
            let end = start + nl
            if end > start {
                body(Records.decode(UnsafeBufferPointer(rebasing: bytes[start..<end])))
            }
            start = end + 1
        }
    }

    /// What a fold found besides jobs: lines it could not read.
    public struct Skipped: Equatable {
        public var invalid = 0
        public var newer = 0
    }

    /// Folds the events into jobs, oldest first; removed jobs left out.
    public func loadAll() throws(JobctlError) -> (jobs: [Job], skipped: Skipped) {
        guard let (bytes, _) = try readFile() else { return ([], Skipped()) }
        return StateStore.fold(bytes)
    }

    public static func fold(_ bytes: [UInt8]) -> (jobs: [Job], skipped: Skipped) {
        var jobs: [Job] = []
        var index: [JobID: Int] = [:]
        var skipped = Skipped()
        var pendingExits: [JobID: (ExitStatus, Int64)] = [:]
        var pendingJoins = Set<JobID>()
        bytes.withUnsafeBufferPointer { b in
            forEachLine(b) { d in
                switch d {
                case .invalid: skipped.invalid += 1
                case .newer: skipped.newer += 1
                case .whole(let j), .event(.start(let j)):
                    if let k = index[j.id] {
                        jobs[k] = j  // a later record of the same job wins
                    } else {
                        var j = j
                        if let (e, t) = pendingExits.removeValue(forKey: j.id) { j.exit = e; j.ended = t }
                        if pendingJoins.remove(j.id) != nil { j.joined = true }
                        index[j.id] = jobs.count
                        jobs.append(j)
                    }
                case .event(.exit(let id, let e, let t)):
                    if let k = index[id] { jobs[k].exit = e; jobs[k].ended = t }
                    else { pendingExits[id] = (e, t) }
                case .event(.remove(let id, _)):
                    if let k = index[id] { jobs[k].removed = true }
                case .event(.join(let id)):
                    if let k = index[id] { jobs[k].joined = true } else { pendingJoins.insert(id) }
                case .event(.run(let id, let pid, let st, let t)):
                    if let k = index[id] {
                        jobs[k].pid = pid; jobs[k].pgid = pid; jobs[k].pidStart = st; jobs[k].started = t
                    }
                case .event(.retry(let id, let attempt, _, _)):
                    if let k = index[id] { jobs[k].attempt = attempt }
                case .padding, .event(.pause), .event(.resume):
                    break
                }
            }
        }
        jobs.removeAll { $0.removed }
        // Monitors append in the order jobs start, which can differ from id order.
        if !jobs.isEmpty && !zip(jobs, jobs.dropFirst()).allSatisfy({ $0.id < $1.id }) {
            jobs.sort { $0.id < $1.id }
        }
        return (jobs, skipped)
    }

    /// The state `ps` shows: a job with no exit record is `running` only while
    /// its monitor or its command is alive (same PID and start time, not a
    /// zombie); otherwise it is `lost`. A process that cannot be looked at
    /// (no descriptor left) counts as alive: unknown is never `lost`.
    ///
    /// A running job whose command (its leader) is stopped, by `jobctl
    /// pause`, `kill -s STOP`, Ctrl-Z or anyone, is `paused`.
    public static func liveState(_ j: Job) -> JobState {
        let recorded = j.recordedState
        guard recorded == .running || recorded == .queued else { return recorded }
        if recorded == .running, let pid = j.pid, case .found(let s) = ProcStat.lookup(pid),
           s.startTime == j.pidStart, s.isStopped {
            return .paused
        }
        if ProcStat.mayBeAlive(j.monitor, start: j.monitorStart) { return recorded }
        if let pid = j.pid, ProcStat.mayBeAlive(pid, start: j.pidStart) { return recorded }
        return .lost
    }
}
