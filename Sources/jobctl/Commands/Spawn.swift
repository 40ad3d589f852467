import JobControl
import JobControlSystem

/// `jobctl spawn`: start COMMAND as a background job and print its id.
let spawnCommand = CommandSpec(
    name: "spawn", operands: "[--] <command> [<arg> ...]",
    summary: "Start COMMAND as a background job and print its id.",
    arguments: [("<command>", "The command to run, with its arguments as given.")],
    options: [
        OptionSpec(long: "name", short: "n", value: "<name>", help: "Name the job (default: the command's basename)."),
        OptionSpec(long: "daemon", short: "d", value: nil, help: "End the job when its owner ends."),
        OptionSpec(long: "owner", short: nil, value: "<pid>", help: "The owning process (default: the caller)."),
        OptionSpec(long: "env", short: "e", value: "<k=v>", help: "Set an environment variable.", repeatable: true),
        OptionSpec(long: "directory", short: "C", value: "<dir>", help: "Run the command in DIR."),
        OptionSpec(long: "stdout", short: nil, value: "<file>", help: "Append output to FILE; 'pipe': log it for recv."),
        OptionSpec(long: "stderr", short: nil, value: "<file>", help: "Append standard error to FILE."),
        OptionSpec(long: "timeout", short: nil, value: "<duration>", help: "Terminate the job after DURATION."),
        OptionSpec(long: "lock", short: nil, value: "<name>", help: "Hold lock NAME for the job's life; queued until then."),
        OptionSpec(long: "pool", short: nil, value: "<name>", help: "Queue in pool NAME; run when a slot is free."),
        OptionSpec(long: "slots", short: nil, value: "<n>", help: "Size of the pool (or lock), remembered; default 1."),
        OptionSpec(long: "stdin", short: nil, value: "pipe", help: "Keep stdin open for 'jobctl send'."),
        OptionSpec(long: "after", short: nil, value: "<job>", help: "Start once JOB has exited 0 (a comma list, or repeat).", repeatable: true),
        OptionSpec(long: "after-any", short: nil, value: "<job>", help: "Start once JOB has ended, however it ended.", repeatable: true),
        OptionSpec(long: "on-exit", short: nil, value: "<command>", help: "Run the shell command string once the job has ended."),
        OptionSpec(long: "retries", short: nil, value: "<n>", help: "Run a failed command again, up to N more times."),
        OptionSpec(long: "retry-delay", short: nil, value: "<duration>", help: "First pause between attempts (1s; doubling)."),
        OptionSpec(long: "delay", short: nil, value: "<duration>", help: "Start no earlier than DURATION from now."),
        OptionSpec(long: "log-max", short: nil, value: "<size>", help: "Keep about the newest SIZE bytes of the log (10M, 512K)."),
        OptionSpec(long: "slurm-opt", short: nil, value: "<opt>", help: "Pass OPT to sbatch (--backend slurm).", repeatable: true),
    ],
    example: ["id=$(jobctl spawn -n build -- make -j4)", "jobctl spawn --after \"$id\" -- make test", "jobctl wait \"$id\""],
    commandFollows: true,
    handler: handleSpawn)

func handleSpawn(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var req = try spawnRequest(opts)
    req.onSlurm = try placedOnSlurm()
    req.slurmOptions = opts.all("slurm-opt").map { String(decoding: $0, as: UTF8.self) }
    if !req.slurmOptions.isEmpty && !req.onSlurm { throw .usage("--slurm-opt needs --backend slurm (or JOBCTL_BACKEND=slurm)") }
    let store = try openStore(stateDir)
    (req.after, req.afterAny) = (try dependencies(opts, "after", store), try dependencies(opts, "after-any", store))
    req.delay = try duration(opts, "delay")
    if let v = opts.value("retries") {
        guard let n = Int(v), n >= 0, n <= 1_000_000 else { throw .usage("invalid --retries '\(v)' (a whole number)") }
        req.retries = n
    }
    req.retryDelay = try duration(opts, "retry-delay")
    if req.retryDelay != nil && !opts.has("retries") { throw .usage("--retry-delay goes with --retries") }
    if let h = opts.raw("on-exit") {
        guard !h.isEmpty else { throw .usage("--on-exit needs a command string") }
        req.onExit = h
    }
    req.logMax = try logMax(opts, req)
    if req.onSlurm {
        _ = try Backends(store: store).start(req) { id in (try? printOut("\(id)\n")) != nil }
        return 0
    }
    // The id is printed as soon as the job exists: a pool job waits for it
    // before it may start. Printing it, or the error, is the job's
    // monitor's work: this process only waits for it, then exits. A job
    // whose id cannot be printed is killed (its whole tree) and recorded
    // so, since the id is the caller's only handle on it.
    try LocalBackend(store: store).startThenExit(req, announce: { id throws(JobctlError) in try printOut("\(id)\n") },
                                                 fail: report)
}

/// `--log-max SIZE`, else `$JOBCTL_LOG_MAX` for a job that has a log of
/// jobctl's to cap (not when --stdout names a file and stderr follows it).
func logMax(_ opts: ParsedOptions, _ req: SpawnRequest) throws(JobctlError) -> Int? {
    if let v = opts.value("log-max") {
        guard let n = LogIndex.parseSize(v) else { throw .usage("invalid --log-max '\(v)' (a size of at least 1K: bytes, or with K, M or G)") }
        guard req.stdoutPath == nil else { throw .usage("--log-max caps the job's own log: not with --stdout FILE") }
        if req.onSlurm { throw .usage("--log-max is not supported with --backend slurm yet") }
        return n
    }
    guard req.stdoutPath == nil, !req.onSlurm, let e = Processes.environment("JOBCTL_LOG_MAX"), !e.isEmpty else { return nil }
    let v = String(decoding: e, as: UTF8.self)
    guard let n = LogIndex.parseSize(v) else { throw .usage("invalid JOBCTL_LOG_MAX '\(v)' (a size of at least 1K: bytes, or with K, M or G)") }
    return n
}

/// The jobs an `--after`/`--after-any` names, as ids: each value is one JOB
/// or a comma list of them. A JOB that does not exist fails the spawn.
func dependencies(_ opts: ParsedOptions, _ option: String, _ store: StateStore) throws(JobctlError) -> [JobID] {
    var operands: [[UInt8]] = []
    for v in opts.all(option) {
        for part in v.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw .usage("--\(option) needs a job (an id or a name), got '\(display(v))'") }
            operands.append(Array(part))
        }
    }
    var ids: [JobID] = []
    for j in try store.resolve(operands) where !ids.contains(j.id) { ids.append(j.id) }
    return ids
}
