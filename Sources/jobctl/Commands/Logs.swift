import JobControl

/// `jobctl logs`: print a job's captured output.
let logsCommand = CommandSpec(
    name: "logs", operands: "<job>",
    summary: "Print a job's captured output.",
    arguments: [("<job>", "A job id or name.")],
    options: [OptionSpec(long: "follow", short: "f", value: nil, help: "Keep printing until the job ends.")],
    example: ["jobctl logs -f build"],
    handler: handleLogs)

func handleLogs(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    guard opts.operands.count == 1 else {
        throw .usage(opts.operands.isEmpty ? "missing operand: a job" : "logs takes one job")
    }
    let store = try openStore(stateDir)
    let j = try store.resolve(opts.operands[0])
    if j.log.isEmpty { throw .failure("job \(j.id) ran in the foreground (jobctl run): it has no log") }
    try copyLog(store: store, job: j, follow: opts.has("follow"), to: 1)
    return 0
}
