import CJobControl
import Glibc

/// A kill request as `jobctl kill` sends it to a monitor: a queued real-time
/// signal whose payload says which signal to deliver and whether to follow
/// it with KILL after a grace period. The monitor, being the job's parent,
/// is the one process that knows the job's PID has not been reused.
public struct KillRequest: Equatable, Sendable {
    public var signal: Int32
    /// Nanoseconds after which whatever is left gets KILL; nil: no follow-up.
    public var grace: Int64?

    public static var carrier: Int32 { jc_sigrtmin() + 2 }

    public init(signal: Int32, grace: Int64?) {
        self.signal = signal
        self.grace = grace
    }

    /// Not a signal: close the job's stdin pipe (`send --eof`).
    public var closeStdin = false

    public var payload: UInt64 {
        var v = UInt64(UInt8(truncatingIfNeeded: signal))
        if let g = grace { v |= 1 << 8 | UInt64(max(0, g) / 1_000_000) << 16 }
        if closeStdin { v |= 1 << 9 }
        return v
    }

    public init(payload v: UInt64) {
        signal = Int32(v & 0xff)
        grace = v & (1 << 8) != 0 ? Int64(v >> 16) * 1_000_000 : nil
        closeStdin = v & (1 << 9) != 0
    }

    public static let eof: KillRequest = {
        var r = KillRequest(signal: 0, grace: nil)
        r.closeStdin = true
        return r
    }()
}

/// The grace period between TERM and KILL when none is given.
public let defaultGrace: Int64 = 10_000_000_000

/// The process that watches one job: its parent, which reaps it and records
/// its end, relays kill requests, enforces --timeout, kills a daemon job
/// when its owner ends, and is a child subreaper so that descendants that
/// leave the job's process group still come back to it.
final class Monitor {
    let store: StateStore
    var job: Job
    var ownerPidfd: CInt
    let timeout: JobDuration?
    var sigfd: CInt = -1
    let timeoutTimer = jc_timerfd_create()
    let graceTimer = jc_timerfd_create()
    var graceDeadline: Int64?
    var leaderStatus: Int32?
    /// `run`: the command shares the caller's process group, so signals go
    /// to it and its descendants one by one, never to the group.
    var foreground = false

    /// A lock the job holds for its whole life (`spawn --lock`, `lock`).
    var lockFD: CInt = -1
    /// The pool slot a running pool job holds; the job inherits it too.
    var slotFD: CInt = -1
    /// Set aside room for the exit record (`StateStore.appendStart`), not
    /// yet given back.
    var reserved = false
    /// Where to say that the exit record cannot be written yet: the job's
    /// log, or for `run` the caller's stderr.
    var complaintFD: CInt = -1
    /// The write end of the job's stdin fifo that keeps it from seeing EOF
    /// until `send --eof` (or the monitor's end).
    var pipeKeepalive: CInt = -1

    init(store: StateStore, job: Job, ownerPidfd: CInt, timeout: JobDuration?) {
        self.store = store
        self.job = job
        self.ownerPidfd = ownerPidfd
        self.timeout = timeout
    }

    func setUpSignals(_ extra: [Int32]) {
        let sigs: [Int32] = [SIGCHLD, KillRequest.carrier, SIGTERM, SIGHUP] + extra
        sigfd = sigs.withUnsafeBufferPointer { jc_signalfd($0.baseAddress!, CInt($0.count)) }
        signal(SIGPIPE, SIG_IGN)
        _ = jc_set_child_subreaper()
    }

