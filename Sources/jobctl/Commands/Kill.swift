import JobControl
import JobControlSystem

/// `jobctl kill`: signal jobs' whole process trees (TERM, then KILL).
let killCommand = CommandSpec(
    name: "kill", operands: "<job> ...",
    summary: "Signal jobs' whole process trees (TERM, then KILL).",
    arguments: [("<job>", "A job id or name.")],
    options: [
        OptionSpec(long: "signal", short: "s", value: "<signal>", help: "Send SIGNAL (name or number; -SIG too)."),
        OptionSpec(long: "grace", short: nil, value: "<duration>", help: "KILL what is left after DURATION (10s)."),
        OptionSpec(long: "wait", short: nil, value: nil, help: "Return once the jobs have ended."),
    ] + groupOptions,
    example: ["jobctl kill --wait build", "jobctl kill -s 0 \"$id\" && echo alive"],
    signalShorthand: true,
    handler: handleKill)

func handleKill(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    if !hasGroups(opts) { try requireOperands(opts, "a job to signal") }
    if opts.signalShorthand != nil && opts.has("signal") { throw .usage("give the signal once: -s SIG or -SIG") }
    let sig = try Signal(parsing: opts.signalShorthand ?? opts.value("signal") ?? "TERM")
    let grace = try duration(opts, "grace")
    let explicit = opts.signalShorthand != nil || opts.has("signal")
    // TERM by default is followed by KILL after the grace; an explicit
    // signal only when --grace is also given.
    let followUp: Int64? = grace?.nanoseconds ?? (explicit ? nil : defaultGrace)
    let store = try openStore(stateDir)
    let jobs = try selectedJobs(opts, store)
    let backend = Backends(store: store)
    if sig.rawValue == 0 {
        return backend.states(of: jobs).allSatisfy(\.isAlive) ? 0 : 1
    }
    for j in jobs {
        try backend.signal(j, KillRequest(signal: sig.rawValue, grace: sig.rawValue == SignalNumber.kill ? nil : followUp))
    }
    if opts.has("wait") { _ = try backend.wait(for: jobs, any: false, timeout: nil) }
    return 0
}
