import JobControlSystem

/// A kill request as `jobctl kill` sends it to a monitor: a queued real-time
/// signal whose payload says which signal to deliver and whether to follow
/// it with KILL after a grace period. The monitor, being the job's parent,
/// is the one process that knows the job's PID has not been reused.
public struct KillRequest: Equatable, Sendable {
    public var signal: Int32
    /// Nanoseconds after which whatever is left gets KILL; nil: no follow-up.
    public var grace: Int64?

    public static var carrier: Int32 { SignalNumber.realTimeMin + 2 }

    public init(signal: Int32, grace: Int64?) {
        self.signal = signal
        self.grace = grace
    }

    /// Not a signal: close the job's stdin pipe (`send --eof`).
    public var closeStdin = false

    public var payload: UInt64 {
        var v = UInt64(UInt8(truncatingIfNeeded: signal))
        if let g = grace { v |= 1 << 8 | UInt64(max(0, g) / 1_000_000) << 16 }
        if closeStdin { v |= 1 << 9 }
        return v
    }

    public init(payload v: UInt64) {
        signal = Int32(v & 0xff)
        grace = v & (1 << 8) != 0 ? Int64(v >> 16) * 1_000_000 : nil
        closeStdin = v & (1 << 9) != 0
    }

    public static let eof: KillRequest = {
        var r = KillRequest(signal: 0, grace: nil)
        r.closeStdin = true
        return r
    }()
}

/// The grace period between TERM and KILL when none is given.
public let defaultGrace: Int64 = 10_000_000_000
