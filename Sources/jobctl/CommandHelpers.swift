import JobControl
import JobControlSystem

func openStore(_ dir: [UInt8]?) throws(JobctlError) -> StateStore {
    try StateStore(path: StateDirectory.resolvePath(option: dir))
}

/// Writes the data a verb exists to print. If it cannot be written (a
/// closed stdout, a full disk, a reader gone), that is the verb's failure:
/// exit 1, never a silent success.
func printOut(_ s: String) throws(JobctlError) { try printOut([Array(s.utf8)]) }

func printOut(_ chunks: [[UInt8]]) throws(JobctlError) {
    do throws(Errno) { try writeAll(fd: 1, chunks.flatMap { $0 }) }
    catch { throw .system("cannot write to standard output", error) }
}

/// A warning: one escaped line on stderr; the verb goes on.
func warn(_ message: String) {
    writeStderr("jobctl: warning: \(escaped(Array(message.utf8)))\n")
}

func duration(_ opts: ParsedOptions, _ name: String) throws(JobctlError) -> JobDuration? {
    guard let v = opts.value(name) else { return nil }
    return try JobDuration(parsing: v)
}

func requireOperands(_ opts: ParsedOptions, _ what: String) throws(JobctlError) {
    if opts.operands.isEmpty { throw .usage("missing operand: \(what)") }
}

func refuseOperands(_ opts: ParsedOptions) throws(JobctlError) {
    if let o = opts.operandStrings.first { throw .usage("unexpected operand '\(o)'") }
}

/// Reads the common start of spawn and run.
func spawnRequest(_ opts: ParsedOptions) throws(JobctlError) -> SpawnRequest {
    guard !opts.operands.isEmpty else { throw .usage("missing operand: the command to run") }
    guard !opts.operands[0].isEmpty else { throw .usage("the command is an empty string") }
    var r = SpawnRequest(command: opts.operands)
    if let n = opts.raw("name") {
        guard !n.isEmpty else { throw .usage("a job name cannot be empty") }
        // An all-digit operand is always an id, so such a name could never be used.
        guard !n.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .usage("a job name cannot be all digits ('\(opts.value("name")!)' would be read as a job id)")
        }
        r.name = n
    }
    r.daemon = opts.has("daemon")
    if let o = opts.value("owner") {
        guard let p = Int32(o), p > 0 else { throw .usage("invalid owner '\(o)' (expected a process id)") }
        r.owner = p
    }
    for kv in opts.all("env") {
        guard let eq = kv.firstIndex(of: UInt8(ascii: "=")), eq != 0 else {
            throw .usage("invalid environment entry '\(String(decoding: kv, as: UTF8.self))' (expected K=V)")
        }
        r.environment.append(kv)
    }
    r.directory = opts.raw("directory")
    if r.directory == [] { throw .usage("-C needs a directory") }
    r.stdoutPath = opts.raw("stdout")
    // `--stdout pipe`: for recv, through the log (a file named pipe: ./pipe).
    if r.stdoutPath == Array("pipe".utf8) { r.stdoutPath = nil; r.stdoutPipe = true }
    r.stderrPath = opts.raw("stderr")
    if r.stdoutPath == [] || r.stderrPath == [] { throw .usage("--stdout and --stderr need a file") }
    r.timeout = try duration(opts, "timeout")
    // A job's timeout of zero would end it before it began: refused, where
    // wait, lock, send and queue get read zero as "only look".
    if r.timeout?.nanoseconds == 0 {
        throw .usage("invalid --timeout '\(opts.value("timeout")!)' (a job's timeout must be more than 0)")
    }
    if let l = opts.raw("lock") {
        try NamedLocks.validate(l)
        r.lock = l
    }
    if let p = opts.raw("pool") {
        try NamedLocks.validate(p)
        r.pool = p
    }
    if let v = opts.value("stdin") {
        guard v == "pipe" else { throw .usage("invalid --stdin '\(v)' (the only choice is 'pipe')") }
        r.stdinPipe = true
    }
    if let s = opts.value("slots") {
        guard r.pool != nil || r.lock != nil else { throw .usage("--slots goes with --pool or --lock") }
        guard r.pool == nil || r.lock == nil else {
            throw .usage("--slots with both --pool and --lock: set the pool's with 'jobctl pool slots'")
        }
        let n = try slotCount(s)
        if r.pool != nil { r.slots = n } else { r.lockSlots = n }
    }
    return r
}

/// Keeps `value` alive until the process exits, on purpose: a verb that has
/// folded a long history is about to exit, and freeing its jobs one by one
/// (every name, argument and path an allocation) cost `ps` a fifth of its
/// time, for memory the exit gives back at once.
func keepUntilExit<T>(_ value: T) {
    _ = Unmanaged.passRetained(Kept(value))
}
private final class Kept<T> {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Where new jobs go: `--backend`, else `$JOBCTL_BACKEND`, else here.
func placedOnSlurm() throws(JobctlError) -> Bool {
    let chosen = backendOption ?? Processes.environment("JOBCTL_BACKEND").map { String(decoding: $0, as: UTF8.self) }
    switch chosen {
    case nil, "", "local": return false
    case "slurm": return true
    case let other?:
        let from = backendOption != nil ? "--backend" : "JOBCTL_BACKEND"
        throw .usage("unknown backend '\(other)' in \(from) (local or slurm)")
    }
}

/// `--pool NAME` and `--all-named NAME`, for the verbs that take jobs.
let groupOptions = [
    OptionSpec(long: "pool", short: nil, value: "<name>", help: "Every job of pool NAME too.", repeatable: true),
    OptionSpec(long: "all-named", short: nil, value: "<name>", help: "Every job named NAME, not only the newest.", repeatable: true),
]

func hasGroups(_ opts: ParsedOptions) -> Bool { opts.has("pool") || opts.has("all-named") }

/// The jobs the operands name, then those of each group, each once, in id
/// order: one read of the state whatever their number. A group that names
/// no job adds none (`kill --pool P` of an empty pool does nothing).
func selectedJobs(_ opts: ParsedOptions, _ store: StateStore) throws(JobctlError) -> [Job] {
    guard hasGroups(opts) else { return try store.resolve(opts.operands) }
    let all = try store.loadAll().jobs
    keepUntilExit(all)
    let pools = Set(opts.all("pool")), names = Set(opts.all("all-named"))
    var seen = Set<JobID>()
    var out: [Job] = []
    for j in try store.resolve(opts.operands, in: all) where seen.insert(j.id).inserted { out.append(j) }
    for j in all where (j.pool.map(pools.contains) ?? false) || names.contains(j.name) {
        if seen.insert(j.id).inserted { out.append(j) }
    }
    return out.sorted { $0.id < $1.id }
}

/// A number of slots, for a pool or a lock: 1 to 100,000.
func slotCount(_ s: String) throws(JobctlError) -> Int {
    guard let n = Int(s), n >= 1, n <= 100_000 else { throw .usage("invalid --slots '\(s)' (a whole number from 1)") }
    return n
}
