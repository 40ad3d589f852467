import JobControl

/// `jobctl rm`: forget ended jobs and delete their logs.
let rmCommand = CommandSpec(
    name: "rm", operands: "<job> ...",
    summary: "Forget ended jobs and delete their logs.",
    arguments: [("<job>", "A job id or name.")],
    options: [],
    example: ["jobctl rm 3 4"],
    handler: handleRm)

func handleRm(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    try requireOperands(opts, "a job to remove")
    let store = try openStore(stateDir)
    let backend = Backends(store: store)
    let jobs = try store.resolve(opts.operands)
    for (j, st) in backend.current(jobs) where !st.hasEnded {
        throw .failure("job \(j.id) is still running; kill it first")
    }
    try store.remove(jobs)
    return 0
}
