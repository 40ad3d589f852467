import JobControlSystem

/// The batch side of a cluster job: what `sbatch` runs (`jobctl __slurm-job
/// DIR ID`, from the job's batch script). It starts the command with the
/// arguments and environment spawn wrote as data, waits for it, and writes
/// its exact end to `slurm/ID.exit` before ending the same way (the same
/// exit code, or killed by the same signal, so the scheduler agrees).
public enum SlurmBatch {
    /// Signals the wrapper only holds: they reach the command (its process
    /// group, which `scancel --signal` signals) while the wrapper stays to
    /// record how the command ended.
    static let held = [SignalNumber.terminate, SignalNumber.interrupt, SignalNumber.hangup, SignalNumber.quit,
                       SignalNumber.user1, SignalNumber.user2, SignalNumber.alarm, SignalNumber.continue]

    public static func run(stateDir: [UInt8], id: JobID, timeout: Int64?, daemon: Bool) -> Never {
        // Found by name by a `jobctl spawn` below it: a daemon job may not
        // have jobs of its own, on the node as here.
        if daemon { Processes.setName(ProcStat.daemonMonitorName) }
        let store: StateStore
        do throws(JobctlError) { store = try StateStore(path: stateDir) } catch {
            writeStderr("jobctl: \(error.message)\n")
            Processes.exitNow(1)
        }
        func read(_ ext: String) -> [[UInt8]]? {
            guard let f = try? store.dir.open(SlurmBackend.file(id, ext), .readOnly), let b = try? f.readAll() else { return nil }
            return b.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        }
        guard let argv = read("argv"), !argv.isEmpty, let vars = read("env") else {
            writeStderr("jobctl: job \(id): its command cannot be read from \(store.shown)/\(SlurmBackend.dir)\n")
            record(store, id, ExitStatus(code: 127))
        }
        // Held before the command starts; the command itself starts with
        // none blocked (launch clears the mask), in our process group.
        let holding = try? SignalFD(held)
        // Orphans of the command come back here (`endLeftovers`).
        Processes.becomeChildSubreaper()
        // Open until this process ends.
        let null = (try? FileDescriptor.open(Array("/dev/null".utf8), .readOnly))?.release() ?? 0
        let spec = LaunchSpec(command: argv, environment: Spawner.merged(Processes.environment(), vars.filter { !$0.isEmpty }),
                              directory: nil, stdin: null, stdout: 1, stderr: 2, newSession: false)
        let end: ExitStatus
        switch launch(spec) {
        case .failure(let f):
            let why = f.error(command: argv[0], directory: nil)
            writeStderr("jobctl: \(why.message)\n")
            end = ExitStatus(code: why.exitCode == 127 ? 127 : 126)
        case .success(let pid):
            if let t = timeout { enforce(t, on: pid) }
            end = ExitStatus(Processes.reap(pid, wait: true)?.status ?? WaitStatus(rawValue: 1 << 8))
            endLeftovers()
        }
        withExtendedLifetime(holding) {}
        record(store, id, end)
    }

    /// `spawn --timeout`, as a local monitor enforces it: once `timeout`
    /// nanoseconds have passed, TERM to the command and everything below
    /// it, KILL to what is left after the grace (10 s). Returns once the
    /// command has ended (not reaped).
    static func enforce(_ timeout: Int64, on pid: Int32) {
        guard let child = try? Processes.pidfd(pid), let timer = try? TimerFD() else { return }
        timer.arm(max(timeout, 1))
        var next = SignalNumber.terminate
        while true {
            let ready = pollReadable([child.rawValue, timer.fd.rawValue], timeoutNs: nil)
            if ready[0] { return }
            guard ready[1] else { continue }
            timer.drain()
            for d in ProcStat.descendants(of: Processes.current, knownMonitors: { [] }) {
                try? Processes.signal(d.pid, next)
            }
            if next == SignalNumber.kill { return }
            next = SignalNumber.kill
            timer.arm(defaultGrace)
        }
    }

    /// What the command left running ends with it, as a local monitor
    /// makes it: TERM, then KILL after the grace; each reaped here. So the
    /// job has ended for `wait` (its exit file is written after) only once
    /// nothing of it runs, and no orphan outlives the batch step.
    static func endLeftovers() {
        let deadline = monotonicNow() + defaultGrace
        var sent: Int32 = 0
        while true {
            while Processes.reap() != nil {}
            let left = ProcStat.descendants(of: Processes.current, knownMonitors: { [] })
            if left.isEmpty { return }
            let sig = monotonicNow() >= deadline ? SignalNumber.kill : SignalNumber.terminate
            if sig != sent {
                for d in left { try? Processes.signal(d.pid, sig) }
                sent = sig
            }
            Processes.sleep(nanoseconds: 20_000_000)
        }
    }

    /// Writes the end durably (a temporary file, synced, renamed into
    /// place, the directory synced), then ends as the command did.
    static func record(_ store: StateStore, _ id: JobID, _ e: ExitStatus) -> Never {
        let name = SlurmBackend.file(id, "exit")
        let tmp = "\(SlurmBackend.dir)/.\(id).exit.tmp"
        do throws(Errno) {
            let f = try store.dir.open(tmp, [.writeOnly, .create, .truncate])
            try f.writeAll(Array("\(e.code) \(wallClockMicros())\n".utf8))
            try f.sync()
            try store.dir.rename(tmp, to: name)
            try store.dir.open(SlurmBackend.dir, [.readOnly, .directory]).sync()
        } catch {
            writeStderr("jobctl: job \(id) ended with exit code \(e.code), which cannot be recorded in \(store.shown)/\(name) (\(error))\n")
        }
        if e.code < 0 { Processes.die(by: -e.code) }
        Processes.exitNow(e.code)
    }
}
