import JobControlSystem

/// The process that watches one job: its parent, which reaps it and records
/// its end, relays kill requests, enforces --timeout, kills a daemon job
/// when its owner ends, and is a child subreaper so that descendants that
/// leave the job's process group still come back to it. This file starts
/// the job three ways (`startDetached` for spawn, `startQueued` for a pool,
/// `runForeground` for run); MonitorLoop.swift is what it does after.
final class Monitor {
    let store: StateStore
    var job: Job
    /// Readable once a daemon job's owner has ended.
    var ownerPidfd: FileDescriptor?
    let timeout: JobDuration?
    let signals: SignalFD
    let timeoutTimer: TimerFD
    let graceTimer: TimerFD
    var graceDeadline: Int64?
    var leaderStatus: WaitStatus?
    /// `run`: the command shares the caller's process group, so signals go
    /// to it and its descendants one by one, never to the group.
    var foreground = false

    /// A lock the job holds for its whole life (`spawn --lock`, `lock`).
    var lock: FileDescriptor?
    /// The pool slot a running pool job holds; the job inherits it too.
    var slot: FileDescriptor?
    /// Set aside room for the exit record (`StateStore.appendStart`), not
    /// yet given back.
    var reserved = false
    /// Where to say that the exit record cannot be written yet (not owned
    /// here): the job's log, or for `run` the caller's stderr.
    var complaintFD: CInt?
    /// The write end of the job's stdin fifo that keeps it from seeing EOF
    /// until `send --eof` (or the monitor's end).
    var pipeKeepalive: FileDescriptor?
    /// A pool job's permission to start: `spawn` writes a byte once the
    /// caller has the job's id; EOF without it means nobody learnt of it.
    var go: FileDescriptor?
    /// A spawn that waits to exit (`StartReport.handOver`) until this
    /// monitor has recorded the end of a job whose id it could not give,
    /// and the status it is to exit with.
    var spawnWaiting: FileDescriptor?
    var unannouncedExit: Int32 = 1
    /// The job's environment, kept for its --on-exit hook.
    var hookEnvironment: [[UInt8]] = []
    /// Starts the command again (`--retries`); nil for a job without retries.
    var relaunch: (() -> Result<Int32, LaunchFailure>)?
    /// A `jobctl kill` (or TERM to the monitor, or a daemon's owner's end)
    /// asked the job to end: not a failure to retry.
    var killRequested = false
    /// Moves the job's output from its pipes into its log (LogCopier.swift);
    /// nil when the output goes straight to a --stdout file.
    var copier: LogCopier?
    /// The log's standby and the write end of its line (LogStandby.swift).
    var standby: (pid: Int32, line: CInt)?

    /// Blocks the signals the loop reads (SIGCHLD, kill requests, TERM, HUP,
    /// and `extraSignals`), ignores SIGPIPE, and becomes a subreaper.
    init(store: StateStore, job: Job, ownerPidfd: consuming FileDescriptor?, timeout: JobDuration?,
         extraSignals: [Int32]) throws(JobctlError) {
        self.store = store
        self.job = job
        self.ownerPidfd = ownerPidfd
        self.timeout = timeout
        let sigs = [SignalNumber.child, KillRequest.carrier, SignalNumber.terminate, SignalNumber.hangup] + extraSignals
        do throws(Errno) {
            signals = try SignalFD(sigs)
            timeoutTimer = try TimerFD()
            graceTimer = try TimerFD()
        } catch {
            throw .system("cannot set up the monitor", error)
        }
        SignalNumber.ignore(SignalNumber.pipe)
        Processes.becomeChildSubreaper()
    }

    func startJob(env: [[UInt8]], cwd: [UInt8]?, stdin: CInt, stdout: CInt, stderr: CInt,
                  newSession: Bool) -> Result<Int32, LaunchFailure> {
        var spec = LaunchSpec(command: job.command, environment: env, directory: cwd,
                              stdin: stdin, stdout: stdout, stderr: stderr, newSession: newSession)
        spec.inherited = [lock?.rawValue, slot?.rawValue].compactMap { $0 }
        // A daemon job must not outlive its monitor either.
        spec.parentDeathSignal = job.daemon ? SignalNumber.kill : 0
        return launch(spec)
    }

    /// Fills in the monitor's identity and the start time, and appends the
    /// job's start record (running, or queued when it has no pid yet).
    func recordStart() throws(JobctlError) {
        job.monitor = Processes.current
        job.monitorStart = ProcStat.read(job.monitor)?.startTime ?? 0
        job.started = wallClockMicros()
        job.created = job.started
        try store.appendStart(job.id, Records.encode(job))
        reserved = true
    }

