import JobControl

/// Every subcommand, each defined in Commands/NAME.swift with its options
/// and its handler. The order is the order of `jobctl --help`.
let commands: [CommandSpec] = [
    spawnCommand, psCommand, killCommand, waitCommand, logsCommand, pauseCommand, resumeCommand, restartCommand, eventsCommand, runCommand, mapCommand,
    lockCommand,
    locksCommand, poolCommand, poolsCommand, queueCommand, valueCommand,
    valuesCommand, eventCommand, sendCommand, recvCommand, serveCommand, rmCommand, pruneCommand,
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
    // A subcommand with many options shows them below, not in the usage.
    let usage = c.options.count > 10 ? "jobctl \(c.name) [<options>] \(c.operands)" : c.usage
    let usageWords = usage.split(separator: " ").dropFirst(2).map(String.init)
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
USAGE: jobctl [--state-dir <dir>] [--backend <backend>] <subcommand> [<args>]

Job control for the shell, with Python multiprocessing's process model.

SUBCOMMANDS:
\(commands.map { "  " + $0.name.padding(20) + $0.summary }.joined(separator: "\n"))
  help <subcommand>   Show a subcommand's help.

OPTIONS:
  --state-dir <dir>       Keep state in DIR (default: $JOBCTL_STATE_DIR).
  --backend <backend>     Place new jobs here (local) or on Slurm (slurm).
  --version               Show the version.
  -h, --help              Show help information.

See 'jobctl <subcommand> --help' and jobctl(1).

"""

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
