import JobControlSystem

/// Jobs on a Slurm cluster (`--backend slurm`): submitted with `sbatch`,
/// run there by a batch wrapper (`jobctl __slurm-job`, `SlurmBatch`) that
/// writes the command's exact end to `slurm/ID.exit` in the state
/// directory, which both sides see. That file is the truth; the scheduler
/// (one `squeue` for all the jobs asked about) says what is queued or
/// running, and why a job ended that left no file (cancelled while
/// pending, a node that failed, a job it forgot).
public struct SlurmBackend: Backend {
    public let store: StateStore
    /// Told of each job `wait` sees end (`wait --progress`).
    public var onEnd: ((JobEnd) -> Void)?
    public init(store: StateStore) { self.store = store }

    static let dir = "slurm"
    static func file(_ id: JobID, _ ext: String) -> String { "\(dir)/\(id).\(ext)" }
    /// A cluster job's files there: its command and what its environment
    /// adds (NUL separated), its batch script, its end once it has one, and
    /// the signal of a `kill` that took it out of the queue.
    static let files = ["argv", "env", "sh", "exit", "cancel"]

    /// What a cluster job cannot do yet, refused before anything is made.
    static func refuse(_ r: SpawnRequest) throws(JobctlError) {
        let unsupported: [(Bool, String)] = [
            (r.lock != nil, "--lock"), (r.pool != nil, "--pool"), (r.stdinPipe, "--stdin pipe"), (r.stdoutPipe, "--stdout pipe"),
            (r.delay != nil, "--delay"), (r.onExit != nil, "--on-exit"),
            (r.retries > 0, "--retries"),
        ]
        if let (_, option) = unsupported.first(where: { $0.0 }) {
            throw .usage("\(option) is not supported with --backend slurm yet")
        }
    }

    /// `%` starts a pattern in sbatch's file names (`%j`): a path is given
    /// as it is.
    static func sbatchPath(_ p: [UInt8]) -> String {
        String(decoding: p, as: UTF8.self).replacingAll("%", with: "%%")
    }

    /// A Slurm job name: `jobctl-ID-NAME`, NAME cut to what any shell and
    /// `squeue -o %j` show plainly.
    static func jobName(_ id: JobID, _ name: [UInt8]) -> String {
        let safe = name.prefix(64).map { b -> Character in
            let c = Character(UnicodeScalar(b))
            return b < 128 && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") ? c : "_"
        }
        return "jobctl-\(id)-\(String(safe))"
    }

    /// Quotes `s` for sh: inside single quotes nothing is special but the
    /// quote itself.
    static func shellQuoted(_ s: [UInt8]) -> String {
        "'" + String(decoding: s, as: UTF8.self).replacingAll("'", with: "'\\''") + "'"
    }

    public func start(_ request: SpawnRequest, announce: (JobID) -> Bool) throws(JobctlError) -> JobID {
        try SlurmBackend.refuse(request)
        if insideDaemonJob() { throw Spawner.daemonRefusal }
        let spawner = Spawner(store: store)
        // A daemon job's owner is pinned before it is looked at (as locally).
        let ownerFD = try spawner.ownerPidfd(request)
        let own = try spawner.owner(request)
        let id = try store.allocateID()
        // A submission that fails leaves nothing: no log, no file of its own.
        var made: [String] = []
        var submitted = false
        defer { if !submitted { for f in made.reversed() { store.dir.removeIfPresent(f) } } }
        var (job, submission) = try prepare(request, id: id, made: &made)
        job.owner = own.pid
        job.ownerStart = own.start
        switch try clusterDependencies(job) {
        case .some(let option):
            job.slurmID = try submission.submit(extra: option)
        case .none:
            // A dependency on a local job, or one that has ended already:
            // held here, submitted once the dependencies allow.
            try hold(job, submission, ownerPidfd: ownerFD)
            submitted = true
            _ = announce(id)
            return id
        }
        job.started = wallClockMicros()
        job.created = job.started
        do throws(JobctlError) {
            try store.appendStart(id, Records.encode(job))
        } catch {
            try? Slurm.cancel(job.slurmID!, signal: nil)
            throw error
        }
        submitted = true
        _ = announce(id)
        if let owner = ownerFD { try watchOwner(of: job, owner) }
        return id
    }

