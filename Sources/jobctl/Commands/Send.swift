import JobControl
import JobControlSystem

/// `jobctl send`: write to the stdin of a job spawned with --stdin pipe.
let sendCommand = CommandSpec(
    name: "send", operands: "<job> [<data>|-]",
    summary: "Write to the stdin of a job spawned with --stdin pipe.",
    arguments: [("<job>", "A job id or name."), ("<data>", "Sent with a newline, like echo; - sends stdin as is.")],
    options: [
        OptionSpec(long: "eof", short: nil, value: nil, help: "Close the job's stdin."),
        OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "Give up after DURATION if the job does not read."),
    ],
    example: ["id=$(jobctl spawn --stdin pipe -- sort)", "jobctl send \"$id\" pear; jobctl send \"$id\" apple", "jobctl send --eof \"$id\"; jobctl wait \"$id\"; jobctl logs \"$id\""],
    handler: handleSend)

func handleSend(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    guard let first = opts.operands.first else { throw .usage("missing operand: a job") }
    guard opts.operands.count <= 2 else { throw .usage("send takes one job and one DATA (quote it, or use - for stdin)") }
    if opts.has("eof") && opts.operands.count > 1 { throw .usage("--eof takes a job only") }
    let store = try openStore(stateDir)
    let j = try store.resolve(first)
    let backend = Backends(store: store)
    if opts.has("eof") {
        try Pipes(store: store).checkOpen(j, alive: backend.isAlive(j))
        guard try backend.signal(j, KillRequest.eof) else { throw .failure("job \(j.id) has ended") }
        return 0
    }
    SignalNumber.ignore(SignalNumber.pipe)
    let timeout = try duration(opts, "timeout")?.nanoseconds
    let pipes = Pipes(store: store)
    try pipes.checkOpen(j, alive: backend.isAlive(j))
    if opts.operands.count == 2 && opts.operands[1] != [UInt8(ascii: "-")] {
        try pipes.send(j, opts.operands[1] + [10], timeout: timeout)
    } else {
        // Standard input, byte for byte, in chunks as they come.
        while true {
            let chunk: [UInt8]
            do throws(Errno) { chunk = try StandardStreams.read(0, upTo: 65536) }
            catch { throw .system("cannot read standard input", error) }
            if chunk.isEmpty { break }
            try pipes.send(j, chunk, timeout: timeout)
        }
    }
    return 0
}
