import CJobControl
import Glibc

/// What `jobctl spawn` and `jobctl run` are asked to start.
public struct SpawnRequest {
    public var command: [[UInt8]]
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
    /// stdin is a fifo that `send` writes to, instead of /dev/null.
    public var stdinPipe = false
    /// A descriptor (not owned) to be the job's stdin and stdout, such as a
    /// connection's socket (`serve`); errors still go to the log.
    public var socketFD: CInt?
    public init(command: [[UInt8]]) { self.command = command }
}

enum ExecFailure {
    /// Reported by the job child over its close-on-exec pipe, or by the
    /// monitor when it could not record the job.
    static let recordStage: Int32 = 4

    /// The errno to pass back to `spawn` for a failure to record the job.
    static func errno(of error: JobctlError) -> Int32 {
        if case .system(_, let e) = error { return e.rawValue }
        return EIO
    }

    /// The one mapping from where the job child failed to what jobctl says
    /// and exits with (ENOENT from exec: 127, any other exec failure: 126).
    static func error(stage: Int32, errno e: Int32, command: [UInt8], directory: [UInt8]?) -> JobctlError {
        let cmd = display(command)
        switch stage {
        case JC_STAGE_CHDIR:
            return .system("cannot change directory to \(display(directory ?? [46]))", Errno(rawValue: e))
        case JC_STAGE_EXEC:
            return e == ENOENT ? .commandNotFound(cmd) : .cannotExecute(cmd, Errno(rawValue: e))
        case recordStage:
            return .system("cannot record the job", Errno(rawValue: e))
        default:
            return .system("cannot start \(cmd)", Errno(rawValue: e))
        }
    }
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
        var env: [[UInt8]] = []
        var p = Glibc.environ
        while let e = p.pointee {
            env.append(bytes(e))
            p += 1
        }
        let add = [Array("JOBCTL_JOB_ID=\(id)".utf8), Array("JOBCTL_JOB_NAME=".utf8) + name,
                   Array("JOBCTL_STATE_DIR=".utf8) + store.path] + extra
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
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let n = buf.withUnsafeMutableBytes { readlink("/proc/self/cwd", $0.baseAddress!, $0.count) }
        return n > 0 ? Array(buf[0..<n]) : Array("(deleted)".utf8)
    }

    /// Opens --stdout/--stderr FILE for appending. Returns whether it was
    /// created here, so that a spawn that fails removes it again. A FIFO
    /// must already have its reader, as the right side of a pipe does: with
    /// none, spawn fails at once (open(2) would block it until one came,
    /// and a FIFO opened read-write would drop the job's output if the
    /// reader came after the job had ended).
    func openOutput(_ path: [UInt8]) throws(JobctlError) -> (fd: CInt, created: Bool) {
        var created = true
        var fd = path.withCString { open($0, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o666) }
        if fd < 0 && errno == EEXIST {
            created = false
            fd = path.withCString { open($0, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC) }
            if fd < 0 && errno == ENXIO {
                throw .failure("cannot open \(display(path)): it is a FIFO that nothing reads yet (start its reader first)")
            }
            if fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
        }
        if fd < 0 { throw .system("cannot open \(display(path))", .current) }
        return (fd, created)
    }

    /// Who owns the job and, for a daemon, a pidfd that turns readable when
    /// the owner ends.
    func owner(_ request: SpawnRequest) throws(JobctlError) -> (pid: Int32, start: UInt64, pidfd: CInt) {
        let pid = request.owner ?? getppid()
        var fd: CInt = -1
        if request.daemon {
            fd = jc_pidfd_open(pid)
            if fd < 0 { throw .system("cannot watch owner process \(pid)", .current) }
        }
        // Read after opening the pidfd: the pidfd now pins this process.
        guard let s = ProcStat.read(pid), !s.isDead else {
            if fd >= 0 { close(fd) }
            throw .failure("owner process \(pid) does not exist")
        }
        return (pid, s.startTime, fd)
    }

    /// `jobctl spawn`: returns the new job's id once its command has been
    /// exec'd, or throws 126/127 (and leaves no job) when it cannot be.
    public func spawn(_ request: SpawnRequest) throws(JobctlError) -> JobID {
        try spawnWithMonitor(request).id
    }

    /// `spawn`, also telling the monitor's pid (a child of the caller, which
    /// must reap it if it outlives it).
    public func spawnWithMonitor(_ request: SpawnRequest) throws(JobctlError) -> (id: JobID, monitor: pid_t) {
        if insideDaemonJob() { throw Spawner.daemonRefusal }
        let own = try owner(request)
        defer { if own.pidfd >= 0 { close(own.pidfd) } }
        let cwd = try Spawner.recordedDirectory(request.directory)
        if request.directory != nil {
            let d = cwd.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            if d < 0 { throw .system("cannot change directory to \(display(request.directory!))", .current) }
            close(d)
        }
        // A spawn that fails leaves nothing behind: no log, no fifo, no
        // --stdout file it created.
        var cleanups: [() -> Void] = []
        var succeeded = false
        defer { if !succeeded { for c in cleanups.reversed() { c() } } }
        // Raw descriptors: they cross fork() into the monitor, which hands
        // them to the job; here they are closed once the monitor has them.
        var outFD: CInt = -1, errFD: CInt = -1
        defer { for fd in [outFD, errFD] where fd >= 0 { close(fd) } }
        var logPath: [UInt8] = []
        for (path, isOut) in [(request.stdoutPath, true), (request.stderrPath, false)] {
            guard let p = path else { continue }
            let (fd, created) = try openOutput(p)
            if isOut { outFD = fd } else { errFD = fd }
            let absolute = try Spawner.absolute(p)
            if isOut { logPath = absolute }
            if created { cleanups.append { _ = absolute.withCString { unlink($0) } } }
        }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        if devNull < 0 { throw .system("cannot open /dev/null", .current) }
        defer { close(devNull) }

        // The lock first: the job starts only once it is held.
        let lockFD = try takeLock(request)
        defer { if lockFD >= 0 { close(lockFD) } }

        let id = try store.allocateID()
        if request.stdoutPath == nil {
            outFD = try store.createLog(id).release()
            logPath = Array("\(StateStore.logsDir)/\(id).log".utf8)
            cleanups.append { [store] in store.removeLog(id) }
        }
        var job = Job(id: id, name: request.name ?? Spawner.defaultName(request.command[0]))
        job.owner = own.pid
        job.ownerStart = own.start
        job.daemon = request.daemon
        job.command = request.command
        job.cwd = cwd
        job.log = logPath
        job.pool = request.pool
        job.stdinPipe = request.stdinPipe
        var stdinFD = devNull, keepalive: CInt = -1
        if request.stdinPipe {
            (stdinFD, keepalive) = try Pipes(store: store).create(id)
            cleanups.append { [store] in _ = unlinkat(store.dirFD, "\(Pipes.dir)/\(id)", 0) }
        }
        defer { if stdinFD != devNull { close(stdinFD) }; if keepalive >= 0 { close(keepalive) } }
        if let pool = request.pool, let n = request.slots { try Pools(store: store).setSize(pool, n) }
        let env = environment(id: id, name: job.name, extra: request.environment)

        let status: (read: CInt, write: CInt)
        do throws(Errno) { status = try pipeCloexec() } catch { throw .system("cannot create a pipe", error) }
        defer { close(status.read) }
        let monitorPid = fork()
        if monitorPid < 0 { throw .system("cannot fork", .current) }
        if monitorPid == 0 {
            let m = Monitor(store: store, job: job, ownerPidfd: own.pidfd, timeout: request.timeout)
            m.lockFD = lockFD
            m.pipeKeepalive = keepalive
            m.startDetached(env: env, cwd: request.directory == nil ? nil : cwd,
                            stdin: request.socketFD ?? stdinFD, stdout: request.socketFD ?? outFD,
                            stderr: errFD >= 0 ? errFD : outFD, status: status.write)
        }
        close(status.write)
        // 8 bytes: {stage, errno}; all zero once the job runs and is recorded.
        var msg: [Int32] = [0, 0]
        let n = msg.withUnsafeMutableBytes { b in
            var got = 0
            while got < 8 {
                let r = Glibc.read(status.read, b.baseAddress! + got, 8 - got)
                if r < 0 && errno == EINTR { continue }
                if r <= 0 { break }
                got += r
            }
            return got
        }
        if n != 8 { throw .failure("the monitor of job \(id) died before the job started") }
        if msg[0] != 0 {
            // Reap the monitor: it has nothing left to do.
            var st: Int32 = 0
            _ = waitpid(monitorPid, &st, 0)
            throw ExecFailure.error(stage: msg[0], errno: msg[1], command: request.command[0], directory: request.directory)
        }
        succeeded = true
        return (id, monitorPid)
    }

    /// Takes the request's named lock, if any, waiting as it says; returns
    /// the held descriptor (the caller closes it) or -1.
    func takeLock(_ request: SpawnRequest) throws(JobctlError) -> CInt {
        guard let name = request.lock else { return -1 }
        let locks = NamedLocks(store: store)
        let fd = try locks.open(name)
        try locks.acquire(fd, shared: request.sharedLock, timeout: request.lockTimeout)
        return fd.release()
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
    public func run(_ request: SpawnRequest) throws(JobctlError) -> Int32 {
        if insideDaemonJob() { throw Spawner.daemonRefusal }
        let own = try owner(request)
        let cwd = try Spawner.recordedDirectory(request.directory)
        let lockFD = try takeLock(request)
        defer { if lockFD >= 0 { close(lockFD) } }
        let id = try store.allocateID()
        var job = Job(id: id, name: request.name ?? Spawner.defaultName(request.command[0]))
        job.owner = own.pid
        job.ownerStart = own.start
        job.command = request.command
        job.cwd = cwd
        let env = environment(id: id, name: job.name, extra: request.environment)
        let m = Monitor(store: store, job: job, ownerPidfd: -1, timeout: request.timeout)
        m.lockFD = lockFD
        return try m.runForeground(env: env, cwd: request.directory == nil ? nil : cwd, request: request)
    }
}