    /// What `sbatch` is given for a job: its options and batch script.
    struct Submission {
        var options: [String]
        var script: String
        func submit(extra: [String]) throws(JobctlError) -> [UInt8] { try Slurm.submit(options + extra, script: script) }
    }

    /// Writes the job's files (its log, command, environment and batch
    /// script, each listed in `made` for a failure to remove) and returns
    /// its record, not yet submitted, and what to submit.
    func prepare(_ request: SpawnRequest, id: JobID, made: inout [String]) throws(JobctlError) -> (Job, Submission) {
        let spawner = Spawner(store: store)
        let cwd = try Spawner.recordedDirectory(request.directory)
        let statePath = try Spawner.absolute(store.path)
        guard let me = Processes.executablePath() else { throw .failure("cannot find this program's own path (/proc/self/exe)") }
        var logPath = Array("\(StateStore.logsDir)/\(id).log".utf8)
        if let p = request.stdoutPath {
            logPath = try Spawner.absolute(p)
        } else {
            _ = try store.createLog(id)
            made.append(String(decoding: logPath, as: UTF8.self))
        }
        let name = request.name ?? Spawner.defaultName(request.command[0])
        _ = try store.subdirectory([Array(SlurmBackend.dir.utf8)])
        // The command and what its environment adds go as data, NUL
        // separated: no shell reads them, so any bytes arrive as given.
        let vars = spawner.jobVariables(id: id, name: name, extra: request.environment)
        let limit = (request.timeout.map { " --timeout \($0.nanoseconds)" } ?? "") + (request.daemon ? " --daemon" : "")
        let script = "#!/bin/sh\n# jobctl job \(id): run by jobctl's batch wrapper, which records its exit.\nexec \(SlurmBackend.shellQuoted(me)) __slurm-job \(SlurmBackend.shellQuoted(statePath)) \(id)\(limit)\n"
        let files: [(String, [UInt8])] = [
            ("argv", Array(request.command.joined(separator: [0]))), ("env", Array(vars.joined(separator: [0]))),
            ("sh", Array(script.utf8)),
        ]
        for (ext, bytes) in files {
            let f = SlurmBackend.file(id, ext)
            try attempt("cannot write \(store.shown)/\(f)") { () throws(Errno) in
                try store.dir.open(f, [.writeOnly, .create, .exclusive]).writeAll(bytes)
            }
            made.append(f)
        }
        let log = logPath.first == UInt8(ascii: "/") ? logPath : statePath + [UInt8(ascii: "/")] + logPath
        var options = ["--job-name=\(SlurmBackend.jobName(id, name))", "--output=\(SlurmBackend.sbatchPath(log))",
                       "--open-mode=append", "--chdir=\(String(decoding: cwd, as: UTF8.self))"]
        if let e = request.stderrPath { options.append("--error=\(SlurmBackend.sbatchPath(try Spawner.absolute(e)))") }
        options += request.slurmOptions
        var job = Job(id: id, name: name)
        job.command = request.command
        job.cwd = cwd
        job.log = logPath
        job.daemon = request.daemon
        job.onSlurm = true
        job.after = request.after
        job.afterAny = request.afterAny
        job.recordOptions(request, stderr: request.stderrPath == nil ? nil : try Spawner.absolute(request.stderrPath))
        return (job, Submission(options: options, script: String(decoding: statePath, as: UTF8.self) + "/" + SlurmBackend.file(id, "sh")))
    }

    /// The job's dependencies as sbatch options, when the cluster can hold
    /// them itself: every one a cluster job that has not ended (`afterok`,
    /// `afterany`; a dependency that fails cancels the job, which is then
    /// `skipped`). Nil when they must be held here.
    func clusterDependencies(_ job: Job) throws(JobctlError) -> [String]? {
        if job.dependencies.isEmpty { return [] }
        var terms: [String] = []
        for (kind, ids) in [("afterok", job.after), ("afterany", job.afterAny)] where !ids.isEmpty {
            var sids: [String] = []
            for id in ids {
                guard let d = try store.job(id: id), let sid = d.slurmID, known(d) == nil else { return nil }
                sids.append(String(decoding: sid, as: UTF8.self))
            }
            terms.append(([kind] + sids).joined(separator: ":"))
        }
        return ["--dependency=\(terms.joined(separator: ","))", "--kill-on-invalid-dep=yes"]
    }

