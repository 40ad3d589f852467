import JobControl
import JobControlSystem

// argv → parsed command → JobControl → printed line / exit status. This is
// the only place that catches errors and the only place that exits.

// A job's log or a state file must never land on 0, 1 or 2 because the
// caller closed them (`jobctl spawn ... >&-`): fill the gaps with /dev/null,
// opened the wrong way round (stdin write-only, stdout and stderr
// read-only), so that using a descriptor the caller closed still fails with
// EBADF, as it would have. A closed stdout is never a silent sink: `queue
// get >&-` keeps its value, `spawn >&-` fails.
StandardStreams.fillClosed()

// Read by `report`, which a spawn's monitor also calls (one thread throughout).
nonisolated(unsafe) var subcommand: String?
/// `--backend`, for the verbs that place jobs.
nonisolated(unsafe) var backendOption: String?
enum SlurmBatchVerb { static let name = "__slurm-job" }
do throws(JobctlError) {
    // argv as bytes: CommandLine.arguments would repair invalid UTF-8.
    var rawArgs = Array(Processes.arguments().dropFirst())
    var args = rawArgs.map { String(decoding: $0, as: UTF8.self) }
    var stateDir: [UInt8]?
    // Global options, before the subcommand.
    while let a = args.first, a.hasPrefix("-") {
        args.removeFirst()
        let raw = rawArgs.removeFirst()
        switch a {
        case "-h", "--help":
            try printOut(mainHelp)
            Processes.exit(0)
        case "--version":
            try printOut("jobctl \(version)\n")
            Processes.exit(0)
        case "--backend":
            guard !args.isEmpty else { throw JobctlError.usage("option '--backend' needs a value <local|slurm>") }
            args.removeFirst()
            backendOption = String(decoding: rawArgs.removeFirst(), as: UTF8.self)
        case _ where a.hasPrefix("--backend="):
            backendOption = String(a.dropFirst("--backend=".count))
        case "--state-dir":
            guard !args.isEmpty else { throw JobctlError.usage("option '--state-dir' needs a value <dir>") }
            args.removeFirst()
            stateDir = rawArgs.removeFirst()
        case _ where a.hasPrefix("--state-dir="):
            stateDir = Array(raw.dropFirst("--state-dir=".utf8.count))
        default:
            throw JobctlError.usage("unknown option '\(a)' (global options come before the subcommand)")
        }
    }
    guard let name = args.first else { throw JobctlError.usage("missing subcommand") }
    args.removeFirst()
    rawArgs.removeFirst()
    if name == "help" {
        try printOut(args.first.map { sub throws(JobctlError) in helpText(try command(named: sub)) } ?? mainHelp)
        Processes.exit(0)
    }
    if name == SlurmBatchVerb.name {
        // What a cluster job's batch script runs: `__slurm-job DIR ID`.
        var words = rawArgs.map { String(decoding: $0, as: UTF8.self) }
        let daemon = words.last == "--daemon"
        if daemon { words.removeLast() }
        guard words.count == 2 || (words.count == 4 && words[2] == "--timeout"), let id = Int(words[1]) else {
            throw JobctlError.usage("\(SlurmBatchVerb.name) takes a state directory, a job id, [--timeout NS] [--daemon]")
        }
        SlurmBatch.run(stateDir: rawArgs[0], id: id, timeout: words.count == 4 ? Int64(words[3]) : nil, daemon: daemon)
    }
    if name == completionVerb {
        Processes.exit(try complete(args, stateDir: stateDir))
    }
    let spec = try command(named: name)
    subcommand = name
    let opts = try parse(rawArgs, spec)
    // After the subcommand it is the subcommand's option: it wins.
    if let dir = opts.raw("state-dir") {
        guard !dir.isEmpty else { throw JobctlError.usage("--state-dir needs a directory") }
        stateDir = dir
    }
    if opts.flags.contains("help") {
        try printOut(helpText(spec))
        Processes.exit(0)
    }
    Processes.exit(try spec.handler(opts, stateDir))
} catch {
    Processes.exit(report(error))
}

/// Says what went wrong and gives the exit status. Also what a spawn's
/// monitor says for it (`Spawner.spawnThenExit`).
func report(_ error: JobctlError) -> Int32 {
    // A timeout is told by exit 124 alone, as timeout(1) does.
    // One line, escaped: the message may quote anything the caller typed.
    if error != .timedOut { writeStderr("jobctl: \(escaped(Array(error.message.utf8)))\n") }
    if case .usage = error {
        writeStderr(subcommand.map { "Try 'jobctl \($0) --help' for more information.\n" }
            ?? "Try 'jobctl --help' for more information.\n")
    }
    return error.exitCode
}
