import Glibc
import JobControl

// argv → parsed command → JobControl → printed line / exit status. This is
// the only place that catches errors and the only place that exits.

// A job's log or a state file must never land on 0, 1 or 2 because the
// caller closed them (`jobctl spawn ... >&-`): fill the gaps with /dev/null.
for fd: CInt in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
    _ = open("/dev/null", O_RDWR)
}

var subcommand: String?
do throws(JobctlError) {
    // argv as bytes: CommandLine.arguments would repair invalid UTF-8.
    var rawArgs: [[UInt8]] = (1..<Int(CommandLine.argc)).map { k in
        let p = CommandLine.unsafeArgv[k]!
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
    }
    var args = rawArgs.map { String(decoding: $0, as: UTF8.self) }
    var stateDir: String?
    // Global options, before the subcommand.
    while let a = args.first, a.hasPrefix("-") {
        args.removeFirst()
        rawArgs.removeFirst()
        switch a {
        case "-h", "--help":
            writeString(1, mainHelp)
            exit(0)
        case "--version":
            writeString(1, "jobctl \(version)\n")
            exit(0)
        case "--state-dir":
            guard !args.isEmpty else { throw JobctlError.usage("option '--state-dir' needs a value <dir>") }
            stateDir = args.removeFirst()
            rawArgs.removeFirst()
        case _ where a.hasPrefix("--state-dir="):
            stateDir = String(a.dropFirst("--state-dir=".count))
        default:
            throw JobctlError.usage("unknown option '\(a)' (global options come before the subcommand)")
        }
    }
    guard let name = args.first else { throw JobctlError.usage("missing subcommand") }
    args.removeFirst()
    rawArgs.removeFirst()
    if name == "help" {
        if let sub = args.first {
            guard let c = commands.first(where: { $0.name == sub }) else { throw JobctlError.usage("unknown subcommand '\(sub)'") }
            writeString(1, helpText(c))
        } else {
            writeString(1, mainHelp)
        }
        exit(0)
    }
    guard let spec = commands.first(where: { $0.name == name }) else {
        let near = commands.map(\.name).min { editDistance($0, name) < editDistance($1, name) }
        if let n = near, editDistance(n, name) <= 2 {
            throw JobctlError.usage("unknown subcommand '\(name)'; did you mean '\(n)'?")
        }
        throw JobctlError.usage("unknown subcommand '\(name)'")
    }
    subcommand = name
    let opts = try parse(rawArgs, spec)
    if opts.flags.contains("help") {
        writeString(1, helpText(spec))
        exit(0)
    }
    exit(try run(spec.name, opts, stateDir: stateDir))
} catch {
    // A timeout is told by exit 124 alone, as timeout(1) does.
    if error != .timedOut { writeStderr("jobctl: \(error.message)\n") }
    if case .usage = error {
        writeStderr(subcommand.map { "Try 'jobctl \($0) --help' for more information.\n" }
            ?? "Try 'jobctl --help' for more information.\n")
    }
    exit(error.exitCode)
}
