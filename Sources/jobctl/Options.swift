import JobControl
import JobControlSystem

/// One option of a subcommand: drives parsing, `--help`, and the test that
/// the man page and completions name every option.
struct OptionSpec {
    let long: String
    let short: Character?
    /// The value's placeholder (`<duration>`); nil for a flag.
    let value: String?
    let help: String
    var repeatable = false
}

/// A subcommand: its options, operands and help.
struct CommandSpec {
    let name: String
    let operands: String          // as in the usage line: `<job> ...`
    let summary: String
    let arguments: [(String, String)]
    let options: [OptionSpec]
    let example: [String]
    /// spawn/run: options end at the first operand, which starts COMMAND.
    var commandFollows = false
    /// kill: `-9`, `-TERM`, `-SIGKILL` name a signal.
    var signalShorthand = false
    /// value: `-7` is a number, not an option.
    var negativeNumbers = false
    /// Does what the subcommand is for; returns the exit status.
    let handler: Handler

    typealias Handler = @Sendable (ParsedOptions, _ stateDir: [UInt8]?) throws(JobctlError) -> Int32

    static let help = OptionSpec(long: "help", short: "h", value: nil, help: "Show help information.")
    /// The global `--state-dir`, accepted after the subcommand too.
    static let stateDir = OptionSpec(long: "state-dir", short: nil, value: "<dir>", help: "The state directory (also before the subcommand).")
    var allOptions: [OptionSpec] { options + [CommandSpec.stateDir, CommandSpec.help] }

    var usage: String {
        var parts = ["jobctl", name]
        for o in options {
            let v = o.value.map { " \($0)" } ?? ""
            let flag = o.short.map { "-\($0)" } ?? "--\(o.long)"
            parts.append("[\(flag)\(v)]\(o.repeatable ? " ..." : "")")
        }
        if !operands.isEmpty { parts.append(operands) }
        return parts.joined(separator: " ")
    }
}

/// What the parser found.
/// Values and operands are kept as the bytes of argv: Swift's String would
/// repair invalid UTF-8, and a command's arguments must reach it exactly.
struct ParsedOptions {
    var values: [String: [[UInt8]]] = [:]
    var flags: Set<String> = []
    var operands: [[UInt8]] = []
    /// kill's `-SIG` shorthand.
    var signalShorthand: String?

    func has(_ long: String) -> Bool { flags.contains(long) || values[long] != nil }
    func raw(_ long: String) -> [UInt8]? { values[long]?.last }
    func value(_ long: String) -> String? { raw(long).map { String(decoding: $0, as: UTF8.self) } }
    func all(_ long: String) -> [[UInt8]] { values[long] ?? [] }
    var operandStrings: [String] { operands.map { String(decoding: $0, as: UTF8.self) } }
}

/// The Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var prev = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return a.isEmpty ? b.count : prev[b.count]
}

func parse(_ rawArgs: [[UInt8]], _ spec: CommandSpec) throws(JobctlError) -> ParsedOptions {
    let args = rawArgs.map { String(decoding: $0, as: UTF8.self) }
    var out = ParsedOptions()
    var i = 0
    func take(_ o: OptionSpec, _ inline: [UInt8]?) throws(JobctlError) {
        guard let _ = o.value else {
            if inline != nil { throw .usage("option '--\(o.long)' takes no value") }
            out.flags.insert(o.long)
            return
        }
        let v: [UInt8]
        if let inl = inline {
            v = inl
        } else {
            i += 1
            guard i < args.count else { throw .usage("option '--\(o.long)' needs a value \(o.value!)") }
            v = rawArgs[i]
        }
        // A repeated option: the last one wins, except those that collect (-e).
        out.values[o.long, default: []].append(v)
    }
    while i < args.count {
        let a = args[i]
        if a == "--" {
            out.operands.append(contentsOf: rawArgs[(i + 1)...])
            break
        }
        if a.hasPrefix("--") {
            let body = a.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let raw = rawArgs[i]
            let inline = raw.firstIndex(of: UInt8(ascii: "=")).map { Array(raw[($0 + 1)...]) }
            guard let o = spec.allOptions.first(where: { $0.long == name }) else {
                let near = spec.allOptions.map(\.long).min { editDistance($0, name) < editDistance($1, name) }
                if let n = near, editDistance(n, name) <= 3 {
                    throw .usage("unknown option '--\(name)'; did you mean '--\(n)'?")
                }
                throw .usage("unknown option '--\(name)'")
            }
            try take(o, inline)
        } else if a.hasPrefix("-") && a.count > 1 && !(spec.negativeNumbers && a.dropFirst().allSatisfy(\.isASCII) && Int64(a) != nil) {
            if spec.signalShorthand, out.signalShorthand == nil, let c = a.dropFirst().first,
               c.isNumber || (c.isUppercase) || (c.isLetter && c != "s" && c != "h") {
                out.signalShorthand = String(a.dropFirst())
                i += 1
                continue
            }
            // Bundled short flags; a value may be glued on (-n NAME, -nNAME).
            var rest = rawArgs[i].dropFirst()
            while let c = rest.first {
                rest = rest.dropFirst()
                guard c < 0x80, let o = spec.allOptions.first(where: { $0.short == Character(Unicode.Scalar(c)) }) else {
                    throw .usage("unknown option '-\(Character(Unicode.Scalar(c)))'")
                }
                if o.value != nil {
                    try take(o, rest.isEmpty ? nil : Array(rest))
                    break
                }
                try take(o, nil)
            }
        } else {
            if spec.commandFollows {
                out.operands.append(contentsOf: rawArgs[i...])
                break
            }
            out.operands.append(rawArgs[i])
        }
        i += 1
    }
    return out
}
