import JobControlSystem

/// Where jobs run and how their end is learned: the seam for a second
/// backend. The local one (`LocalBackend`) starts a monitor per job, which
/// records the job's end itself; a scheduler's backend (Slurm: sbatch,
/// scancel, squeue/sacct) learns a job's end by asking, so `wait` and
/// `state` are the backend's to answer, not the state file's alone.
public protocol Backend {
    var store: StateStore { get }
    /// Starts a job; returns its id once it runs, or is queued (in a pool,
    /// or a scheduler's queue). A job that cannot start leaves nothing.
    /// `announce` hands the id to the caller as soon as the job exists; a
    /// job still queued when it returns false never runs.
    func start(_ request: SpawnRequest, announce: (JobID) -> Bool) throws(JobctlError) -> JobID
    /// Delivers `request` to the job's whole process tree; false if the job
    /// had already ended.
    @discardableResult
    func signal(_ job: Job, _ request: KillRequest) throws(JobctlError) -> Bool
    /// What `ps` shows for the job now, without waiting.
    func state(of job: Job) -> JobState
    /// `state` of each, in order: a backend that must ask a scheduler asks
    /// once for the lot.
    func states(of jobs: [Job]) -> [JobState]
    /// Blocks until every job (with `any`, the first) has ended; throws
    /// `.timedOut` once `timeout` nanoseconds have passed.
    func wait(for jobs: [Job], any: Bool, timeout: Int64?) throws(JobctlError) -> [JobEnd]
}

extension Backend {
    public func states(of jobs: [Job]) -> [JobState] { jobs.map(state(of:)) }

    /// Has the job not ended? (`kill -s 0`, Python's `is_alive()`.)
    public func isAlive(_ job: Job) -> Bool {
        let s = state(of: job)
        return s == .running || s == .queued
    }
}

/// How a wait ended for one job.
public struct JobEnd {
    public var job: Job
    public var state: JobState
    /// bash's status: N, 128+SIG, or 1 when lost.
    public var shellStatus: Int32 {
        switch state {
        case .exited, .killed: return job.exit?.shellStatus ?? 1
        default: return 1
        }
    }
}

/// Jobs on this machine, each under a monitor process (`Monitor`).
public struct LocalBackend: Backend {
    public let store: StateStore
    public init(store: StateStore) { self.store = store }

    public func start(_ request: SpawnRequest, announce: (JobID) -> Bool) throws(JobctlError) -> JobID {
        try Spawner(store: store).spawn(request, announce: announce)
    }
    /// `start` for a caller with nothing left to do but exit
    /// (`Spawner.spawnThenExit`): the job's monitor prints the id or the
    /// error, and this process exits with the status it hands over.
    public func startThenExit(_ request: SpawnRequest, announce: @escaping (JobID) throws(JobctlError) -> Void,
                              fail: @escaping (JobctlError) -> Int32) throws(JobctlError) -> Never {
        try Spawner(store: store).spawnThenExit(request, announce: announce, fail: fail)
    }
    @discardableResult
    public func signal(_ job: Job, _ request: KillRequest) throws(JobctlError) -> Bool {
        try sendKillRequest(job, request, store: store)
    }
    public func state(of job: Job) -> JobState { StateStore.liveState(job) }
    public func wait(for jobs: [Job], any: Bool, timeout: Int64?) throws(JobctlError) -> [JobEnd] {
        try Waiter(store: store).wait(for: jobs, any: any, timeout: timeout)
    }
}
