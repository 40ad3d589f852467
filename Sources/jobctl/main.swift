import Glibc
import JobControl

// argv → parsed command → JobControl → printed line / exit status. This is
// the only place that catches errors and the only place that exits.

// A job's log or a state file must never land on 0, 1 or 2 because the
// caller closed them (`jobctl spawn ... >&-`): fill the gaps with /dev/null,
// opened the wrong way round (stdin write-only, stdout and stderr
// read-only), so that using a descriptor the caller closed still fails with
// EBADF, as it would have. A closed stdout is never a silent sink: `queue
// get >&-` keeps its value, `spawn >&-` fails.
for fd: CInt in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
    _ = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY)
}

var subcommand: String?
do throws(JobctlError) {
    // argv as bytes: CommandLine.arguments would repair invalid UTF-8.
    var rawArgs: [[UInt8]] = (1..<Int(CommandLine.argc)).map { k in
        let p = CommandLine.unsafeArgv[k]!
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
    }
    var args = rawArgs.map { String(decoding: $0, as: UTF8.self) }
    var stateDir: [UInt8]?
    // Global options, before the subcommand.
    while let a = args.first, a.hasPrefix("-") {
        args.removeFirst()
        let raw = rawArgs.removeFirst()
        switch a {
        case "-h", "--help":
            try printOut(mainHelp)
            exit(0)
        case "--version":
            try printOut("jobctl \(version)\n")
            exit(0)
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
        exit(0)
    }
    if name == completionVerb {
        exit(try complete(args, stateDir: stateDir))
    }
    let spec = try command(named: name)
    subcommand = name
    let opts = try parse(rawArgs, spec)
    if opts.flags.contains("help") {
        try printOut(helpText(spec))
        exit(0)
    }
    exit(try spec.run(opts, stateDir))
} catch {
    // A timeout is told by exit 124 alone, as timeout(1) does.
    // One line, escaped: the message may quote anything the caller typed.
    if error != .timedOut { writeStderr("jobctl: \(escaped(Array(error.message.utf8)))\n") }
    if case .usage = error {
        writeStderr(subcommand.map { "Try 'jobctl \($0) --help' for more information.\n" }
            ?? "Try 'jobctl --help' for more information.\n")
    }
    exit(error.exitCode)
}
