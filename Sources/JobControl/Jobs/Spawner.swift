import JobControlSystem

/// What `jobctl spawn` and `jobctl run` are asked to start.
public struct SpawnRequest {
    public var command: [[UInt8]]
    /// An id taken already with `StateStore.allocateID` (`map` names its
    /// pool after its first job's); nil: a new one.
    public var id: JobID?
    public var name: [UInt8]?
    public var daemon = false
    public var owner: Int32?
    /// `K=V` entries added to (or replacing in) the caller's environment.
    public var environment: [[UInt8]] = []
    /// Paths are bytes: they need not be UTF-8.
    public var directory: [UInt8]?
    public var stdoutPath: [UInt8]?
    public var stderrPath: [UInt8]?
    public var timeout: JobDuration?
    /// A named lock the job holds for its whole life; the job starts once it
    /// has it.
    public var lock: [UInt8]?
    public var sharedLock = false
    /// How long to wait for the lock (nil: for ever).
    public var lockTimeout: Int64?
    /// Run in this pool, queued until a slot is free.
    public var pool: [UInt8]?
    /// Set the pool's size (remembered for later spawns).
    public var slots: Int?
    /// Set the lock's number of holders (`--lock NAME --slots N`).
    public var lockSlots: Int?
    /// stdin is a fifo that `send` writes to, instead of /dev/null.
    public var stdinPipe = false
    /// stdout can be read line by line with `recv` (and stays in the log).
    public var stdoutPipe = false
    /// A descriptor (not owned) to be the job's stdin and stdout, such as a
    /// connection's socket (`serve`); errors still go to the log.
    public var socketFD: CInt?
    /// Place the job on the Slurm cluster (`--backend slurm`), with these
    /// options passed to `sbatch` as given (`--slurm-opt`).
    public var onSlurm = false
    public var slurmOptions: [String] = []
    /// `--after`: start once each of these has exited 0; `--after-any`:
    /// once each has ended.
    public var after: [JobID] = []
    public var afterAny: [JobID] = []
    /// `--delay`: queued until this long after the spawn.
    public var delay: JobDuration?
    /// `--on-exit`: a command string for /bin/sh -c, run once the job's end
    /// is recorded.
    public var onExit: [UInt8]?
    /// `--retries N`, `--retry-delay D`.
    public var retries = 0
    public var retryDelay: JobDuration?
    /// `--log-max SIZE`: the log keeps about the newest SIZE bytes.
    public var logMax: Int?
    public init(command: [[UInt8]]) { self.command = command }
}

/// Starts jobs: `spawn` (a monitor and a detached job) and `run` (the
/// caller itself is the monitor and the command stays in the foreground).
public struct Spawner {
    public let store: StateStore
    public init(store: StateStore) { self.store = store }

    static let daemonRefusal = JobctlError.failure("daemon jobs are not allowed to have children")

    /// The job's environment: the caller's, then JOBCTL_JOB_ID,
    /// JOBCTL_JOB_NAME and JOBCTL_STATE_DIR, then each `-e K=V`, a later K
    /// replacing an earlier.
    func environment(id: JobID, name: [UInt8], extra: [[UInt8]]) -> [[UInt8]] {
        Spawner.merged(Processes.environment(), jobVariables(id: id, name: name, extra: extra))
    }

    /// What a job's environment adds to the caller's, in order.
    func jobVariables(id: JobID, name: [UInt8], extra: [[UInt8]]) -> [[UInt8]] {
        [Array("JOBCTL_JOB_ID=\(id)".utf8), Array("JOBCTL_JOB_NAME=".utf8) + name,
         Array("JOBCTL_STATE_DIR=".utf8) + store.path] + extra
    }

    /// `env` with each `K=V` of `add` replacing any K before it.
    static func merged(_ env: [[UInt8]], _ add: [[UInt8]]) -> [[UInt8]] {
        var env = env
        for kv in add {
            let key = kv.prefix(through: kv.firstIndex(of: UInt8(ascii: "=")) ?? kv.count - 1)
            env.removeAll { $0.starts(with: key) }
            env.append(kv)
        }
        return env
    }

