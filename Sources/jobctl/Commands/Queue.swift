import JobControl
import JobControlSystem

/// `jobctl queue`: a durable first-in first-out queue shared by any shells.
let queueCommand = CommandSpec(
    name: "queue", operands: "put|get|len <name> [<value>|-]",
    summary: "A durable first-in first-out queue shared by any shells.",
    arguments: [("put <name> [<value>|-]", "Add VALUE and a newline, or stdin's bytes with -."),
                ("get <name>", "Take the oldest value and write it out exactly."),
                ("len <name>", "Print how many values wait.")],
    options: [OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "get: give up after DURATION (exit 124).")],
    example: ["jobctl queue put work \"$file\"", "while f=$(jobctl queue get --timeout 5 work); do ./process \"$f\"; done"],
    handler: handleQueue)

func handleQueue(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var ops = opts.operands
    guard !ops.isEmpty else { throw .usage("missing operand: put, get or len") }
    let verb = String(decoding: ops.removeFirst(), as: UTF8.self)
    guard let name = ops.first else { throw .usage("missing operand: a queue name") }
    ops.removeFirst()
    try NamedLocks.validate(name)
    if verb != "get" && opts.has("timeout") { throw .usage("--timeout goes with queue get") }
    let store = try openStore(stateDir)
    let queues = Queues(store: store)
    switch verb {
    case "put":
        guard ops.count <= 1 else { throw .usage("queue put takes one value (quote it, or use - for stdin)") }
        let value: [UInt8]
        if ops.isEmpty || ops[0] == [UInt8(ascii: "-")] {
            do throws(Errno) { value = try StandardStreams.readAll(0) }
            catch { throw .system("cannot read standard input", error) }
        } else {
            value = ops[0] + [10]  // like echo
        }
        try queues.put(name, value)
    case "get":
        guard ops.isEmpty else { throw .usage("queue get takes a queue name only") }
        // SIGPIPE would kill us mid-write; EPIPE lets the value go back instead.
        SignalNumber.ignore(SignalNumber.pipe)
        try queues.get(name, timeout: try duration(opts, "timeout")?.nanoseconds) { (v) throws(JobctlError) in
            // An empty value writes nothing: a zero-length write still
            // tells a closed stdout (EBADF) from an open one.
            do throws(Errno) {
                if v.isEmpty { try StandardStreams.checkWritable(1) }
                try writeAll(fd: 1, v)
            } catch { throw .system("cannot write the value", error) }
        }
    case "len":
        guard ops.isEmpty else { throw .usage("queue len takes a queue name only") }
        try printOut("\(try queues.count(name))\n")
    default:
        throw .usage("unknown queue operation '\(verb)' (put, get or len)")
    }
    return 0
}