    /// Appends the job's exit record, durably: true once it is on disk. A
    /// failure (a full disk the reserve did not cover) is said once where
    /// the job's output goes, and the caller tries again later: an exit
    /// code that could not be written yet is kept, never left to read as
    /// `lost`.
    var complained = false
    func recordExit(_ e: ExitStatus, ended: Int64) -> Bool {
        // All the job wrote before its end is in its log before its end is
        // on record: `wait J; logs J` shows it all.
        copier?.drain()
        // A `map` pool stops starting inputs at a failure: paused here,
        // while this job still holds its slot, so no input takes it first.
        if e.code != 0 || e.isSkipped, let pool = job.pool { Pools(store: store).pauseIfHaltsOnFailure(pool) }
        do throws(JobctlError) {
            try store.appendExit(job.id, Records.encodeExit(job.id, e, ended: ended), releasing: reserved)
            reserved = false
            return true
        } catch {
            reserved = false  // given back; the next try uses what is free
            if !complained, let fd = complaintFD {
                complained = true
                writeString(fd, "jobctl: job \(job.id) ended with exit code \(e.code), which cannot be recorded yet (\(error.message)); retrying every second\n")
            }
            return false
        }
    }

    /// `recordExit` outside the event loop, for a job that never ran.
    func recordExitRetrying(_ e: ExitStatus) {
        let ended = wallClockMicros()
        while !recordExit(e, ended: ended) { Processes.sleep(nanoseconds: 1_000_000_000) }
    }

    /// The job's identity once it runs as `pid`, the leader of its group.
    func ran(_ pid: Int32, group: Bool) {
        job.pid = pid
        job.pgid = group ? pid : nil
        job.pidStart = ProcStat.read(pid)?.startTime ?? 0
    }

    /// The descriptors this monitor holds, which a close of everything
    /// else must leave open.
    var ownedDescriptors: [CInt] {
        [signals.fd.rawValue, timeoutTimer.fd.rawValue, graceTimer.fd.rawValue, store.dirFD,
         ownerPidfd?.rawValue, lock?.rawValue, slot?.rawValue, pipeKeepalive?.rawValue, go?.rawValue, spawnWaiting?.rawValue,
         standby?.line].compactMap { $0 } + (copier?.descriptors ?? [])
    }

    /// Keeps nothing of the caller's but `keep` and the descriptors the
    /// monitor owns: the caller's stdout held open here would make
    /// `$(jobctl spawn ...)` wait for the job to end. 0–2 become /dev/null
    /// unless listed in `stdio`.
    func detachFromCaller(stdio: [CInt], keep: [CInt]) {
        if let null = try? FileDescriptor.open(Array("/dev/null".utf8), .readWrite) {
            for fd: CInt in 0...2 where !stdio.contains(fd) { try? null.duplicate(onto: fd) }
        }
        // Now that `$(jobctl spawn)` has its EOF, and before the program's
        // pages are dropped (it would fault them back): the next job's log.
        store.prepareLog(for: job.id + 1)
        Processes.closeDescriptors(except: ownedDescriptors + keep)
        // A monitor lives as long as its job: keep only what the loop needs.
        Processes.dropProgramPages()
    }

    /// The monitor side of `spawn`, in the forked child. Never returns.
    func startDetached(env: [[UInt8]], cwd: [UInt8]?, stdin: CInt, stdout: CInt, stderr: CInt,
                       report: consuming StartReport) -> Never {
        // Own session: the caller's terminal hanging up does not reach us.
        Processes.startSession()
        Processes.setName(job.daemon ? ProcStat.daemonMonitorName : ProcStat.monitorName)
        if job.onExit != nil { hookEnvironment = env }
        if job.startsQueued {
            startQueued(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr, report: report)
        }
        let pid: Int32
        switch startJob(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr, newSession: true) {
        case .failure(let f): startFailed(report, f)
        case .success(let p): pid = p
        }
        ran(pid, group: true)
        do throws(JobctlError) {
            try recordStart()
        } catch {
            // No record, no job: end it before it does anything lasting.
            try? Processes.signal(pid, SignalNumber.kill, group: true)
            _ = Processes.reap(pid, wait: true)
            startFailed(report, .of(error, at: .record))
        }
        let announced = started(report)
        if stderr > 2 { try? FileDescriptor.duplicate(stderr, onto: 2) }
        // A job that may run again keeps what its command is given.
        let again = keepForRetries(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr)
        detachFromCaller(stdio: [2], keep: again)
        complaintFD = 2
        copier?.start()
        startStandby()
        // A job whose id nobody has is killed (its whole tree) and recorded
        // so before its spawn exits.
        if !announced { deliver(SignalNumber.kill) }
        runExitHook(loop())
        exitMonitor()
    }

