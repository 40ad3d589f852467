import JobControl
import JobControlSystem

/// `jobctl restart`: start ended jobs again, each as a new job.
let restartCommand = CommandSpec(
    name: "restart", operands: "<job> ...",
    summary: "Start ended jobs again as new jobs; print the new ids.",
    arguments: [("<job>", "An ended job's id or name.")],
    options: groupOptions,
    example: ["jobctl restart build", "jobctl restart $(jobctl ps --failed -q)"],
    handler: handleRestart)

/// Each job becomes a new job with the same command, arguments, `-e`
/// variables (over the restarting caller's environment), directory, name
/// and options (not its dependencies); its new id is printed, one per line,
/// in the order given. Every job is looked at first: one that has not
/// ended (running, paused, queued) fails the call, exit 1, with nothing
/// restarted.
func handleRestart(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    if !hasGroups(opts) { try requireOperands(opts, "a job to restart") }
    let store = try openStore(stateDir)
    let backend = Backends(store: store)
    let jobs = backend.current(try selectedJobs(opts, store))
    if let (j, st) = jobs.first(where: { !$0.state.hasEnded }) {
        throw .failure("job \(j.id) is \(st.rawValue): only an ended job can be restarted")
    }
    for (j, _) in jobs {
        var req = j.restartRequest
        req.owner = nil  // owned by whoever restarts it
        _ = try backend.start(req) { id in (try? printOut("\(id)\n")) != nil }
    }
    return 0
}
