import JobControlSystem

/// Sends `request` to a job's whole tree through its monitor; returns
/// false if the job had already ended. A job whose monitor was killed is
/// signalled directly (its group, pinned by its live leader) and the KILL
/// follow-up is done here, in the foreground.
func sendKillRequest(_ job: Job, _ request: KillRequest, store: StateStore) throws(JobctlError) -> Bool {
    guard job.exit == nil else { return false }
    if let fd = pidfdIfSame(job.monitor, start: job.monitorStart) {
        do throws(Errno) {
            try Processes.signal(pidfd: fd, KillRequest.carrier, value: request.payload)
            return true
        } catch where error == .noSuchProcess {
            // Ended since it was pinned: look at the command itself.
        } catch {
            throw .system("cannot signal the monitor of job \(job.id)", error)
        }
    }
    guard let pid = job.pid, let fd = pidfdIfSame(pid, start: job.pidStart) else { return false }
    // The leader is alive, so its group id cannot have been reused.
    func deliver(_ sig: Int32) {
        if let g = job.pgid { try? Processes.signal(g, sig, group: true) } else { try? Processes.signal(pidfd: fd, sig) }
    }
    deliver(request.signal)
    if let g = request.grace, request.signal != SignalNumber.kill, !pollReadable([fd.rawValue], timeoutNs: g)[0] {
        if job.pgid == nil || ProcStat.isAlive(pid, start: job.pidStart) { deliver(SignalNumber.kill) }
    }
    return true
}