    func startJob(env: [[UInt8]], cwd: [UInt8]?, stdin: CInt, stdout: CInt, stderr: CInt,
                  newSession: Bool) -> (pid: pid_t, stage: Int32, errno: Int32) {
        var stage: Int32 = 0, err: Int32 = 0
        let pid: pid_t = withCStringArray(job.command) { argv in
            withCStringArray(env) { envp in
                (cwd ?? []).withCString { cwdp in
                    var spec = jc_exec_spec(
                        argv: argv, envp: envp, cwd: cwd == nil ? nil : cwdp,
                        stdin_fd: stdin, stdout_fd: stdout, stderr_fd: stderr,
                        new_session: newSession ? 1 : 0, keep_fd: lockFD, keep_fd2: slotFD,
                        // A daemon job must not outlive its monitor either.
                        parent_death_signal: job.daemon ? SIGKILL : 0)
                    return jc_spawn_job(&spec, &stage, &err)
                }
            }
        }
        if pid < 0 { return (-1, JC_STAGE_SETUP, errno) }
        if stage != 0 {
            var st: Int32 = 0
            _ = waitpid(pid, &st, 0)
            return (-1, stage, err)
        }
        return (pid, 0, 0)
    }

    /// Fills in the monitor's identity and the start time, and appends the
    /// job's start record (running, or queued when it has no pid yet).
    func recordStart() throws(JobctlError) {
        job.monitor = getpid()
        job.monitorStart = ProcStat.read(getpid())?.startTime ?? 0
        job.started = wallClockMicros()
        try store.appendStart(Records.encode(job))
        reserved = true
    }

    /// Appends the job's exit record, durably: true once it is on disk. A
    /// failure (a full disk the reserve did not cover) is said once where
    /// the job's output goes, and the caller tries again later: an exit
    /// code that could not be written yet is kept, never left to read as
    /// `lost`.
    var complained = false
    func recordExit(_ e: ExitStatus, ended: Int64) -> Bool {
        do throws(JobctlError) {
            try store.appendExit(Records.encodeExit(job.id, e, ended: ended), releasing: reserved)
            reserved = false
            return true
        } catch {
            reserved = false  // given back; the next try uses what is free
            if !complained {
                complained = true
                writeString(complaintFD, "jobctl: job \(job.id) ended with exit code \(e.code), which cannot be recorded yet (\(error.message)); retrying every second\n")
            }
            return false
        }
    }

    /// `recordExit` outside the event loop, for a job that never ran.
    func recordExitRetrying(_ e: ExitStatus) {
        let ended = wallClockMicros()
        while !recordExit(e, ended: ended) {
            var ts = timespec(tv_sec: 1, tv_nsec: 0)
            _ = nanosleep(&ts, nil)
        }
    }

    /// The monitor side of `spawn`, in the forked child. Never returns.
    func startDetached(env: [[UInt8]], cwd: [UInt8]?, stdin: CInt, stdout: CInt, stderr: CInt, status: CInt) -> Never {
        // Own session: the caller's terminal hanging up does not reach us.
        setsid()
        _ = jc_set_name(job.daemon ? ProcStat.daemonMonitorName : ProcStat.monitorName)
        setUpSignals([SIGINT])
        func report(_ stage: Int32, _ e: Int32) {
            let msg: [Int32] = [stage, e]
            _ = msg.withUnsafeBytes { Glibc.write(status, $0.baseAddress!, 8) }
            close(status)
        }
        if job.pool != nil {
            runQueued(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr, report: report)
        }
        let started = startJob(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr, newSession: true)
        if started.pid < 0 {
            report(started.stage, started.errno)
            _exit(0)
        }
        job.pid = started.pid
        job.pgid = started.pid
        job.pidStart = ProcStat.read(started.pid)?.startTime ?? 0
        do throws(JobctlError) {
            try recordStart()
        } catch {
            // No record, no job: end it before it does anything lasting.
            kill(-started.pid, SIGKILL)
            var st: Int32 = 0
            _ = waitpid(started.pid, &st, 0)
            report(ExecFailure.recordStage, ExecFailure.errno(of: error))
            _exit(0)
        }
        report(0, 0)
        // Keep nothing of the caller's: its stdout held open here would make
        // `$(jobctl spawn ...)` wait for the job to end.
        let devNull = open("/dev/null", O_RDWR)
        for fd: CInt in 0...2 where fd != stderr { dup2(devNull, fd) }
        if stderr > 2 { dup2(stderr, 2) }
        complaintFD = 2
        // The lock stays open here too: it is held until the monitor, which
        // outlives the job and what it leaves behind, is done.
        let keep = [sigfd, timeoutTimer, graceTimer, ownerPidfd, store.dirFD, lockFD, pipeKeepalive]
        keep.withUnsafeBufferPointer { jc_close_all_except($0.baseAddress!, CInt($0.count)) }
        // A monitor lives as long as its job: keep only what the loop needs.
        jc_drop_readonly_file_pages()
        _ = loop()
        _exit(0)
    }