    /// A job that waits to start: recorded as queued (spawn returns then),
    /// waits out its delay, then for its dependencies, then for its turn and a slot in its
    /// pool, holding the slot while it runs. A kill or the owner's end
    /// while queued removes it: recorded as skipped, never run. Never
    /// returns.
    func startQueued(env: [[UInt8]], cwd: [UInt8]?, stdin: CInt, stdout: CInt, stderr: CInt,
                     report: consuming StartReport) -> Never {
        do throws(JobctlError) {
            try recordStart()
        } catch {
            startFailed(report, .of(error, at: .record))
        }
        let announced = started(report)
        // As in startDetached, but the job's own stdio stays.
        detachFromCaller(stdio: [stdin, stdout, stderr], keep: [stdin, stdout, stderr])
        complaintFD = stderr
        copier?.start()
        if !announced || !allowedToStart() { neverRan(.skipped("its id could not be given to its spawner")) }
        if let t = job.notBefore, !waitUntil(t) { neverRan(.skipped(Monitor.killedWhileQueued)) }
        if !job.dependencies.isEmpty {
            switch waitForDependencies() {
            case .ready: break
            case .skipped(let why): neverRan(.skipped(why))
            case .killed: neverRan(.skipped(Monitor.killedWhileQueued))
            }
        }
        // The job holds its slot too: the slot is free only once the job's
        // last process is gone, even if this monitor is killed first.
        if job.pool != nil {
            let turn = waitForTurn(lock: nil)
            switch consume turn {
            case .slot(let held): slot = consume held
            case .failed(let error): cannotQueue(error, stderr: stderr)
            case .killed: neverRan(.skipped(Monitor.killedWhileQueued))
            }
        }
        // Then the lock's line (a pool slot is held while it waits).
        if job.waitsForLock {
            let turn = waitForTurn(lock: job.lock)
            switch consume turn {
            case .slot(let held): lock = consume held
            case .failed(let error): cannotQueue(error, stderr: stderr)
            case .killed: neverRan(.skipped(Monitor.killedWhileQueued))
            }
        }
        let pid: Int32
        switch startJob(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr, newSession: true) {
        case .failure(let f):
            // A queued command that cannot run is recorded as 127 or 126,
            // and its log says why, as spawn would have on the terminal.
            let why = f.error(command: job.command[0], directory: cwd)
            writeString(stderr, "jobctl: \(why.message)\n")
            let e = ExitStatus(code: why.exitCode == 127 ? 127 : 126)
            recordExitRetrying(e)
            runExitHook(e)
            Processes.exitNow(0)
        case .success(let p): pid = p
        }
        ran(pid, group: true)
        let again = keepForRetries(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr)
        let holders = [ProcessIdentity(pid: job.monitor, start: job.monitorStart), ProcessIdentity(pid: pid, start: job.pidStart)]
        switch slot {
        case .some(let s): Pools.writeHolders(s, holders)
        case .none: break
        }
        switch lock {
        case .some(let l): Pools.writeHolders(l, holders)
        case .none: break
        }
        job.started = wallClockMicros()
        try? store.appendRun(job)
        Processes.closeDescriptors(except: ownedDescriptors + [stderr] + again)
        startStandby()
        // The slot stays held here, and in the job, until both are done.
        runExitHook(loop())
        Processes.exitNow(0)
    }

    /// For a job with retries: keeps the command's start (and so its stdio)
    /// for the next attempt; the descriptors to keep open.
    func keepForRetries(env: [[UInt8]], cwd: [UInt8]?, stdin: CInt, stdout: CInt, stderr: CInt) -> [CInt] {
        guard job.retries > 0 else { return [] }
        relaunch = { [unowned self] in
            self.startJob(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr, newSession: true)
        }
        return [stdin, stdout, stderr]
    }

    /// The job could not be started or recorded: its spawn fails, saying
    /// why. Never returns.
    func startFailed(_ report: consuming StartReport, _ failure: LaunchFailure) -> Never {
        report.failed(failure, command: job.command[0])
        Processes.exitNow(0)
    }

