import JobControl
import JobControlSystem

/// `jobctl pause` / `jobctl resume`: stop a job's whole tree (SIGSTOP, as
/// `kill` reaches it), or continue it (SIGCONT).
let pauseCommand = CommandSpec(
    name: "pause", operands: "<job> ...",
    summary: "Stop jobs' whole process trees (SIGSTOP) until resumed.",
    arguments: [("<job>", "A job id or name.")],
    options: groupOptions,
    example: ["jobctl pause build; jobctl ps build   # STATE paused", "jobctl resume build"],
    handler: { opts, dir throws(JobctlError) in try stopOrContinue(opts, dir, pause: true) })

let resumeCommand = CommandSpec(
    name: "resume", operands: "<job> ...",
    summary: "Continue paused jobs' whole process trees (SIGCONT).",
    arguments: [("<job>", "A job id or name.")],
    options: groupOptions,
    example: ["jobctl resume build"],
    handler: { opts, dir throws(JobctlError) in try stopOrContinue(opts, dir, pause: false) })

/// Every job is looked at before any is signalled: a job that has not
/// started (queued) has nothing to stop, and fails the whole call, exit 1,
/// with nothing done. Ended jobs are left alone, as `kill` leaves them.
/// Each job stopped or continued is recorded (`events` shows it).
func stopOrContinue(_ opts: ParsedOptions, _ stateDir: [UInt8]?, pause: Bool) throws(JobctlError) -> Int32 {
    if !hasGroups(opts) { try requireOperands(opts, pause ? "a job to pause" : "a job to resume") }
    let store = try openStore(stateDir)
    let backend = Backends(store: store)
    let current = backend.current(try selectedJobs(opts, store))
    if let (j, _) = current.first(where: { $0.state == .queued }) {
        throw .failure("job \(j.id) has not started: there is nothing to \(pause ? "pause" : "resume") (kill removes it)")
    }
    let sig = pause ? SignalNumber.stop : SignalNumber.continue
    var notes: [UInt8] = []
    for (j, st) in current where !st.hasEnded {
        if try backend.signal(j, KillRequest(signal: sig, grace: nil)) {
            notes += Records.encodeNote(pause ? "pause" : "resume", j.id, at: wallClockMicros())
        }
    }
    if !notes.isEmpty { try store.append(notes) }
    // The monitor delivers the signal: return once the commands show it,
    // so that `pause X; ps X` says paused. There is no event for another
    // process's stop, so /proc is looked at, briefly (at most 2 s).
    let deadline = monotonicNow() + 2_000_000_000
    var nap: Int64 = 200_000
    for (j, st) in current where !st.hasEnded && j.slurmID == nil {
        guard let pid = j.pid else { continue }
        while monotonicNow() < deadline, case .found(let s) = ProcStat.lookup(pid), s.startTime == j.pidStart,
              !s.isDead, s.isStopped != pause {
            Processes.sleep(nanoseconds: nap)
            nap = min(nap * 2, 20_000_000)
        }
    }
    return 0
}
