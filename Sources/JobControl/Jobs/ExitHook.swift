import JobControlSystem

/// `spawn --on-exit COMMAND-STRING`: once the job's end is recorded, its
/// monitor starts `/bin/sh -c COMMAND-STRING` under a small process of its
/// own (`jobctl-hook`) and exits, so that `wait` returns on the job's end,
/// not on the hook's. The hook runs in the job's directory with the job's
/// environment plus JOBCTL_JOB_ID, JOBCTL_JOB_NAME, JOBCTL_STATE
/// (exited, killed, lost, skipped), JOBCTL_EXITCODE (N, -SIG, or empty)
/// and JOBCTL_STATE_DIR; its output goes to the job's log; its status is
/// never the job's. After 60 s (`JOBCTL_HOOK_TIMEOUT`) it is ended as
/// `kill` ends a job: TERM to its process group, KILL 10 s later.
extension Monitor {
    static let hookName = "jobctl-hook"
    /// 60 s, or `JOBCTL_HOOK_TIMEOUT` seconds as the spawner's environment had it.
    static var hookLimit: Int64 {
        if let v = Processes.environment("JOBCTL_HOOK_TIMEOUT").flatMap({ Double(String(decoding: $0, as: UTF8.self)) }), v > 0 {
            return Int64(v * 1e9)
        }
        return 60_000_000_000
    }

    /// Starts the hook, if the job has one, and returns at once.
    func runExitHook(_ e: ExitStatus) {
        guard let hook = job.onExit, let pid = try? Processes.fork() else { return }
        if pid != 0 { return }
        Processes.setName(Monitor.hookName)
        let state: JobState = e.isSkipped ? .skipped : e.code < 0 ? .killed : .exited
        let vars = [Array("JOBCTL_JOB_ID=\(job.id)".utf8), Array("JOBCTL_JOB_NAME=".utf8) + job.name,
                    Array("JOBCTL_STATE=\(state.rawValue)".utf8), Array("JOBCTL_EXITCODE=\(e.shown.map(String.init) ?? "")".utf8),
                    Array("JOBCTL_STATE_DIR=".utf8) + store.path]
        guard let null = try? FileDescriptor.open(Array("/dev/null".utf8), .readWrite) else { Processes.exitNow(0) }
        let env = Spawner.merged(hookEnvironment, vars)
        if let c = copier, let out = try? Pipe(), let err = try? Pipe() {
            // Into the log as the job's own output went: through pipes this
            // process copies from, each stream known.
            c.replaceSources([(out.read.release(), .stdout), (err.read.release(), .stderr)])
            superviseHook(hook, env, null: null, out: out.write.rawValue, err: err.write.rawValue)
            c.drain()
        } else {
            let log = openLogForAppend()
            let fd = log.number ?? null.rawValue
            superviseHook(hook, env, null: null, out: fd, err: fd)
        }
        Processes.exitNow(0)
    }

    /// The hook process's work, with the descriptors it hands the hook
    /// open for the whole call; returns once the hook has ended.
    private func superviseHook(_ hook: [UInt8], _ env: [[UInt8]], null: borrowing FileDescriptor, out: CInt, err: CInt) {
        let spec = LaunchSpec(command: [Array("/bin/sh".utf8), Array("-c".utf8), hook], environment: env,
                              directory: job.cwd, stdin: null.rawValue, stdout: out, stderr: err, newSession: true)
        let child: Int32
        switch launch(spec) {
        case .success(let p): child = p
        case .failure(let f):
            writeString(err, "jobctl: the --on-exit hook of job \(job.id) cannot start: \(f.error(command: spec.command[0], directory: job.cwd).message)\n")
            return
        }
        // Waits for the hook, copying its output meanwhile when there is a copier.
        func ended(_ fd: CInt, within ns: Int64) -> Bool {
            copier?.pump(until: fd, timeoutNs: ns) ?? pollReadable([fd], timeoutNs: ns)[0]
        }
        if let fd = try? Processes.pidfd(child), !ended(fd.rawValue, within: Monitor.hookLimit) {
            writeString(err, "jobctl: the --on-exit hook of job \(job.id) ran too long: terminated\n")
            try? Processes.signal(child, SignalNumber.terminate, group: true)
            try? Processes.signal(child, SignalNumber.continue, group: true)
            if !ended(fd.rawValue, within: defaultGrace) { try? Processes.signal(child, SignalNumber.kill, group: true) }
        }
        _ = Processes.reap(child, wait: true)
    }

    /// The job's log (`logs/ID.log`, or its --stdout file), for appending.
    func openLogForAppend() -> FileDescriptor? {
        guard !job.log.isEmpty else { return nil }
        if job.log.first == UInt8(ascii: "/") { return try? FileDescriptor.open(job.log, [.writeOnly, .append]) }
        return try? store.dir.open(String(decoding: job.log, as: UTF8.self), [.writeOnly, .append])
    }
}