    /// The job runs (or is queued) and is recorded: its spawn gives the
    /// caller the id. False if it could not (the spawn then waits until
    /// the job is ended and recorded killed: `exitMonitor`).
    func started(_ report: consuming StartReport) -> Bool {
        switch consume report {
        case .pipe(let fd):
            StatusPipe.send(fd, nil)
            return true
        case .handOver(let fd, let outcome):
            do throws(JobctlError) {
                try outcome.announce(job.id)
                Processes.handOver(fd, exitCode: 0)
                return true
            } catch {
                // Said now, while stderr is still the caller's.
                unannouncedExit = outcome.fail(SpawnOutcome.unannounced(error, job.id))
                spawnWaiting = consume fd
                return false
            }
        }
    }

    /// Ends the monitor; a spawn still waiting for it (see `started`)
    /// exits now, once the job's end is recorded.
    func exitMonitor() -> Never {
        if let fd = spawnWaiting.take() { Processes.handOver(fd, exitCode: unannouncedExit) }
        Processes.exitNow(0)
    }

    /// Waits for spawn's go (one byte) on a pool job's pipe: false if spawn
    /// could not give the caller the id, or died before it could.
    func allowedToStart() -> Bool {
        guard let fd = go?.rawValue else { return true }
        defer { go = nil }
        return (try? StandardStreams.read(fd, upTo: 1)) == [1]
    }

    static let killedWhileQueued = "killed while queued"

    /// Records the end of a queued job that never ran. Never returns.
    func neverRan(_ e: ExitStatus) -> Never {
        recordExitRetrying(e)
        if job.stdinPipe { store.dir.removeIfPresent("\(Pipes.dir)/\(job.id)") }
        runExitHook(e)
        exitMonitor()
    }

    /// What became of a queued job's wait for its pool.
    enum Turn: ~Copyable {
        /// Its turn came: the slot's lock, held.
        case slot(FileDescriptor)
        /// Killed (or its owner ended) while queued.
        case killed
        /// The pool could not be used.
        case failed(JobctlError)
    }

    /// The pool or the lock could not be used: the command never runs,
    /// and its log says why, as for a command that cannot run (126).
    func cannotQueue(_ error: JobctlError, stderr: CInt) -> Never {
        writeString(stderr, "jobctl: \(error.message)\n")
        neverRan(ExitStatus(code: 126))
    }

    /// Waits in the pool's line, or with `lock` the lock's, answering kill
    /// requests meanwhile.
    func waitForTurn(lock: [UInt8]?) -> Turn {
        var watched = [signals.fd.rawValue]
        if let o = ownerPidfd?.rawValue { watched.append(o) }
        func interrupted(_ ready: [Bool]) -> Bool {
            killedWhileQueued(signalsReady: ready[0], ownerGone: ready.count > 1 && ready[1])
        }
        do throws(JobctlError) {
            let held = if let name = lock {
                try Semaphores(store: store).acquire(name, id: job.id, extraFDs: watched, deadline: nil, interrupted: interrupted)
            } else {
                try Pools(store: store).waitForSlot(pool: job.pool!, id: job.id, extraFDs: watched, interrupted: interrupted)
            }
            guard let h = held else { return .killed }
            return .slot(h)
        } catch {
            return .failed(error)
        }
    }

    /// `run`: the caller is the monitor; the command keeps its stdio and
    /// process group. Returns bash's status for it.
    func runForeground(env: [[UInt8]], cwd: [UInt8]?, request: SpawnRequest) throws(JobctlError) -> Int32 {
        foreground = true
        complaintFD = 2
        let pid: Int32
        switch startJob(env: env, cwd: cwd, stdin: 0, stdout: 1, stderr: 2, newSession: false) {
        case .failure(let f): throw f.error(command: job.command[0], directory: request.directory)
        case .success(let p): pid = p
        }
        ran(pid, group: false)
        // The lock's line wakes for the end of either holder of the slot.
        switch lock {
        case .some(let l):
            Pools.writeHolders(l, [ProcessIdentity(pid: Processes.current, start: ProcStat.read(Processes.current)?.startTime ?? 0),
                                   ProcessIdentity(pid: pid, start: job.pidStart)])
        case .none: break
        }
        do throws(JobctlError) { try recordStart() } catch {
            try? Processes.signal(pid, SignalNumber.kill)
            _ = Processes.reap(pid, wait: true)
            throw error
        }
        return loop().shellStatus
    }
}
