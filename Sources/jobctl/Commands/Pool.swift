import JobControl
import JobControlSystem

/// `jobctl pool pause|resume|slots NAME [N]` and `jobctl pools`.
let poolCommand = CommandSpec(
    name: "pool", operands: "pause|resume|slots <name> [<n>]",
    summary: "Pause, resume or resize a pool's queue.",
    arguments: [("pause <name>", "Start no more of its queued jobs; running ones go on."),
                ("resume <name>", "Start its queued jobs again as slots free."),
                ("slots <name> <n>", "Run at most N at once, from now (more: started now).")],
    options: [],
    example: ["jobctl pool pause enc", "jobctl pool slots enc 8", "jobctl pool resume enc"],
    handler: handlePool)

func handlePool(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var ops = opts.operands
    guard !ops.isEmpty else { throw .usage("missing operand: pause, resume or slots") }
    let verb = String(decoding: ops.removeFirst(), as: UTF8.self)
    guard let name = ops.first else { throw .usage("missing operand: a pool name") }
    ops.removeFirst()
    try NamedLocks.validate(name)
    switch verb {
    case "pause", "resume":
        guard ops.isEmpty else { throw .usage("pool \(verb) takes a pool name only") }
        try Pools(store: try openStore(stateDir)).setPaused(name, verb == "pause")
    case "slots":
        guard ops.count == 1 else { throw .usage("pool slots takes a pool name and a number") }
        let s = String(decoding: ops[0], as: UTF8.self)
        guard let n = Int(s), n >= 1, n <= 100_000 else { throw .usage("invalid number of slots '\(s)' (a whole number from 1)") }
        try Pools(store: try openStore(stateDir)).setSize(name, n)
    default:
        throw .usage("unknown pool operation '\(verb)' (pause, resume or slots)")
    }
    return 0
}

let poolsCommand = CommandSpec(
    name: "pools", operands: "",
    summary: "List pools: slots, running and queued jobs, paused or not.",
    arguments: [],
    options: [OptionSpec(long: "json", short: nil, value: nil, help: "One JSON object per line.")],
    example: ["jobctl pools", "jobctl pools --json | jq -r 'select(.paused) | .name'"],
    handler: handlePools)

func handlePools(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    try refuseOperands(opts)
    let store = try openStore(stateDir)
    // What may still run, from the live index: it costs what runs.
    let jobs = Backends(store: store).current(try store.unendedJobs())
    let pools = Pools(store: store).summaries(jobs)
    var out = Stdout()
    if opts.has("json") {
        var w = JSONWriter()
        for p in pools {
            w.beginObject()
            w.field("name", p.name)
            w.field("slots", p.slots)
            w.field("running", p.running)
            w.field("queued", p.queued)
            w.field("paused", p.paused)
            w.endObject()
            w.newline()
        }
        try out.write(w.bytes)
    } else {
        var cells = [["NAME", "SLOTS", "RUNNING", "QUEUED", "PAUSED"]]
        for p in pools { cells.append([printable(p.name), "\(p.slots)", "\(p.running)", "\(p.queued)", p.paused ? "yes" : "no"]) }
        try out.write(renderColumns(cells))
    }
    try out.flush()
    return 0
}
