import JobControl

/// Every subcommand's table. The order is the order of `jobctl --help`.
let commands: [CommandSpec] = [
    CommandSpec(
        name: "spawn", operands: "[--] <command> [<arg> ...]",
        summary: "Start COMMAND as a background job and print its id.",
        arguments: [("<command>", "The command to run, with its arguments as given.")],
        options: [
            OptionSpec(long: "name", short: "n", value: "<name>", help: "Name the job (default: the command's basename)."),
            OptionSpec(long: "daemon", short: "d", value: nil, help: "End the job when its owner ends."),
            OptionSpec(long: "owner", short: nil, value: "<pid>", help: "The owning process (default: the caller)."),
            OptionSpec(long: "env", short: "e", value: "<k=v>", help: "Set an environment variable.", repeatable: true),
            OptionSpec(long: "directory", short: "C", value: "<dir>", help: "Run the command in DIR."),
            OptionSpec(long: "stdout", short: nil, value: "<file>", help: "Append output to FILE, not the job's log."),
            OptionSpec(long: "stderr", short: nil, value: "<file>", help: "Append standard error to FILE."),
            OptionSpec(long: "timeout", short: nil, value: "<duration>", help: "Terminate the job after DURATION."),
            OptionSpec(long: "lock", short: nil, value: "<name>", help: "Hold lock NAME for the job's life; start once held."),
            OptionSpec(long: "pool", short: nil, value: "<name>", help: "Queue in pool NAME; run when a slot is free."),
            OptionSpec(long: "slots", short: nil, value: "<n>", help: "Set the pool's size (remembered; default 1)."),
            OptionSpec(long: "stdin", short: nil, value: "pipe", help: "Keep stdin open for 'jobctl send'."),
        ],
        example: ["id=$(jobctl spawn -n build -- make -j4)", "jobctl wait \"$id\""],
        commandFollows: true),
    CommandSpec(
        name: "ps", operands: "[<job> ...]",
        summary: "List jobs, oldest first.",
        arguments: [("<job>", "Only these jobs (ids or names).")],
        options: [
            OptionSpec(long: "json", short: nil, value: nil, help: "One JSON object per line."),
            OptionSpec(long: "quiet", short: "q", value: nil, help: "Print ids only."),
            OptionSpec(long: "running", short: nil, value: nil, help: "Only jobs that have not ended."),
            OptionSpec(long: "finished", short: nil, value: nil, help: "Only jobs that have ended."),
            OptionSpec(long: "failed", short: nil, value: nil, help: "Only ended jobs with a nonzero exit code."),
        ],
        example: ["jobctl ps --running", "jobctl ps --failed -q",
                  "jobctl ps --finished --json | jq -r 'select(.exitcode != 0) | .id'"]),
    CommandSpec(
        name: "kill", operands: "<job> ...",
        summary: "Signal jobs' whole process trees (TERM, then KILL).",
        arguments: [("<job>", "A job id or name.")],
        options: [
            OptionSpec(long: "signal", short: "s", value: "<signal>", help: "Send SIGNAL (name or number; -SIG too)."),
            OptionSpec(long: "grace", short: nil, value: "<duration>", help: "KILL what is left after DURATION (10s)."),
            OptionSpec(long: "wait", short: nil, value: nil, help: "Return once the jobs have ended."),
        ],
        example: ["jobctl kill --wait build", "jobctl kill -s 0 \"$id\" && echo alive"],
        signalShorthand: true),
    CommandSpec(
        name: "wait", operands: "[<job> ...]",
        summary: "Wait for jobs to end; exit with the last one's status.",
        arguments: [("<job>", "A job id or name (default: the caller's own non-daemon jobs).")],
        options: [
            OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "Give up after DURATION (exit 124)."),
            OptionSpec(long: "any", short: nil, value: nil, help: "Return when the first job ends; print its id."),
        ],
        example: ["jobctl wait --timeout 30s \"$id\"; echo \"status $?\""]),
    CommandSpec(
        name: "logs", operands: "<job>",
        summary: "Print a job's captured output.",
        arguments: [("<job>", "A job id or name.")],
        options: [OptionSpec(long: "follow", short: "f", value: nil, help: "Keep printing until the job ends.")],
        example: ["jobctl logs -f build"]),
    CommandSpec(
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
        commandFollows: true),
    CommandSpec(
        name: "lock", operands: "<name> [--] <command> [<arg> ...]",
        summary: "Run COMMAND holding the named lock; exit with its status.",
        arguments: [("<name>", "The lock's name (no '/')."), ("<command>", "The command to run.")],
        options: [
            OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "Give up after DURATION (exit 124)."),
            OptionSpec(long: "shared", short: nil, value: nil, help: "Share the lock with other --shared holders."),
        ],
        example: ["jobctl lock deploy -- ./deploy.sh",
                  "jobctl lock --timeout 0 nightly -- ./nightly; [ $? -eq 124 ] && echo busy"],
        commandFollows: true),
    CommandSpec(
        name: "locks", operands: "",
        summary: "List named locks with who holds and who waits.",
        arguments: [],
        options: [],
        example: ["jobctl locks"]),
    CommandSpec(
        name: "queue", operands: "put|get|len <name> [<value>|-]",
        summary: "A durable first-in first-out queue shared by any shells.",
        arguments: [("put <name> [<value>|-]", "Add VALUE and a newline, or stdin's bytes with -."),
                    ("get <name>", "Take the oldest value and write it out exactly."),
                    ("len <name>", "Print how many values wait.")],
        options: [OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "get: give up after DURATION (exit 124).")],
        example: ["jobctl queue put work \"$file\"", "while f=$(jobctl queue get --timeout 5 work); do ./process \"$f\"; done"]),
    CommandSpec(
        name: "send", operands: "<job> [<data>|-]",
        summary: "Write to the stdin of a job spawned with --stdin pipe.",
        arguments: [("<job>", "A job id or name."), ("<data>", "Sent with a newline, like echo; - sends stdin as is.")],
        options: [
            OptionSpec(long: "eof", short: nil, value: nil, help: "Close the job's stdin."),
            OptionSpec(long: "timeout", short: "t", value: "<duration>", help: "Give up after DURATION if the job does not read."),
        ],
        example: ["id=$(jobctl spawn --stdin pipe -- sort)", "jobctl send \"$id\" pear; jobctl send \"$id\" apple", "jobctl send --eof \"$id\"; jobctl wait \"$id\"; jobctl logs \"$id\""]),
    CommandSpec(
        name: "serve", operands: "<addr:port> [--] <command> [<arg> ...]",
        summary: "A job per TCP connection, the socket as its stdio.",
        arguments: [("<addr:port>", "127.0.0.1:8080, [::1]:8080, :0 (a free port)."), ("<command>", "Run per connection.")],
        options: [
            OptionSpec(long: "max", short: nil, value: "<n>", help: "At most N connections at once; others wait."),
            OptionSpec(long: "name", short: "n", value: "<name>", help: "Name connection jobs (default: serve's job name)."),
        ],
        example: ["jobctl serve 127.0.0.1:8080 -- stdbuf -o0 tr a-z A-Z"],
        commandFollows: true),
    CommandSpec(
        name: "rm", operands: "<job> ...",
        summary: "Forget ended jobs and delete their logs.",
        arguments: [("<job>", "A job id or name.")],
        options: [],
        example: ["jobctl rm 3 4"]),
    CommandSpec(
        name: "prune", operands: "",
        summary: "Forget every ended job (ids are never reused).",
        arguments: [],
        options: [OptionSpec(long: "older-than", short: nil, value: "<duration>", help: "Only jobs that ended more than DURATION ago.")],
        example: ["jobctl prune --older-than 7d"]),
]