    /// The end the batch wrapper wrote: `CODE MICROS`.
    func exitFile(_ id: JobID) -> (ExitStatus, Int64)? {
        guard let f = try? store.dir.openIfPresent(SlurmBackend.file(id, "exit"), .readOnly),
              let b = try? f.readAll(), b.last == 10 else { return nil }
        let words = String(decoding: b.dropLast(), as: UTF8.self).split(separator: " ")
        guard words.count == 2, let c = Int32(words[0]), let t = Int64(words[1]) else { return nil }
        return (ExitStatus(code: c), t)
    }

    /// `job` with its end `e` and the state that gives, recorded in the
    /// state (synced) the first time it is learnt.
    func ended(_ job: Job, _ e: ExitStatus, at t: Int64) -> (job: Job, state: JobState) {
        var j = job
        j.exit = e
        j.ended = t
        if job.exit == nil { try? store.appendExit(job.id, Records.encodeExit(job.id, e, ended: t), releasing: true) }
        return (j, j.recordedState)
    }

    /// The end known without asking the scheduler: recorded, or in the
    /// exit file.
    func known(_ j: Job) -> (job: Job, state: JobState)? {
        if j.exit != nil { return (j, j.recordedState) }
        return exitFile(j.id).map { ended(j, $0.0, at: $0.1) }
    }

    /// The jobs as they are now, one scheduler query for all that have no
    /// known end. If the scheduler cannot be asked, they stand as running.
    public func current(_ jobs: [Job]) -> [(job: Job, state: JobState)] {
        var out = jobs.map { known($0) ?? ($0, .running) }
        let ask = out.indices.filter { out[$0].job.exit == nil }
        guard !ask.isEmpty, let answer = try? Slurm.states(ask.compactMap { out[$0].job.slurmID }) else { return out }
        for k in ask { out[k] = decide(out[k].job, answer) }
        return out
    }

    /// What the scheduler's answer means for a job with no exit file:
    /// queued or running, or its end (recorded).
    func decide(_ j: Job, _ answer: Slurm.Answer) -> (job: Job, state: JobState) {
        let word = j.slurmID.flatMap { answer[String(decoding: $0, as: UTF8.self)] }
        // Not in the answer: forgotten before its end was seen.
        let meaning: JobState = word.map { Slurm.meaning($0) ?? .running } ?? .lost
        if meaning == .queued || meaning == .running { return (j, meaning) }
        // Written just before the scheduler saw the end?
        if let k = known(j) { return k }
        if meaning == .lost { return (j, .lost) }
        // No file: the wrapper never ran (cancelled while pending: by
        // `jobctl kill`, which wrote the signal first, or by someone else)
        // or was killed itself; the scheduler's ExitCode, else TERM.
        if meaning == .killed, (try? store.dir.openIfPresent(SlurmBackend.file(j.id, "cancel"), .readOnly)) != nil {
            return ended(j, .skipped(Monitor.killedWhileQueued), at: wallClockMicros())
        }
        // Cancelled by the cluster because a dependency failed
        // (kill_invalid_depend): skipped, saying which.
        if meaning == .killed && !j.dependencies.isEmpty {
            var pending = j.dependencies
            if case .skip(let why) = Dependencies(store: store).verdict(of: j, pending: &pending, askScheduler: true) {
                return ended(j, .skipped(why), at: wallClockMicros())
            }
        }
        let e = j.slurmID.flatMap(Slurm.exitCode) ?? ExitStatus(code: -SignalNumber.terminate)
        let end = meaning == .killed && e.code >= 0 ? ExitStatus(code: -SignalNumber.terminate) : e
        return ended(j, end, at: wallClockMicros())
    }

    public func state(of job: Job) -> JobState { current([job])[0].state }
    public func states(of jobs: [Job]) -> [JobState] { current(jobs).map(\.state) }

