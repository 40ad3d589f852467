import CJobControl
import Glibc

/// The signal numbers jobctl names in code, and the real-time range.
public enum SignalNumber {
    public static let hangup = SIGHUP
    public static let interrupt = SIGINT
    public static let quit = SIGQUIT
    public static let kill = SIGKILL
    public static let pipe = SIGPIPE
    public static let terminate = SIGTERM
    public static let child = SIGCHLD
    public static let `continue` = SIGCONT
    public static let stop = SIGSTOP
    public static let user1 = SIGUSR1
    public static let user2 = SIGUSR2
    public static let alarm = SIGALRM
    /// The first real-time signal applications may use (glibc keeps two).
    public static var realTimeMin: Int32 { jc_sigrtmin() }
    public static let realTimeMax: Int32 = 64

    /// Ignores `sig` in this process (and, for ignored signals, across exec).
    public static func ignore(_ sig: Int32) { _ = Glibc.signal(sig, SIG_IGN) }
}

/// A signalfd for a set of signals, which are blocked: they arrive as
/// records to read, in the event loop, rather than as handlers.
public struct SignalFD: ~Copyable {
    public let fd: FileDescriptor
    public init(_ signals: [Int32]) throws(Errno) {
        let raw = try signals.withUnsafeBufferPointer { b throws(Errno) in
            try valueOrErrno("signalfd") { jc_signalfd(b.baseAddress!, CInt(b.count)) }
        }
        fd = FileDescriptor(rawValue: raw)
    }

    public struct Record { public var signal: Int32; public var sender: Int32; public var value: UInt64 }

    /// The next pending record, or nil if none is pending.
    public func next() -> Record? {
        var r = Record(signal: 0, sender: 0, value: 0)
        return jc_signalfd_read(fd.rawValue, &r.signal, &r.sender, &r.value) == 1 ? r : nil
    }
}
