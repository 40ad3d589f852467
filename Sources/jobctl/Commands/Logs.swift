import JobControl

/// `jobctl logs`: print a job's captured output.
let logsCommand = CommandSpec(
    name: "logs", operands: "<job> ...",
    summary: "Print jobs' captured output, one job after another.",
    arguments: [("<job>", "A job id or name.")],
    options: [OptionSpec(long: "follow", short: "f", value: nil, help: "Keep printing until the job ends."),
              OptionSpec(long: "timestamps", short: "t", value: nil, help: "Begin each line with the time it was written (UTC)."),
              OptionSpec(long: "stdout", short: nil, value: nil, help: "Only what the job wrote to its standard output."),
              OptionSpec(long: "stderr", short: nil, value: nil, help: "Only what the job wrote to its standard error.")] + groupOptions,
    example: ["jobctl logs -f build", "jobctl logs --stderr --timestamps build", "jobctl logs --pool enc"],
    handler: handleLogs)

func handleLogs(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    if !hasGroups(opts) { try requireOperands(opts, "a job") }
    let store = try openStore(stateDir)
    let jobs = try selectedJobs(opts, store)
    if let j = jobs.first(where: { $0.log.isEmpty }) {
        throw .failure("job \(j.id) ran in the foreground (jobctl run): it has no log")
    }
    // Each in turn, in the order given (groups in id order); with -f each is
    // followed to its end before the next.
    var reading = LogReading()
    reading.timestamps = opts.has("timestamps")
    if opts.has("stdout") != opts.has("stderr") { reading.streams = [opts.has("stdout") ? .stdout : .stderr] }
    for j in jobs { try copyLog(store: store, job: j, follow: opts.has("follow"), reading: reading, to: 1) }
    return 0
}
