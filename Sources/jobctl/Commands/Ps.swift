import JobControl
import JobControlSystem

/// `jobctl ps`: list jobs, oldest first.
let psCommand = CommandSpec(
    name: "ps", operands: "[<job> ...]",
    summary: "List jobs, oldest first.",
    arguments: [("<job>", "Only these jobs (ids or names).")],
    options: [
        OptionSpec(long: "json", short: nil, value: nil, help: "One JSON object per line."),
        OptionSpec(long: "quiet", short: "q", value: nil, help: "Print ids only."),
        OptionSpec(long: "running", short: nil, value: nil, help: "Only jobs that have not ended."),
        OptionSpec(long: "finished", short: nil, value: nil, help: "Only jobs that have ended."),
        OptionSpec(long: "failed", short: nil, value: nil, help: "Only ended jobs with a nonzero exit code."),
        OptionSpec(long: "last", short: nil, value: "<n>", help: "Only the newest N (still oldest first)."),
        OptionSpec(long: "summary", short: nil, value: nil, help: "One line counting the jobs in each state."),
    ] + groupOptions,
    example: ["jobctl ps --running", "jobctl ps --failed -q", "jobctl ps --summary --pool enc",
              "jobctl ps --finished --json | jq -r 'select(.exitcode != 0) | .id'"],
    handler: handlePs)

func handlePs(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    let filters = ["running", "finished", "failed"].filter { opts.has($0) }
    if filters.count > 1 { throw .usage("--\(filters[0]) and --\(filters[1]) exclude each other") }
    let outputs = ["json", "quiet", "summary"].filter { opts.has($0) }
    if outputs.count > 1 { throw .usage("--\(outputs[0]) and --\(outputs[1]) exclude each other") }
    var last: Int?
    if let v = opts.value("last") {
        guard let n = Int(v), n >= 0 else { throw .usage("invalid --last '\(v)' (a whole number)") }
        last = n
    }
    let store = try openStore(stateDir)
    let backend = Backends(store: store)
    var jobs: [Job]
    if hasGroups(opts) {
        jobs = try selectedJobs(opts, store)
    } else if opts.operands.isEmpty && filters.first == "running" {
        // What may still run, from the live index: it costs what runs,
        // not what has ended (completion asks on every TAB).
        jobs = try store.unendedJobs()
    } else if opts.operands.isEmpty {
        let (all, skipped) = try store.loadAll()
        jobs = all
        if skipped.invalid > 0 {
            warn("skipped \(skipped.invalid) unreadable line(s) in \(store.shown)/\(StateStore.jobsFile)")
        }
        if skipped.newer > 0 {
            warn("skipped \(skipped.newer) line(s) written by a newer jobctl in \(store.shown)/\(StateStore.jobsFile)")
        }
    } else {
        jobs = try store.resolve(opts.operands)
    }
    var rows: [(Job, JobState)] = []
    rows.reserveCapacity(jobs.count)
    // One question to the backend for all of them: a scheduler answers a
    // list in one call (squeue) where it would take one per job.
    for (j, st) in backend.current(jobs) {
        let keep: Bool
        switch filters.first {
        case "running": keep = !st.hasEnded
        case "finished": keep = st.hasEnded
        case "failed": keep = st.hasEnded && (j.exit?.code ?? 1) != 0
        default: keep = true
        }
        if keep { rows.append((j, st)) }
    }
    if let n = last, rows.count > n { rows.removeFirst(rows.count - n) }
    var out = Stdout()
    if opts.has("summary") {
        // `queued 12, running 3, exited 40, killed 2`: the states that have any.
        var counts: [JobState: Int] = [:]
        for (_, st) in rows { counts[st, default: 0] += 1 }
        let parts = JobState.allCases.compactMap { st in counts[st].map { "\(st.rawValue) \($0)" } }
        try out.write(parts.joined(separator: ", ") + "\n")
    } else if opts.has("quiet") {
        for (j, _) in rows { try out.write("\(j.id)\n") }
    } else if opts.has("json") {
        // Written out from the writer's own buffer, 64 KiB at a time.
        var w = JSONWriter(capacity: 1 << 17)
        func flush() throws(JobctlError) {
            do throws(Errno) { try w.write(to: 1) } catch { throw .system("cannot write to standard output", error) }
            w.reset()
        }
        let waits = WaitingFor(store: store, backend: backend, rows: rows)
        for (j, st) in rows {
            jsonLine(j, st, waitingFor: st == .queued ? waits.jobs(of: j) : [], into: &w)
            if w.count >= 1 << 16 { try flush() }
        }
        try flush()
    } else {
        try out.write(renderTable(rows, now: wallClockMicros()))
    }
    try out.flush()
    keepUntilExit(jobs)
    keepUntilExit(rows)
    return 0
}

/// The dependencies a queued job still waits for (`waiting_for.jobs`):
/// those that have not ended. Jobs listed are known from the rows; any
/// other is looked up once.
struct WaitingFor {
    let store: StateStore
    let backend: Backends
    var known: [JobID: JobState] = [:]
    init(store: StateStore, backend: Backends, rows: [(Job, JobState)]) {
        self.store = store
        self.backend = backend
        if rows.contains(where: { !$0.0.dependencies.isEmpty && $0.1 == .queued }) {
            for (j, st) in rows { known[j.id] = st }
        }
    }
    func jobs(of j: Job) -> [JobID] {
        j.dependencies.filter { id in
            if let st = known[id] { return !st.hasEnded }
            guard let d = (try? store.job(id: id)) ?? nil else { return false }
            return !backend.state(of: d).hasEnded
        }
    }
}