/// The subcommand called `name`, or a usage error suggesting the nearest.
func command(named name: String) throws(JobctlError) -> CommandSpec {
    if let c = commands.first(where: { $0.name == name }) { return c }
    let near = commands.map(\.name).min { editDistance($0, name) < editDistance($1, name) }
    if let n = near, editDistance(n, name) <= 2 {
        throw .usage("unknown subcommand '\(name)'; did you mean '\(n)'?")
    }
    throw .usage("unknown subcommand '\(name)'")
}

/// Fills words into lines of at most `width` columns, continuation lines
/// indented by `indent`.
func wrap(_ words: [String], first: String, indent: Int, width: Int = 80) -> String {
    var out = first
    var line = first.count
    for (k, w) in words.enumerated() {
        if k > 0 && line + 1 + w.count > width {
            out += "\n" + String(repeating: " ", count: indent)
            line = indent
        } else if k > 0 || !first.isEmpty && !first.hasSuffix(" ") {
            out += " "
            line += 1
        }
        out += w
        line += w.count
    }
    return out
}

func helpText(_ c: CommandSpec) -> String {
    func row(_ label: String, _ text: String) -> String {
        let head = "  " + label
        let words = text.split(separator: " ").map(String.init)
        if head.count + 2 > 26 {
            return head + "\n" + wrap(words, first: String(repeating: " ", count: 26), indent: 26) + "\n"
        }
        return wrap(words, first: head + String(repeating: " ", count: 26 - head.count), indent: 26) + "\n"
    }
    let usageWords = c.usage.split(separator: " ").dropFirst(2).map(String.init)
    var s = wrap(usageWords, first: "USAGE: jobctl \(c.name) ", indent: 14 + c.name.count) + "\n\n\(c.summary)\n"
    if !c.arguments.isEmpty {
        s += "\nARGUMENTS:\n"
        for (a, h) in c.arguments { s += row(a, h) }
    }
    s += "\nOPTIONS:\n"
    for o in c.allOptions {
        var label = o.short.map { "-\($0), " } ?? ""
        label += "--\(o.long)"
        if let v = o.value { label += " \(v)" }
        s += row(label, o.help)
    }
    s += "\nEXAMPLE:\n" + c.example.map { "  \($0)\n" }.joined()
    return s
}

let version = "0.1.0"

let mainHelp = """
USAGE: jobctl [--state-dir <dir>] <subcommand> [<options>] [<operands>]

Job control for the shell, with Python multiprocessing's process model:
jobs any shell can list, signal and wait on, kept in a state file.

SUBCOMMANDS:
\(commands.map { "  " + $0.name.padding(20) + $0.summary }.joined(separator: "\n"))
  help <subcommand>   Show a subcommand's help.

OPTIONS:
  --state-dir <dir>       Keep state in DIR (default: $JOBCTL_STATE_DIR,
                          else ${XDG_STATE_HOME:-~/.local/state}/jobctl).
  --version               Show the version.
  -h, --help              Show help information.

See 'jobctl <subcommand> --help' and jobctl(1).

"""

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
