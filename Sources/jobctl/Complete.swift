import JobControl

/// The hidden verb the completion scripts call: `jobctl __complete KIND`
/// prints the candidates for KIND, each ended by a NUL byte, exactly as they
/// are (a name may hold spaces, quotes, `$(...)` or a newline). The scripts
/// offer them literally and never hand them to the shell to expand.
let completionVerb = "__complete"

func complete(_ args: [String], stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    guard args.count == 1 else { throw .usage("\(completionVerb) takes one of jobs, running, finished, names, locks, queues, pools, values, events") }
    let store = try openStore(stateDir)
    let backend = Backends(store: store)
    var words: [[UInt8]] = []
    switch args[0] {
    case "jobs", "running", "finished":
        var names = Set<[UInt8]>()
        let jobs = try args[0] == "running" ? store.unendedJobs() : store.loadAll().jobs
        keepUntilExit(jobs)
        // One question for all of them (a scheduler is asked once per TAB).
        let states: [JobState]? = args[0] == "jobs" ? nil : backend.states(of: jobs)
        for (k, j) in jobs.enumerated() {
            let ended = states?[k].hasEnded
            if ended == (args[0] == "running") { continue }
            words.append(Array(String(j.id).utf8))
            if names.insert(j.name).inserted { words.append(j.name) }
        }
    case "names":
        // Job names only, each once (`--all-named`).
        var names = Set<[UInt8]>()
        let jobs = try store.loadAll().jobs
        keepUntilExit(jobs)
        for j in jobs where names.insert(j.name).inserted { words.append(j.name) }
    case "locks", "queues", "pools", "values", "events":
        words = store.names(in: args[0])
    default:
        throw .usage("\(completionVerb) takes one of jobs, running, finished, names, locks, queues, pools, values, events")
    }
    try printOut(words.map { $0 + [0] })
    return 0
}
