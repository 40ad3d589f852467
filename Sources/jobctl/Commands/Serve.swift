import JobControl
import JobControlSystem

/// `jobctl serve`: a job per TCP connection, the socket as its stdio.
let serveCommand = CommandSpec(
    name: "serve", operands: "<addr:port> [--] <command> [<arg> ...]",
    summary: "A job per TCP connection, the socket as its stdio.",
    arguments: [("<addr:port>", "127.0.0.1:8080, [::1]:8080, :0 (a free port)."), ("<command>", "Run per connection.")],
    options: [
        OptionSpec(long: "max", short: nil, value: "<n>", help: "At most N connections at once; others wait."),
        OptionSpec(long: "name", short: "n", value: "<name>", help: "Name connection jobs (default: serve's job name)."),
        OptionSpec(long: "keep", short: nil, value: "<n>", help: "Keep the newest N ended connection jobs (100)."),
    ],
    example: ["jobctl serve 127.0.0.1:8080 -- stdbuf -o0 tr a-z A-Z"],
    commandFollows: true,
    handler: handleServe)

func handleServe(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var ops = opts.operands
    guard !ops.isEmpty else { throw .usage("missing operand: ADDR:PORT") }
    let address = try Server.parse(String(decoding: ops.removeFirst(), as: UTF8.self))
    if ops.first == Array("--".utf8) { ops.removeFirst() }
    guard let first = ops.first, !first.isEmpty else { throw .usage("missing operand: the command to run") }
    var max: Int?
    if let m = opts.value("max") {
        guard let n = Int(m), n >= 1 else { throw .usage("invalid --max '\(m)' (a whole number from 1)") }
        max = n
    }
    var keep = 100
    if let k = opts.value("keep") {
        guard let n = Int(k), n >= 0 else { throw .usage("invalid --keep '\(k)' (a whole number)") }
        keep = n
    }
    if insideDaemonJob() { throw .failure("daemon jobs are not allowed to have children") }
    let store = try openStore(stateDir)
    // Connection jobs are named after the server: --name, else the job
    // serve itself runs as, else "serve".
    var name = opts.raw("name") ?? Array("serve".utf8)
    if opts.raw("name") == nil, let e = Processes.environment("JOBCTL_JOB_NAME"), !e.isEmpty { name = e }
    let server = Server(store: store)
    let listener = try server.listen(address)
    // The port, when the system chose it: the one line serve prints.
    if address.port == 0 { try printOut("\(listener.port)\n") }
    try server.serve(listener, name: name, max: max, keep: keep, command: ops, log: writeStderr)
}
