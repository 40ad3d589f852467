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
    /// Each job as it is now (a scheduler's backend fills in an end it has
    /// just learnt) and its state, in order, with one query for the lot.
    func current(_ jobs: [Job]) -> [(job: Job, state: JobState)]
    /// Blocks until every job (with `any`, the first) has ended; throws
    /// `.timedOut` once `timeout` nanoseconds have passed.
    func wait(for jobs: [Job], any: Bool, timeout: Int64?) throws(JobctlError) -> [JobEnd]
}

extension Backend {
    public func states(of jobs: [Job]) -> [JobState] { jobs.map(state(of:)) }
    public func current(_ jobs: [Job]) -> [(job: Job, state: JobState)] {
        Array(zip(jobs, states(of: jobs))).map { (job: $0.0, state: $0.1) }
    }

    /// Has the job not ended? (`kill -s 0`, Python's `is_alive()`.)
    public func isAlive(_ job: Job) -> Bool {
        state(of: job).isAlive
    }
}

/// How a wait ended for one job.
public struct JobEnd {
    public var job: Job
    public var state: JobState
    /// bash's status: N, 128+SIG, or 1 when lost or skipped.
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
    /// Told of each job `wait` sees end (`wait --progress`).
    public var onEnd: ((JobEnd) -> Void)?
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
        try Waiter(store: store, onEnd: onEnd).wait(for: jobs, any: any, timeout: timeout)
    }
}

/// Every job wherever it runs: each call goes to the backend of each job
/// (`Job.slurmID`), and a list is split so that each backend is asked once.
public struct Backends: Backend {
    public let store: StateStore
    var local: LocalBackend
    var slurm: SlurmBackend
    /// Told of each job `wait` sees end, wherever it runs (`wait --progress`).
    public var onEnd: ((JobEnd) -> Void)? {
        get { local.onEnd }
        set { local.onEnd = newValue; slurm.onEnd = newValue }
    }
    public init(store: StateStore) {
        self.store = store
        local = LocalBackend(store: store)
        slurm = SlurmBackend(store: store)
    }

    func of(_ job: Job) -> Backend { job.slurmID == nil ? local : slurm }

    public func start(_ request: SpawnRequest, announce: (JobID) -> Bool) throws(JobctlError) -> JobID {
        request.onSlurm ? try slurm.start(request, announce: announce) : try local.start(request, announce: announce)
    }
    @discardableResult
    public func signal(_ job: Job, _ request: KillRequest) throws(JobctlError) -> Bool { try of(job).signal(job, request) }
    public func state(of job: Job) -> JobState { of(job).state(of: job) }

    public func current(_ jobs: [Job]) -> [(job: Job, state: JobState)] {
        let onSlurm = jobs.indices.filter { jobs[$0].slurmID != nil }
        if onSlurm.isEmpty { return local.current(jobs) }
        let here = jobs.indices.filter { jobs[$0].slurmID == nil }
        var out = jobs.map { (job: $0, state: JobState.running) }
        for (k, c) in zip(here, local.current(here.map { jobs[$0] })) { out[k] = c }
        for (k, c) in zip(onSlurm, slurm.current(onSlurm.map { jobs[$0] })) { out[k] = c }
        return out
    }
    public func states(of jobs: [Job]) -> [JobState] { current(jobs).map(\.state) }

    /// Local and cluster jobs together: all of them one backend after the
    /// other (each ends when it ends, whichever is waited for first); the
    /// first of any, by turns of at most a second on each side.
    public func wait(for jobs: [Job], any: Bool, timeout: Int64?) throws(JobctlError) -> [JobEnd] {
        let here = jobs.filter { $0.slurmID == nil }, there = jobs.filter { $0.slurmID != nil }
        if there.isEmpty { return try local.wait(for: here, any: any, timeout: timeout) }
        if here.isEmpty { return try slurm.wait(for: there, any: any, timeout: timeout) }
        let deadline = timeout.map { monotonicNow() + $0 }
        func left() -> Int64? { deadline.map { max(0, $0 - monotonicNow()) } }
        if !any {
            let a = try local.wait(for: here, any: false, timeout: left())
            return try a + slurm.wait(for: there, any: false, timeout: left())
        }
        while true {
            for (side, list) in [(local as Backend, here), (slurm, there)] {
                let turn = min(left() ?? 1_000_000_000, 1_000_000_000)
                do throws(JobctlError) {
                    return try side.wait(for: list, any: true, timeout: turn)
                } catch where error == .timedOut {
                    if left() == 0 { throw .timedOut }
                }
            }
        }
    }
}
