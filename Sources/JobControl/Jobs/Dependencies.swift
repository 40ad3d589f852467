import JobControlSystem

/// `spawn --after JOB` (JOB must exit 0) and `--after-any JOB` (JOB must
/// have ended, however): a job that waits, `queued`, for others. Its
/// monitor does the waiting, so it survives the spawning shell, and sleeps
/// on the dependencies' monitors (a monitor exits right after its job's
/// exit record is synced); a dependency on the cluster wakes it through its
/// exit file, with the scheduler asked at the Slurm backend's pace for what
/// no file says. A dependency that does not succeed makes the job
/// `skipped`, whose own dependants are then skipped in turn.
public struct Dependencies {
    let store: StateStore
    public init(store: StateStore) { self.store = store }

    /// Why a job that needs `dep` to have ended (and, unless `anyEnd`, to
    /// have exited 0) will never run; nil if `dep` does not stop it.
    static func failure(_ dep: Job, _ state: JobState, anyEnd: Bool) -> String? {
        if anyEnd { return nil }
        let code = dep.exit?.code ?? 0
        switch state {
        case .exited where code == 0: return nil
        case .exited: return "dependency \(dep.id) exited \(code)"
        case .killed: return "dependency \(dep.id) killed by SIG\(Signal(rawValue: -code).name)"
        case .skipped: return "dependency \(dep.id) skipped"
        default: return "dependency \(dep.id) lost"
        }
    }

    /// What a job's dependencies say now.
    public enum Verdict {
        /// All have ended as required.
        case ready
        /// One did not succeed (or was removed before its end was seen).
        case skip(String)
        /// These have not ended yet.
        case waiting([Job])
    }

    /// Looks at each dependency still `pending` (ids), taking those that
    /// have ended as required off the list. `askScheduler` lets cluster jobs
    /// without an exit file be asked about (one query for them all).
    public func verdict(of job: Job, pending: inout [JobID], askScheduler: Bool) -> Verdict {
        var found: [Job] = []
        for id in pending {
            guard let d = (try? store.job(id: id)) ?? nil else {
                // Removed (rm, prune) before its end was seen here.
                if job.after.contains(id) { return .skip("dependency \(id) was removed") }
                continue
            }
            found.append(d)
        }
        let slurm = SlurmBackend(store: store)
        let onCluster = found.filter { $0.slurmID != nil && slurm.known($0) == nil }
        let asked = askScheduler && !onCluster.isEmpty ? slurm.current(onCluster) : []
        var waiting: [Job] = []
        for d in found {
            var (j, st): (Job, JobState)
            if d.slurmID != nil {
                (j, st) = slurm.known(d) ?? asked.first(where: { $0.job.id == d.id }) ?? (d, .running)
            } else {
                (j, st) = (d, StateStore.liveState(d))
                // Its monitor may have written the end just after we read.
                if st == .lost, let fresh = (try? store.job(id: d.id)) ?? nil { (j, st) = (fresh, StateStore.liveState(fresh)) }
            }
            guard st.hasEnded else { waiting.append(j); continue }
            if let why = Dependencies.failure(j, st, anyEnd: !job.after.contains(j.id)) { return .skip(why) }
        }
        pending = waiting.map(\.id)
        return waiting.isEmpty ? .ready : .waiting(waiting)
    }

    /// The ids among `ids` that do not name a job, for spawn to refuse.
    public func missing(_ ids: [JobID]) throws(JobctlError) -> [JobID] {
        var out: [JobID] = []
        for id in ids where try store.job(id: id) == nil { out.append(id) }
        return out
    }
}

extension Monitor {
    /// What became of a queued job's wait for its dependencies.
    enum DependencyTurn {
        case ready
        case skipped(String)
        /// Killed (or its owner ended) while waiting.
        case killed
    }

    /// Waits until the job's dependencies allow it to start, answering
    /// kill requests meanwhile.
    func waitForDependencies() -> DependencyTurn {
        let deps = Dependencies(store: store)
        var pending = job.dependencies
        var pacing = SlurmBackend.Pacing(askingNow: true)
        var clusterWatch: Inotify?
        while true {
            let ask = pacing.due
            let waiting: [Job]
            switch deps.verdict(of: job, pending: &pending, askScheduler: ask) {
            case .ready: return .ready
            case .skip(let why): return .skipped(why)
            case .waiting(let w): waiting = w
            }
            if ask { pacing.asked() }
            // Sleep on what can end each: a local job's monitor (else its
            // orphaned leader); a cluster job's exit file, and the
            // scheduler's next turn.
            var pidfds = Descriptors()
            var unpinned = false
            var onCluster = false
            for d in waiting {
                if d.slurmID != nil { onCluster = true; continue }
                if let fd = pidfdIfSame(d.monitor, start: d.monitorStart) ?? d.pid.flatMap({ pidfdIfSame($0, start: d.pidStart) }) {
                    pidfds.append(fd)
                } else {
                    unpinned = true  // ended since it was read (or no descriptor): look again
                }
            }
            if onCluster && clusterWatch == nil, let d = try? store.subdirectory([Array(SlurmBackend.dir.utf8)]) {
                clusterWatch = try? Inotify()
                _ = try? clusterWatch?.watch(d, .movedTo)
            }
            var extra = [signals.fd.rawValue]
            if let o = ownerPidfd?.rawValue { extra.append(o) }
            if let w = clusterWatch?.fd.rawValue { extra.append(w) }
            let timeout: Int64? = unpinned ? 10_000_000 : onCluster ? pacing.untilDue : nil
            let ready = pidfds.pollReadable(after: extra, timeoutNs: timeout)
            clusterWatch?.drain()
            if killedWhileQueued(signalsReady: ready[0], ownerGone: ownerPidfd != nil && ready[1]) { return .killed }
        }
    }

    /// While queued, any kill (or TERM, HUP, INT to the monitor) and a
    /// daemon job's owner's end remove the job: it never runs. Reads the
    /// requests that came; true if the job is to be removed.
    func killedWhileQueued(signalsReady: Bool, ownerGone: Bool) -> Bool {
        killRequest(signalsReady: signalsReady, ownerGone: ownerGone) != nil
    }

    /// For a job that is not running (queued, or between attempts): reads
    /// every request that came and returns the signal of the first that
    /// asks it to end (TERM for a daemon job's owner's end), or nil. Pause
    /// and resume (STOP, CONT) leave it be: it has nothing to stop yet.
    func killRequest(signalsReady: Bool, ownerGone: Bool) -> Int32? {
        var sig: Int32? = ownerGone ? SignalNumber.terminate : nil
        while signalsReady, let request = nextRequest() {
            switch request {
            case .child: break
            case .kill(let r) where r.closeStdin: closeStdinPipe()
            case .kill(let r) where r.signal == SignalNumber.stop || r.signal == SignalNumber.continue: break
            case .kill(let r): sig = sig ?? r.signal
            case .terminate: sig = sig ?? SignalNumber.terminate
            case .passOn(let s): sig = sig ?? s
            }
        }
        return sig
    }
}
