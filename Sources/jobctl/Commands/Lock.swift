import JobControl

/// `jobctl lock`: run COMMAND holding the named lock; exit with its status.
let lockCommand = CommandSpec(
    name: "lock", operands: "<name> [--] <command> [<arg> ...]",
    summary: "Run COMMAND holding the named lock (or one of N slots).",
    arguments: [("<name>", "The lock's name (no '/')."), ("<command>", "The command to run.")],
    options: [
        OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "Give up after DURATION (exit 124)."),
        OptionSpec(long: "shared", short: nil, value: nil, help: "Share the lock with other --shared holders."),
        OptionSpec(long: "slots", short: nil, value: "<n>", help: "Let N holders in at once (remembered; default 1)."),
    ],
    example: ["jobctl lock deploy -- ./deploy.sh",
              "jobctl lock --timeout 0 nightly -- ./nightly; [ $? -eq 124 ] && echo busy",
              "jobctl lock --slots 4 encoders -- ffmpeg -i in.mkv out.mp4"],
    commandFollows: true,
    handler: handleLock)

func handleLock(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    // NAME, then the command: `lock NAME -- cmd` or `lock NAME cmd`.
    guard var operands = Optional(opts.operands), !operands.isEmpty else { throw .usage("missing operand: a lock name") }
    let name = operands.removeFirst()
    if operands.first == Array("--".utf8) { operands.removeFirst() }
    guard let first = operands.first, !first.isEmpty else { throw .usage("missing operand: the command to run") }
    try NamedLocks.validate(name)
    var req = SpawnRequest(command: operands)
    req.lock = name
    req.sharedLock = opts.has("shared")
    if let s = opts.value("slots") {
        if req.sharedLock { throw .usage("--slots and --shared do not go together") }
        req.lockSlots = try slotCount(s)
    }
    req.lockTimeout = try duration(opts, "timeout")?.nanoseconds
    let store = try openStore(stateDir)
    return try Spawner(store: store).runInForeground(req)
}
