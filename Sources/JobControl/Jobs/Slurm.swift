import JobControlSystem

/// Talking to a Slurm cluster through its own commands (`sbatch`, `squeue`,
/// `scontrol`, `scancel`), the way a user at the shell would: no library,
/// nothing to link. Every query is one command for any number of jobs.
enum Slurm {
    /// What the scheduler says of a job: its state word (`PENDING`,
    /// `RUNNING`, `COMPLETED`, …), or nil if it no longer knows the job.
    typealias Answer = [String: String]

    /// Runs a Slurm command; its stdout, or a failure with Slurm's own
    /// words (the first line it wrote on stderr).
    static func run(_ args: [String]) throws(JobctlError) -> [UInt8] {
        let argv = args.map { Array($0.utf8) }
        let got: Captured
        switch runCapturing(argv) {
        case .success(let c): got = c
        case .failure(let f) where f.stage == .exec && f.errno == .noEntry:
            throw .failure("\(args[0]) not found: the Slurm backend needs Slurm's commands on PATH")
        case .failure(let f):
            throw .system("cannot run \(args[0])", f.errno)
        }
        guard got.status.code == 0 else {
            let said = got.err.split(separator: UInt8(ascii: "\n")).first.map { String(decoding: $0, as: UTF8.self) }
            throw .failure(said ?? "\(args[0]) failed with exit status \(got.status.code)")
        }
        return got.out
    }

    /// Submits `script`; returns the Slurm job id (`sbatch --parsable`
    /// prints `ID` or `ID;CLUSTER`).
    static func submit(_ options: [String], script: String) throws(JobctlError) -> [UInt8] {
        let out = try run(["sbatch", "--parsable"] + options + [script])
        let line = out.split(separator: UInt8(ascii: "\n")).first ?? []
        let id = line.split(separator: UInt8(ascii: ";")).first.map(Array.init) ?? []
        guard !id.isEmpty, id.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .failure("sbatch printed no job id: \(display(Array(out)))")
        }
        return id
    }

    /// The state of each job in one `squeue` call (`-t all`: ended jobs
    /// too, for as long as the controller keeps them, `MinJobAge`).
    static func states(_ ids: [[UInt8]]) throws(JobctlError) -> Answer {
        guard !ids.isEmpty else { return [:] }
        let list = ids.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",")
        let out = try run(["squeue", "-h", "-t", "all", "-j", list, "-o", "%i|%T"])
        var answer: Answer = [:]
        for line in out.split(separator: UInt8(ascii: "\n")) {
            let f = line.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
            guard f.count == 2 else { continue }
            answer[String(decoding: f[0], as: UTF8.self)] = String(decoding: f[1], as: UTF8.self)
        }
        return answer
    }

    /// `scontrol`'s `ExitCode=N:S` of an ended job: the exit code, or
    /// minus the signal; nil if it does not say.
    static func exitCode(_ id: [UInt8]) -> ExitStatus? {
        guard let out = try? run(["scontrol", "show", "job", "-o", String(decoding: id, as: UTF8.self)]) else { return nil }
        for word in String(decoding: out, as: UTF8.self).split(separator: " ") where word.hasPrefix("ExitCode=") {
            let parts = word.dropFirst("ExitCode=".count).split(separator: ":")
            guard parts.count == 2, let code = Int32(parts[0]), let sig = Int32(parts[1]) else { return nil }
            return ExitStatus(code: sig != 0 ? -sig : code)
        }
        return nil
    }

    /// `scancel`: with a signal, delivered to every process of the job
    /// (`--full`: the batch step too); without, the job is cancelled
    /// (TERM, and KILL after the cluster's `KillWait`).
    static func cancel(_ id: [UInt8], signal: Int32?, onlyIfPending: Bool = false) throws(JobctlError) {
        var args = ["scancel"]
        if let s = signal { args += ["--full", "--signal=\(s)"] }
        // Atomic on the controller: a job that has just started is left be.
        if onlyIfPending { args += ["--state=PENDING"] }
        _ = try run(args + [String(decoding: id, as: UTF8.self)])
    }

    /// What a state word means for a job whose batch wrapper left no exit
    /// file: nil while it may still run.
    static func meaning(_ word: String) -> JobState? {
        switch word {
        case "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SUSPENDED": return .queued
        case "RUNNING", "CONFIGURING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING": return .running
        case "NODE_FAIL", "BOOT_FAIL": return .lost
        case "CANCELLED", "TIMEOUT", "PREEMPTED", "DEADLINE", "OUT_OF_MEMORY", "REVOKED": return .killed
        case "COMPLETED", "FAILED", "SPECIAL_EXIT": return .exited
        default: return .running  // a state word newer than this list: still the cluster's
        }
    }
}
