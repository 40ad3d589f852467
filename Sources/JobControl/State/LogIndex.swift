import JobControlSystem

/// Which of a job's streams a piece of its log came from.
public enum LogStream: UInt8, Sendable {
    case stdout = 0, stderr = 1
}

/// `logs/ID.idx`: how `logs/ID.log` came to be. The log holds the bytes
/// exactly as the job wrote them, both streams interleaved in the order the
/// monitor read them; the index says, for each piece, which stream it came
/// from and when. So `logs` is still a plain copy of a file, and
/// `--stdout`, `--stderr` and `--timestamps` are readings of the index.
///
/// Entries are 16 bytes, little-endian: the end of the piece in *logical*
/// offsets (bytes the job has written since it started, dropped ones
/// included), then `micros << 1 | stream`, micros the wall-clock time the
/// piece was read. A piece starts where the entry before it ends. An entry
/// with time 0 is a base: everything before its end was dropped
/// (`--log-max`), and the log then begins with one line saying so.
public struct LogChunk: Equatable, Sendable {
    public var end: Int64
    public var micros: Int64
    public var stream: LogStream
    public var isBase: Bool { micros == 0 }

    public static let size = 16

    public static func base(dropped: Int64) -> LogChunk { LogChunk(end: dropped, micros: 0, stream: .stdout) }

    public var encoded: [UInt8] {
        let a = UInt64(bitPattern: end), b = UInt64(bitPattern: micros << 1) | UInt64(stream.rawValue)
        return (0..<8).map { UInt8(truncatingIfNeeded: a >> ($0 * 8)) } + (0..<8).map { UInt8(truncatingIfNeeded: b >> ($0 * 8)) }
    }

    public init(end: Int64, micros: Int64, stream: LogStream) {
        self.end = end
        self.micros = micros
        self.stream = stream
    }

    /// The entry in the 16 bytes at `at` of `b`.
    public init(_ b: [UInt8], at: Int) {
        var a: UInt64 = 0, t: UInt64 = 0
        for k in 0..<8 {
            a |= UInt64(b[at + k]) << (k * 8)
            t |= UInt64(b[at + 8 + k]) << (k * 8)
        }
        end = Int64(bitPattern: a)
        micros = Int64(bitPattern: t >> 1)
        stream = t & 1 == 1 ? .stderr : .stdout
    }
}

public enum LogIndex {
    /// The log's first line once bytes were dropped.
    public static func header(dropped: Int64) -> [UInt8] { Array("[jobctl: \(dropped) bytes dropped]\n".utf8) }

    static func indexName(_ id: JobID) -> String { "\(StateStore.logsDir)/\(id).idx" }
    static func logName(_ id: JobID) -> String { "\(StateStore.logsDir)/\(id).log" }

    /// `--log-max SIZE`: `10M`, `512K`, `1G`, or bytes; K = 1024. At least
    /// 1K, so that what is kept is more than the line saying what was not.
    public static func parseSize(_ s: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var digits = Substring(s), unit = 1
        if let u = s.last.flatMap({ units[$0] }) { unit = u; digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), n >= 0,
              n <= Int.max / unit / 2, n * unit >= 1024 else { return nil }
        return n * unit
    }
}