    /// `dir` made absolute; the working directory is asked for only when
    /// needed, so that a deleted one does not stop `-C /abs/path`.
    static func absolute(_ dir: [UInt8]?) throws(JobctlError) -> [UInt8] {
        if let d = dir, d.first == UInt8(ascii: "/") { return d }
        let cwd = try StateDirectory.currentDirectory()
        guard let d = dir else { return cwd }
        return cwd == [UInt8(ascii: "/")] ? cwd + d : cwd + [UInt8(ascii: "/")] + d
    }

    /// The directory the job runs in, for its record: `-C`, else ours. From
    /// a deleted working directory the job starts where we are, as a shell
    /// would run it, and the record says what the kernel calls it.
    static func recordedDirectory(_ dir: [UInt8]?) throws(JobctlError) -> [UInt8] {
        if dir != nil { return try absolute(dir) }
        if let cwd = try? StateDirectory.currentDirectory() { return cwd }
        return Processes.currentDirectoryLink() ?? Array("(deleted)".utf8)
    }

    /// Opens --stdout/--stderr FILE for appending. Says whether it was
    /// created here, so that a spawn that fails removes it again. A FIFO
    /// must already have its reader, as the right side of a pipe does: with
    /// none, spawn fails at once (open(2) would block it until one came,
    /// and a FIFO opened read-write would drop the job's output if the
    /// reader came after the job had ended).
    func openOutput(_ path: [UInt8], created: inout Bool) throws(JobctlError) -> FileDescriptor {
        do throws(Errno) {
            created = true
            return try FileDescriptor.open(path, [.writeOnly, .append, .create, .exclusive], mode: 0o666)
        } catch where error == .exists {
            created = false
        } catch {
            throw .system("cannot open \(display(path))", error)
        }
        do throws(Errno) {
            let fd = try FileDescriptor.open(path, [.writeOnly, .append, .nonBlocking])
            try fd.setBlocking(true)
            return fd
        } catch where error == .noDevice {
            throw .failure("cannot open \(display(path)): it is a FIFO that nothing reads yet (start its reader first)")
        } catch {
            throw .system("cannot open \(display(path))", error)
        }
    }

    /// Who owns the job (pid and start time): the caller's parent unless
    /// `--owner` says otherwise.
    func owner(_ request: SpawnRequest) throws(JobctlError) -> ProcessIdentity {
        let pid = request.owner ?? Processes.parent
        guard let s = ProcStat.read(pid), !s.isDead else { throw .failure("owner process \(pid) does not exist") }
        return ProcessIdentity(pid: pid, start: s.startTime)
    }

    /// For a daemon job, a pidfd that turns readable when its owner ends,
    /// opened before the owner is looked at (`owner`), which it then pins.
    func ownerPidfd(_ request: SpawnRequest) throws(JobctlError) -> FileDescriptor? {
        guard request.daemon else { return nil }
        let pid = request.owner ?? Processes.parent
        return try attempt("cannot watch owner process \(pid)") { () throws(Errno) in try Processes.pidfd(pid) }
    }

    /// `jobctl spawn`: returns the new job's id once its command has been
    /// exec'd, or throws 126/127 (and leaves no job) when it cannot be.
    /// `announce` gives the id to the caller; a pool job starts only once it
    /// has (if it returns false, the job is recorded killed and never runs).
    public func spawn(_ request: SpawnRequest, announce: (JobID) -> Bool = { _ in true }) throws(JobctlError) -> JobID {
        try spawn(request, announce: announce, exitingWith: nil).id
    }

    /// `spawn`, also telling the monitor's pid (a child of the caller, which
    /// must reap it if it outlives it).
    public func spawnWithMonitor(_ request: SpawnRequest,
                                 announce: (JobID) -> Bool = { _ in true }) throws(JobctlError) -> (id: JobID, monitor: Int32) {
        try spawn(request, announce: announce, exitingWith: nil)
    }

