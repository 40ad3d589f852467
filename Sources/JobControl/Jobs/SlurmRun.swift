import JobControlSystem

extension SlurmBackend {
    /// `jobctl run` on the cluster, as `srun` is used: submits the job,
    /// copies its log (output and errors, as they come) to `out` until it
    /// ends, and returns its status in bash's convention (N, 128+SIG, 1 if
    /// lost). INT, TERM, HUP and QUIT sent to this process go to the job
    /// (a queued one is taken out of the queue), which decides, as a local
    /// `run`'s command does with the terminal's ^C.
    public func runInForeground(_ request: SpawnRequest, to out: CInt) throws(JobctlError) -> Int32 {
        let passed = [SignalNumber.interrupt, SignalNumber.terminate, SignalNumber.hangup, SignalNumber.quit]
        let signals = try attempt("cannot set up signal handling") { () throws(Errno) in try SignalFD(passed) }
        let id = try start(request) { _ in true }
        guard var job = try store.job(id: id) else { throw .failure("job \(id) is not in \(store.shown)") }
        let log = try store.openLog(job)
        let d = try store.subdirectory([Array(SlurmBackend.dir.utf8)])
        let watch = try attempt("cannot follow the log of job \(id)") { () throws(Errno) in
            let i = try Inotify()
            _ = try i.watch(log, .modified)
            _ = try i.watch(d, .movedTo)
            return i
        }
        var pacing = Pacing(askingNow: false)
        while true {
            try copyNew(log, of: id, to: out)
            if exitFile(id) != nil { break }
            if pacing.due {
                let (now, st) = current([job])[0]
                job = now
                if st.hasEnded { break }
                pacing.asked()
            }
            let ready = pollReadable([watch.fd.rawValue, signals.fd.rawValue], timeoutNs: pacing.untilDue)
            if ready[0] { watch.drain() }
            if ready[1] {
                while let r = signals.next() { _ = try? signal(job, KillRequest(signal: r.signal, grace: nil)) }
            }
        }
        try copyNew(log, of: id, to: out)
        return try wait(for: [job], any: false, timeout: nil).first?.shellStatus ?? 1
    }
}
