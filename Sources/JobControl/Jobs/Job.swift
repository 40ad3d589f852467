import JobControlSystem

/// A job id: a positive integer, increasing, never reused.
public typealias JobID = Int

/// What `ps` shows in STATE.
public enum JobState: String, Sendable, CaseIterable {
    /// In the order `ps --summary` counts them.
    case queued, running, paused, exited, killed, lost, skipped
    public var hasEnded: Bool { self == .exited || self == .killed || self == .lost || self == .skipped }
    /// Not yet ended: `kill -s 0` counts it alive.
    public var isAlive: Bool { !hasEnded }
}

/// How a job ended, in Python's convention (`exitcode`: N, or -SIG), or
/// that it never ran and never will (`skipped`, with the reason why).
public struct ExitStatus: Equatable, Sendable {
    public let code: Int32
    /// Why a skipped job never ran (`dependency 12 exited 3`).
    public let reason: [UInt8]?
    public init(code: Int32) { self.code = code; reason = nil }
    public init(_ w: WaitStatus) { code = w.code; reason = nil }
    private init(skipped why: [UInt8]) { code = ExitStatus.skippedCode; reason = why }
    static let skippedCode = Int32.min
    /// The end of a job that never ran: a dependency did not succeed, or it
    /// was killed while queued.
    public static func skipped(_ why: String) -> ExitStatus { ExitStatus(skipped: Array(why.utf8)) }
    public static func skipped(bytes why: [UInt8]) -> ExitStatus { ExitStatus(skipped: why) }
    public var isSkipped: Bool { code == ExitStatus.skippedCode }
    /// `exitcode` as shown: nil for a skipped job, which has none.
    public var shown: Int32? { isSkipped ? nil : code }
    /// bash's convention, as `wait` exits: N, or 128+SIG; 1 for skipped.
    public var shellStatus: Int32 { isSkipped ? 1 : code < 0 ? 128 - code : code }
}

/// One job as the state file records it.
public struct Job: Sendable {
    public var id: JobID
    public var name: [UInt8]
    /// The command's process; also its process group and session leader.
    public var pid: Int32?
    /// The process group to signal; nil for `jobctl run`, whose command stays
    /// in the caller's group.
    public var pgid: Int32?
    /// Start time of `pid` (field 22 of /proc/PID/stat): tells a reused PID.
    public var pidStart: UInt64 = 0
    /// The job's monitor: its parent, which reaps it and records its end.
    public var monitor: Int32 = 0
    public var monitorStart: UInt64 = 0
    public var owner: Int32 = 0
    public var ownerStart: UInt64 = 0
    public var daemon = false
    public var command: [[UInt8]] = []
    public var cwd: [UInt8] = []
    /// Where the job's output goes: `logs/ID.log` inside the state directory,
    /// or the absolute path given with --stdout.
    public var log: [UInt8] = []
    public var started: Int64 = 0  // µs since the epoch
    public var ended: Int64?
    public var exit: ExitStatus?
    public var removed = false
    /// Reported by a bare `wait` of its owner, which will not report it again.
    public var joined = false
    /// The pool the job runs in, if any (`spawn --pool`).
    public var pool: [UInt8]?
    /// Its stdin is the fifo `pipes/ID` (`spawn --stdin pipe`, `send`).
    public var stdinPipe = false
    /// The Slurm job id of a job placed on the cluster (`--backend slurm`);
    /// nil for a local job.
    public var slurmID: [UInt8]?
    /// Placed on the Slurm cluster; true before its submission too (a job
    /// held here for a local dependency has no Slurm id yet).
    public var onSlurm = false
    /// When spawn recorded it (µs); `started` is when it really started.
    public var created: Int64 = 0
    /// What spawn was given beyond the common (dependencies, a delay,
    /// retries, a hook, what `restart` needs): kept apart, in one
    /// copy-on-write box that most jobs do not have, so that copying a Job
    /// (a fold of 100,000 copies them all) stays cheap.
    var extras: JobExtras?
    mutating func editExtras() -> JobExtras {
        if extras == nil { extras = JobExtras() } else if !isKnownUniquelyReferenced(&extras!) { extras = extras!.copy() }
        return extras!
    }
    /// `--after`: jobs that must exit 0 before this one starts.
    public var after: [JobID] {
        get { extras?.after ?? [] }
        set { editExtras().after = newValue }
    }
    /// `--after-any`: jobs that must have ended, however.
    public var afterAny: [JobID] {
        get { extras?.afterAny ?? [] }
        set { editExtras().afterAny = newValue }
    }
    /// `--delay`: not to start before this time (µs since the epoch).
    public var notBefore: Int64? {
        get { extras?.notBefore ?? nil }
        set { editExtras().notBefore = newValue }
    }
    /// `-e K=V` entries as given (for `restart`).
    public var extraEnv: [[UInt8]] {
        get { extras?.extraEnv ?? [] }
        set { editExtras().extraEnv = newValue }
    }
    /// --delay (ns), for `restart`.
    public var delayNs: Int64? {
        get { extras?.delayNs ?? nil }
        set { editExtras().delayNs = newValue }
    }
    /// --timeout (ns), for `restart`.
    public var timeoutNs: Int64? {
        get { extras?.timeoutNs ?? nil }
        set { editExtras().timeoutNs = newValue }
    }
    /// --stderr FILE (absolute).
    public var stderrPath: [UInt8]? {
        get { extras?.stderrPath ?? nil }
        set { editExtras().stderrPath = newValue }
    }
    /// --lock NAME.
    public var lock: [UInt8]? {
        get { extras?.lock ?? nil }
        set { editExtras().lock = newValue }
    }
    /// --lock with --shared.
    public var lockShared: Bool {
        get { extras?.lockShared ?? false }
        set { editExtras().lockShared = newValue }
    }
    /// Its stdout can be read line by line with `recv` (`spawn --stdout pipe`).
    public var stdoutPipe: Bool {
        get { extras?.stdoutPipe ?? false }
        set { editExtras().stdoutPipe = newValue }
    }
    /// `--on-exit`: run with /bin/sh -c once the end is recorded.
    public var onExit: [UInt8]? {
        get { extras?.onExit ?? nil }
        set { editExtras().onExit = newValue }
    }
    /// `--retries N`: run again up to N more times after a failure.
    public var retries: Int {
        get { extras?.retries ?? 0 }
        set { editExtras().retries = newValue }
    }
    /// --retry-delay (ns).
    public var retryDelayNs: Int64 {
        get { extras?.retryDelayNs ?? 1_000_000_000 }
        set { editExtras().retryDelayNs = newValue }
    }
    /// `--log-max` (bytes): the log keeps about the newest this many.
    public var logMax: Int? {
        get { extras?.logMax ?? nil }
        set { editExtras().logMax = newValue }
    }
    /// Which run this is: 1, then 2, … (`retried` events).
    public var attempt: Int {
        get { extras?.attempt ?? 1 }
        set { editExtras().attempt = newValue }
    }
    /// `--slurm-opt` values as given.
    public var slurmOptions: [[UInt8]] {
        get { extras?.slurmOptions ?? [] }
        set { editExtras().slurmOptions = newValue }
    }