    /// `jobctl spawn`, for a caller with nothing left to do but exit: the
    /// monitor starts sharing this process's memory (no fork to copy it),
    /// and does the rest of spawn's work: it prints the id (`announce`) or,
    /// if the job cannot start, undoes the spawn and prints the error
    /// (`fail`, which gives the exit status); this process only waits, then
    /// exits with that status. Throws, as `spawn` does, only for what fails
    /// before the monitor starts.
    public func spawnThenExit(_ request: SpawnRequest, announce: @escaping (JobID) throws(JobctlError) -> Void,
                              fail: @escaping (JobctlError) -> Int32) throws(JobctlError) -> Never {
        let outcome = SpawnOutcome(directory: request.directory, announce: announce, fail: fail)
        _ = try spawn(request, announce: { _ in true }, exitingWith: outcome)
        fatalError("spawn with a hand-over returned")
    }

    private func spawn(_ request: SpawnRequest, announce: (JobID) -> Bool,
                       exitingWith outcome: SpawnOutcome?) throws(JobctlError) -> (id: JobID, monitor: Int32) {
        if insideDaemonJob() { throw Spawner.daemonRefusal }
        let ownerFD = try ownerPidfd(request)
        let own = try owner(request)
        let cwd = try Spawner.recordedDirectory(request.directory)
        if request.directory != nil {
            _ = try attempt("cannot change directory to \(display(request.directory!))") { () throws(Errno) in
                try FileDescriptor.open(cwd, [.readOnly, .directory])
            }
        }
        // A spawn that fails leaves nothing behind: no log, no fifo, no
        // --stdout file it created.
        var cleanups: [() -> Void] = []
        var succeeded = false
        defer { if !succeeded { for c in cleanups.reversed() { c() } } }
        // The descriptors cross fork() into the monitor, which hands them to
        // the job; here they are closed when this function returns.
        var out: FileDescriptor? = nil, err: FileDescriptor? = nil
        var logPath: [UInt8] = []
        if let p = request.stdoutPath {
            var created = false
            out = try openOutput(p, created: &created)
            logPath = try Spawner.absolute(p)
            if created { let a = logPath; cleanups.append { try? FileDescriptor.remove(a) } }
        }
        if let p = request.stderrPath {
            var created = false
            err = try openOutput(p, created: &created)
            let a = try Spawner.absolute(p)
            if created { cleanups.append { try? FileDescriptor.remove(a) } }
        }
        let devNull = try attempt("cannot open /dev/null") { () throws(Errno) in
            try FileDescriptor.open(Array("/dev/null".utf8), .readWrite)
        }

        // A shared lock first: the job starts only once it is held. (An
        // exclusive one is waited for by the queued job's monitor.)
        let lock = try takeLock(request)

        let id: JobID = if let given = request.id { given } else { try store.allocateID() }
        // Output to jobctl's own log goes through pipes that the monitor
        // copies from (LogCopier); a --stdout file is written directly.
        var capture: OutputCapture? = nil
        var pipes = Descriptors()
        if request.stdoutPath == nil {
            let log = try store.createLog(id)
            logPath = Array("\(StateStore.logsDir)/\(id).log".utf8)
            cleanups.append { [store] in store.removeLog(id) }
            var c = OutputCapture(log: log.rawValue, cap: request.logMax)
            out = consume log
            for stream in [LogStream.stdout, .stderr] {
                if stream == .stdout ? request.socketFD != nil : request.stderrPath != nil { continue }
                let p = try attempt("cannot create a pipe") { () throws(Errno) in try Pipe() }
                try? p.read.setBlocking(false)
                c.add(stream, read: p.read.rawValue, write: p.write.rawValue)
                pipes.append(FileDescriptor(rawValue: p.read.release()))
                pipes.append(FileDescriptor(rawValue: p.write.release()))
            }
            capture = c
        }
        var job = Job(id: id, name: request.name ?? Spawner.defaultName(request.command[0]))
        job.owner = own.pid
        job.ownerStart = own.start
        job.daemon = request.daemon
        job.command = request.command
        job.cwd = cwd
        job.log = logPath
        job.pool = request.pool
        job.after = request.after
        job.afterAny = request.afterAny
        if let d = request.delay { job.notBefore = wallClockMicros() + d.nanoseconds / 1000 }
        job.recordOptions(request, stderr: request.stderrPath == nil ? nil : try Spawner.absolute(request.stderrPath))
        job.stdinPipe = request.stdinPipe
        var fifoRead: FileDescriptor? = nil, keepalive: FileDescriptor? = nil
        if request.stdinPipe {
            let fifo = try Pipes(store: store).create(id)
            fifoRead = consume fifo.read
            keepalive = consume fifo.keepalive
            cleanups.append { [store] in store.dir.removeIfPresent("\(Pipes.dir)/\(id)") }
        }
        if let pool = request.pool, let n = request.slots { try Pools(store: store).setSize(pool, n) }
        if let name = request.lock, let n = request.lockSlots { try Semaphores(store: store).setSize(name, n) }
        let env = environment(id: id, name: job.name, extra: request.environment)

        let status = try attempt("cannot create a pipe") { () throws(Errno) in try Pipe() }
        if let outcome {
            outcome.cleanups = cleanups
            throw startMonitorSharingMemory(job, request, env: env, cwd: request.directory == nil ? nil : cwd,
                                          devNull: devNull, fifoRead: fifoRead, out: out, err: err, capture: capture,
                                          ownerPidfd: ownerFD, lock: lock, keepalive: keepalive,
                                          status: status, outcome: outcome)
        }
        // A pool job waits for this pipe's byte before it may start: the
        // caller has its id by then (a job nobody learnt of never runs).
        let go: Pipe? = !job.startsQueued ? nil : try attempt("cannot create a pipe") { () throws(Errno) in try Pipe() }
        var goRead: CInt? = nil
        switch go {
        case .some(let g): goRead = g.read.rawValue
        case .none: break
        }
        let monitorPid = try forkMonitor(job, request, env: env, cwd: request.directory == nil ? nil : cwd,
                                         devNull: devNull, fifoRead: fifoRead, out: out, err: err, capture: capture,
                                         ownerPidfd: ownerFD, lock: lock, keepalive: keepalive,
                                         go: goRead, status: status.write)
        if let failure = try StatusPipe.read(status.read, job: id) {
            // Reap the monitor: it has nothing left to do.
            _ = Processes.reap(monitorPid, wait: true)
            throw failure.error(command: request.command[0], directory: request.directory)
        }
        succeeded = true
        let given = announce(id)
        switch go {
        case .some(let g) where given: try? g.write.writeAll([1])
        default: break  // closed without a byte: the pool job never runs
        }
        return (id, monitorPid)
    }

