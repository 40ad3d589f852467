import Glibc

/// An errno value, named after the C concept as swift-system does.
public struct Errno: Error, Equatable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// The calling thread's errno, read before anything else can change it.
    public static var current: Errno { Errno(rawValue: errno) }
    public var description: String { String(cString: strerror(rawValue)) }

    public static let noEntry = Errno(rawValue: ENOENT)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let ioError = Errno(rawValue: EIO)
    public static let noDevice = Errno(rawValue: ENXIO)  // a FIFO with no reader
    public static let noChildren = Errno(rawValue: ECHILD)
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let exists = Errno(rawValue: EEXIST)
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    public static let noSpace = Errno(rawValue: ENOSPC)
    public static let quotaExceeded = Errno(rawValue: EDQUOT)
    public static let brokenPipe = Errno(rawValue: EPIPE)
    public static let tooManyLinks = Errno(rawValue: ELOOP)
}
