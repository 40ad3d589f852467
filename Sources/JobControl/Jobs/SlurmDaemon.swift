import JobControlSystem

/// Daemon semantics for a cluster job: it dies with its local owner. A small
/// local process (`jobctl-slurmwatch`) holds a pidfd on the owner and
/// cancels the job (`scancel`: TERM, then KILL after the cluster's
/// KillWait) when the owner ends, by whatever means, SIGKILL included; it
/// goes once the job has ended. On the node the batch wrapper calls itself
/// `jobctl-daemon`, so that the job may not start jobs of its own there
/// either.
extension SlurmBackend {
    static let watcherName = "jobctl-slurmwatch"

    /// Forks the watcher (detached: own session, none of the caller's
    /// descriptors), which never returns to the caller's code.
    func watchOwner(of job: Job, _ owner: consuming FileDescriptor) throws(JobctlError) {
        let pid = try attempt("cannot fork") { () throws(Errno) in try Processes.fork() }
        guard pid == 0 else { return }
        Processes.startSession()
        Processes.setName(SlurmBackend.watcherName)
        if let null = try? FileDescriptor.open(Array("/dev/null".utf8), .readWrite) {
            for fd: CInt in 0...2 { try? null.duplicate(onto: fd) }
        }
        Processes.closeDescriptors(except: [owner.rawValue, store.dirFD])
        var round = 0
        while true {
            if pollReadable([owner.rawValue], timeoutNs: 1_000_000_000)[0] {
                // The owner has ended: so does the job, unless it has already.
                if exitFile(job.id) == nil, let sid = job.slurmID { try? Slurm.cancel(sid, signal: nil) }
                Processes.exitNow(0)
            }
            round += 1
            // Its end: the exit file (looked for each second), or what the
            // scheduler says (asked every 30 s).
            if exitFile(job.id) != nil || (round % 30 == 0 && state(of: job).hasEnded) { Processes.exitNow(0) }
        }
    }
}
