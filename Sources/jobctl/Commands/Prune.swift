import JobControl
import JobControlSystem

/// `jobctl prune`: forget every ended job (ids are never reused).
let pruneCommand = CommandSpec(
    name: "prune", operands: "",
    summary: "Forget every ended job (ids are never reused).",
    arguments: [],
    options: [OptionSpec(long: "older-than", short: nil, value: "<duration>", help: "Only jobs that ended more than DURATION ago.")],
    example: ["jobctl prune --older-than 7d"],
    handler: handlePrune)

func handlePrune(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    try refuseOperands(opts)
    let age = try duration(opts, "older-than")?.nanoseconds ?? 0
    let store = try openStore(stateDir)
    let backend = Backends(store: store)
    let cutoff = wallClockMicros() - age / 1000
    // One question to the backends for all of them (a scheduler is asked once).
    let old = backend.current(try store.loadAll().jobs).filter { j, st in
        st.hasEnded && (j.ended ?? j.started) <= cutoff
    }
    try store.remove(old.map(\.job))
    return 0
}
