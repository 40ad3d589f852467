import JobControlSystem
/// RFC 3339 UTC timestamps with microseconds, as the state file and
/// `ps --json` write them: `2026-11-25T17:24:48.123456Z`.
public enum Timestamp {
    /// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func days(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The length of every timestamp written: `2026-11-25T17:24:48.123456Z`.
    public static let width = 27

    /// Writes the timestamp's `width` bytes at `p`: the hot path of
    /// `ps --json` and of every record, so no String is built.
    public static func write(micros: Int64, to p: UnsafeMutablePointer<UInt8>) {
        let secs = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let frac = micros - secs * 1_000_000
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = secs - days * 86400
        let (y, m, d) = civil(days)
        var at = 0
        func put(_ v: Int64, _ width: Int) {
            var v = v
            for k in stride(from: width - 1, through: 0, by: -1) {
                p[at + k] = UInt8(48 + v % 10)
                v /= 10
            }
            at += width
        }
        func sep(_ c: UInt8) { p[at] = c; at += 1 }
        put(y, 4); sep(45); put(m, 2); sep(45); put(d, 2); sep(84)
        put(rem / 3600, 2); sep(58); put(rem / 60 % 60, 2); sep(58); put(rem % 60, 2)
        sep(46); put(frac, 6); sep(90)
    }

    public static func append(micros: Int64, to out: inout [UInt8]) {
        var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &buf) { b in
            let p = b.bindMemory(to: UInt8.self).baseAddress!
            write(micros: micros, to: p)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: width))
        }
    }

    public static func format(micros: Int64) -> String {
        let secs = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let frac = micros - secs * 1_000_000
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = secs - days * 86400
        let (y, m, d) = civil(days)
        func p(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(rem / 3600, 2)):\(p(rem / 60 % 60, 2)):\(p(rem % 60, 2)).\(p(frac, 6))Z"
    }

    /// Parses what `format` writes (fraction optional); nil otherwise.
    public static func parse<Bytes: RandomAccessCollection>(_ b: Bytes) -> Int64? where Bytes.Element == UInt8, Bytes.Index == Int {
        guard b.count >= 20, b.last == UInt8(ascii: "Z") else { return nil }
        func num(_ from: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for k in from..<from + len {
                let c = b[b.startIndex + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2),
              let mi = num(14, 2), let s = num(17, 2) else { return nil }
        var micros: Int64 = 0
        if b.count > 20 {
            guard b[b.startIndex + 19] == UInt8(ascii: "."), b.count - 21 <= 9, let f = num(20, b.count - 21) else { return nil }
            var scaled = f
            var digits = b.count - 21
            while digits < 6 { scaled *= 10; digits += 1 }
            while digits > 6 { scaled /= 10; digits -= 1 }
            micros = scaled
        }
        return ((days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1_000_000) + micros
    }
}
