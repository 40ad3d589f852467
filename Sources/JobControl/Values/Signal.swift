import JobControlSystem

/// A signal number, parsed from the ways kill(1) and bash accept it.
public struct Signal: Equatable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Linux's standard signals by name, without the `SIG` prefix.
    public static let names: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("IOT", 6),
        ("BUS", 7), ("FPE", 8), ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12),
        ("PIPE", 13), ("ALRM", 14), ("TERM", 15), ("STKFLT", 16), ("CHLD", 17), ("CLD", 17),
        ("CONT", 18), ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("URG", 23),
        ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27), ("WINCH", 28), ("IO", 29),
        ("POLL", 29), ("PWR", 30), ("SYS", 31),
    ]

    /// Accepts `TERM`, `SIGTERM`, `term`, `15`, `0`, `RTMIN`, `RTMIN+3`,
    /// `RTMAX-1`. Throws a usage error otherwise.
    public init(parsing text: String) throws(JobctlError) {
        let bad = JobctlError.usage("invalid signal '\(text)' (a name like TERM or a number 0-64; see kill -l)")
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard text.count <= 3, let n = Int32(text), n >= 0, n <= 64 else { throw bad }
            if n >= 32 && n < SignalNumber.realTimeMin { throw bad }  // reserved by glibc's threads
            self.init(rawValue: n)
            return
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let hit = Signal.names.first(where: { $0.0 == name }) {
            self.init(rawValue: hit.1)
            return
        }
        let rtmin = SignalNumber.realTimeMin, rtmax: Int32 = 64
        for (base, value, sign) in [("RTMIN", rtmin, Int32(1)), ("RTMAX", rtmax, Int32(-1))] where name.hasPrefix(base) {
            let rest = name.dropFirst(base.count)
            if rest.isEmpty { self.init(rawValue: value); return }
            let op: Character = sign > 0 ? "+" : "-"
            guard rest.first == op, let k = Int32(rest.dropFirst()), k >= 0 else { throw bad }
            let n = value + sign * k
            guard n >= rtmin && n <= rtmax else { throw bad }
            self.init(rawValue: n)
            return
        }
        throw bad
    }

    /// `TERM`, `KILL`, or the number for signals without a name.
    public var name: String {
        if let hit = Signal.names.first(where: { $0.1 == rawValue }) { return hit.0 }
        return String(rawValue)
    }
}
