import JobControlSystem

/// A cluster job whose dependency Slurm cannot hold (a local job, or one
/// that has already ended) is held here: a local process,
/// `jobctl-slurmhold`, is its monitor while it waits, recorded as such, so
/// that `ps`, `kill` and `wait` treat it as a queued local job. It waits
/// for the dependencies as a local monitor does; when they allow, it
/// submits the job and records it again, now with its Slurm id (from then
/// on a cluster job to every verb), and stays until the job's end is
/// known, so that a `wait` that began while it was held ends with it.
extension SlurmBackend {
    static let holderName = "jobctl-slurmhold"

    /// Forks the holder; returns once it has recorded the job as queued.
    func hold(_ job: Job, _ submission: Submission, ownerPidfd: consuming FileDescriptor?) throws(JobctlError) {
        let status = try attempt("cannot create a pipe") { () throws(Errno) in try Pipe() }
        let pid = try attempt("cannot fork") { () throws(Errno) in try Processes.fork() }
        if pid == 0 { becomeHolder(job, submission, ownerPidfd: ownerPidfd, status: status.write) }
        _ = consume ownerPidfd
        _ = consume status.write
        if let failure = try StatusPipe.read(status.read, job: job.id) {
            _ = Processes.reap(pid, wait: true)
            throw failure.error(command: job.command[0], directory: nil)
        }
    }

    private func becomeHolder(_ job: Job, _ submission: Submission, ownerPidfd: consuming FileDescriptor?,
                              status: consuming FileDescriptor) -> Never {
        Processes.startSession()
        Processes.setName(SlurmBackend.holderName)
        let m: Monitor
        do throws(JobctlError) {
            m = try Monitor(store: store, job: job, ownerPidfd: ownerPidfd, timeout: nil,
                            extraSignals: [SignalNumber.interrupt])
            try m.recordStart()
        } catch {
            StatusPipe.send(status, .of(error, at: .record))
            Processes.exitNow(0)
        }
        StatusPipe.send(status, nil)
        _ = consume status
        m.detachFromCaller(stdio: [], keep: [])
        m.submitWhenReady(submission)
    }
}

extension Monitor {
    /// The holder's work (see `SlurmBackend.hold`). Never returns.
    func submitWhenReady(_ submission: SlurmBackend.Submission) -> Never {
        switch waitForDependencies() {
        case .ready: break
        case .skipped(let why): neverRan(.skipped(why))
        case .killed: neverRan(.skipped(Monitor.killedWhileQueued))
        }
        let slurm = SlurmBackend(store: store)
        do throws(JobctlError) {
            job.slurmID = try submission.submit(extra: [])
        } catch {
            neverRan(.skipped("not submitted: \(error.message)"))
        }
        job.started = wallClockMicros()
        while (try? store.restate(job)) == nil { Processes.sleep(nanoseconds: 1_000_000_000) }
        if let owner = ownerPidfd.take() { try? slurm.watchOwner(of: job, owner) }
        _ = try? slurm.wait(for: [job], any: false, timeout: nil)
        Processes.exitNow(0)
    }
}