    /// Every job it waits for, `--after` then `--after-any`.
    public var dependencies: [JobID] { after + afterAny }
    /// Does it wait before it starts (a pool, dependencies)?
    public var startsQueued: Bool { pool != nil || !dependencies.isEmpty || notBefore != nil || waitsForLock }
    /// `--lock` (not `--shared`): the job queues in the lock's line, in its monitor.
    public var waitsForLock: Bool { lock != nil && !lockShared }

    public init(id: JobID, name: [UInt8]) {
        self.id = id
        self.name = name
    }

    /// The recorded state, before any look at the processes: a job without an
    /// exit record is `running` here; `StateStore.liveState` decides `lost`.
    public var recordedState: JobState {
        guard let e = exit else { return pid == nil ? .queued : .running }
        return e.isSkipped ? .skipped : e.code < 0 ? .killed : .exited
    }
}

/// The rarer parts of a `Job` (see `Job.extras`).
// Unchecked: mutated only through `Job.editExtras`, which copies a shared box first.
final class JobExtras: @unchecked Sendable {
    var after: [JobID] = []
    var afterAny: [JobID] = []
    var notBefore: Int64? = nil
    var extraEnv: [[UInt8]] = []
    var delayNs: Int64? = nil
    var timeoutNs: Int64? = nil
    var stderrPath: [UInt8]? = nil
    var lock: [UInt8]? = nil
    var lockShared: Bool = false
    var stdoutPipe: Bool = false
    var onExit: [UInt8]? = nil
    var retries: Int = 0
    var retryDelayNs: Int64 = 1_000_000_000
    var attempt: Int = 1
    var logMax: Int? = nil
    var slurmOptions: [[UInt8]] = []
    init() {}
    func copy() -> JobExtras {
        let c = JobExtras()
        c.after = after
        c.afterAny = afterAny
        c.notBefore = notBefore
        c.extraEnv = extraEnv
        c.delayNs = delayNs
        c.timeoutNs = timeoutNs
        c.stderrPath = stderrPath
        c.lock = lock
        c.lockShared = lockShared
        c.stdoutPipe = stdoutPipe
        c.onExit = onExit
        c.retries = retries
        c.retryDelayNs = retryDelayNs
        c.attempt = attempt
        c.logMax = logMax
        c.slurmOptions = slurmOptions
        return c
    }
}
