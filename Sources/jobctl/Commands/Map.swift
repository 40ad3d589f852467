import JobControl
import JobControlSystem

/// `jobctl map`: Python's `Pool.map` — COMMAND once per input line, as jobs
/// of a pool, each one's output printed in input order.
let mapCommand = CommandSpec(
    name: "map", operands: "[--] <command> [<arg> ...]",
    summary: "Run COMMAND per input line in a pool, outputs in order.",
    arguments: [("<command>", "Run once per input; {} in any argument is replaced by the input, else it is appended.")],
    options: [
        OptionSpec(long: "name", short: "n", value: "<name>", help: "Name the pool and its jobs NAME (default map-ID, ID the first job's)."),
        OptionSpec(long: "slots", short: nil, value: "<n>", help: "Run at most N at once (default: the number of CPUs)."),
        OptionSpec(long: "keep-going", short: nil, value: nil, help: "Start every input even after one has failed."),
        OptionSpec(long: "null", short: "0", value: nil, help: "Inputs are NUL-separated (find -print0), not lines."),
    ],
    example: ["ls *.log | jobctl map --slots 4 -- gzip -k {}", "seq 10 | jobctl map -- sh -c 'echo $(($1 * $1))' sq"],
    commandFollows: true,
    handler: handleMap)

func handleMap(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var command = opts.operands
    if command.first == Array("--".utf8) { command.removeFirst() }
    guard let first = command.first, !first.isEmpty else { throw .usage("missing operand: the command to run") }
    if let n = opts.raw("name") {
        try NamedLocks.validate(n)
        guard !n.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw .usage("a job name cannot be all digits ('\(display(n))' would be read as a job id)") }
    }
    let slots = try opts.value("slots").map(slotCount) ?? Processes.cpuCount
    if try placedOnSlurm() { throw .usage("map runs its jobs here: a pool cannot be placed on the cluster yet") }
    // Like Python's Pool.map, every input first.
    let all: [UInt8]
    do throws(Errno) { all = try StandardStreams.readAll(0) } catch { throw .system("cannot read standard input", error) }
    let separator = opts.has("null") ? UInt8(0) : UInt8(ascii: "\n")
    var inputs = all.split(separator: separator, omittingEmptySubsequences: false).map(Array.init)
    if all.last == separator || all.isEmpty { inputs.removeLast() }
    if inputs.isEmpty { return 0 }

    let store = try openStore(stateDir)
    let backends = Backends(store: store)
    let firstID = try store.allocateID()
    let name = opts.raw("name") ?? Array("map-\(firstID)".utf8)
    let pools = Pools(store: store)
    try pools.setSize(name, slots)
    try pools.setHaltsOnFailure(name, !opts.has("keep-going"))
    // Recorded, all of them, before any starts; and a failure cannot
    // stop inputs not yet recorded.
    try pools.setPaused(name, true)
    var ids: [[UInt8]] = []
    for (k, input) in inputs.enumerated() {
        var r = SpawnRequest(command: MapInputs.command(command, input))
        r.id = k == 0 ? firstID : nil
        r.name = name
        r.pool = name
        // Daemon jobs of this process: they end with it, however it ends.
        r.daemon = true
        r.owner = Processes.current
        let id: JobID
        do throws(JobctlError) { id = try backends.start(r) { _ in true } } catch {
            try? pools.setPaused(name, false)
            throw error
        }
        ids.append(Array(String(id).utf8))
    }
    try pools.setPaused(name, false)
    let jobs = try store.resolve(ids)

    var ends: [JobID: JobEnd] = [:]
    var next = 0
    var status: Int32 = 0
    var stopped = opts.has("keep-going")
    var skippedRest = false
    var stdoutOnly = LogReading(), stderrOnly = LogReading()
    stdoutOnly.streams = [.stdout]
    stderrOnly.streams = [.stderr]
    while next < jobs.count {
        // Stopped: once nothing of the pool runs or is starting (no slot
        // held), what is left is queued for sure, and is killed: skipped.
        if stopped && !opts.has("keep-going") && !skippedRest && !pools.slotsInUse(name) {
            let left = jobs.filter { ends[$0.id] == nil }.map { Array(String($0.id).utf8) }
            let now = try store.resolve(left)
            if !now.contains(where: { backends.state(of: $0) != .queued }) {
                for j in now { _ = try? backends.signal(j, KillRequest(signal: SignalNumber.terminate, grace: nil)) }
                skippedRest = true
            }
        }
        // Jobs start in id order, at most `slots` at once: the running ones
        // are among the first `slots` not yet ended.
        let window = Array(jobs[next...].lazy.filter { ends[$0.id] == nil }.prefix(slots + 1))
        // While stopping, looked at again soon: a slot may free without
        // any job of the window ending (a leftover of one that has).
        let stopping = stopped && !opts.has("keep-going") && !skippedRest
        var ended: [JobEnd] = []
        do throws(JobctlError) { ended = try backends.wait(for: window, any: true, timeout: stopping ? 50_000_000 : nil) }
        catch where error == .timedOut {}
        for e in ended {
            ends[e.job.id] = e
            if e.shellStatus != 0 && !stopped {
                // As Python's map raises: no new inputs; running ones finish.
                stopped = true
                try pools.setPaused(name, true)
            }
        }
        // In input order; after a failure nothing more (as Python's map
        // returns no results once it raises), unless --keep-going.
        while next < jobs.count, let e = ends[jobs[next].id] {
            if status == 0 || opts.has("keep-going") {
                try copyLog(store: store, job: e.job, follow: false, reading: stdoutOnly, to: 1)
                try copyLog(store: store, job: e.job, follow: false, reading: stderrOnly, to: 2)
            }
            if status == 0 { status = e.shellStatus }
            next += 1
        }
    }
    // A pool of map's own goes with it; one named with -n is kept, unpaused.
    if opts.raw("name") == nil {
        pools.remove(name)
    } else {
        try? pools.setHaltsOnFailure(name, false)
        try? pools.setPaused(name, false)
    }
    return status
}

enum MapInputs {
    /// COMMAND for one input: each `{}` replaced by it, in any argument
    /// (as `xargs -I{}`); appended if no argument has one.
    static func command(_ command: [[UInt8]], _ input: [UInt8]) -> [[UInt8]] {
        let mark: [UInt8] = [UInt8(ascii: "{"), UInt8(ascii: "}")]
        var replaced = false
        let out = command.map { arg -> [UInt8] in
            var r: [UInt8] = []
            var i = 0
            while i < arg.count {
                if i + 1 < arg.count && arg[i] == mark[0] && arg[i + 1] == mark[1] {
                    r += input
                    replaced = true
                    i += 2
                } else {
                    r.append(arg[i])
                    i += 1
                }
            }
            return r
        }
        return replaced ? out : command + [input]
    }
}
