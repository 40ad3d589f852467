import JobControl
import JobControlSystem

/// `jobctl wait`: wait for jobs to end; exit with the last one's status.
let waitCommand = CommandSpec(
    name: "wait", operands: "[<job> ...]",
    summary: "Wait for jobs to end; exit with the last one's status.",
    arguments: [("<job>", "A job id or name (default: the caller's own non-daemon jobs).")],
    options: [
        OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "Give up after DURATION (exit 124)."),
        OptionSpec(long: "any", short: nil, value: nil, help: "Return when the first job ends; print its id."),
        OptionSpec(long: "progress", short: nil, value: nil, help: "Show 'N/M done' on stderr (default on a terminal)."),
        OptionSpec(long: "no-progress", short: nil, value: nil, help: "Never show progress."),
    ] + groupOptions,
    example: ["jobctl wait --timeout 30s \"$id\"; echo \"status $?\""],
    handler: handleWait)

func handleWait(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    let timeout = try duration(opts, "timeout")
    if opts.has("progress") && opts.has("no-progress") { throw .usage("--progress and --no-progress exclude each other") }
    let store = try openStore(stateDir)
    var backend = Backends(store: store)
    var jobs: [Job] = []
    let ownJobs = opts.operands.isEmpty && !hasGroups(opts)
    // A group exits as a bare wait does: 0, or the lowest-id failure.
    let lowestFailure = ownJobs || hasGroups(opts)
    if ownJobs {
        if opts.has("any") { throw .usage("--any needs jobs to wait for") }
        // The caller's own non-daemon jobs, as Python joins its children:
        // each reported once, by the first bare wait that sees it end.
        let me = Processes.parent
        let myStart = ProcStat.read(me)?.startTime ?? 0
        jobs = try store.loadAll().jobs.filter {
            $0.owner == me && $0.ownerStart == myStart && !$0.daemon && !$0.joined
        }
    } else {
        jobs = try selectedJobs(opts, store)
    }
    if jobs.isEmpty { return 0 }
    // One line on stderr, redrawn in place; stdout is untouched.
    let showProgress = opts.has("progress")
        || (!opts.has("no-progress") && jobs.count > 1 && StandardStreams.isTerminal(2))
    var progress = Progress(total: jobs.count)
    if showProgress {
        progress.draw()
        backend.onEnd = { progress.ended($0) }
    }
    defer { if showProgress { progress.clear() } }
    let ended = try backend.wait(for: jobs, any: opts.has("any"), timeout: timeout?.nanoseconds)
    if opts.has("any") {
        let first = ended[0]
        try printOut("\(first.job.id)\n")
        return first.shellStatus
    }
    if ownJobs { try store.markJoined(ended.map(\.job.id)) }
    if lowestFailure {
        let byID = Dictionary(ended.map { ($0.job.id, $0) }, uniquingKeysWith: { a, _ in a })
        for j in jobs.sorted(by: { $0.id < $1.id }) {
            if let e = byID[j.id], e.shellStatus != 0 { return e.shellStatus }
        }
        return 0
    }
    let last = jobs.last!.id
    return ended.first { $0.job.id == last }?.shellStatus ?? 1
}

/// `wait --progress`: `12/40 done, 1 failed, 27 running`, redrawn in place
/// on stderr, and cleared when `wait` returns.
struct Progress {
    let total: Int
    var done = 0, failed = 0
    init(total: Int) { self.total = total }
    mutating func ended(_ e: JobEnd) {
        done += 1
        if e.shellStatus != 0 { failed += 1 }
        draw()
    }
    func draw() {
        writeStderr("\r\(done)/\(total) done, \(failed) failed, \(total - done) running\u{1b}[K")
    }
    func clear() { writeStderr("\r\u{1b}[K") }
}