    @discardableResult
    public func signal(_ job: Job, _ request: KillRequest) throws(JobctlError) -> Bool {
        if request.closeStdin { throw .failure("job \(job.id) runs on Slurm: its stdin is not a pipe") }
        let (_, st) = current([job])[0]
        if st.hasEnded { return false }
        if request.signal == 0 { return true }
        guard let sid = job.slurmID else { return false }
        if st == .queued {
            // Never to run: taken out of the queue and recorded skipped, as
            // a queued local job is; unless it has started since. The intent
            // is written first (`ID.cancel`), so that a waiter who sees the
            // cancellation before the record knows what it was.
            let intent = SlurmBackend.file(job.id, "cancel")
            try? store.dir.open(intent, [.writeOnly, .create, .truncate]).writeAll(Array("\(-request.signal)\n".utf8))
            try Slurm.cancel(sid, signal: nil, onlyIfPending: true)
            if (try? Slurm.states([sid]))?[String(decoding: sid, as: UTF8.self)] == "CANCELLED" {
                _ = ended(job, .skipped(Monitor.killedWhileQueued), at: wallClockMicros())
                return true
            }
            store.dir.removeIfPresent(intent)
        }
        if request.signal == SignalNumber.terminate && request.grace != nil {
            // TERM, then KILL after the cluster's own grace (KillWait).
            try Slurm.cancel(sid, signal: nil)
        } else {
            try Slurm.cancel(sid, signal: request.signal)
        }
        return true
    }

    /// When to ask the scheduler next: every `JOBCTL_SLURM_POLL` seconds,
    /// else from 0.5 s, half as long again each time, up to 30 s. Exit
    /// files wake a waiter at once (inotify); the scheduler is asked only
    /// for what no file says, once per interval for all the jobs together.
    struct Pacing {
        var interval: Int64, longest: Int64
        var next: Int64
        init(askingNow: Bool) {
            if let v = Processes.environment("JOBCTL_SLURM_POLL").flatMap({ Double(String(decoding: $0, as: UTF8.self)) }), v > 0 {
                interval = Int64(v * 1e9)
                longest = interval
            } else {
                interval = 500_000_000
                longest = 30_000_000_000
            }
            next = monotonicNow() + (askingNow ? 0 : interval)
        }
        var due: Bool { monotonicNow() >= next }
        var untilDue: Int64 { max(0, next - monotonicNow()) }
        mutating func asked() {
            next = monotonicNow() + interval
            interval = min(interval * 3 / 2, longest)
        }
    }

    public func wait(for jobs: [Job], any: Bool, timeout: Int64?) throws(JobctlError) -> [JobEnd] {
        let deadline = timeout.map { monotonicNow() + $0 }
        let d = try store.subdirectory([Array(SlurmBackend.dir.utf8)])
        let watch = try attempt("cannot watch \(store.shown)/\(SlurmBackend.dir)") { () throws(Errno) in
            let i = try Inotify()
            _ = try i.watch(d, .movedTo)
            return i
        }
        var pending = jobs
        var done: [JobEnd] = [] {
            didSet { if let tell = onEnd, let last = done.last, done.count > oldValue.count { tell(last) } }
        }
        var pacing = Pacing(askingNow: true)
        while true {
            // What the files say, then (when due) what the scheduler says.
            var still: [Job] = []
            for j in pending {
                if let (k, st) = known(j) { done.append(JobEnd(job: k, state: st)) } else { still.append(j) }
            }
            pending = still
            if !pending.isEmpty && pacing.due && !(any && !done.isEmpty) {
                if let answer = try? Slurm.states(pending.compactMap(\.slurmID)) {
                    still = []
                    for j in pending {
                        let (k, st) = decide(j, answer)
                        if st.hasEnded { done.append(JobEnd(job: k, state: st)) } else { still.append(j) }
                    }
                    pending = still
                }
                pacing.asked()
            }
            if pending.isEmpty || (any && !done.isEmpty) { return done }
            var sleep = pacing.untilDue
            if let d = deadline {
                if d <= monotonicNow() { throw .timedOut }
                sleep = min(sleep, d - monotonicNow())
            }
            if pollReadable([watch.fd.rawValue], timeoutNs: sleep)[0] { watch.drain() }
        }
    }
}

extension String {
    func replacingAll(_ a: Character, with b: String) -> String {
        var out = ""
        for c in self { if c == a { out += b } else { out.append(c) } }
        return out
    }
}
