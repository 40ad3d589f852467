import JobControl
import JobControlSystem

/// `jobctl events`: jobs' state changes, from the state file's records.
let eventsCommand = CommandSpec(
    name: "events", operands: "[<job> ...]",
    summary: "Print jobs' state changes; with --follow, as they happen.",
    arguments: [("<job>", "Only these jobs (ids or names).")],
    options: [
        OptionSpec(long: "follow", short: "f", value: nil, help: "Only new events, as they happen, until killed."),
        OptionSpec(long: "json", short: nil, value: nil, help: "One JSON object per line."),
    ],
    example: ["jobctl events build", "jobctl events --follow --json | jq -c 'select(.event == \"exited\")'"],
    handler: handleEvents)

/// One state change: what a record of the state file says happened.
struct JobEvent {
    var time: Int64?
    var id: JobID
    var event: String
    var exitcode: Int32?
    var attempt: Int?
    var reason: [UInt8]?
}

/// The events a record stands for: a start is `spawned` (and `started`
/// too, for a job that did not wait), a run `started`, an end `exited`,
/// `killed` or `skipped`, and so on. `names` learns each job's name.
func events(of record: Records.Decoded, names: inout [JobID: [UInt8]]) -> [JobEvent] {
    func end(_ id: JobID, _ e: ExitStatus, _ t: Int64?) -> JobEvent {
        JobEvent(time: t, id: id, event: e.isSkipped ? "skipped" : e.code < 0 ? "killed" : "exited",
                 exitcode: e.shown, reason: e.reason)
    }
    switch record {
    case .event(.start(let j)):
        let known = names[j.id] != nil
        names[j.id] = j.name
        // A second start record of one job (a held cluster job, submitted)
        // is no new spawn.
        if known { return [] }
        var out = [JobEvent(time: j.created, id: j.id, event: "spawned")]
        if j.pid != nil || j.slurmID != nil { out.append(JobEvent(time: j.started, id: j.id, event: "started")) }
        return out
    case .whole(let j):
        names[j.id] = j.name
        var out = [JobEvent(time: j.created, id: j.id, event: "spawned")]
        if let e = j.exit { out.append(end(j.id, e, j.ended)) }
        return out
    case .event(.run(let id, _, _, let t)): return [JobEvent(time: t, id: id, event: "started")]
    case .event(.retry(let id, let attempt, let e, let t)):
        return [JobEvent(time: t, id: id, event: "retried", exitcode: e.code, attempt: attempt)]
    case .event(.exit(let id, let e, let t)): return [end(id, e, t)]
    case .event(.pause(let id, let t)): return [JobEvent(time: t, id: id, event: "paused")]
    case .event(.resume(let id, let t)): return [JobEvent(time: t, id: id, event: "resumed")]
    case .event(.remove(let id, let t)): return [JobEvent(time: t, id: id, event: "removed")]
    case .event(.join), .invalid, .newer, .padding: return []
    }
}

func handleEvents(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    let store = try openStore(stateDir)
    let only: Set<JobID>? = opts.operands.isEmpty ? nil : Set(try store.resolve(opts.operands).map(\.id))
    let json = opts.has("json")
    var names: [JobID: [UInt8]] = [:]
    var out = Stdout()
    // Jobs that have ended on record, and the jobs started meanwhile (whose
    // monitors `--follow` watches).
    var ended = Set<JobID>()
    var started: [Job] = []
    func write(_ e: JobEvent) throws(JobctlError) {
        try out.write(json ? eventJSON(e, names[e.id]) : Array(eventLine(e, names[e.id]).utf8))
    }
    func emit(_ records: [Records.Decoded]) throws(JobctlError) {
        for r in records {
            if case .event(.start(let j)) = r { started.append(j) }
            for e in events(of: r, names: &names) where only?.contains(e.id) ?? true {
                if ["exited", "killed", "skipped", "removed"].contains(e.event) { ended.insert(e.id) }
                try write(e)
            }
        }
    }
    if !opts.has("follow") {
        var tail = TailReader(store: store, fromStart: true)
        try emit(tail.newRecords())
        // A lost job left no record (nothing was left to write one): its
        // event is told last, without a time, as `ps` would tell it now.
        let unended = try store.loadAll().jobs.filter { $0.exit == nil && only?.contains($0.id) ?? true }
        for (j, st) in Backends(store: store).current(unended) where st == .lost {
            try write(JobEvent(time: nil, id: j.id, event: "lost"))
        }
        try out.flush()
        return 0
    }
    // Only what happens from now: the names of jobs already there are
    // learnt first, silently. Sleeps on the state directory (an append
    // modifies the file; a compaction renames a new one in).
    var tail = TailReader(store: store, fromStart: true)
    for r in tail.newRecords() { _ = events(of: r, names: &names) }
    let watch = try store.watchRecords()
    // Each running job's monitor: one that ends without the job's end on
    // record has lost it (a monitor SIGKILLed); the job is lost once its
    // own process has ended too, told as that is noticed.
    var monitors = Descriptors()
    var monitored: [Job] = []
    func follow(_ jobs: [Job]) {
        for j in jobs where j.exit == nil && (only?.contains(j.id) ?? true) {
            guard let fd = j.monitorPidfd else { continue }
            monitors.append(fd)
            monitored.append(j)
        }
    }
    follow(try store.loadAll().jobs)
    while true {
        try emit(tail.newRecords(skipCompacted: true))
        follow(started)
        started = []
        try out.flush()
        let ready = monitors.pollReadable(after: [watch.fd.rawValue], timeoutNs: nil)
        watch.drain()
        let gone = Array(ready.dropFirst())
        guard gone.contains(true) else { continue }
        // A monitor writes the job's end before it exits: read it first.
        try emit(tail.newRecords(skipCompacted: true))
        var leaders: [Job] = []
        for (k, j) in monitored.enumerated() where gone[k] && !ended.contains(j.id) {
            if let fd = j.leaderPidfd {
                monitors.append(fd)
                leaders.append(j)
                continue
            }
            ended.insert(j.id)
            try write(JobEvent(time: wallClockMicros(), id: j.id, event: "lost"))
        }
        monitored = monitored.enumerated().filter { !gone[$0.offset] }.map(\.element) + leaders
        monitors.close(where: gone)
    }
}

func eventLine(_ e: JobEvent, _ name: [UInt8]?) -> String {
    var s = "\(e.time.map { Timestamp.format(micros: $0) } ?? "-") \(e.id) \(e.event) \(printable(name ?? []))"
    if let c = e.exitcode { s += " \(c)" }
    if let r = e.reason { s += " (\(printable(r)))" }
    return s + "\n"
}

func eventJSON(_ e: JobEvent, _ name: [UInt8]?) -> [UInt8] {
    var w = JSONWriter()
    w.beginObject()
    if let t = e.time { w.timestamp("time", micros: t) } else { w.null("time") }
    w.field("id", e.id)
    w.field("event", e.event)
    w.field("name", name ?? [])
    if e.event == "exited" || e.event == "killed" || e.event == "retried" || e.event == "skipped" {
        if let c = e.exitcode { w.field("exitcode", c) } else { w.null("exitcode") }
    }
    if let a = e.attempt { w.field("attempt", a) }
    if let r = e.reason { w.field("reason", r) }
    w.endObject()
    w.newline()
    return w.bytes
}
