import JobControlSystem

/// A job id: a positive integer, increasing, never reused.
public typealias JobID = Int

/// What `ps` shows in STATE.
public enum JobState: String, Sendable {
    case queued, running, exited, killed, lost
    public var hasEnded: Bool { self == .exited || self == .killed || self == .lost }
}

/// How a job ended, in Python's convention (`exitcode`: N, or -SIG).
public struct ExitStatus: Equatable, Sendable {
    public let code: Int32
    public init(code: Int32) { self.code = code }
    public init(_ w: WaitStatus) { code = w.code }
    /// bash's convention, as `wait` exits: N, or 128+SIG.
    public var shellStatus: Int32 { code < 0 ? 128 - code : code }
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

    public init(id: JobID, name: [UInt8]) {
        self.id = id
        self.name = name
    }

    /// The recorded state, before any look at the processes: a job without an
    /// exit record is `running` here; `StateStore.liveState` decides `lost`.
    public var recordedState: JobState {
        guard let e = exit else { return pid == nil ? .queued : .running }
        return e.code < 0 ? .killed : .exited
    }
}