    /// A pool job: recorded as queued (spawn returns then), waits for its
    /// turn and a slot, holding the slot while it runs. A kill or the
    /// owner's end while queued removes it: recorded as killed, never run.
    /// Never returns.
    func runQueued(env: [[UInt8]], cwd: [UInt8]?, stdin: CInt, stdout: CInt, stderr: CInt,
                   report: (Int32, Int32) -> Void) -> Never {
        do throws(JobctlError) {
            try recordStart()
        } catch {
            report(ExecFailure.recordStage, ExecFailure.errno(of: error))
            _exit(0)
        }
        report(0, 0)
        // As in startDetached: keep nothing of the caller's, or `$(jobctl
        // spawn --pool ...)` would wait for the job; keep the job's own stdio.
        let devNull = open("/dev/null", O_RDWR)
        for fd: CInt in 0...2 where fd != stdin && fd != stdout && fd != stderr { dup2(devNull, fd) }
        let keep = [sigfd, timeoutTimer, graceTimer, ownerPidfd, store.dirFD, lockFD, pipeKeepalive, stdin, stdout, stderr]
        keep.withUnsafeBufferPointer { jc_close_all_except($0.baseAddress!, CInt($0.count)) }
        jc_drop_readonly_file_pages()
        var killedBy: Int32?
        let extra = ownerPidfd >= 0 ? [sigfd, ownerPidfd] : [sigfd]
        let slot = try? Pools(store: store).waitForSlot(pool: job.pool!, id: job.id, extraFDs: extra) { ready in
            if ready[0] {
                var signo: Int32 = 0, sender: pid_t = 0, value: UInt64 = 0
                while jc_signalfd_read(sigfd, &signo, &sender, &value) == 1 {
                    if signo == KillRequest.carrier {
                        let r = KillRequest(payload: value)
                        if r.closeStdin { closeStdinPipe() } else { killedBy = r.signal }
                    } else if signo != SIGCHLD {
                        killedBy = SIGTERM
                    }
                }
            }
            if ready.count > 1 && ready[1] { killedBy = SIGTERM }
            return killedBy != nil
        }
        complaintFD = stderr
        guard let held = slot ?? nil else {
            // Killed while queued (or the pool could not be used): it never runs.
            recordExitRetrying(ExitStatus(code: -(killedBy ?? SIGTERM)))
            if job.stdinPipe { _ = unlinkat(store.dirFD, "\(Pipes.dir)/\(job.id)", 0) }
            _exit(0)
        }
        // The job holds its slot too: the slot is free only once the job's
        // last process is gone, even if this monitor is killed first.
        slotFD = held
        let started = startJob(env: env, cwd: cwd, stdin: stdin, stdout: stdout, stderr: stderr, newSession: true)
        if started.pid < 0 {
            // A queued command that cannot run is recorded as 127 or 126,
            // and its log says why, as spawn would have on the terminal.
            let why = ExecFailure.error(stage: started.stage, errno: started.errno, command: job.command[0], directory: cwd)
            let code: Int32 = why.exitCode == 127 ? 127 : 126
            writeString(stderr, "jobctl: \(why.message)\n")
            recordExitRetrying(ExitStatus(code: code))
            _exit(0)
        }
        Pools.writeHolders(held, [ProcessIdentity(pid: getpid(), start: job.monitorStart),
                                  ProcessIdentity(pid: started.pid, start: ProcStat.read(started.pid)?.startTime ?? 0)])
        job.pid = started.pid
        job.pgid = started.pid
        job.pidStart = ProcStat.read(started.pid)?.startTime ?? 0
        try? store.append(Records.encodeRun(job.id, pid: started.pid, pidStart: job.pidStart, started: wallClockMicros()))
        for fd in [stdin, stdout, stderr] where fd > 2 { close(fd) }
        // The slot stays held here, and in the job, until both are done.
        _ = loop()
        _exit(0)
    }