    /// Forks the job's monitor, which takes `ownerPidfd`, `lock`,
    /// `keepalive` and `status` with it; here they are closed on return.
    private func forkMonitor(_ job: Job, _ request: SpawnRequest, env: [[UInt8]], cwd: [UInt8]?,
                             devNull: borrowing FileDescriptor, fifoRead: borrowing FileDescriptor?,
                             out: borrowing FileDescriptor?, err: borrowing FileDescriptor?, capture: OutputCapture?,
                             ownerPidfd: consuming FileDescriptor?,
                             lock: consuming FileDescriptor?, keepalive: consuming FileDescriptor?,
                             go: CInt?, status: consuming FileDescriptor) throws(JobctlError) -> Int32 {
        let pid = try attempt("cannot fork") { () throws(Errno) in try Processes.fork() }
        if pid == 0 {
            becomeMonitor(job, request, env: env, cwd: cwd, devNull: devNull, fifoRead: fifoRead, out: out, err: err,
                          capture: capture, ownerPidfd: ownerPidfd, lock: lock, keepalive: keepalive,
                          go: go.map { FileDescriptor(rawValue: $0) }, report: .pipe(status))
        }
        return pid
    }

    /// Starts the job's monitor in this process's memory and exits with what
    /// it hands over (`Processes.startSharingMemory`); returns only if it
    /// could not start, with the error. Every descriptor is borrowed, so it
    /// stays open here across the start; the monitor owns its own copy.
    private func startMonitorSharingMemory(_ job: Job, _ request: SpawnRequest, env: [[UInt8]], cwd: [UInt8]?,
                                           devNull: borrowing FileDescriptor, fifoRead: borrowing FileDescriptor?,
                                           out: borrowing FileDescriptor?, err: borrowing FileDescriptor?, capture: OutputCapture?,
                                           ownerPidfd: borrowing FileDescriptor?, lock: borrowing FileDescriptor?,
                                           keepalive: borrowing FileDescriptor?, status: borrowing Pipe,
                                           outcome: SpawnOutcome) -> JobctlError {
        let null = devNull.rawValue, fifo = fifoRead.number, output = out.number, errors = err.number
        let owner = ownerPidfd.number, held = lock.number, keep = keepalive.number, report = status.write.rawValue
        do throws(Errno) {
            try Processes.startSharingMemory(status) {
                let own = { (fd: CInt?) -> FileDescriptor? in fd.map { FileDescriptor(rawValue: $0) } }
                becomeMonitor(job, request, env: env, cwd: cwd, devNull: FileDescriptor(rawValue: null),
                              fifoRead: own(fifo), out: own(output), err: own(errors), capture: capture,
                              ownerPidfd: own(owner), lock: own(held), keepalive: own(keep), go: nil,
                              report: .handOver(FileDescriptor(rawValue: report), outcome))
            }
        } catch {
            return .system("cannot start the monitor", error)
        }
    }

