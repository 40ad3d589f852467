import JobControlSystem

/// The monitor's event loop: what it does while its job runs, and after.
extension Monitor {
    func loop() -> ExitStatus {
        if let t = timeout { timeoutTimer.arm(t.nanoseconds) }
        // The job's end, once reaped; `recorded` once its record is on disk.
        // After the end the timeout timer paces retries of the record.
        var ended: (status: ExitStatus, at: Int64)?
        var recorded = false
        // A failed attempt to be followed by another, once nothing of it is left.
        var failedAttempt: ExitStatus?
        while true {
            var fds = [signals.fd.rawValue, timeoutTimer.fd.rawValue, graceTimer.fd.rawValue]
            let owner = ownerPidfd?.rawValue
            if let o = owner { fds.append(o) }
            let output = fds.count
            fds += copier?.pollFDs ?? []
            let ready = pollReadable(fds, timeoutNs: nil)
            if ready[output...].contains(true) { copier?.copyReady() }
            if ready[0] { drainSignals() }
            if ready[1] {
                timeoutTimer.drain()
                if ended == nil { terminate(grace: defaultGrace) }
            }
            if ready[2] {
                graceTimer.drain()
                graceDeadline = nil
                deliver(SignalNumber.kill)
            }
            if owner != nil && ready[3] {
                // The owner has ended, by whatever means: a daemon job ends too.
                ownerPidfd = nil
                killRequested = true
                terminate(grace: defaultGrace)
            }
            reap()
            if ended == nil && failedAttempt == nil, let st = leaderStatus {
                timeoutTimer.arm(0)
                if shouldRetry(ExitStatus(st)) { failedAttempt = ExitStatus(st) } else { ended = (ExitStatus(st), wallClockMicros()) }
            }
            if let failed = failedAttempt {
                if hasLeftovers() {
                    if graceDeadline == nil { terminate(grace: defaultGrace) }
                    continue
                }
                failedAttempt = nil
                graceTimer.arm(0)
                graceDeadline = nil
                if let end = retry(after: failed) { ended = (end, wallClockMicros()) }
            }
            if let (e, t) = ended, !recorded {
                // fdatasync: an exit code is what a waiter cannot learn again.
                recorded = recordExit(e, ended: t)
                if !recorded { timeoutTimer.arm(1_000_000_000) }
            }
            if let (e, _) = ended {
                if recorded && !hasLeftovers() {
                    // What the job's leftovers wrote after its end was recorded.
                    copier?.drain()
                    stopStandby()
                    if job.stdinPipe { store.dir.removeIfPresent("\(Pipes.dir)/\(job.id)") }
                    return e
                }
                // What the job left behind ends with it, as systemd's
                // KillMode=control-group does; KILL after the grace.
                if graceDeadline == nil { terminate(grace: defaultGrace) }
            }
        }
    }

    /// What a signal read from the monitor's signalfd asks of it.
    enum Request {
        /// SIGCHLD: look for children that ended.
        case child
        /// `jobctl kill` (or `send --eof`), through the carrier signal.
        case kill(KillRequest)
        /// TERM sent to the monitor itself.
        case terminate
        /// HUP or INT sent to the monitor: passed on as they came.
        case passOn(Int32)
    }

    /// The next pending request, or nil if none is pending: the one place
    /// signalfd records are decoded.
    func nextRequest() -> Request? {
        guard let r = signals.next() else { return nil }
        switch r.signal {
        case SignalNumber.child: return .child
        case KillRequest.carrier: return .kill(KillRequest(payload: r.value))
        case SignalNumber.terminate: return .terminate
        default: return .passOn(r.signal)
        }
    }

    func drainSignals() {
        while let request = nextRequest() {
            switch request {
            case .child:
                break  // reap() runs after every wake-up
            case .kill(let r) where r.closeStdin:
                closeStdinPipe()
            case .kill(let r):
                if r.signal != SignalNumber.stop && r.signal != SignalNumber.continue { killRequested = true }
                deliver(r.signal)
                if let g = r.grace { armGrace(g) }
            case .terminate:
                // It ends the job (KILL after the grace) rather than
                // orphaning it.
                killRequested = true
                terminate(grace: defaultGrace)
            case .passOn(let sig):
                // A daemon that reloads on HUP keeps running, and so does
                // the monitor.
                deliver(sig)
            }
        }
    }

    /// `send --eof`: the job sees EOF once it has read what was sent, and
    /// the fifo goes, so that a later `send` fails instead of writing into
    /// a closed stream.
    func closeStdinPipe() {
        pipeKeepalive = nil
        store.dir.removeIfPresent("\(Pipes.dir)/\(job.id)")
    }

    func terminate(grace: Int64) {
        deliver(SignalNumber.terminate)
        armGrace(grace)
    }

    /// Arms the KILL follow-up, keeping the earlier deadline if one is set.
    func armGrace(_ ns: Int64) {
        let deadline = monotonicNow() + ns
        if let d = graceDeadline, d <= deadline { return }
        graceDeadline = deadline
        graceTimer.arm(max(ns, 1))
    }

    /// Sends `sig` to the job's whole tree: its process group while the
    /// leader is unreaped (its zombie keeps the group id from being reused),
    /// and each descendant outside the group. Descendants that are other
    /// jobs' monitors are other jobs, and are left alone.
    func deliver(_ sig: Int32) {
        guard job.pid != nil else { return }
        // A stopped process (paused) acts on TERM, HUP or INT only once
        // continued: each process signalled is continued after, as shells do.
        let wake = sig == SignalNumber.terminate || sig == SignalNumber.hangup || sig == SignalNumber.interrupt
        // Once the leader is reaped its group id may be reused: from then on
        // only processes found below the monitor are signalled.
        let group = leaderStatus == nil ? job.pgid : nil
        if let g = group {
            try? Processes.signal(g, sig, group: true)
            if wake { try? Processes.signal(g, SignalNumber.continue, group: true) }
        }
        // Below the monitor: `run`'s command (in the caller's group), and
        // whatever left the group.
        for d in descendants() where group == nil || d.stat.pgrp != group {
            // Pin the process, then check it is still ours before signalling.
            guard let fd = try? Processes.pidfd(d.pid) else { continue }
            if let s = ProcStat.read(d.pid), s.startTime == d.stat.startTime {
                try? Processes.signal(pidfd: fd, sig)
                if wake { try? Processes.signal(pidfd: fd, SignalNumber.continue) }
            }
        }
    }

    /// Reaps every child that has ended: the job, and any orphan that the
    /// subreaper inherited.
    func reap() {
        while let (p, st) = Processes.reap() {
            if p == job.pid && leaderStatus == nil { leaderStatus = st }
            if p == standby?.pid { FileDescriptor(rawValue: standby!.line).close(); standby = nil }
        }
    }

    /// Does anything of the job remain? Fast when the monitor has no child
    /// at all (the common case): then no descendant can remain either.
    func hasLeftovers() -> Bool {
        Processes.hasChildren() && !descendants().isEmpty
    }

    /// What is left of the job below the monitor, leaving out the monitors
    /// (as the state records them) of jobs started from inside it.
    func descendants() -> [(pid: Int32, stat: ProcStat)] {
        let all = ProcStat.descendants(of: Processes.current) { store.monitors(since: job.id) }
        guard let s = standby?.pid else { return all }
        return all.filter { $0.pid != s }
    }
}