    /// `run`: the caller is the monitor; the command keeps its stdio and
    /// process group. Returns bash's status for it.
    func runForeground(env: [[UInt8]], cwd: [UInt8]?, request: SpawnRequest) throws(JobctlError) -> Int32 {
        foreground = true
        complaintFD = 2
        // Like system(3): the terminal's ^C and ^\ go to the command, which
        // decides; the monitor must outlive it to record how it ended.
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        setUpSignals([])
        let started = startJob(env: env, cwd: cwd, stdin: 0, stdout: 1, stderr: 2, newSession: false)
        if started.pid < 0 {
            throw ExecFailure.error(stage: started.stage, errno: started.errno, command: job.command[0], directory: request.directory)
        }
        job.pid = started.pid
        job.pgid = nil
        job.pidStart = ProcStat.read(started.pid)?.startTime ?? 0
        do throws(JobctlError) { try recordStart() } catch {
            kill(started.pid, SIGKILL)
            var st: Int32 = 0
            _ = waitpid(started.pid, &st, 0)
            throw error
        }
        return loop().shellStatus
    }

    // MARK: The event loop

    func loop() -> ExitStatus {
        if let t = timeout { _ = jc_timerfd_arm(timeoutTimer, t.nanoseconds) }
        // The job's end, once reaped; `recorded` once its record is on disk.
        // After the end the timeout timer paces retries of the record.
        var ended: (status: ExitStatus, at: Int64)?
        var recorded = false
        while true {
            var fds = [sigfd, timeoutTimer, graceTimer]
            if ownerPidfd >= 0 { fds.append(ownerPidfd) }
            let ready = pollReadable(fds, timeoutNs: -1)
            if ready[0] { drainSignals() }
            if ready[1] {
                drainTimer(timeoutTimer)
                if ended == nil { terminate(grace: defaultGrace) }
            }
            if ready[2] {
                drainTimer(graceTimer)
                graceDeadline = nil
                deliver(SIGKILL)
            }
            if fds.count > 3 && ready[3] {
                // The owner has ended, by whatever means: a daemon job ends too.
                close(ownerPidfd)
                ownerPidfd = -1
                terminate(grace: defaultGrace)
            }
            reap()
            if ended == nil, let st = leaderStatus {
                ended = (ExitStatus(waitStatus: st), wallClockMicros())
                _ = jc_timerfd_arm(timeoutTimer, 0)
            }
            if let (e, t) = ended, !recorded {
                // fdatasync: an exit code is what a waiter cannot learn again.
                recorded = recordExit(e, ended: t)
                if !recorded { _ = jc_timerfd_arm(timeoutTimer, 1_000_000_000) }
            }
            if let (e, _) = ended {
                if recorded && !hasLeftovers() {
                    if job.stdinPipe { _ = unlinkat(store.dirFD, "\(Pipes.dir)/\(job.id)", 0) }
                    return e
                }
                // What the job left behind ends with it, as systemd's
                // KillMode=control-group does; KILL after the grace.
                if graceDeadline == nil { terminate(grace: defaultGrace) }
            }
        }
    }