    /// The child side of spawn's fork: becomes the job's monitor, which
    /// owns what it is given and hands the borrowed descriptors (open for
    /// as long as this call, which never returns) to the job.
    private func becomeMonitor(_ job: Job, _ request: SpawnRequest, env: [[UInt8]], cwd: [UInt8]?,
                               devNull: borrowing FileDescriptor, fifoRead: borrowing FileDescriptor?,
                               out: borrowing FileDescriptor?, err: borrowing FileDescriptor?, capture: OutputCapture?,
                               ownerPidfd: consuming FileDescriptor?,
                               lock: consuming FileDescriptor?, keepalive: consuming FileDescriptor?,
                               go: consuming FileDescriptor?, report: consuming StartReport) -> Never {
        let m: Monitor
        do throws(JobctlError) {
            m = try Monitor(store: store, job: job, ownerPidfd: ownerPidfd, timeout: request.timeout,
                            extraSignals: [SignalNumber.interrupt])
        } catch {
            report.failed(.of(error, at: .setup), command: job.command[0])
            Processes.exitNow(0)
        }
        m.lock = lock
        m.pipeKeepalive = keepalive
        m.go = go
        let null = devNull.rawValue, fifo = fifoRead.number, output = out.number, errors = err.number
        if let c = capture {
            // The monitor's own copy of the log (a fork's, or the clone's).
            m.copier = LogCopier(store: store, id: job.id, log: FileDescriptor(rawValue: c.log),
                                 sources: c.sources, cap: c.cap)
        }
        m.startDetached(env: env, cwd: cwd, stdin: request.socketFD ?? fifo ?? null,
                        stdout: request.socketFD ?? capture?.write(.stdout) ?? output!,
                        stderr: errors ?? capture?.write(.stderr) ?? output!, report: report)
    }

    /// Takes the request's shared lock, if any, waiting as it says
    /// (flock's order, outside the line of exclusive holders).
    func takeLock(_ request: SpawnRequest) throws(JobctlError) -> FileDescriptor? {
        guard let name = request.lock, request.sharedLock else { return nil }
        let locks = NamedLocks(store: store)
        let fd = try locks.open(name)
        try locks.acquire(fd, shared: request.sharedLock, timeout: request.lockTimeout)
        return fd
    }

    /// The default name: the basename of COMMAND.
    public static func defaultName(_ command: [UInt8]) -> [UInt8] {
        var c = command
        while c.count > 1 && c.last == UInt8(ascii: "/") { c.removeLast() }
        var name = c
        if let slash = c.lastIndex(of: UInt8(ascii: "/")), slash < c.count - 1 { name = Array(c[(slash + 1)...]) }
        // An all-digit name would always be read as an id: use the command
        // as given, or failing that mark it as a command (`cmd-42`).
        if StateStore.isID(name) { return StateStore.isID(command) ? Array("cmd-".utf8) + command : command }
        return name
    }

