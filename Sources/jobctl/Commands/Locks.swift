import JobControl

/// `jobctl locks`: list named locks with who holds and who waits.
let locksCommand = CommandSpec(
    name: "locks", operands: "",
    summary: "List named locks with who holds and who waits.",
    arguments: [],
    options: [],
    example: ["jobctl locks"],
    handler: handleLocks)

func handleLocks(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    try refuseOperands(opts)
    let store = try openStore(stateDir)
    var out = Stdout()
    try out.write(renderLocks(NamedLocks(store: store).list()))
    try out.flush()
    return 0
}
