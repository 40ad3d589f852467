import JobControl

/// `jobctl event`: a flag any shell can set, clear, test and wait for.
let eventCommand = CommandSpec(
    name: "event", operands: "set|clear|wait|is-set <name>",
    summary: "An event flag: set, clear, wait until set, test.",
    arguments: [("set <name>", "Set it: every waiter wakes."),
                ("clear <name>", "Clear it: later waits wait again."),
                ("wait <name>", "Return once it is set (at once if it is)."),
                ("is-set <name>", "Exit 0 if it is set, 1 if not.")],
    options: [OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "wait: give up after DURATION (exit 124).")],
    example: ["jobctl event wait --timeout 1m ready || exit", "jobctl event set ready", "jobctl event is-set ready && echo up"],
    handler: handleEvent)

func handleEvent(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var ops = opts.operands
    guard !ops.isEmpty else { throw .usage("missing operand: set, clear, wait or is-set") }
    let verb = String(decoding: ops.removeFirst(), as: UTF8.self)
    guard ["set", "clear", "wait", "is-set"].contains(verb) else {
        throw .usage("unknown event operation '\(verb)' (set, clear, wait or is-set)")
    }
    guard let name = ops.first else { throw .usage("missing operand: an event name") }
    guard ops.count == 1 else { throw .usage("event \(verb) takes one name") }
    try NamedLocks.validate(name)
    if verb != "wait" && opts.has("timeout") { throw .usage("--timeout goes with event wait") }
    let timeout = try duration(opts, "timeout")?.nanoseconds
    let events = NamedEvents(store: try openStore(stateDir))
    switch verb {
    case "set", "clear": try events.set(name, verb == "set")
    case "wait": try events.wait(name, timeout: timeout)
    default: return try events.isSet(name) ? 0 : 1
    }
    return 0
}
