import JobControlSystem

/// Copies a job's log to `out`; with `follow`, keeps copying as it grows
/// and returns once the job has ended and everything it wrote is out.
public func copyLog(store: StateStore, job: Job, follow: Bool, reading: LogReading = LogReading(),
                    to out: CInt) throws(JobctlError) {
    // Streams and times, or a capped log that a follower must find again
    // after each cut: read through the index.
    if !reading.isPlain || (follow && job.logMax != nil && job.exit == nil) {
        guard job.slurmID == nil && !job.onSlurm, job.log.first != UInt8(ascii: "/") else { throw IndexedLog.noIndex(job.id) }
        let ender = endOf(job)
        return try copyIndexedLog(store: store, job: job, reading: reading, follow: follow, ended: ender.number, to: out)
    }
    let log = try store.openLog(job)
    func drain() throws(JobctlError) { try copyNew(log, of: job.id, to: out) }
    try drain()
    guard follow, job.exit == nil else { return }
    let inotify = try attempt("cannot follow the log of job \(job.id)") { () throws(Errno) in
        let i = try Inotify()
        try i.watch(log, .modified)
        return i
    }
    // What was written between the first drain and the watch raised no
    // event: copy it now, or a job that writes once and waits (a server
    // printing its port) would never be followed past that line.
    try drain()
    if job.slurmID != nil { try followOnSlurm(); return }
    /// A cluster job has no process here to sleep on: its end is its exit
    /// file, looked for each second (a local file), and what the
    /// scheduler says, asked every 30 s (for a job that ends without one).
    func followOnSlurm() throws(JobctlError) {
        let slurm = SlurmBackend(store: store)
        var round = 0
        while true {
            let ready = poll([(inotify.fd.rawValue, PollEvents.readable), (out, 0)], timeoutNs: 1_000_000_000)
            if ready[1] & PollEvents.failed != 0 { return }
            if ready[0] != 0 { inotify.drain() }
            try drain()
            round += 1
            if slurm.exitFile(job.id) != nil || (round % 30 == 0 && !slurm.isAlive(job)) { try drain(); return }
        }
    }
    // The end of the job: its monitor ending, or the leader if orphaned.
    let ender = endOf(job)
    guard let end = ender else { try drain(); return }
    while true {
        // Also watch our own output: once its reader is gone (`logs -f |
        // head -n 1`), the pipe reports POLLERR, and following is pointless.
        let ready = poll([(inotify.fd.rawValue, PollEvents.readable), (end.rawValue, PollEvents.readable), (out, 0)], timeoutNs: nil)
        if ready[2] & PollEvents.failed != 0 { return }
        if ready[0] != 0 { inotify.drain() }
        try drain()
        if ready[1] != 0 { try drain(); return }
    }
}

/// What ends a local job's output: its monitor ending, or its leader if
/// the monitor is gone; nil once both are.
func endOf(_ job: Job) -> FileDescriptor? {
    pidfdIfSame(job.monitor, start: job.monitorStart) ?? job.pid.flatMap { pidfdIfSame($0, start: job.pidStart) }
}

/// Copies what job `id`'s open log holds past where it was read to `out`.
func copyNew(_ log: borrowing FileDescriptor, of id: JobID, to out: CInt) throws(JobctlError) {
    while true {
        let chunk = try attempt("cannot read the log of job \(id)") { () throws(Errno) in try log.read(upTo: 65536) }
        if chunk.isEmpty { return }
        try attempt("cannot write output") { () throws(Errno) in try writeAll(fd: out, chunk) }
    }
}
