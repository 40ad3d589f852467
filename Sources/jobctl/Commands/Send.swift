import Glibc
import JobControl

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
    run: handleSend)

func handleSend(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    guard let first = opts.operands.first else { throw .usage("missing operand: a job") }
    guard opts.operands.count <= 2 else { throw .usage("send takes one job and one DATA (quote it, or use - for stdin)") }
    if opts.has("eof") && opts.operands.count > 1 { throw .usage("--eof takes a job only") }
    let store = try openStore(stateDir)
    let j = try store.resolve(first)
    let control = JobControl(store: store)
    if opts.has("eof") {
        try Pipes(store: store).checkOpen(j, alive: control.isAlive(j))
        guard try control.signal(j, KillRequest.eof) else { throw .failure("job \(j.id) has ended") }
        return 0
    }
    signal(SIGPIPE, SIG_IGN)
    let timeout = try duration(opts, "timeout")?.nanoseconds
    let pipes = Pipes(store: store)
    try pipes.checkOpen(j, alive: control.isAlive(j))
    if opts.operands.count == 2 && opts.operands[1] != [UInt8(ascii: "-")] {
        try pipes.send(j, opts.operands[1] + [10], timeout: timeout)
    } else {
        // Standard input, byte for byte, in chunks as they come.
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .system("cannot read standard input", .current) }
            if n == 0 { break }
            try pipes.send(j, Array(buf[0..<n]), timeout: timeout)
        }
    }
    return 0
}