    /// `jobctl run`: runs the command in the foreground, recorded as a job,
    /// and returns its status in bash's convention. The caller is the
    /// command's monitor, and a reaping subreaper while it runs.
    public func runInForeground(_ request: SpawnRequest) throws(JobctlError) -> Int32 {
        if insideDaemonJob() { throw Spawner.daemonRefusal }
        let own = try owner(request)
        let cwd = try Spawner.recordedDirectory(request.directory)
        // The id first: it is the place in the lock's line.
        let id = try store.allocateID()
        let lock: FileDescriptor?
        if let name = request.lock, !request.sharedLock {
            let sem = Semaphores(store: store)
            if let n = request.lockSlots { try sem.setSize(name, n) }
            lock = try sem.acquire(name, id: id, deadline: request.lockTimeout.map { monotonicNow() + $0 })
        } else {
            lock = try takeLock(request)
        }
        var job = Job(id: id, name: request.name ?? Spawner.defaultName(request.command[0]))
        job.owner = own.pid
        job.ownerStart = own.start
        job.command = request.command
        job.cwd = cwd
        let env = environment(id: id, name: job.name, extra: request.environment)
        // Like system(3): the terminal's ^C and ^\ go to the command, which
        // decides; the monitor must outlive it to record how it ended.
        SignalNumber.ignore(SignalNumber.interrupt)
        SignalNumber.ignore(SignalNumber.quit)
        let m = try Monitor(store: store, job: job, ownerPidfd: nil, timeout: request.timeout, extraSignals: [])
        m.lock = lock
        return try m.runForeground(env: env, cwd: request.directory == nil ? nil : cwd, request: request)
    }
}

/// The pipes a job's output goes through to its log (`LogCopier`), as raw
/// numbers: spawn owns the descriptors, and the monitor, with its own copy
/// of the descriptor table, takes its numbers over.
struct OutputCapture {
    var log: CInt
    var cap: Int?
    var sources: [(fd: CInt, stream: LogStream)] = []
    var writers: [(fd: CInt, stream: LogStream)] = []
    init(log: CInt, cap: Int?) {
        self.log = log
        self.cap = cap
    }
    mutating func add(_ stream: LogStream, read: CInt, write: CInt) {
        sources.append((read, stream))
        writers.append((write, stream))
    }
    func write(_ stream: LogStream) -> CInt? { writers.first { $0.stream == stream }?.fd }
}

extension Job {
    /// Keeps what spawn was given, for `restart` (and `ps --json`).
    mutating func recordOptions(_ r: SpawnRequest, stderr: [UInt8]?) {
        extraEnv = r.environment
        delayNs = r.delay?.nanoseconds
        timeoutNs = r.timeout?.nanoseconds
        stderrPath = stderr
        lock = r.lock
        lockShared = r.sharedLock
        stdoutPipe = r.stdoutPipe
        onExit = r.onExit
        retries = r.retries
        if let d = r.retryDelay { retryDelayNs = d.nanoseconds }
        logMax = r.logMax
        slurmOptions = r.slurmOptions.map { Array($0.utf8) }
    }

    /// What spawn would be given to start this job again (`restart`): the
    /// same command, arguments, `-e` variables, directory, name and
    /// options; not its dependencies, which were other jobs, long ended.
    public var restartRequest: SpawnRequest {
        var r = SpawnRequest(command: command)
        r.name = name
        r.daemon = daemon
        r.environment = extraEnv
        r.directory = cwd
        if log.first == UInt8(ascii: "/") { r.stdoutPath = log }
        r.stderrPath = stderrPath
        r.timeout = timeoutNs.map(JobDuration.init(nanoseconds:))
        r.lock = lock
        r.sharedLock = lockShared
        r.pool = pool
        r.stdinPipe = stdinPipe
        r.stdoutPipe = stdoutPipe
        r.onSlurm = onSlurm
        r.slurmOptions = slurmOptions.map { String(decoding: $0, as: UTF8.self) }
        r.delay = delayNs.map(JobDuration.init(nanoseconds:))
        r.onExit = onExit
        r.retries = retries
        r.retryDelay = JobDuration(nanoseconds: retryDelayNs)
        r.logMax = logMax
        return r
    }
}