    func drainTimer(_ fd: CInt) {
        var v: UInt64 = 0
        _ = Glibc.read(fd, &v, 8)
    }

    func drainSignals() {
        var signo: Int32 = 0
        var sender: pid_t = 0
        var value: UInt64 = 0
        while jc_signalfd_read(sigfd, &signo, &sender, &value) == 1 {
            switch signo {
            case SIGCHLD:
                break  // reap() runs after every wake-up
            case KillRequest.carrier:
                let r = KillRequest(payload: value)
                if r.closeStdin { closeStdinPipe(); continue }
                deliver(r.signal)
                if let g = r.grace { armGrace(g) }
            case SIGTERM:
                // TERM sent to the monitor itself: it ends the job (KILL
                // after the grace) rather than orphaning it.
                terminate(grace: defaultGrace)
            default:
                // HUP or INT: passed on as they came. A daemon that reloads
                // on HUP keeps running, and so does the monitor.
                deliver(signo)
            }
        }
    }

    /// `send --eof`: the job sees EOF once it has read what was sent, and
    /// the fifo goes, so that a later `send` fails instead of writing into
    /// a closed stream.
    func closeStdinPipe() {
        if pipeKeepalive >= 0 { close(pipeKeepalive) }
        pipeKeepalive = -1
        _ = unlinkat(store.dirFD, "\(Pipes.dir)/\(job.id)", 0)
    }

    func terminate(grace: Int64) {
        deliver(SIGTERM)
        armGrace(grace)
    }

    /// Arms the KILL follow-up, keeping the earlier deadline if one is set.
    func armGrace(_ ns: Int64) {
        let deadline = monotonicNow() + ns
        if let d = graceDeadline, d <= deadline { return }
        graceDeadline = deadline
        _ = jc_timerfd_arm(graceTimer, max(ns, 1))
    }

    /// Sends `sig` to the job's whole tree: its process group while the
    /// leader is unreaped (its zombie keeps the group id from being reused),
    /// and each descendant outside the group. Descendants that are other
    /// jobs' monitors are other jobs, and are left alone.
    func deliver(_ sig: Int32) {
        guard let leader = job.pid else { return }
        // Once the leader is reaped its group id may be reused: from then on
        // only processes found below the monitor are signalled.
        let group = leaderStatus == nil ? job.pgid : nil
        if let g = group { kill(-g, sig) }
        for d in descendants() where group == nil || d.stat.pgrp != group {
            // Pin the process, then check it is still ours before signalling.
            let fd = jc_pidfd_open(d.pid)
            if fd < 0 { continue }
            if let s = ProcStat.read(d.pid), s.startTime == d.stat.startTime {
                _ = jc_pidfd_send_signal(fd, sig)
            }
            close(fd)
        }
        // A stopped process acts on TERM only once continued.
        if sig == SIGTERM || sig == SIGHUP || sig == SIGINT {
            if let g = group { kill(-g, SIGCONT) } else if leaderStatus == nil { kill(leader, SIGCONT) }
        }
    }

    /// Reaps every child that has ended: the job, and any orphan that the
    /// subreaper inherited.
    func reap() {
        while true {
            var st: Int32 = 0
            let p = waitpid(-1, &st, WNOHANG)
            if p <= 0 { break }
            if p == job.pid && leaderStatus == nil { leaderStatus = st }
        }
    }

    /// Does anything of the job remain? Fast when the monitor has no child
    /// at all (the common case): then no descendant can remain either.
    func hasLeftovers() -> Bool {
        var info = siginfo_t()
        if waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD { return false }
        return !descendants().isEmpty
    }

    /// What is left of the job below the monitor, leaving out the monitors
    /// (as the state records them) of jobs started from inside it.
    func descendants() -> [(pid: Int32, stat: ProcStat)] {
        ProcStat.descendants(of: getpid()) { store.monitors(since: job.id) }
    }
}
