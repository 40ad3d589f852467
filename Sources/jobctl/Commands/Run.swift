import JobControl

/// `jobctl run`: run COMMAND in the foreground, recorded as a job.
let runCommand = CommandSpec(
    name: "run", operands: "[--] <command> [<arg> ...]",
    summary: "Run COMMAND in the foreground, recorded as a job.",
    arguments: [("<command>", "The command to run, with its arguments as given.")],
    options: [
        OptionSpec(long: "name", short: "n", value: "<name>", help: "Name the job (default: the command's basename)."),
        OptionSpec(long: "env", short: "e", value: "<k=v>", help: "Set an environment variable.", repeatable: true),
        OptionSpec(long: "directory", short: "C", value: "<dir>", help: "Run the command in DIR."),
        OptionSpec(long: "timeout", short: nil, value: "<duration>", help: "Terminate the command after DURATION."),
    ],
    example: ["jobctl run -n migrate -- ./migrate.sh"],
    commandFollows: true,
    handler: handleRun)

func handleRun(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var req = try spawnRequest(opts)
    let store = try openStore(stateDir)
    if try placedOnSlurm() {
        // As srun: the job on the cluster, its log here as it comes.
        req.onSlurm = true
        return try SlurmBackend(store: store).runInForeground(req, to: 1)
    }
    return try Spawner(store: store).runInForeground(req)
}
