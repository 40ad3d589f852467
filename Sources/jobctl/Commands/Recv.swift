import JobControl
import JobControlSystem

/// `jobctl recv`: read the next line a job spawned with --stdout pipe wrote.
let recvCommand = CommandSpec(
    name: "recv", operands: "<job> [-]",
    summary: "Read the next line of a --stdout pipe job's output.",
    arguments: [("<job>", "A job id or name."), ("-", "Everything it writes until its end, not one line.")],
    options: [OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "Give up after DURATION (exit 124).")],
    example: ["id=$(jobctl spawn --stdin pipe --stdout pipe -- bc)",
              "jobctl send \"$id\" '6*7'; jobctl recv \"$id\"", "jobctl send --eof \"$id\"; jobctl recv \"$id\" -"],
    handler: handleRecv)

func handleRecv(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    guard let first = opts.operands.first else { throw .usage("missing operand: a job") }
    guard opts.operands.count == 1 || (opts.operands.count == 2 && opts.operands[1] == [UInt8(ascii: "-")]) else {
        throw .usage("recv takes one job, and - for everything")
    }
    let timeout = try duration(opts, "timeout")?.nanoseconds
    let store = try openStore(stateDir)
    let job = try store.resolve(first)
    // A reader gone must not kill us mid-line: EPIPE leaves the line unread.
    SignalNumber.ignore(SignalNumber.pipe)
    let got = try Receiver(store: store).receive(job, all: opts.operands.count == 2, timeout: timeout, to: 1)
    if !got { throw .failure("job \(job.id) has ended and its output is all read") }
    return 0
}
