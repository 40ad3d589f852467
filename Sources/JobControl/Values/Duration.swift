import JobControlSystem
/// A non-negative span of time as the contract writes it: a decimal number of
/// seconds with an optional unit suffix `ms`, `s`, `m`, `h` or `d`.
public struct JobDuration: Equatable, Sendable, CustomStringConvertible {
    public let nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The largest accepted: 100 years, so any deadline still fits in an Int64
    /// of nanoseconds on the monotonic clock.
    static let maximum: Int64 = 100 * 365 * 86_400 * 1_000_000_000

    /// Parses `1.5`, `250ms`, `2m`, `1h`, `0`; throws a usage error for
    /// anything else: a sign, NaN, exponents, empty, an unknown unit, or more
    /// than 100 years.
    public init(parsing text: String) throws(JobctlError) {
        let bad = JobctlError.usage("invalid duration '\(text)' (expected e.g. 10, 1.5s, 250ms, 2m, 1h, 1d)")
        var digits = Substring(text)
        var unit: Int64 = 1_000_000_000
        for (suffix, ns) in [("ms", Int64(1_000_000)), ("s", 1_000_000_000), ("m", 60_000_000_000),
                             ("h", 3_600_000_000_000), ("d", 86_400_000_000_000)] where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            unit = ns
            break
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !digits.isEmpty, parts.count <= 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty))
        else { throw bad }
        // Whole part, capped before multiplying so a huge number cannot overflow.
        let whole = parts[0].isEmpty ? 0 : (Int64(parts[0].prefix(19)) ?? Int64.max)
        if parts[0].count > 18 || whole > JobDuration.maximum / unit {
            throw .usage("duration too large: '\(text)' (at most 100 years)")
        }
        var ns = whole * unit
        if parts.count == 2 {
            // Fractional digits, to nanosecond resolution.
            var scale = unit
            for ch in parts[1] {
                scale /= 10
                if scale == 0 { break }
                ns += Int64(ch.wholeNumberValue!) * scale
            }
        }
        if ns > JobDuration.maximum { throw .usage("duration too large: '\(text)' (at most 100 years)") }
        self.nanoseconds = ns
    }

    public var description: String {
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        return "\(nanoseconds / 1_000_000)ms"
    }
}
